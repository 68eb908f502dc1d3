#!/usr/bin/python3
"""Redis input events/s against the unix-socket input, same file, same run, interleaved.

  bench/redis_vs_socket.py EVEFLOW HOST:PORT [--events 300000] [--reps 3] [--batch-size 1000]

The input is scripts/make_sample_eve.py's (seed 42). Each round runs eveflow once per input:
  socket: `--eve-socket S`, the file sent with sendfile (a unix_stream writer, as Suricata's);
  redis:  `--redis-input HOST:PORT`, the file's lines pushed beforehand to a staging list with
          LPUSH (untimed), then RENAMEd onto the input's key (Suricata's list mode, all at once).
Both are timed from the hand-over (connect / RENAME) until eveflow's metrics count every line
(eveflow_input_events_total + eveflow_input_malformed_total), polled every 2 ms. Aggregates go
to a JSON-lines file, as in the other pipeline benchmarks. Prints each run and the medians.
"""
import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def counted(port):
    try:
        text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=1).read()
    except OSError:
        return -1
    n = 0
    for m in re.finditer(rb"^eveflow_input_(?:events|malformed)_total\{[^}]*\} (\S+)$", text, re.M):
        n += float(m.group(1))
    return n


def run(binary, tmp, kind, args, lines, handover):
    port = free_port()
    err = open(os.path.join(tmp, "err.log"), "w")
    p = subprocess.Popen([binary, *args, "--jsonl", os.path.join(tmp, "out.jsonl"), "--metrics",
                          "127.0.0.1:%d" % port, "--log-level", "warn", "--sensor-id", "bench"],
                         stderr=err)
    while counted(port) < 0:
        time.sleep(0.01)
    t0 = time.monotonic()
    handover()
    while counted(port) < lines:
        if p.poll() is not None:
            sys.exit("%s: eveflow exited %d" % (kind, p.returncode))
        time.sleep(0.002)
    t = time.monotonic() - t0
    p.send_signal(signal.SIGTERM)
    p.wait()
    return lines / t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eveflow")
    ap.add_argument("address")
    ap.add_argument("--events", type=int, default=300000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=1000, help="the redis input's batch_size")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="eveflow-redis-bench.")
    eve = os.path.join(tmp, "eve.json")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts/make_sample_eve.py"), "-n",
                    str(a.events), "--seed", "42", eve], check=True, stdout=subprocess.DEVNULL)
    data = open(eve, "rb").read()
    items = [l for l in data.split(b"\n") if l.strip()]
    host, port = a.address.rsplit(":", 1)
    r = redis.Redis(host=host, port=int(port))
    sock = os.path.join(tmp, "eve.sock")

    def send_file():
        while not os.path.exists(sock):
            time.sleep(0.001)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(sock)
        with open(eve, "rb") as f:
            c.sendfile(f)
        c.close()

    def fill():
        r.delete("bench:stage", "bench:eve")
        for i in range(0, len(items), 10000):
            r.lpush("bench:stage", *items[i:i + 10000])

    results = {"socket": [], "redis": []}
    for rep in range(a.reps):
        if os.path.exists(sock):
            os.unlink(sock)
        eps = run(a.eveflow, tmp, "socket", ["--eve-socket", sock], len(items),
                  lambda: threading.Thread(target=send_file).start())
        results["socket"].append(eps)
        fill()
        redis_args = ["--redis-input", a.address, "--redis-key", "bench:eve", "--set",
                      "inputs[0].batch_size=%d" % a.batch_size]
        eps_r = run(a.eveflow, tmp, "redis", redis_args, len(items),
                    lambda: r.rename("bench:stage", "bench:eve"))
        results["redis"].append(eps_r)
        print("round %d: socket %.0f events/s, redis %.0f events/s" % (rep + 1, eps, eps_r))
    r.delete("bench:stage", "bench:eve")
    s, rd = statistics.median(results["socket"]), statistics.median(results["redis"])
    print("median of %d: socket %.0f events/s, redis %.0f events/s, redis/socket %.2f"
          % (a.reps, s, rd, rd / s))
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
