#!/usr/bin/python3
"""End-to-end: the PostgreSQL live flow table through the eveflow binary.

1. `--pcap CAPTURE --flows-jsonl F` with a postgres output having `live_table: flow_live`
   (configuration file), updates on and off: afterwards flow_live holds no row and flow_log
   holds each flow of F exactly once, with the final record's counters, tuple and end.
2. Live capture on a veth pair whose other end is in a network namespace the test creates:
   a TCP connection from the namespace sending every 100 ms for about 4 s, with
   `--flow-update-interval 1s`; flow_live's row of the connection is polled and its counters
   must grow across at least two update intervals; after the close and the flow's expiry the
   row is gone and flow_log holds the flow with the counters of F's final record.
  lifecycle_pg.py EVEFLOW_BINARY SHARED_DATA_DIR capture|live
Exit 77 (skipped) without EVEFLOW_TEST_PG_DSN (a failure under EVEFLOW_REQUIRE_SERVICES=1),
and for `capture` without the shared data, for `live` without root or `ip netns`.
"""
import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import psycopg2

from services import service

CAPTURES = ["android.pcap", "quickplay.pcap", "synscan.pcap"]
COUNTERS = ["pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient"]
SENSOR = "e2e-live"


class Db:
    def __init__(self, dsn, schema):
        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = True
        self.schema = schema
        self.q(f"CREATE SCHEMA {schema}")
        self.q(f"SET search_path = {schema}")

    def q(self, sql, *args):
        with self.conn.cursor() as c:
            c.execute(sql, args)
            return c.fetchall() if c.description else None

    def drop(self):
        self.q(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.conn.close()

    def reset(self):
        for t in ("flow_live", "flow_log"):
            self.q(f"DO $$ BEGIN IF to_regclass('{t}') IS NOT NULL THEN DELETE FROM {t}; END IF;"
                   " END $$")

    def logged(self):
        """flow_id -> [rows] of flow_log."""
        rows = {}
        for r in self.q("SELECT flow_id, pkts_toserver, pkts_toclient, bytes_toserver,"
                        " bytes_toclient, host(src_ip), src_port, host(dest_ip), dest_port,"
                        " proto, to_char(flow_end AT TIME ZONE 'UTC',"
                        " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM flow_log"
                        " WHERE sensor_id = %s", SENSOR):
            rows.setdefault(r[0], []).append(list(r[1:]))
        return rows


def write_config(path, dsn, schema):
    """Retention long enough for the captures' old packet times."""
    with open(path, "w") as f:
        f.write(f"""sensor_id: {SENSOR}
outputs:
  - type: postgres
    dsn: "{dsn} options='-csearch_path={schema}'"
    flush_interval: 100ms
    live_table: flow_live
    flow_log: {{retention: 36500d}}
""")


def finals(path):
    out = {}
    for line in open(path):
        rec = json.loads(line)
        if rec["flow"]["reason"] != "update":
            out.setdefault(rec["flow_id"], []).append(rec)
    return out


def expected_row(rec):
    return [rec["flow"][k] for k in COUNTERS] + [rec["src_ip"], rec["src_port"], rec["dest_ip"],
                                                 rec["dest_port"], rec["proto"],
                                                 rec["flow"]["end"]]


def compare_log(db, flows_path, label, errors):
    want = finals(flows_path)
    got = db.logged()
    live = db.q("SELECT count(*) FROM flow_live")[0][0]
    before = len(errors)
    if live != 0:
        errors.append(f"{label}: {live} rows left in flow_live")
    if any(len(v) != 1 for v in want.values()):
        errors.append(f"{label}: a flow_id with several final records in --flows-jsonl")
    if set(got) != set(want):
        errors.append(f"{label}: flow_log has {len(got)} flows, --flows-jsonl {len(want)}; "
                      f"differing: {sorted(set(got) ^ set(want))[:5]}")
    for fid in set(got) & set(want):
        if len(got[fid]) != 1:
            errors.append(f"{label}: flow {fid} logged {len(got[fid])} times")
        elif got[fid][0] != expected_row(want[fid][0]):
            errors.append(f"{label}: flow {fid}: flow_log {got[fid][0]}, "
                          f"final record {expected_row(want[fid][0])}")
    return len(errors) == before, len(want)


def capture_cases(binary, db, dsn, pcaps, tmp, errors):
    conf = os.path.join(tmp, "eveflow.yaml")
    write_config(conf, dsn, db.schema)
    for name in CAPTURES:
        for extra in (["--flow-update-interval", "1s"], []):
            db.reset()
            flows = os.path.join(tmp, "flows.jsonl")
            label = f"{name} {' '.join(extra)}"
            res = subprocess.run([binary, "-c", conf, "--pcap", os.path.join(pcaps, name),
                                  "--flows-jsonl", flows] + extra,
                                 capture_output=True, text=True, timeout=60)
            if res.returncode != 0:
                errors.append(f"{label}: eveflow exited {res.returncode}: {res.stderr[-1500:]}")
                continue
            ok, n = compare_log(db, flows, label, errors)
            print(f"{'ok' if ok else 'FAIL'}: {label}: {n} flows logged once, flow_live empty")


def sh(*args, check=True):
    return subprocess.run(list(args), capture_output=True, text=True, check=check)


def live_skip_reason():
    if os.geteuid() != 0:
        return "not root"
    if sh("ip", "netns", "list", check=False).returncode != 0:
        return "`ip netns` unavailable"
    return None


class Veth:
    """A veth pair: HOST_IF (10.231.x.1) here, its peer (10.231.x.2) in a new namespace."""

    def __init__(self):
        tag = os.getpid() % 250 + 1
        self.ns = f"eveflow-life-{os.getpid()}"
        self.host_if, self.ns_if = f"evl{tag}h", f"evl{tag}n"
        self.host_ip, self.ns_ip = f"10.231.{tag}.1", f"10.231.{tag}.2"
        sh("ip", "netns", "add", self.ns)
        sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if,
           "netns", self.ns)
        sh("ip", "addr", "add", f"{self.host_ip}/24", "dev", self.host_if)
        sh("ip", "link", "set", self.host_if, "up")
        sh("ip", "netns", "exec", self.ns, "ip", "addr", "add", f"{self.ns_ip}/24", "dev",
           self.ns_if)
        sh("ip", "netns", "exec", self.ns, "ip", "link", "set", self.ns_if, "up")

    def delete(self):
        sh("ip", "link", "del", self.host_if, check=False)
        sh("ip", "netns", "del", self.ns, check=False)


