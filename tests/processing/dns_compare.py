#!/usr/bin/env python3
"""Compares eveflow's dns_aggregate and pdns records (JSON lines) with dns_reference.py's.

  dns_compare.py OUT.jsonl REF.json [--partials]

Records of one key are merged first (counts summed, sets united, first/last as min/max); without
--partials each key must have exactly one record. Prints a summary, exit 1 on a difference.
"""
import datetime
import json
import sys


def epoch_s(text):
    t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    return int((t - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)).total_seconds())


def merge_agg(recs, partials, problems):
    out = {}
    for r in recs:
        if r["clients"] != len(r["client_ips"]):
            problems.append("clients != len(client_ips): %r" % r)
        k = (epoch_s(r["window_start"]), r["sensor_id"], r["rrname"], r["rrtype"])
        if k in out and not partials:
            problems.append("key emitted twice: %r" % (k,))
        m = out.setdefault(k, {"queries": 0, "responses": 0, "client_ips": set(), "rcodes": {},
                               "answers": set(), "answers_overflow": 0})
        for f in ("queries", "responses", "answers_overflow"):
            m[f] += r[f]
        m["client_ips"] |= set(r["client_ips"])
        m["answers"] |= set(r["answers"])
        for code, n in r["rcodes"].items():
            m["rcodes"][code] = m["rcodes"].get(code, 0) + n
    return out


def merge_pdns(recs):
    out = {}
    for r in recs:
        k = (r["sensor_id"], r["rrname"], r["rrtype"], r["rdata"])
        m = out.setdefault(k, {"count": 0, "time_first": r["time_first"],
                               "time_last": r["time_last"]})
        m["count"] += r["count"]
        m["time_first"] = min(m["time_first"], r["time_first"])
        m["time_last"] = max(m["time_last"], r["time_last"])
    return out


def main():
    partials = "--partials" in sys.argv
    recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    ref = json.load(open(sys.argv[2]))
    problems = []
    got = merge_agg([r for r in recs if r["event_type"] == "dns_aggregate"], partials, problems)
    want = {}
    for r in ref["agg"]:
        k = (r["window_start"], r["sensor_id"], r["rrname"], r["rrtype"])
        want[k] = {"queries": r["queries"], "responses": r["responses"],
                   "client_ips": set(r["client_ips"]), "rcodes": r["rcodes"],
                   "answers": set(r["answers"]), "answers_overflow": r["answers_overflow"]}
    if partials:  # which answers a partial kept depends on the split
        for m in list(got.values()) + list(want.values()):
            m.pop("answers_overflow")
    for k in sorted(set(got) | set(want), key=str):
        if got.get(k) != want.get(k):
            problems.append("dns_aggregate %r: eveflow %r reference %r" % (k, got.get(k), want.get(k)))
    got_p = merge_pdns([r for r in recs if r["event_type"] == "pdns"])
    want_p = {(r["sensor_id"], r["rrname"], r["rrtype"], r["rdata"]):
              {"count": r["count"], "time_first": r["time_first"], "time_last": r["time_last"]}
              for r in ref["pdns"]}
    for k in sorted(set(got_p) | set(want_p), key=str):
        if got_p.get(k) != want_p.get(k):
            problems.append("pdns %r: eveflow %r reference %r" % (k, got_p.get(k), want_p.get(k)))
    for p in problems[:20]:
        print(p)
    if problems:
        print("%d differences" % len(problems))
        sys.exit(1)
    q = sum(m["queries"] for m in want.values())
    r = sum(m["responses"] for m in want.values())
    c = sum(m["count"] for m in want_p.values())
    print("keys=%d queries=%d responses=%d pdns_tuples=%d pdns_count=%d"
          % (len(want), q, r, len(want_p), c))


if __name__ == "__main__":
    main()
