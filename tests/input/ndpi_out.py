#!/usr/bin/python3
"""Compares the meter's per-flow records with ndpiReader 4.2's `-v 2` output (`.out` files).

Usage: ndpi_out.py [--suffix .out] RESULT_DIR OURS_DIR CAPTURE...
  RESULT_DIR holds <capture><suffix>, OURS_DIR holds <capture>.jsonl (one flow record a line).
Flows are matched as a set keyed by VLAN + L4 protocol + unordered endpoints; per flow the
direction, packets and bytes of each direction and the protocol name must agree. Known
ndpiReader errors are listed in EXPECTED with their reason. Prints every mismatch, then a
summary line; exits 1 on an unexpected mismatch or when under 98% of the flows match.
"""
import ipaddress
import itertools
import json
import re
import sys

L4 = {b"TCP": 6, b"UDP": 17, b"ICMP": 1, b"ICMPV6": 58, b"IGMP": 2, b"VRRP": 112, b"SCTP": 132}
SURICATA_L4 = {"TCP": 6, "UDP": 17, "ICMP": 1, "IPv6-ICMP": 58, "IGMP": 2, "VRRP": 112,
               "SCTP": 132, "GRE": 47, "ESP": 50, "AH": 51}

# (capture, the flow as the .out writes it: "L4 src -> dst") -> why ndpiReader is wrong there.
EXPECTED = {
    ("synscan.pcap", "TCP 172.16.0.8:36050 -> 64.13.134.52:22"):
        "ndpiReader 4.2 flow lookup bug: 1 SYN out and 4 SYN-ACKs back are counted as 5 "
        "packets one way (data README section 2)",
    ("ajp.pcap", "80 93.88.129.0:0 -> 0.7.8.0:0"):
        "Cisco FabricPath frames (ethertype 0x8903) read as IPv4 by ndpiReader; not IP",
    ("ajp.pcap", "80 142.243.129.0:0 -> 0.7.8.0:0"):
        "Cisco FabricPath frames (ethertype 0x8903) read as IPv4 by ndpiReader; not IP",
}

FLOW_RE = re.compile(rb"^\t(\d+)\t(\S+) (\S+) (<->|->) (\S+) (.*)$")
COUNT_RE = re.compile(rb"\[(\d+) pkts/(\d+) bytes (<->|->) (\d+) pkts/(\d+) bytes\]")
VLAN_RE = re.compile(rb"\[VLAN: (\d+)\]")
PROTO_RE = re.compile(rb"\[proto: ([^\]/]*)/([^\]]*)\]")


def v6_candidates(text):
    """ndpiReader replaced every ':0:' of inet_ntop's output with '::': undo it. One '::'
    expands unambiguously; with two, one of them stands for exactly one zero group."""
    parts = text.split("::")
    if len(parts) <= 2:
        return {ipaddress.IPv6Address(text)}
    out = set()
    groups = [p.split(":") if p else [] for p in parts]
    present = sum(len(g) for g in groups)
    missing = 8 - present
    for fills in itertools.product(range(1, missing + 1), repeat=len(parts) - 1):
        if sum(fills) != missing:
            continue
        words = list(groups[0])
        for fill, g in zip(fills, groups[1:]):
            words += ["0"] * fill + g
        try:
            out.add(ipaddress.IPv6Address(":".join(words)))
        except ValueError:
            pass
    return out


def endpoint(raw):
    s = raw.decode("ascii")
    if s.startswith("["):
        addr, port = s[1:].rsplit("]:", 1)
        return [(a, int(port)) for a in v6_candidates(addr)]
    addr, port = s.rsplit(":", 1)
    return [(ipaddress.IPv4Address(addr), int(port))]


