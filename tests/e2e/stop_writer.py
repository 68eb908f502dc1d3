#!/usr/bin/env python3
"""A Suricata stand-in that stays connected, for the tests of a stop while writers are connected.

  stop_writer.py SOCKET READY RESULT --idle FILE       sends FILE, then waits connected
  stop_writer.py SOCKET READY RESULT --unfinished FILE sends FILE and half a line, then waits
  stop_writer.py SOCKET READY RESULT --busy SEED       streams flow lines until refused

READY is created once the first lines are sent (for --busy: after 2000 lines). RESULT gets,
as JSON, what the kernel accepted before it refused more (EPIPE, ECONNRESET) or the peer
closed: `lines` complete lines, and `tail`, the bytes of the line begun last; `tail_event` is
1 if those bytes are a whole event without its newline (delivered at the end of the stream),
else 0. Waiting writers end when the peer shuts them out; every writer gives up after 60 s.
"""
import argparse
import errno
import json
import random
import socket
import time

UNFINISHED = b'{"timestamp":"2024-05-01T10:00:00.000000+0000","event_type":"flow","src_ip":"10.'


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(500):
        try:
            s.connect(path)
            return s
        except OSError:
            time.sleep(0.01)
    raise SystemExit("cannot connect to %s" % path)


def flow_line(rng, i):
    ev = {"timestamp": "2024-05-01T10:%02d:%02d.%06d+0000" % (i // 60000 % 60, i // 1000 % 60, i % 1000),
          "flow_id": i, "event_type": "flow", "src_ip": "10.%d.%d.%d" % (rng.randrange(4), i // 256 % 256, i % 256),
          "dest_ip": "10.200.0.%d" % rng.randrange(1, 9), "proto": "TCP",
          "src_port": rng.randrange(1024, 65536), "dest_port": 443,
          "flow": {"pkts_toserver": rng.randrange(1, 50), "pkts_toclient": rng.randrange(1, 50),
                   "bytes_toserver": rng.randrange(60, 90000), "bytes_toclient": rng.randrange(60, 90000)},
          "pad": "x" * rng.randrange(0, 400)}
    return json.dumps(ev, separators=(",", ":")).encode() + b"\n"


class Sent:
    """What the kernel took: complete lines and the bytes of the line begun after them."""

    def __init__(self):
        self.lines = 0
        self.tail = b""

    def add(self, data):
        nl = data.rfind(b"\n")
        if nl < 0:
            self.tail += data
            return
        self.lines += data.count(b"\n")
        self.tail = data[nl + 1:]

    def result(self):
        try:
            whole = isinstance(json.loads(self.tail), dict) if self.tail else False
        except ValueError:
            whole = False
        return {"lines": self.lines, "tail": len(self.tail), "tail_event": int(whole)}


def send_some(s, sent, data):
    """Sends data in one call; False once the kernel refuses more."""
    try:
        n = s.send(data)
    except OSError as e:
        if e.errno in (errno.EPIPE, errno.ECONNRESET):
            return 0
        raise
    sent.add(data[:n])
    return n


def busy(s, sent, seed, ready):
    rng = random.Random(seed)
    i, pending, marked = 0, b"", False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        while len(pending) < 16384:
            pending += flow_line(rng, seed * 10000000 + i)
            i += 1
        n = send_some(s, sent, pending[:rng.randint(1, 9000)])
        if n == 0:
            return
        pending = pending[n:]
        if not marked and sent.lines >= 2000:
            open(ready, "w").close()
            marked = True


def wait_connected(s, sent):
    """Waits until the peer shuts the connection; then a write is refused."""
    deadline = time.monotonic() + 60
    s.settimeout(0.05)
    while time.monotonic() < deadline:
        try:
            if s.recv(1) == b"":
                break
        except socket.timeout:
            pass
    send_some(s, sent, b"\n")  # refused: the stop shut it (counted only if taken)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("ready")
    ap.add_argument("result")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--idle")
    mode.add_argument("--unfinished")
    mode.add_argument("--busy", type=int)
    a = ap.parse_args()
    s = connect(a.socket)
    sent = Sent()
    if a.busy is not None:
        busy(s, sent, a.busy, a.ready)
    else:
        data = open(a.idle or a.unfinished, "rb").read() + (UNFINISHED if a.unfinished else b"")
        s.sendall(data)
        sent.add(data)
        open(a.ready, "w").close()
        wait_connected(s, sent)
    json.dump(sent.result(), open(a.result, "w"))


if __name__ == "__main__":
    main()
