#!/usr/bin/env python3
"""Compares eveflow's aggregate records and run summary with reference.py's output.

  compare.py OUTPUT.jsonl REFERENCE.json STDERR.log [--exact-ports] [--no-summary]

Records with the same window and key (late ones included) are summed; flows and the four
counters must equal the reference exactly, first_seen/last_seen must equal its min/max, and
src_ports must equal the exact distinct count when there is one record per window and key
(--exact-ports requires that), else lie between the largest record's count and the sum.
Events by type and the malformed count from the summary line must equal the reference's
(--no-summary: not checked, for outputs of several processes; pass - as STDERR.log).
"""
import json
import re
import sys

COUNTERS = ("flows", "pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient")


# Fields a record is keyed by; the enriched ones only when the reference has them.
KEY = ["window_start", "sensor_id", "src_ip", "dest_ip", "dest_port", "proto"]
ENRICHED = ("src_net", "dest_net", "home_direction")


def key_of(r):
    return tuple(r.get(f) for f in KEY)


def main():
    out_path, ref_path, err_path = sys.argv[1:4]
    exact_ports = "--exact-ports" in sys.argv
    ref = json.load(open(ref_path))
    KEY.extend(f for f in ENRICHED if any(f in r for r in ref["aggregates"]))
    problems = []
    got = {}
    for n, line in enumerate(open(out_path, "rb"), 1):
        r = json.loads(line)
        if r.get("event_type") != "flow_aggregate":
            problems.append("line %d: not a flow_aggregate record" % n)
            continue
        g = got.setdefault(key_of(r), {"records": 0, "ports_sum": 0, "ports_max": 0,
                                       "first": r["first_seen"], "last": r["last_seen"],
                                       "window_end": r["window_end"], **{c: 0 for c in COUNTERS}})
        g["records"] += 1
        g["ports_sum"] += r["src_ports"]
        g["ports_max"] = max(g["ports_max"], r["src_ports"])
        g["first"] = min(g["first"], r["first_seen"])
        g["last"] = max(g["last"], r["last_seen"])
        for c in COUNTERS:
            g[c] += r[c]
    want = {key_of(r): r for r in ref["aggregates"]}
    for k in sorted(set(want) | set(got), key=str):
        if k not in got:
            problems.append("missing %s" % (k,))
            continue
        if k not in want:
            problems.append("unexpected %s" % (k,))
            continue
        w, g = want[k], got[k]
        for c in COUNTERS:
            if w[c] != g[c]:
                problems.append("%s: %s %d, reference %d" % (k, c, g[c], w[c]))
        if (w["first_seen"], w["last_seen"], w["window_end"]) != (g["first"], g["last"], g["window_end"]):
            problems.append("%s: times %s..%s end %s, reference %s..%s end %s" % (
                k, g["first"], g["last"], g["window_end"], w["first_seen"], w["last_seen"],
                w["window_end"]))
        if g["records"] == 1 or exact_ports:
            if g["records"] != 1 or g["ports_sum"] != w["src_ports"]:
                problems.append("%s: src_ports %d in %d records, reference %d" % (
                    k, g["ports_sum"], g["records"], w["src_ports"]))
        elif not g["ports_max"] <= w["src_ports"] <= g["ports_sum"]:
            problems.append("%s: src_ports %d..%d, reference %d" % (
                k, g["ports_max"], g["ports_sum"], w["src_ports"]))
    if "--no-summary" in sys.argv:
        summary = None
    else:
        summary = [l for l in open(err_path, errors="replace") if l.startswith("eveflow: done:")]
    if summary is None:
        pass
    elif len(summary) != 1:
        problems.append("no summary line on stderr")
    else:
        s = summary[0]
        m = re.search(r"events=(\d+) \(([^)]*)\) malformed=(\d+)", s)
        types = dict((t, int(n)) for t, n in (kv.split("=") for kv in m.group(2).split()))
        if types != ref["events"]:
            problems.append("events by type %s, reference %s" % (types, ref["events"]))
        if int(m.group(3)) != ref["malformed"]:
            problems.append("malformed %s, reference %d" % (m.group(3), ref["malformed"]))
        fm = re.search(r"flows_aggregated=(\d+)", s)
        if int(fm.group(1)) != ref["flows_aggregated"]:
            problems.append("flows_aggregated %s, reference %d" % (fm.group(1), ref["flows_aggregated"]))
    for p in problems[:30]:
        print("  " + p)
    if problems:
        print("%d problem(s)" % len(problems))
        return 1
    print("ok: %d keys, %d records" % (len(want), sum(g["records"] for g in got.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
