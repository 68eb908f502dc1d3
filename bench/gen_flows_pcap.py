#!/usr/bin/python3
"""Writes the captures of the meter's memory and scan benchmarks (into /tmp; never committed).

  gen_flows_pcap.py concurrent N OUT.pcap [--span S]
      N TCP flows that are all active at the end of the capture: flow i is a SYN from
      10.(i>>16).(i>>8).i:(1024 + i % 60000) to 192.0.2.1:80 and, 1 us later, one data packet
      with an HTTP GET; the N flows start evenly within S seconds (default 2), so no idle or
      active timeout can end one before the capture ends.
  gen_flows_pcap.py scan N OUT.pcap SYNSCAN.pcap [--rate PPS]
      SYNSCAN.pcap (nmap's SYN scan, about 2000 one-packet flows) copied until N flows: copy k
      XORs bits 8-23 of every IPv4 address with k (so each copy's flows are new, a copy's pairs
      stay consistent), packets PPS apart (default 5000/s), checksums recomputed.

Prints the packet and flow counts written. Only the standard library and dpkt (python3-dpkt).
"""
import argparse
import array
import socket
import struct
import sys

import dpkt

PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)  # ethernet
ETH = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
T0 = 1_700_000_000


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(array.array("H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF  # in the byte order of the words summed: pack it "<H"


def ipv4_tcp(src, dst, sport, dport, flags, seq, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("<H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("<H", csum(ip)) + ip[12:]
    return ETH + ip + tcp


def record(out, ts, frame):
    sec = int(ts)
    out.write(struct.pack("<IIII", sec, int(round((ts - sec) * 1e6)), len(frame), len(frame)))
    out.write(frame)


def concurrent(n, path, span):
    get = b"GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: bench\r\n\r\n"
    dst = socket.inet_aton("192.0.2.1")
    step = span / n
    with open(path, "wb") as out:
        out.write(PCAP_HEADER)
        for i in range(n):
            src = bytes((10, (i >> 16) & 255, (i >> 8) & 255, i & 255))
            sport = 1024 + i % 60000
            ts = T0 + i * step
            record(out, ts, ipv4_tcp(src, dst, sport, 80, 0x02, 1000, b""))
            record(out, ts + 1e-6, ipv4_tcp(src, dst, sport, 80, 0x18, 1001, get))
    print(f"packets={2 * n} flows={n}")


def scan_packets(synscan):
    """The IPv4 packets of the capture as dpkt Ethernet objects."""
    with open(synscan, "rb") as f:
        for _ts, buf in dpkt.pcap.Reader(f):
            eth = dpkt.ethernet.Ethernet(buf)
            if isinstance(eth.data, dpkt.ip.IP):
                yield eth


def shifted(eth, k):
    ip = eth.data
    mask = struct.pack("!I", (k & 0xFFFF) << 8)
    ip.src = bytes(a ^ b for a, b in zip(ip.src, mask))
    ip.dst = bytes(a ^ b for a, b in zip(ip.dst, mask))
    ip.sum = 0
    if isinstance(ip.data, (dpkt.tcp.TCP, dpkt.udp.UDP, dpkt.icmp.ICMP)):
        ip.data.sum = 0
    return bytes(eth)


def scan(n, path, synscan, rate):
    base = list(scan_packets(synscan))
    keys = {(e.data.src, e.data.dst, e.data.p, getattr(e.data.data, "sport", 0),
             getattr(e.data.data, "dport", 0)) for e in base}
    copies = -(-n // len(keys))
    if copies > 0xFFFF:
        sys.exit("too many copies for a 16-bit address shift")
    raw = [bytes(e) for e in base]
    packets = 0
    with open(path, "wb") as out:
        out.write(PCAP_HEADER)
        for k in range(copies):
            for buf in raw:
                frame = shifted(dpkt.ethernet.Ethernet(buf), k) if k else buf
                record(out, T0 + packets / rate, frame)
                packets += 1
    print(f"packets={packets} flows~={copies * len(keys)} (copies={copies} "
          f"flows_per_copy={len(keys)} one-way 5-tuples)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["concurrent", "scan"])
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("synscan", nargs="?")
    ap.add_argument("--span", type=float, default=2.0)
    ap.add_argument("--rate", type=float, default=5000.0)
    a = ap.parse_args()
    if a.mode == "concurrent":
        concurrent(a.n, a.out, a.span)
    else:
        if not a.synscan:
            sys.exit("scan needs SYNSCAN.pcap")
        scan(a.n, a.out, a.synscan, a.rate)


if __name__ == "__main__":
    main()
