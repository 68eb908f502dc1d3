#!/usr/bin/env python3
"""Community ID v1 (seed 0, base64) in Python, written from corelight/community-id-spec: the
reference for the meter's flow records (hashlib's SHA-1, Python's ipaddress).

  community_id.py FLOWS.jsonl     checks every line's community_id; prints the count
"""
import base64
import hashlib
import ipaddress
import json
import struct
import sys

PROTOS = {"ICMP": 1, "TCP": 6, "UDP": 17, "IPv6-ICMP": 58, "SCTP": 132}
ICMP4_PAIRS = {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17}
ICMP6_PAIRS = {128: 129, 129: 128, 130: 131, 131: 130, 133: 134, 134: 133, 135: 136, 136: 135,
               139: 140, 140: 139, 144: 145, 145: 144}


def community_id(src, dst, proto, sport, dport):
    s, d = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    one_way = False
    if proto in (1, 58):
        pairs = ICMP4_PAIRS if proto == 1 else ICMP6_PAIRS
        if sport in pairs:
            dport = pairs[sport]
        else:
            one_way = True
    if not one_way and (s, sport) > (d, dport):
        s, d, sport, dport = d, s, dport, sport
    data = struct.pack("!H", 0) + s + d + struct.pack("!BB", proto, 0)
    if proto in (1, 6, 17, 58, 132):
        data += struct.pack("!HH", sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def main():
    n, bad = 0, []
    for line in open(sys.argv[1]):
        r = json.loads(line)
        proto = PROTOS.get(r["proto"], None)
        if proto is None:
            proto = int(r["proto"])
        sport, dport = r.get("src_port", 0), r.get("dest_port", 0)
        if "icmp_type" in r:
            sport, dport = r["icmp_type"], r["icmp_code"]
        want = community_id(r["src_ip"], r["dest_ip"], proto, sport, dport)
        n += 1
        if r.get("community_id") != want:
            bad.append("%s: %s, reference %s" % (line.strip()[:160], r.get("community_id"), want))
    if bad or n == 0:
        print("\n".join(bad[:10]) or "no flow records")
        sys.exit(1)
    print("ok: %d flow records" % n)


if __name__ == "__main__":
    main()
