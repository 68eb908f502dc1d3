#!/usr/bin/env python3
"""End-to-end: with interim flow updates on a grid that equals or divides the aggregation period,
each window's sums equal those of the packets whose timestamps fall in it, exactly.

The reference is written from the capture, not from eveflow's code: dpkt decodes each packet,
the flow it belongs to is found by its 5-tuple (the sender of a flow's first packet is its
client, flows split on the meter's idle and active timeouts and TCP close), and its frame size
(captured bytes: the default link accounting) is added to the window of its own timestamp.

  flow_updates.py EVEFLOW_BINARY SHARED_DATA_DIR

Captures: a generated one with a TCP transfer lasting minutes (scapy), and the shared real
captures. A real capture whose packets the reference decodes differently from the meter
(tunnels, fragments, link types it does not read) is reported and left out; at least
MIN_COMPARED of them must be compared. Exit 77 (skipped) without the shared data.
"""
import datetime
import ipaddress
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import warnings

import dpkt

warnings.filterwarnings("ignore", message="IP.off is deprecated")

MIN_COMPARED = 30
IDLE_US, ACTIVE_US, LINGER_US = 120_000_000, 1_800_000_000, 1_000_000
TUNNEL_PORTS = {2152, 37008, 5247}


def read_packets(path):
    """(µs, frame bytes, linktype) for each packet; µs truncated from ns as libpcap gives it."""
    with open(path, "rb") as f:
        head = f.read(24)
        f.seek(0)
        magic = struct.unpack("<I", head[:4])[0] if len(head) >= 4 else 0
        if magic in (0xA1B2C3D4, 0xA1B23C4D, 0xD4C3B2A1, 0x4D3CB2A1):
            return list(read_classic(f.read()))
        return list(read_pcapng(f.read()))