CLIENT = """
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
for i in range(int(sys.argv[3])):
    s.sendall(b"x" * 200)
    time.sleep(0.1)
s.close()
"""


def serve(listener):
    conn, _ = listener.accept()
    while conn.recv(65536):
        pass
    conn.close()


def poll_row(db, port, seconds):
    """[(pkts, updated)] of the connection's flow_live row, each time it changed."""
    seen, end = [], time.time() + seconds
    while time.time() < end:
        r = db.q("SELECT pkts_toserver + pkts_toclient, updated FROM flow_live WHERE"
                 " sensor_id = %s AND dest_port = %s", SENSOR, port)
        if r and (not seen or seen[-1] != r[0]):
            seen.append(r[0])
        time.sleep(0.1)
    return seen


def start_meter(binary, conf, veth, port, flows, log):
    proc = subprocess.Popen(
        [binary, "-c", conf, "--interface", veth.host_if, "--bpf", f"tcp port {port}",
         "--flow-update-interval", "1s", "--flows-jsonl", flows,
         "--set", "inputs[0].idle_timeout=2s"], stderr=open(log, "w"))
    return proc


def wait_gone(db, seconds):
    """Seconds until the sensor has no flow_live row, None if it still has one after `seconds`."""
    for i in range(int(seconds * 10)):
        if not db.q("SELECT 1 FROM flow_live WHERE sensor_id = %s", SENSOR):
            return i / 10
        time.sleep(0.1)
    return None


