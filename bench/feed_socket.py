#!/usr/bin/env python3
"""Sends a file into a unix stream socket with sendfile(2), as Suricata's unix_stream output
would, and prints the seconds it took.   feed_socket.py SOCKET FILE [--wait 10]"""
import argparse
import os
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("file")
    ap.add_argument("--wait", type=float, default=10.0, help="seconds to wait for the socket")
    a = ap.parse_args()
    deadline = time.monotonic() + a.wait
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(a.socket)
            break
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                sys.exit("feed_socket: %s not accepting connections" % a.socket)
            time.sleep(0.01)
    t0 = time.monotonic()
    with open(a.file, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        off = 0
        while off < size:
            off += os.sendfile(s.fileno(), f.fileno(), off, size - off)
    s.shutdown(socket.SHUT_WR)
    s.close()
    print("%.6f" % (time.monotonic() - t0))


if __name__ == "__main__":
    main()
