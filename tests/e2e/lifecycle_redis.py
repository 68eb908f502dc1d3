#!/usr/bin/python3
"""End-to-end: the meter's flow lifecycle into a real redis-server through the eveflow binary.

`--pcap CAPTURE --redis-flows HOST:PORT --flows-jsonl F --flow-update-interval D` with
`redis-cli MONITOR` recording what the server executes. For each flow that passes the insert
policy MONITOR must show one HSET when it passes, one HSET per update record of F made after
that, then exactly one HDEL, in that order; the HSET values must agree with F's records; the
set of flow_ids removed must equal F's flows that passed (default policy: all of them); with
`insert_after_packets: 3` flows of fewer packets never appear; the hash is empty after each
run. Then a server restart while the capture is being read (a FIFO fed in two halves) loses
no remove, and `--print-plan` routes lifecycle records, never aggregates, to redis. With
`--redis-flows` as the only output flag the aggregates go to stdout, as with no output flag.
  lifecycle_redis.py EVEFLOW_BINARY SHARED_DATA_DIR
Exit 77 (skipped) without the shared data or EVEFLOW_TEST_REDIS (a failure instead under
EVEFLOW_REQUIRE_SERVICES=1).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from services import service

CAPTURES = ["android.pcap", "quickplay.pcap", "synscan.pcap"]
KEY_PREFIX = "eveflow:flows:"
CONTRACT = ["flow_id", "community_id", "src_ip", "src_port", "dest_ip", "dest_port", "proto",
            "app_proto", "pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient",
            "start", "end", "updated"]
COUNTERS = ["pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient"]
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b"}


def unescape(s):
    """A MONITOR argument as redis-cli prints it (sdscatrepr) back to its text."""
    out, i = [], 0
    while i < len(s):
        if s[i] != "\\":
            out.append(s[i])
            i += 1
        elif s[i + 1] == "x":
            out.append(chr(int(s[i + 2:i + 4], 16)))
            i += 4
        else:
            out.append(ESCAPES[s[i + 1]])
            i += 2
    return "".join(out)


class Monitor:
    """`redis-cli MONITOR` into a file, from its OK to stop()."""

    def __init__(self, cli, path):
        self.path = path
        self.proc = subprocess.Popen(cli + ["monitor"], stdout=open(path, "w"))
        for _ in range(200):
            if open(path).read().startswith("OK"):
                return
            time.sleep(0.02)
        raise RuntimeError("MONITOR did not start")

    def stop(self):
        time.sleep(0.3)  # the last commands reach the monitor
        self.proc.terminate()
        self.proc.wait()
        return self.commands()

    def commands(self):
        """[(command, key, field, value or None)] in execution order."""
        out = []
        for line in open(self.path):
            args = [unescape(a) for a in QUOTED.findall(line[line.find("]"):])]
            if len(args) >= 3 and args[1].startswith(KEY_PREFIX):
                out.append((args[0].upper(), args[1], args[2], args[3] if len(args) > 3 else None))
        return out


def total_pkts(d):
    return d["pkts_toserver"] + d["pkts_toclient"]


def read_flows(path):
    """flow_id -> (update records in order, final record) from --flows-jsonl."""
    flows = {}
    for line in open(path):
        rec = json.loads(line)
        ups, final = flows.setdefault(rec["flow_id"], ([], []))
        (ups if rec["flow"]["reason"] == "update" else final).append(rec)
    return flows


def check_value(fid, value, final, errors):
    """One HSET value: the contract's fields, the flow's tuple and start as F has them."""
    d = json.loads(value)
    missing = [k for k in CONTRACT if k not in d]
    if missing:
        errors.append(f"flow {fid}: HSET value lacks {missing}: {value}")
        return d
    for k in ["src_ip", "src_port", "dest_ip", "dest_port", "proto", "community_id"]:
        if d.get(k) != final.get(k):
            errors.append(f"flow {fid}: {k} {d[k]!r} but the final record has {final.get(k)!r}")
    if d["flow_id"] != fid or d["start"] != final["flow"]["start"]:
        errors.append(f"flow {fid}: flow_id or start differ from the final record: {value}")
    return d


def check_flow(fid, ops, ups, final, n, errors):
    """ops: this flow's (command, value) in MONITOR order; ups: its update records."""
    want = ["HSET"] * (1 + sum(1 for u in ups if total_pkts(u["flow"]) >= n)) + ["HDEL"]
    got = [c for c, _ in ops]
    if got != want:
        errors.append(f"flow {fid}: MONITOR shows {got}, expected {want}")
        return
    values = [check_value(fid, v, final, errors) for c, v in ops if c == "HSET"]
    if total_pkts(values[0]) != n:
        errors.append(f"flow {fid}: inserted with {total_pkts(values[0])} packets, policy {n}")
    after = [u["flow"] for u in ups if total_pkts(u["flow"]) >= n]
    for got_d, rec in zip(values[1:], after):
        if [got_d[k] for k in COUNTERS] != [rec[k] for k in COUNTERS]:
            errors.append(f"flow {fid}: update HSET counters {got_d} differ from {rec}")


