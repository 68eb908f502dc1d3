#!/usr/bin/env python3
"""Reverse DNS end-to-end helper.

  rdns_feed.py eve OUT                   writes the EVE fixture: the same flows in 3 windows
  rdns_feed.py feed SOCKET EVE METRICS WANT
        sends the first window into the unix socket, waits until WANT lookups are settled
        (answered, NXDOMAIN, failed or timed out, read from METRICS, a Prometheus URL), then
        sends the other windows
  rdns_feed.py wait METRICS NAME VALUE   waits until metric NAME reaches VALUE
  rdns_feed.py check OUT.jsonl PTR...    each record's src_host/dest_host against the PTR
        records (ADDRESS=NAME) the resolver was given; addresses without one carry none
  rdns_feed.py pg OUT.jsonl ROWS.tsv     PostgreSQL's rows (window_start epoch, src_ip, dest_ip,
        dest_port, src_host, dest_host, dest_name; NULL as \\N) hold the records' names"""
import calendar
import ipaddress
import json
import socket
import sys
import time
import urllib.request

BASE = 1714557600  # 2024-05-01T10:00:00Z, a window start for 60s windows
PAIRS = [  # src, dest, dest_port, proto
    ("10.1.0.1", "10.1.0.2", 443, "TCP"),
    ("10.1.0.2", "192.168.5.5", 631, "TCP"),
    ("172.20.0.9", "10.1.0.99", 5432, "TCP"),  # 10.1.0.99: NXDOMAIN
    ("10.1.0.1", "8.8.8.8", 53, "UDP"),  # public
    ("192.168.5.5", "1.1.1.1", 443, "TCP"),  # public
    ("172.16.3.3", "172.20.0.9", 22, "TCP"),  # 172.16.3.3: NXDOMAIN
    ("fd00::10", "fd00::20", 445, "TCP"),  # fd00::20: NXDOMAIN
    ("fd00::10", "2001:db8::1", 443, "TCP"),  # public
    ("172.32.0.1", "10.1.0.1", 80, "TCP"),  # 172.32/16 is outside 172.16/12
]


def ts(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".000000+0000"


def eve(out):
    with open(out, "w") as f:
        for w in range(3):
            for i, (src, dst, port, proto) in enumerate(PAIRS):
                t = BASE + 60 * w + i
                ev = {"timestamp": ts(t), "flow_id": 1000 * w + i, "event_type": "flow",
                      "src_ip": src, "src_port": 40000 + i, "dest_ip": dst, "dest_port": port,
                      "proto": proto,
                      "flow": {"pkts_toserver": 1 + i, "pkts_toclient": w + 1,
                               "bytes_toserver": 100 * (i + 1), "bytes_toclient": 10 * (w + 1),
                               "start": ts(t), "end": ts(t), "age": 0, "state": "closed",
                               "reason": "timeout", "alerted": False}}
                f.write(json.dumps(ev) + "\n")


def metric(url, name):
    total = 0.0
    with urllib.request.urlopen(url, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total += float(line.rsplit(" ", 1)[1])
    return total


def wait(url, name, want, limit=30):
    deadline = time.time() + limit
    got = None
    while time.time() < deadline:
        try:
            got = metric(url, name)
            if got >= want:
                return
        except OSError:
            pass
        time.sleep(0.05)
    sys.exit(f"{name} is {got} after {limit}s, want {want}")


def settled(url):
    return sum(metric(url, f"eveflow_enrich_rdns_{m}_total")
               for m in ("answers", "nxdomain", "failures", "timeouts"))


def feed(sock_path, eve_path, url, want):
    lines = open(eve_path, "rb").read().splitlines(keepends=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(500):
        try:
            s.connect(sock_path)
            break
        except OSError:
            time.sleep(0.01)
    s.sendall(b"".join(lines[:len(PAIRS)]))
    deadline = time.time() + 30
    while settled(url) < want:
        if time.time() > deadline:
            sys.exit(f"lookups not settled: {settled(url)} of {want}")
        time.sleep(0.05)
    s.sendall(b"".join(lines[len(PAIRS):]))
    s.close()


def check(out, ptrs):
    names = {}
    for p in ptrs:
        addr, name = p.split("=", 1)
        names[ipaddress.ip_address(addr)] = name
    records = [json.loads(line) for line in open(out)]
    if len(records) != 3 * len(PAIRS):
        sys.exit(f"{len(records)} records, want {3 * len(PAIRS)}")
    named = 0
    for r in records:
        for side in ("src", "dest"):
            want = names.get(ipaddress.ip_address(r[side + "_ip"]))
            got = r.get(side + "_host")
            if got != want:
                sys.exit(f"{side}_host {got!r}, want {want!r} in {r}")
            named += got is not None
    print(f"{len(records)} records, {named} names as the PTR records say")


def pg(out, rows_path):
    def key(ws, src, dst, port):
        return (int(float(ws)), str(ipaddress.ip_address(src)), str(ipaddress.ip_address(dst)),
                int(port))
    want = {}
    for line in open(out):
        r = json.loads(line)
        ws = calendar.timegm(time.strptime(r["window_start"][:19], "%Y-%m-%dT%H:%M:%S"))
        want[key(ws, r["src_ip"], r["dest_ip"], r["dest_port"])] = (
            r.get("src_host"), r.get("dest_host"), None)
    got = {}
    for line in open(rows_path):
        f = [None if v == "\\N" else v for v in line.rstrip("\n").split("\t")]
        got[key(*f[:4])] = tuple(f[4:])
    if got != want:
        sys.exit(f"PostgreSQL rows differ: {sorted(set(got.items()) ^ set(want.items()))[:4]}")
    print(f"{len(got)} rows, names as in the JSON records")


def main():
    cmd = sys.argv[1]
    if cmd == "eve":
        eve(sys.argv[2])
    elif cmd == "feed":
        feed(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif cmd == "wait":
        wait(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif cmd == "check":
        check(sys.argv[2], sys.argv[3:])
    elif cmd == "pg":
        pg(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