def connection(db, veth, listener, port):
    """The namespace's client sends 40 times, 100 ms apart; flow_live's row is polled."""
    server = threading.Thread(target=serve, args=(listener,))
    server.start()
    client = subprocess.Popen(["ip", "netns", "exec", veth.ns, "/usr/bin/python3", "-c",
                               CLIENT, veth.host_ip, str(port), "40"])
    seen = poll_row(db, port, 4.5)
    client.wait(timeout=30)
    server.join(timeout=10)
    return seen


def live_verdict(seen, gone, log, rec, rc):
    """The failure, or None."""
    pkts = [p for p, _ in seen]
    updated = sorted({u for _, u in seen})
    label = f"live: row seen with packets {pkts}"
    if len(pkts) < 3 or any(a >= b for a, b in zip(pkts, pkts[1:])) or len(updated) < 3:
        return f"{label}: not growing across two update intervals"
    if updated[-1] - updated[0] < datetime.timedelta(seconds=1.5):
        return f"{label}: updates span {updated[-1] - updated[0]} only"
    if gone is None:
        return f"{label}: the row did not disappear after the close"
    if len(rec) != 1 or list(log) != list(rec) or list(log.values())[0] != [
            expected_row(list(rec.values())[0][0])]:
        return f"{label}: flow_log {log} differs from the final records {rec}"
    if rc != 0:
        return f"{label}: eveflow exited {rc}"
    print(f"ok: {label}; gone {gone:.1f}s after the close, logged once")
    return None


def live_case(binary, db, dsn, tmp, errors):
    veth, proc = Veth(), None
    try:
        conf, flows = os.path.join(tmp, "live.yaml"), os.path.join(tmp, "live_flows.jsonl")
        write_config(conf, dsn, db.schema)
        with socket.socket() as listener:
            listener.bind((veth.host_ip, 0))
            listener.listen(1)
            port = listener.getsockname()[1]
            proc = start_meter(binary, conf, veth, port, flows, os.path.join(tmp, "live.log"))
            for _ in range(100):  # the sink created its tables
                if db.q("SELECT to_regclass('flow_live')")[0][0]:
                    break
                time.sleep(0.1)
            time.sleep(1)  # the capture is open
            seen = connection(db, veth, listener, port)
        gone = wait_gone(db, 10)  # closed: tcp_close expiry, else idle_timeout
        log = db.logged()
        proc.terminate()
        rc = proc.wait(timeout=30)
        proc = None
        failure = live_verdict(seen, gone, log, finals(flows), rc)
        if failure:
            errors.append(failure)
    finally:
        if proc:
            proc.kill()
            proc.wait()
        veth.delete()


def main():
    binary, data, part = sys.argv[1], sys.argv[2], sys.argv[3]
    dsn, rc = service("EVEFLOW_TEST_PG_DSN", "scripts/start-postgres.sh")
    if rc is not None:
        return rc
    pcaps = os.path.join(data, "pcap", "ndpi-4.2", "pcap")
    why = live_skip_reason() if part == "live" else (
        None if os.path.isdir(pcaps) else f"no shared captures at {pcaps}")
    if why:
        print(f"skipped: {why}")
        return 77
    errors = []
    db = Db(dsn, f"life_pg_{os.getpid()}")
    try:
        with tempfile.TemporaryDirectory(prefix="eveflow-life-pg.") as tmp:
            if part == "live":
                live_case(binary, db, dsn, tmp, errors)
            else:
                capture_cases(binary, db, dsn, pcaps, tmp, errors)
    finally:
        db.drop()
    for e in errors[:30]:
        print("FAIL:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