def check_run(cmds, flows, n, errors, label):
    key = {k for _, k, _, _ in cmds}
    if len(key) > 1:
        errors.append(f"{label}: several keys {key}")
    per_flow = {}
    for c, _, field, value in cmds:
        if c in ("HSET", "HDEL"):
            per_flow.setdefault(int(field), []).append((c, value))
    passed = {fid for fid, (ups, fin) in flows.items() if total_pkts(fin[0]["flow"]) >= n}
    removed = {fid for fid, ops in per_flow.items() if any(c == "HDEL" for c, _ in ops)}
    if any(len(fin) != 1 for _, fin in flows.values()):
        errors.append(f"{label}: a flow_id with other than one final record")
    if removed != passed or set(per_flow) != passed:
        errors.append(f"{label}: removed {len(removed)}, touched {len(per_flow)}, "
                      f"expected {len(passed)} ({sorted(passed ^ removed)[:5]}...)")
    for fid in passed & set(per_flow):
        ups, fin = flows[fid]
        check_flow(fid, per_flow[fid], ups, fin[0], n, errors)
    return len(passed)


class Run:
    def __init__(self, binary, addr, tmp):
        self.binary, self.addr, self.tmp = binary, addr, tmp
        host, port = addr.rsplit(":", 1)
        self.cli = ["redis-cli", "-h", host, "-p", port]

    def redis(self, *args):
        return subprocess.run(self.cli + list(args), capture_output=True, text=True,
                              check=True).stdout.strip()

    def eveflow(self, capture, extra):
        flows = os.path.join(self.tmp, "flows.jsonl")
        cmd = [self.binary, "--pcap", capture, "--redis-flows", self.addr, "--flows-jsonl", flows,
               "--sensor-id", "e2e-life", "--jsonl", os.path.join(self.tmp, "agg.jsonl")] + extra
        return cmd, flows

    def case(self, capture, n, extra, errors):
        label = f"{os.path.basename(capture)} insert_after_packets={n} {' '.join(extra)}"
        cmd, flows = self.eveflow(capture, extra + ["--set", f"inputs[0].insert_after_packets={n}"])
        mon = Monitor(self.cli, os.path.join(self.tmp, "monitor.txt"))
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        cmds = mon.stop()
        if res.returncode != 0:
            errors.append(f"{label}: eveflow exited {res.returncode}: {res.stderr[-2000:]}")
            return
        fl = read_flows(flows)
        before = len(errors)
        passed = check_run(cmds, fl, n, errors, label)
        left = self.redis("hlen", KEY_PREFIX + "e2e-life")
        if left != "0":
            errors.append(f"{label}: {left} fields left in the hash")
        updates = sum(len(u) for u, _ in fl.values())
        if "--flow-update-interval" in extra and updates == 0:
            errors.append(f"{label}: no update record: the case tests nothing")
        if n > 1 and passed == len(fl):
            errors.append(f"{label}: every flow passes the policy: the case tests nothing")
        print(f"{'ok' if len(errors) == before else 'FAIL'}: {label}: {len(fl)} flows, "
              f"{passed} passed, {updates} updates")


