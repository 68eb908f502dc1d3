#!/usr/bin/env python3
"""A forwarding target for tests: listens on a unix stream socket and appends every byte it
receives to OUTPUT.   receiver.py SOCKET OUTPUT   (exits on SIGTERM)"""
import os
import signal
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(out, "ab", buffering=0) as f:
        while True:
            conn, _ = srv.accept()
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                f.write(data)
            conn.close()


if __name__ == "__main__":
    main()
