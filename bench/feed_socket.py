#!/usr/bin/env python3
"""Sends a file into a unix stream socket with sendfile(2), as Suricata's unix_stream output
would. Prints three numbers: the wall-clock time (time.time()) just before the connect, the
seconds until the whole file was sent, and, with --log and --pattern, the seconds until a
line with the pattern appeared in that log after the connect (the receiver saying it has
handled the connection, as ../shared/bench/fever/feed_eve.py waits for FEVER's
"connection handled"), else -1.
    feed_socket.py SOCKET FILE [--wait 10] [--log FILE --pattern TEXT [--timeout 300]]"""
import argparse
import os
import socket
import sys
import time


def wait_for_socket(path, seconds):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            sys.exit("feed_socket: %s does not exist" % path)
        time.sleep(0.005)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("file")
    ap.add_argument("--wait", type=float, default=10.0, help="seconds to wait for the socket")
    ap.add_argument("--log", help="the receiver's log, read from its size at the connect on")
    ap.add_argument("--pattern", help="the text that says the connection was handled")
    ap.add_argument("--timeout", type=float, default=300.0)
    a = ap.parse_args()
    wait_for_socket(a.socket, a.wait)
    log_at = os.path.getsize(a.log) if a.log and os.path.exists(a.log) else 0
    deadline = time.monotonic() + a.wait
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        wall0, t0 = time.time(), time.monotonic()
        try:
            s.connect(a.socket)
            break
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                sys.exit("feed_socket: %s not accepting connections" % a.socket)
            time.sleep(0.005)
    with open(a.file, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        off = 0
        while off < size:
            off += os.sendfile(s.fileno(), f.fileno(), off, size - off)
    s.shutdown(socket.SHUT_WR)
    sent = time.monotonic() - t0
    handled = -1.0
    if a.log and a.pattern:
        with open(a.log, "rb") as log:
            log.seek(log_at)
            buf = b""
            while handled < 0:
                chunk = log.read()
                if chunk:
                    buf += chunk
                    if a.pattern.encode() in buf:
                        handled = time.monotonic() - t0
                        break
                    buf = buf[buf.rfind(b"\n") + 1:]
                elif time.monotonic() - t0 > a.timeout:
                    sys.exit("feed_socket: no %r in %s after %.0f s" % (a.pattern, a.log, a.timeout))
                else:
                    time.sleep(0.002)
    s.close()
    print("%.6f %.6f %.6f" % (wall0, sent, handled))


if __name__ == "__main__":
    main()