def restart_case(run, capture, ctl, errors):
    """The capture arrives through a FIFO in two halves, the server restarts in between."""
    fifo = os.path.join(run.tmp, "capture.fifo")
    os.mkfifo(fifo)
    data = open(capture, "rb").read()
    cmd, flows = run.eveflow(fifo, ["--set", "inputs[0].batch_size=1"])
    key = KEY_PREFIX + "e2e-life"
    proc = subprocess.Popen(cmd, stderr=open(os.path.join(run.tmp, "err.log"), "w"))
    with open(fifo, "wb") as w:
        w.write(data[:len(data) // 2])
        w.flush()
        live, stable = None, 0
        for _ in range(200):  # the first half's operations are acknowledged
            now = run.redis("hkeys", key)
            stable = stable + 1 if now == live and now else 0
            live = now
            if stable >= 5:
                break
            time.sleep(0.05)
        live = {int(f) for f in live.split()}
        subprocess.run([ctl, "restart"], check=True)
        mon = Monitor(run.cli, os.path.join(run.tmp, "monitor2.txt"))
        w.write(data[len(data) // 2:])
    rc = proc.wait(timeout=60)
    cmds = mon.stop()
    removed = {int(f) for c, _, f, _ in cmds if c == "HDEL"}
    final = set(read_flows(flows))
    left = run.redis("hlen", key)
    if rc != 0 or not live or not live <= removed or left != "0" or not live <= final:
        errors.append(f"restart: rc={rc}, {len(live)} live before, {len(live - removed)} of "
                      f"them never removed, {left} left in the hash")
    else:
        print(f"ok: restart mid-run: {len(live)} flows live across it, all removed")


def plan_case(run, errors):
    res = subprocess.run([run.binary, "--pcap", "x.pcap", "--redis-flows", run.addr, "--jsonl",
                          "-", "--print-plan"], capture_output=True, text=True)
    lines = res.stdout.splitlines()
    to_redis = [ln for ln in lines if re.search(r"-> output redis\[\d+\]$", ln)]
    if res.returncode != 0 or not to_redis or any(
            not ln.startswith("handler flow_lifecycle ") for ln in to_redis):
        errors.append(f"--print-plan: routes to redis {to_redis} (rc {res.returncode})")
    elif not any(ln.startswith("handler flow_aggregate -> output jsonl") for ln in lines):
        errors.append(f"--print-plan: no aggregate route at all: {lines}")
    else:
        print(f"ok: --print-plan: {to_redis[0]}")


def alone_case(run, capture, errors):
    """`--redis-flows` as the only output: aggregates still reach stdout, byte for byte those of
    the same run with no output flag at all (as sorted lines: with several meter workers the
    order of records within a window follows the flows' arrival), while the lifecycle goes to
    the server."""
    base = [run.binary, "--pcap", capture, "--sensor-id", "e2e-life", "--flow-update-interval",
            "60s"]
    ref = subprocess.run(base, capture_output=True, text=True, timeout=60)
    mon = Monitor(run.cli, os.path.join(run.tmp, "monitor.txt"))
    res = subprocess.run(base + ["--redis-flows", run.addr], capture_output=True, text=True,
                         timeout=60)
    cmds = mon.stop()
    aggregates = [ln for ln in res.stdout.splitlines() if ln.strip()]
    removes = sum(1 for c, _, _, _ in cmds if c == "HDEL")
    if ref.returncode != 0 or res.returncode != 0 or not aggregates:
        errors.append(f"--redis-flows alone: rc {res.returncode} (reference {ref.returncode}), "
                      f"{len(aggregates)} aggregate lines on stdout: {res.stderr[-1000:]}")
    elif sorted(res.stdout.splitlines()) != sorted(ref.stdout.splitlines()) or removes == 0:
        errors.append(f"--redis-flows alone: stdout differs from the run without it "
                      f"({len(aggregates)} lines against {len(ref.stdout.splitlines())}), "
                      f"{removes} HDEL")
    else:
        print(f"ok: --redis-flows alone: {len(aggregates)} aggregates on stdout, {removes} HDEL")


def main():
    binary, data = sys.argv[1], sys.argv[2]
    pcaps = os.path.join(data, "pcap", "ndpi-4.2", "pcap")
    if not os.path.isdir(pcaps):
        print(f"skipped: shared captures not found at {pcaps}")
        return 77
    addr, rc = service("EVEFLOW_TEST_REDIS", "scripts/start-redis.sh")
    if rc is not None:
        return rc
    errors = []
    with tempfile.TemporaryDirectory(prefix="eveflow-life-redis.") as tmp:
        run = Run(binary, addr, tmp)
        for name in CAPTURES:
            capture = os.path.join(pcaps, name)
            run.case(capture, 1, ["--flow-update-interval", "1s"], errors)
            run.case(capture, 3, ["--flow-update-interval", "1s"], errors)
        run.case(os.path.join(pcaps, CAPTURES[0]), 1, [], errors)
        plan_case(run, errors)
        alone_case(run, os.path.join(pcaps, CAPTURES[0]), errors)
        ctl = os.environ.get("EVEFLOW_TEST_REDIS_CTL")
        if ctl:
            restart_case(run, os.path.join(pcaps, CAPTURES[0]), ctl, errors)
        else:
            print("skipped restart: EVEFLOW_TEST_REDIS_CTL not set")
    for e in errors[:30]:
        print("FAIL:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
