#!/usr/bin/python3
"""Writes small captures for the decoder and flow-table tests, each with <name>.expect.json.

Usage: pcap_fixtures.py OUT_DIR
Packets are built with scapy; the expectation files list, per flow, what was written (client,
server, protocol, VLAN ids, packets, frame bytes and L3/L4/payload sizes per direction) and
per capture the frames that must be skipped, by reason. Deterministic (fixed times, no RNG).
"""
import json
import os
import struct
import sys

from scapy.all import (ARP, IP, TCP, UDP, CookedLinux, Dot1AD, Dot1Q, Ether, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw, conf)
from scapy.contrib.mpls import MPLS
from scapy.contrib.gtp import GTP_U_Header

conf.verb = 0
T0 = 1_700_000_000


def pcap_bytes(frames, linktype, nano=False):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack("<IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)]
    for ts, data in frames:
        sec, frac = int(ts), round((ts - int(ts)) * (1e9 if nano else 1e6))
        out.append(struct.pack("<IIII", sec, frac, len(data), len(data)) + data)
    return b"".join(out)


def pcapng_bytes(frames, linktype):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
           block(1, struct.pack("<HHI", linktype, 0, 65535))]
    for ts, data in frames:   # default resolution: microseconds
        us = round(ts * 1e6)
        out.append(block(6, struct.pack("<IIIII", 0, us >> 32, us & 0xFFFFFFFF, len(data),
                                        len(data)) + data))
    return b"".join(out)


class Capture:
    def __init__(self, name, linktype=1):
        self.name, self.linktype = name, linktype
        self.frames, self.flows, self.skipped = [], {}, {}
        self.t = T0

    def add(self, frame, flow=None, direction=0, dt=0.5, sizes=None, vlan=None):
        """Adds a frame; `flow` = (client, cport, server, sport, proto) it belongs to."""
        data = bytes(frame) if not isinstance(frame, bytes) else frame
        self.t += dt
        self.frames.append((self.t, data))
        if flow is None:
            return
        f = self.flows.setdefault(flow + tuple(vlan or []), {"client": flow[0], "client_port": flow[1],
                                         "server": flow[2], "server_port": flow[3],
                                         "proto": flow[4], "vlan": vlan or [],
                                         "pkts": [0, 0], "bytes": [0, 0],
                                         "ip": [0, 0], "transport": [0, 0], "payload": [0, 0],
                                         "trace": []})
        f["pkts"][direction] += 1
        f["bytes"][direction] += len(data)
        f["trace"].append([direction, len(data), int(self.t) * 1_000_000 + round((self.t - int(self.t)) * 1e6)])
        if sizes:
            for k in ("ip", "transport", "payload"):
                f[k][direction] += sizes[k]

    def skip(self, frame, reason, dt=0.5):
        self.add(frame, dt=dt)
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def write(self, out_dir, fmt="pcap"):
        path = os.path.join(out_dir, self.name)
        data = (pcapng_bytes(self.frames, self.linktype) if fmt == "pcapng"
                else pcap_bytes(self.frames, self.linktype, nano=(fmt == "pcap-ns")))
        with open(path, "wb") as f:
            f.write(data)
        with open(path + ".expect.json", "w") as f:
            json.dump({"flows": list(self.flows.values()), "skipped": self.skipped,
                       "frames": len(self.frames)}, f, indent=1)


def sizes_of(ip_pkt):
    """L3, L4 and payload sizes of a scapy IP/IPv6 packet (the innermost one for tunnels)."""
    ipb = bytes(ip_pkt)
    l4 = ip_pkt.payload
    while isinstance(l4, (IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting,
                          IPv6ExtHdrFragment, IP, IPv6)):
        if isinstance(l4, (IP, IPv6)):
            ipb = bytes(l4)
        l4 = l4.payload
    pay = bytes(l4.payload) if isinstance(l4, (TCP, UDP)) else bytes(l4)
    return {"ip": len(ipb), "transport": len(bytes(l4)), "payload": len(pay)}


