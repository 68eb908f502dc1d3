#!/usr/bin/env python3
"""A Suricata stand-in for tests: writes EVE lines into a unix stream socket in random-sized
pieces.   socket_writer.py SOCKET FILE [--seed S] [--die-mid-line]

With --die-mid-line it sends every line of FILE, then half of one more line, and kills itself
with SIGKILL (a writer that dies mid-line)."""
import argparse
import os
import random
import signal
import socket
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("file")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--die-mid-line", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    data = open(a.file, "rb").read()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(500):
        try:
            s.connect(a.socket)
            break
        except OSError:
            time.sleep(0.01)
    off = 0
    while off < len(data):
        n = rng.randint(1, 9000)
        s.sendall(data[off:off + n])
        off += n
        if rng.random() < 0.01:
            time.sleep(0.001)
    if a.die_mid_line:
        s.sendall(b'{"timestamp":"2024-05-01T10:00:00.000000+0000","event_type":"flow","src_ip":"10.')
        time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGKILL)
    s.close()


if __name__ == "__main__":
    main()
