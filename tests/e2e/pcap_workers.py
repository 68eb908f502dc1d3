#!/usr/bin/python3
"""End-to-end: the meter's output does not depend on its number of workers.

Usage: pcap_workers.py EVEFLOW SHARED_DATA
For every shared capture (nDPI 4.2's test set and the damaged ones), eveflow runs with
--workers 1, 2 and 3, several captures per process (one --pcap each), writing flow records
(--flows-jsonl) and aggregates (--jsonl). The flow records, sorted with flow_id removed, and
the aggregates, sorted, must be equal; so must the exit status. Each run must report the
worker count it was given. Exits 77 (skipped) when the data is absent.
"""
import json
import os
import subprocess
import sys
import tempfile

GROUP = 11  # captures per process: each input holds one nDPI module per worker


def captures(shared):
    found = []
    for sub in ("pcap/ndpi-4.2/pcap", "pcap/bad"):
        d = os.path.join(shared, sub)
        if os.path.isdir(d):
            found += [os.path.join(d, f) for f in sorted(os.listdir(d))
                      if f.endswith((".pcap", ".pcapng"))]
    return found


def run(eveflow, config_dir, group, workers, out):
    flows, aggs = os.path.join(out, "flows.jsonl"), os.path.join(out, "agg.jsonl")
    args = [eveflow, "--workers", str(workers), "--ndpi-config-dir", config_dir,
            "--flows-jsonl", flows, "--jsonl", aggs, "--sensor-id", "workers"]
    for cap in group:
        args += ["--pcap", cap]
    r = subprocess.run(args, capture_output=True, text=True, timeout=300)
    reported = r.stderr.count("workers=%d" % workers)
    records = []
    with open(flows) as f:
        for line in f:
            rec = json.loads(line)
            del rec["flow_id"]
            records.append(json.dumps(rec, sort_keys=True))
    with open(aggs) as f:
        aggregates = sorted(f)
    return r.returncode, reported, sorted(records), aggregates


def main():
    eveflow, shared = sys.argv[1], sys.argv[2]
    caps = captures(shared)
    if len(caps) < 40:
        print("SKIP: shared captures absent under " + shared)
        return 77
    config_dir = os.path.join(shared, "pcap", "ndpi-4.2", "config")
    failed = []
    total = 0
    with tempfile.TemporaryDirectory(prefix="eveflow-workers-") as out:
        for i in range(0, len(caps), GROUP):
            group = caps[i:i + GROUP]
            names = ", ".join(os.path.basename(c) for c in group)
            base = run(eveflow, config_dir, group, 1, out)
            total += len(base[2])
            if not base[2] or not base[3]:
                failed.append("%s: no output with 1 worker" % names)
            for workers in (1, 2, 3):
                got = base if workers == 1 else run(eveflow, config_dir, group, workers, out)
                # Every capture libpcap opens logs its end; the damaged ones may not.
                if got[1] < len(group) - 2:
                    failed.append("%s: %d runs report workers=%d" % (names, got[1], workers))
                if workers == 1:
                    continue
                for what, a, b in (("exit status", base[0], got[0]),
                                   ("flow records", base[2], got[2]),
                                   ("aggregates", base[3], got[3])):
                    if a != b:
                        diff = set(a) ^ set(b) if isinstance(a, list) else (a, b)
                        failed.append("%s: %s differ with %d workers: %s" %
                                      (names, what, workers, str(sorted(diff))[:800]))
    for f in failed:
        print("FAIL " + f)
    if failed:
        return 1
    print("OK: %d captures, %d flow records equal with 1, 2 and 3 workers" % (len(caps), total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
