#!/usr/bin/python3
"""Sends the non-empty lines of EVE files to Redis the way Suricata's redis output does.

  redis_push.py HOST:PORT KEY lpush|rpush|publish FILE... [--chunk N] [--delay SECONDS]

lpush/rpush push one list entry per line (Suricata's `list`/`lpush` and `rpush` modes),
publish sends one PUBLISH per line (its `channel` mode), in file order, `chunk` lines per
round trip with `delay` seconds between chunks. Prints the number of lines sent.
"""
import argparse
import time

import redis


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("address")
    ap.add_argument("key")
    ap.add_argument("mode", choices=["lpush", "rpush", "publish"])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--delay", type=float, default=0.0)
    a = ap.parse_args()
    host, port = a.address.rsplit(":", 1)
    r = redis.Redis(host=host, port=int(port))
    lines = []
    for f in a.files:
        lines += [l for l in open(f, "rb").read().split(b"\n") if l.strip()]
    for i in range(0, len(lines), a.chunk):
        p = r.pipeline(transaction=False)
        for line in lines[i:i + a.chunk]:
            getattr(p, a.mode)(a.key, line)
        p.execute()
        if a.delay:
            time.sleep(a.delay)
    print(len(lines))


if __name__ == "__main__":
    main()