def tcp_conversation(cap, wrap, c, s, sport=40000, dport=80, v6=False, vlan=None, dt=0.5):
    ipc = IPv6 if v6 else IP
    steps = [(0, "S", b""), (1, "SA", b""), (0, "A", b""), (0, "PA", b"GET / HTTP/1.1\r\n\r\n"),
             (1, "PA", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), (0, "FA", b""),
             (1, "FA", b""), (0, "A", b"")]
    for d, flags, pay in steps:
        ip = (ipc(src=c, dst=s) / TCP(sport=sport, dport=dport, flags=flags) / Raw(pay)) if d == 0 \
            else (ipc(src=s, dst=c) / TCP(sport=dport, dport=sport, flags=flags) / Raw(pay))
        cap.add(wrap(ip), (c, sport, s, dport, 6), d, dt=dt, sizes=sizes_of(ip), vlan=vlan)


def udp_pair(cap, wrap, c, s, sport=5353, dport=53, v6=False, vlan=None, n=2):
    ipc = IPv6 if v6 else IP
    for i in range(n):
        d = i % 2
        ip = ipc(src=c if d == 0 else s, dst=s if d == 0 else c) / UDP(
            sport=sport if d == 0 else dport, dport=dport if d == 0 else sport) / Raw(b"x" * (10 + i))
        cap.add(wrap(ip), (c, sport, s, dport, 17), d, sizes=sizes_of(ip), vlan=vlan)


def eth(ip):
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / ip


def datalinks(out):
    links = {
        "link_ethernet.pcap": (1, eth, "pcap"),
        "link_ethernet_ns.pcap": (1, eth, "pcap-ns"),
        "link_ethernet.pcapng": (1, eth, "pcapng"),
        "link_sll.pcap": (113, lambda ip: CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6,
                                                      proto=0x86DD if ip.version == 6 else 0x0800) / ip, "pcap"),
        "link_null.pcap": (0, lambda ip: struct.pack("<I", 2 if ip.version == 4 else 30) + bytes(ip), "pcap"),
        "link_loop.pcap": (108, lambda ip: struct.pack(">I", 2 if ip.version == 4 else 30) + bytes(ip), "pcap"),
        "link_raw.pcap": (101, lambda ip: bytes(ip), "pcap"),
        "link_ipv4.pcap": (228, lambda ip: bytes(ip), "pcap"),
        "link_ppp.pcap": (9, lambda ip: b"\xff\x03" + struct.pack(">H", 0x21 if ip.version == 4 else 0x57) + bytes(ip), "pcap"),
        "link_chdlc.pcap": (104, lambda ip: b"\x0f\x00" + struct.pack(">H", 0x0800 if ip.version == 4 else 0x86DD) + bytes(ip), "pcap"),
    }
    for name, (lt, wrap, fmt) in links.items():
        cap = Capture(name, lt)
        tcp_conversation(cap, wrap, "10.0.0.1", "10.0.0.2")
        if lt != 228:
            udp_pair(cap, wrap, "2001:db8::1", "2001:db8::2", v6=True)
        cap.write(out, fmt)
    cap = Capture("link_ipv6.pcap", 229)
    udp_pair(cap, bytes, "2001:db8::1", "2001:db8:1::2", v6=True)
    cap.write(out)


def encapsulations(out):
    cap = Capture("encap.pcap")
    e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    tcp_conversation(cap, lambda ip: e / Dot1Q(vlan=10) / ip, "10.1.0.1", "10.1.0.2", vlan=[10])
    tcp_conversation(cap, lambda ip: e / Dot1AD(vlan=100) / Dot1Q(vlan=20) / ip, "10.1.0.1",
                     "10.1.0.2", vlan=[100, 20])
    udp_pair(cap, lambda ip: e / MPLS(label=16, s=0) / MPLS(label=17, s=1) / ip, "10.2.0.1", "10.2.0.2")
    for i in range(2):
        ip = IP(src="10.3.0.1", dst="10.3.0.2") / UDP(sport=1000, dport=2000) / Raw(b"p" * (5 + i))
        frame = bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02", type=0x8864)) + \
            struct.pack(">BBHH", 0x11, 0, 1, len(bytes(ip)) + 2) + b"\x00\x21" + bytes(ip)
        cap.add(frame, ("10.3.0.1", 1000, "10.3.0.2", 2000, 17), 0, sizes=sizes_of(ip))
    cap.skip(e / ARP(psrc="10.0.0.1", pdst="10.0.0.2"), "non_ip")
    cap.skip(bytes(eth(IP(src="10.0.0.1", dst="10.0.0.2") / UDP()))[:20], "too_short")
    cap.write(out)