def read_pcapng(data):
    """Enhanced packet blocks with their interface's link type and time resolution (integers
    throughout: a float of nanoseconds since 1970 is not exact)."""
    end, off, ifaces = "<", 0, []
    while off + 12 <= len(data):
        btype = struct.unpack(end + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            end = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack(end + "I", data[off + 4:off + 8])[0]
        body = data[off + 8:off + blen - 4]
        if btype == 1:  # interface description: link type, options (if_tsresol = 9)
            link, units = struct.unpack(end + "H", body[:2])[0], 1_000_000
            o = 8
            while o + 4 <= len(body):
                code, olen = struct.unpack(end + "HH", body[o:o + 4])
                if code == 0:
                    break
                if code == 9:
                    v = body[o + 4]
                    units = 2 ** (v & 0x7F) if v & 0x80 else 10 ** v
                o += 4 + (olen + 3) // 4 * 4
            ifaces.append((link, units))
        elif btype == 6:  # enhanced packet
            iface, high, low, caplen = struct.unpack(end + "IIII", body[:16])
            link, units = ifaces[iface]
            ticks = high << 32 | low
            us = ticks * 1_000_000 // units
            yield us, body[20:20 + caplen], link
        off += blen


def read_classic(data):
    magic_le = struct.unpack("<I", data[:4])[0]
    end = "<" if magic_le in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = struct.unpack(end + "I", data[:4])[0] == 0xA1B23C4D
    link = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            return
        us = sec * 1_000_000 + (frac // 1000 if nano else frac)
        yield us, data[off:off + caplen], link
        off += caplen


class Incomparable(Exception):
    pass


def l3_of(buf, link):
    """The IP layer and the innermost VLAN id, or (None, 0) for a frame without IP."""
    if link == 1:
        eth = dpkt.ethernet.Ethernet(buf)
        vlan = eth.vlan_tags[-1].id if getattr(eth, "vlan_tags", None) else 0
        layer = eth.data
    elif link == 113:
        layer, vlan = dpkt.sll.SLL(buf).data, 0
    elif link in (101, 12, 14, 228, 229):
        layer, vlan = (dpkt.ip6.IP6(buf) if buf[0] >> 4 == 6 else dpkt.ip.IP(buf)), 0
    elif link in (0, 108):
        layer, vlan = dpkt.loopback.Loopback(buf).data, 0
    else:
        raise Incomparable(f"link type {link}")
    if isinstance(layer, (dpkt.ip.IP, dpkt.ip6.IP6)):
        return layer, vlan
    return None, 0  # ARP and the like: no flow (the packet totals check the meter agrees)


def decode(buf, link):
    """(src, dst, sport, dport, proto, vlan, tcp_flags) or None for a packet no flow counts."""
    if len(buf) < 28:
        return None
    ip, vlan = l3_of(buf, link)
    if ip is None:
        return None
    if isinstance(ip, dpkt.ip.IP):
        if ip.off & 0x3FFF:
            raise Incomparable("fragment")
        src, dst = ipaddress.ip_address(ip.src), ipaddress.ip_address(ip.dst)
    else:
        if 44 in getattr(ip, "extension_hdrs", {}) and ip.extension_hdrs.get(44) is not None:
            raise Incomparable("fragment")
        src, dst = ipaddress.ip_address(ip.src), ipaddress.ip_address(ip.dst)
    proto = ip.p
    if proto in (4, 41, 47):
        raise Incomparable("tunnel")
    l4 = ip.data
    sport = dport = flags = 0
    if proto in (6, 17, 132) and isinstance(l4, (dpkt.tcp.TCP, dpkt.udp.UDP, dpkt.sctp.SCTP)):
        sport, dport = l4.sport, l4.dport
        if proto == 6:
            flags = l4.flags
        if proto == 17 and (sport in TUNNEL_PORTS or dport in TUNNEL_PORTS):
            raise Incomparable("udp tunnel")
    elif proto in (6, 17, 132):
        raise Incomparable("short transport header")
    return str(src), str(dst), sport, dport, proto, vlan, flags


class Flows:
    """Which flow each packet belongs to, as the meter splits them."""

    def __init__(self):
        self.open = {}  # normalised key -> flow dict
        self.all = []

    def packet(self, us, d):
        src, dst, sport, dport, proto, vlan, flags = d
        a, b = sorted([(src, sport), (dst, dport)], key=lambda e: (ipaddress.ip_address(e[0]).packed.rjust(16, b"\0"), e[1]))
        key = (a, b, proto, vlan)
        f = self.open.get(key)
        if f is not None and self.ended(f, us, proto, flags):
            f = None
        if f is None:
            f = {"client": (src, sport), "server": (dst, dport), "proto": proto, "first": us,
                 "last": us, "fin": set(), "closed_at": None, "id": len(self.all)}
            self.open[key] = f
            self.all.append(f)
        f["last"] = us
        if proto == 6 and f["closed_at"] is None:
            if flags & 0x01:
                f["fin"].add((src, sport))
            if flags & 0x04 or len(f["fin"]) == 2:
                f["closed_at"] = us
        return f, (src, sport) == f["client"]

    @staticmethod
    def ended(f, us, proto, flags):
        if us - f["last"] >= IDLE_US or us - f["first"] >= ACTIVE_US:
            return True
        if f["closed_at"] is not None:
            return (proto == 6 and flags & 0x12 == 0x02) or us - f["closed_at"] >= LINGER_US
        return False


def fmt(us):
    t = datetime.datetime.fromtimestamp(us // 1_000_000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % (us % 1_000_000)


def reference(packets, period_us):
    flows = Flows()
    win = {}
    for us, buf, link in packets:
        d = decode(buf, link)
        if d is None:
            continue
        f, to_server = flows.packet(us, d)
        key = (fmt(us // period_us * period_us), f["client"][0], f["server"][0], f["server"][1],
               f["proto"])
        w = win.setdefault(key, {"pkts": [0, 0], "bytes": [0, 0], "first": us, "last": us,
                                 "active": set(), "flows": 0})
        i = 0 if to_server else 1
        w["pkts"][i] += 1
        w["bytes"][i] += len(buf)
        w["first"], w["last"] = min(w["first"], us), max(w["last"], us)
        w["active"].add(f["id"])
    for f in flows.all:
        key = (fmt(f["last"] // period_us * period_us), f["client"][0], f["server"][0],
               f["server"][1], f["proto"])
        win[key]["flows"] += 1
    return win, len(flows.all), sum(sum(w["pkts"]) for w in win.values())


PROTO = {1: "ICMP", 6: "TCP", 17: "UDP", 58: "IPv6-ICMP", 132: "SCTP", 2: "IGMP", 47: "GRE",
         50: "ESP", 51: "AH", 89: "OSPF", 103: "PIM", 112: "VRRP", 0: "HOPOPT", 136: "UDPLite"}


def ours(agg_path):
    got = {}
    for line in open(agg_path):
        r = json.loads(line)
        assert not r.get("late"), f"late record: {line}"
        key = (r["window_start"], r["src_ip"], r["dest_ip"], r["dest_port"], r["proto"])
        assert key not in got, f"two records for one window and key: {line}"
        got[key] = r
    return got


def compare(name, want, got):
    errors = []
    for key, w in want.items():
        k = key[:4] + (PROTO.get(key[4], str(key[4])),)
        r = got.pop(k, None)
        if r is None:
            errors.append(f"{name}: missing {k}")
            continue
        mine = (r["pkts_toserver"], r["pkts_toclient"], r["bytes_toserver"], r["bytes_toclient"],
                r["first_seen"], r["last_seen"], r.get("flows_active"), r["flows"])
        ref = (w["pkts"][0], w["pkts"][1], w["bytes"][0], w["bytes"][1], fmt(w["first"]),
               fmt(w["last"]), len(w["active"]), w["flows"])
        if mine != ref:
            errors.append(f"{name}: {k}: got {mine}, want {ref}")
    errors += [f"{name}: unexpected {k}" for k in got]
    return errors


def check_flow_records(name, path):
    """Updates carry reason update and their flow's final flow_id; ids < 2^53. Returns
    (final records, their packets, flow ids)."""
    finals, pkts, ids, updates = 0, 0, set(), set()
    for line in open(path):
        r = json.loads(line)
        assert 0 < r["flow_id"] < 2 ** 53, f"{name}: flow_id {r['flow_id']}"
        if r["flow"]["reason"] == "update":
            updates.add(r["flow_id"])
            continue
        assert r["flow_id"] not in ids, f"{name}: two final records with flow_id {r['flow_id']}"
        ids.add(r["flow_id"])
        finals += 1
        pkts += r["flow"]["pkts_toserver"] + r["flow"]["pkts_toclient"]
    assert updates <= ids, f"{name}: updates without a final record: {updates - ids}"
    return finals, pkts, ids, len(updates)


def run(binary, capture, period, interval, tmp):
    agg, flows = os.path.join(tmp, "agg.jsonl"), os.path.join(tmp, "flows.jsonl")
    subprocess.run([binary, "--pcap", capture, "--period", f"{period}s", "--flow-update-interval",
                    f"{interval}s", "--jsonl", agg, "--flows-jsonl", flows, "--log-level",
                    "error"], check=False, stderr=subprocess.DEVNULL)
    return agg, flows


def long_transfer(path):
    """A TCP transfer of six minutes (both directions, a packet every 0.1-2 s), a UDP stream of
    three minutes beside it and a few short flows; times off any grid."""
    from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap
    rng = random.Random(16)
    t0 = 1_700_000_017.123456
    pkts = []

    def add(t, p):
        p.time = round(t, 6)
        pkts.append(p)

    c, s = "192.0.2.10", "198.51.100.20"
    e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    add(t0, e / IP(src=c, dst=s) / TCP(sport=50000, dport=443, flags="S"))
    add(t0 + 0.01, e / IP(src=s, dst=c) / TCP(sport=443, dport=50000, flags="SA"))
    add(t0 + 0.02, e / IP(src=c, dst=s) / TCP(sport=50000, dport=443, flags="A"))
    t = t0 + 0.05
    while t < t0 + 360:
        up = rng.random() < 0.3
        src, dst, sp, dp = (c, s, 50000, 443) if up else (s, c, 443, 50000)
        add(t, e / IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags="PA") /
            Raw(b"x" * rng.randrange(1, 1400)))
        t += rng.uniform(0.1, 2.0)
    add(t, e / IP(src=c, dst=s) / TCP(sport=50000, dport=443, flags="FA"))
    add(t + 0.01, e / IP(src=s, dst=c) / TCP(sport=443, dport=50000, flags="FA"))
    add(t + 0.02, e / IP(src=c, dst=s) / TCP(sport=50000, dport=443, flags="A"))
    t = t0 + 30.5
    while t < t0 + 210:
        add(t, e / IP(src="192.0.2.11", dst=s) / UDP(sport=40000, dport=5004) / Raw(b"r" * 160))
        t += rng.uniform(0.5, 3.0)
    for i in range(20):
        t = t0 + rng.uniform(0, 300)
        add(t, e / IP(src="192.0.2.12", dst=s) / UDP(sport=30000 + i, dport=53) / Raw(b"q" * 30))
        add(t + 0.02, e / IP(src=s, dst="192.0.2.12") / UDP(sport=53, dport=30000 + i) /
            Raw(b"a" * 60))
    pkts.sort(key=lambda p: p.time)
    wrpcap(path, pkts)


def check(binary, capture, grids, tmp, label):
    """Errors of one capture over the grids; raises Incomparable when the reference cannot
    decode it as the meter does."""
    packets = read_packets(capture)
    errors = []
    for period, interval in grids:
        want, nflows, npkts = reference(packets, period * 1_000_000)
        agg, flows = run(binary, capture, period, interval, tmp)
        finals, pkts, _, _ = check_flow_records(label, flows)
        if (finals, pkts) != (nflows, npkts):
            raise Incomparable(f"meter {finals} flows {pkts} packets, reference {nflows} {npkts}")
        errors += compare(f"{label} period={period}s update={interval}s", want, ours(agg))
    return errors


def main():
    binary, data = sys.argv[1], sys.argv[2]
    pcap_dir = os.path.join(data, "pcap")
    if not os.path.isdir(pcap_dir):
        print(f"skipped: shared data not found at {data} (set EVEFLOW_SHARED_DATA)")
        return 77
    errors, compared, left_out = [], 0, []
    with tempfile.TemporaryDirectory(prefix="eveflow-updates.") as tmp:
        long_pcap = os.path.join(tmp, "long_transfer.pcap")
        long_transfer(long_pcap)
        errors += check(binary, long_pcap, [(60, 60), (60, 20), (60, 15), (300, 60)], tmp,
                        "long_transfer")
        _, flows = run(binary, long_pcap, 60, 60, tmp)
        _, _, first_ids, updated = check_flow_records("long_transfer", flows)
        if updated < 2:
            errors.append(f"long_transfer: {updated} flows with updates, want the long ones")
        _, flows = run(binary, long_pcap, 60, 60, tmp)
        _, _, second_ids, _ = check_flow_records("long_transfer", flows)
        if first_ids & second_ids:
            errors.append(f"flow_ids used again by a second run: {sorted(first_ids & second_ids)}")
        captures = sorted(os.path.join(r, n) for r, _, ns in os.walk(pcap_dir) for n in ns
                          if n.endswith((".pcap", ".pcapng")) and "/bad" not in r)
        for cap in captures:
            rel = os.path.relpath(cap, data)
            try:
                errors += check(binary, cap, [(10, 10), (10, 5), (60, 20)], tmp, rel)
                compared += 1
            except (Incomparable, dpkt.dpkt.UnpackError, ValueError) as e:
                left_out.append(f"{rel}: {e}")
    for line in left_out:
        print(f"left out {line}")
    for e in errors[:40]:
        print(f"FAIL {e}")
    if compared < MIN_COMPARED:
        errors.append(f"only {compared} captures compared")
        print(f"FAIL only {compared} captures compared (want {MIN_COMPARED})")
    print(f"{compared} real captures and long_transfer compared, {len(left_out)} left out, "
          f"{len(errors)} differences")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
