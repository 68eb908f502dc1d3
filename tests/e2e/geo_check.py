#!/usr/bin/env python3
"""Checks the country and AS fields of eveflow's aggregates against an independent lookup.

  geo_check.py libloc DB RECORDS.jsonl            key [src_ip, dest_ip, ...]: plain fields
  geo_check.py table TABLE.json RECORDS.jsonl     the same, against a table of networks
  geo_check.py libloc DB RECORDS.jsonl --grouped REFERENCE.json
      key [src_country, dest_country, src_asn, dest_asn, proto]: the flows of reference.py's
      aggregates (key src_ip, dest_ip, dest_port, proto) regrouped by looked-up values

The lookup is python3-location (libloc's own binding) or, for the MaxMind test database, the
table of networks the test wrote it from (Python's ipaddress). Unknown is absent as a plain
field and null as a key field.
"""
import ipaddress
import json
import sys


def libloc_lookup(path):
    import location
    db = location.Database(path)

    def lookup(ip):
        net = db.lookup(ip)
        if net is None:
            return None, None
        cc = net.country_code or None
        if cc is not None and not (len(cc) == 2 and cc.isalpha() and cc.isupper()):
            cc = None
        return cc, (net.asn or None)
    return lookup


def table_lookup(path):
    rows = [(ipaddress.ip_network(r["network"]), r.get("country"), r.get("asn"))
            for r in json.load(open(path))]

    def lookup(ip):
        addr = ipaddress.ip_address(ip)
        best = None
        for net, cc, asn in rows:
            if addr.version == net.version and addr in net:
                if best is None or net.prefixlen > best[0].prefixlen:
                    best = (net, cc, asn)
        return (best[1], best[2]) if best else (None, None)
    return lookup


def check_plain(records, lookup):
    problems, addresses = [], set()
    for r in records:
        for side in ("src", "dest"):
            ip = r[side + "_ip"]
            addresses.add(ip)
            cc, asn = lookup(ip)
            if r.get(side + "_country") != cc or r.get(side + "_asn") != asn:
                problems.append("%s: country %r asn %r, lookup %r %r" % (
                    ip, r.get(side + "_country"), r.get(side + "_asn"), cc, asn))
            for f, v in ((side + "_country", cc), (side + "_asn", asn)):
                if v is None and f in r:
                    problems.append("%s: %s present (null) though unknown" % (ip, f))
    return problems, len(addresses)


def check_grouped(records, lookup, ref_path):
    want = {}
    for a in json.load(open(ref_path))["aggregates"]:
        s, d = lookup(a["src_ip"]), lookup(a["dest_ip"])
        k = (a["window_start"], a["sensor_id"], s[0], d[0], s[1], d[1], a["proto"])
        want[k] = want.get(k, 0) + a["flows"]
    got = {}
    for r in records:
        k = (r["window_start"], r["sensor_id"], r["src_country"], r["dest_country"],
             r["src_asn"], r["dest_asn"], r["proto"])
        got[k] = got.get(k, 0) + r["flows"]
    problems = ["%s: flows %s, reference %s" % (k, got.get(k), want.get(k))
                for k in sorted(set(want) | set(got), key=str) if got.get(k) != want.get(k)]
    return problems, len(want)


def main():
    kind, db, out = sys.argv[1:4]
    lookup = libloc_lookup(db) if kind == "libloc" else table_lookup(db)
    records = [json.loads(line) for line in open(out)]
    if "--grouped" in sys.argv:
        problems, n = check_grouped(records, lookup, sys.argv[sys.argv.index("--grouped") + 1])
        what = "keys"
    else:
        problems, n = check_plain(records, lookup)
        what = "addresses"
    if problems or n == 0:
        print("\n".join(problems[:20]) or "nothing checked")
        sys.exit(1)
    print("ok: %d %s, %d records" % (n, what, len(records)))


if __name__ == "__main__":
    main()