def ipv6_and_fragments(out):
    cap = Capture("ipv6_frag.pcap")
    c, s = "2001:db8::10", "2001:db8::20"
    ip = IPv6(src=c, dst=s) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(addresses=[]) / \
        UDP(sport=1111, dport=2222) / Raw(b"ext")
    cap.add(eth(ip), (c, 1111, s, 2222, 17), 0, sizes=sizes_of(ip))
    first = IPv6(src=c, dst=s) / IPv6ExtHdrFragment(offset=0, m=1, id=7) / UDP(sport=3333, dport=4444) / Raw(b"a" * 64)
    cap.add(eth(first), (c, 3333, s, 4444, 17), 0, sizes=sizes_of(first))
    cap.skip(eth(IPv6(src=c, dst=s) / IPv6ExtHdrFragment(offset=9, m=0, id=7, nh=17) / Raw(b"b" * 32)), "fragment")
    first4 = IP(src="10.9.0.1", dst="10.9.0.2", flags="MF", id=5) / UDP(sport=5555, dport=6666) / Raw(b"c" * 64)
    cap.add(eth(first4), ("10.9.0.1", 5555, "10.9.0.2", 6666, 17), 0, sizes=sizes_of(first4))
    cap.skip(eth(IP(src="10.9.0.1", dst="10.9.0.2", frag=9, id=5, proto=17) / Raw(b"d" * 32)), "fragment")
    # A first fragment whose 12 bytes of TCP header are short: ports read 0.
    short = IP(src="10.9.0.3", dst="10.9.0.4", proto=6, flags="MF") / Raw(b"\x00" * 12)
    cap.add(eth(short), ("10.9.0.3", 0, "10.9.0.4", 0, 6), 0, sizes={"ip": 32, "transport": 12, "payload": 12})
    # IPv4 total length beyond the captured bytes: truncated.
    trunc = bytearray(bytes(eth(IP(src="10.9.0.5", dst="10.9.0.6") / UDP(sport=1, dport=2) / Raw(b"e" * 40))))
    trunc = bytes(trunc[:-10])
    cap.skip(trunc, "truncated")
    cap.write(out)


def tunnels(out):
    cap = Capture("tunnels.pcap")
    outer4 = IP(src="192.0.2.1", dst="192.0.2.2")
    gtp = lambda ip: eth(outer4 / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=1, gtp_type=255) / ip)
    tcp_conversation(cap, gtp, "10.20.0.1", "10.20.0.2")
    ipip = lambda ip: eth(IP(src="192.0.2.3", dst="192.0.2.4", proto=4) / ip)
    udp_pair(cap, ipip, "10.21.0.1", "10.21.0.2")
    six4 = lambda ip: eth(IP(src="192.0.2.5", dst="192.0.2.6", proto=41) / ip)
    udp_pair(cap, six4, "2001:db8:6::1", "2001:db8:6::2", v6=True)
    four6 = lambda ip: eth(IPv6(src="2001:db8:7::1", dst="2001:db8:7::2", nh=4) / ip)
    udp_pair(cap, four6, "10.22.0.1", "10.22.0.2")
    # TZSP (udp/37008: version 1, received, Ethernet; one tagged field, then END) and CAPWAP
    # data (udp/5247, 8-byte header, 802.3 frame): the flow is the inner one.
    tzsp = lambda ip: eth(IP(src="192.0.2.9", dst="192.0.2.10") / UDP(sport=40001, dport=37008) /
                          Raw(b"\x01\x00\x00\x01" + b"\x0a\x01\x55" + b"\x01" + bytes(eth(ip))))
    udp_pair(cap, tzsp, "10.23.0.1", "10.23.0.2")
    capwap_hdr = struct.pack(">II", (2 << 19) | (1 << 9), 0)
    capwap = lambda ip: eth(IP(src="192.0.2.11", dst="192.0.2.12") / UDP(sport=40002, dport=5247) /
                            Raw(capwap_hdr + bytes(eth(ip))))
    tcp_conversation(cap, capwap, "10.24.0.1", "10.24.0.2")
    # Teredo (UDP 3544) stays a UDP flow.
    inner = IPv6(src="2001:0::1", dst="2001:db8::99") / UDP(sport=7, dport=8)
    ter = IP(src="192.0.2.7", dst="192.0.2.8") / UDP(sport=3544, dport=3544) / Raw(bytes(inner))
    cap.add(eth(ter), ("192.0.2.7", 3544, "192.0.2.8", 3544, 17), 0, sizes=sizes_of(ter))
    cap.write(out)