def parse_out(path):
    """The flows of a .out file: list of dicts (candidates for the endpoints)."""
    flows = []
    with open(path, "rb") as f:
        for line in f.read().split(b"\n"):
            m = FLOW_RE.match(line)
            if not m or line.startswith(b"\t1\t "):
                continue
            l4, src, arrow, dst, rest = m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)
            c = COUNT_RE.search(rest)
            p = PROTO_RE.search(rest)
            if not c or not p:
                continue
            proto = L4[l4] if l4 in L4 else int(l4)
            v = VLAN_RE.search(rest)
            flows.append({
                "text": b" ".join([l4, src, b"->", dst]).decode("ascii", "replace"),
                "proto": proto, "vlan": int(v.group(1)) if v else 0,
                "src": endpoint(src), "dst": endpoint(dst),
                "c2s": (int(c.group(1)), int(c.group(2))), "s2c": (int(c.group(4)), int(c.group(5))),
                "name": p.group(2).decode("utf-8", "replace"),
            })
    return flows


def key(vlan, proto, a, b):
    return (vlan, proto, frozenset([a, b]))


def parse_ours(path):
    flows = {}
    with open(path, "rb") as f:
        for line in f:
            r = json.loads(line)
            proto = SURICATA_L4.get(r["proto"]) or int(r["proto"])
            vlan = r.get("vlan", [0])[-1]
            src = (ipaddress.ip_address(r["src_ip"]), r["src_port"])
            dst = (ipaddress.ip_address(r["dest_ip"]), r["dest_port"])
            fl = r["flow"]
            rec = {"src": src, "c2s": (fl["pkts_toserver"], fl["bytes_toserver"]),
                   "s2c": (fl["pkts_toclient"], fl["bytes_toclient"]),
                   "name": r.get("app_proto", "")}
            k = key(vlan, proto, src, dst)
            if k in flows:
                rec["duplicate"] = True
            flows[k] = rec
    return flows


def compare(capture, golden, ours):
    """Yields (golden flow text, problem) for every disagreement; updates `stats`."""
    seen = set()
    for g in golden:
        found = None
        for a, b in itertools.product(g["src"], g["dst"]):
            k = key(g["vlan"], g["proto"], a, b)
            if k in ours:
                found, src = ours[k], a
                seen.add(k)
                break
        if found is None:
            yield g, "missing", None
            continue
        problems = []
        c2s, s2c = found["c2s"], found["s2c"]
        if found["src"] != src:
            problems.append("direction")
            c2s, s2c = s2c, c2s
        if (c2s, s2c) != (g["c2s"], g["s2c"]):
            problems.append("counters ours %s/%s golden %s/%s" % (c2s, s2c, g["c2s"], g["s2c"]))
        if found["name"] != g["name"]:
            problems.append("protocol ours %r golden %r" % (found["name"], g["name"]))
        yield g, "; ".join(problems), found
    for k, r in ours.items():
        if k not in seen:
            yield {"text": "(ours only) %s %s" % (k, r["c2s"] + r["s2c"])}, "extra", r


def main():
    args = sys.argv[1:]
    suffix = ".out"
    if args and args[0] == "--suffix":
        suffix, args = args[1], args[2:]
    result_dir, ours_dir, captures = args[0], args[1], args[2:]
    total = matched = names = expected_seen = 0
    unexpected = []
    for cap in captures:
        golden = parse_out("%s/%s%s" % (result_dir, cap, suffix))
        ours = parse_ours("%s/%s.jsonl" % (ours_dir, cap))
        total += len(golden)
        for g, problem, found in compare(cap, golden, ours):
            if problem != "extra" and (not problem or "protocol" not in problem) and found:
                names += 1
            if not problem:
                matched += 1
                continue
            why = EXPECTED.get((cap, g["text"]))
            if why:
                expected_seen += 1
                print("expected  %s: %s: %s (%s)" % (cap, g["text"], problem, why))
            else:
                unexpected.append("%s: %s: %s" % (cap, g["text"], problem))
                print("MISMATCH  %s" % unexpected[-1])
    rate = matched / total if total else 1.0
    print("SUMMARY flows=%d matched=%d (%.2f%%) protocol_equal=%d (%.2f%%) expected=%d "
          "unexpected=%d" % (total, matched, 100 * rate, names, 100 * names / max(total, 1),
                             expected_seen, len(unexpected)))
    missing_expected = len(EXPECTED) - expected_seen
    if missing_expected:
        print("note: %d expected disagreements did not occur" % missing_expected)
    return 1 if unexpected or rate < 0.98 else 0


if __name__ == "__main__":
    sys.exit(main())