def expiry(out):
    """One capture for the flow-table tests (run with small timeouts; see the C++ test)."""
    cap = Capture("expiry.pcap")
    # flow A: 3 packets 1 s apart, then a 100 s gap, then 1 more (idle timeout 10 s: 2 records)
    for i, dt in enumerate([1, 1, 1, 100]):
        ip = IP(src="10.30.0.1", dst="10.30.0.2") / UDP(sport=1000, dport=2000) / Raw(b"a" * (i + 1))
        cap.add(eth(ip), ("10.30.0.1", 1000, "10.30.0.2", 2000, 17), 0, dt=dt)
    # flow B: a packet every 2 s for 40 s (active timeout 15 s: several records)
    for i in range(20):
        ip = IP(src="10.31.0.1", dst="10.31.0.2") / UDP(sport=1000, dport=2000) / Raw(b"b")
        cap.add(eth(ip), ("10.31.0.1", 1000, "10.31.0.2", 2000, 17), 0, dt=2)
    # flow C: a TCP conversation closed by FIN/FIN, then the same ports reused 0.1 s later
    tcp_conversation(cap, eth, "10.32.0.1", "10.32.0.2", dt=0.01)
    cap.add(eth(IP(src="10.32.0.1", dst="10.32.0.2") / TCP(sport=40000, dport=80, flags="S")), dt=0.1)
    cap.write(out)
    # LRU: 10 distinct flows, one packet each; flow 0 gets a second packet after flow 5.
    lru = Capture("lru.pcap")
    for i in range(10):
        ip = IP(src="10.40.0.%d" % (i + 1), dst="10.40.1.1") / UDP(sport=1000, dport=2000)
        lru.add(eth(ip), ("10.40.0.%d" % (i + 1), 1000, "10.40.1.1", 2000, 17), 0, dt=0.1)
        if i == 5:
            ip = IP(src="10.40.0.1", dst="10.40.1.1") / UDP(sport=1000, dport=2000)
            lru.add(eth(ip), ("10.40.0.1", 1000, "10.40.1.1", 2000, 17), 0, dt=0.1)
    lru.write(out)


def stats_capture(out):
    """Varied sizes and gaps in both directions, for the mean/stddev checks."""
    cap = Capture("stats.pcap")
    sizes = [0, 100, 7, 1400, 33, 512, 2, 900, 64, 64, 1200, 5]
    gaps = [0.001, 0.25, 0.003, 1.5, 0.02, 0.5, 0.007, 2.25, 0.1, 0.06, 0.3, 0.011]
    for i, (n, g) in enumerate(zip(sizes, gaps)):
        d = 1 if i % 3 == 1 else 0
        src, dst = ("10.50.0.1", "10.50.0.2") if d == 0 else ("10.50.0.2", "10.50.0.1")
        ip = IP(src=src, dst=dst) / TCP(sport=1234 if d == 0 else 443, dport=443 if d == 0 else 1234,
                                        flags="PA") / Raw(b"z" * n)
        cap.add(eth(ip), ("10.50.0.1", 1234, "10.50.0.2", 443, 6), d, dt=g, sizes=sizes_of(ip))
    cap.write(out)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    datalinks(out)
    encapsulations(out)
    ipv6_and_fragments(out)
    tunnels(out)
    expiry(out)
    stats_capture(out)


if __name__ == "__main__":
    main()
