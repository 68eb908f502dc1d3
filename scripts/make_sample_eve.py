#!/usr/bin/env python3
"""Writes a small, deterministic Suricata-style EVE file for the quickstart and the docs.

  make_sample_eve.py [-n EVENTS] [--seed S] OUTPUT

Flows (TCP, UDP, ICMP, IPv4 and IPv6 as Suricata writes them, zero-padded), dns, tls, alert
and stats events over ten minutes, plus two malformed lines to show how they are counted.
"""
import argparse
import datetime
import json
import random

BASE = datetime.datetime(2024, 5, 1, 10, 0, 0, tzinfo=datetime.timezone.utc)
CLIENTS = ["10.0.0.%d" % i for i in range(1, 21)] + ["fd00:0000:0000:0000:0000:0000:0000:00%02x" % i for i in range(1, 5)]
SERVERS = [("93.184.216.34", 443, "TCP", "tls"), ("10.0.0.53", 53, "UDP", "dns"),
           ("142.250.74.46", 443, "TCP", "tls"), ("10.0.0.80", 80, "TCP", "http"),
           ("8.8.8.8", 0, "ICMP", None), ("fd00:0000:0000:0000:0000:0000:0000:0001", 443, "TCP", "tls")]


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+0000"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("output")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    with open(a.output, "w") as out:
        for i in range(a.n):
            t = BASE + datetime.timedelta(seconds=600.0 * i / a.n)
            dst, dport, proto, app = rng.choice(SERVERS)
            v6 = ":" in dst
            src = rng.choice([c for c in CLIENTS if (":" in c) == v6])
            ev = {"timestamp": ts(t), "flow_id": rng.randrange(1, 2**50), "in_iface": "eth0",
                  "src_ip": src, "dest_ip": dst, "proto": proto}
            if proto != "ICMP":
                ev["src_port"] = rng.randrange(32768, 61000)
                ev["dest_port"] = dport
            kind = rng.random()
            if kind < 0.6:
                start = t - datetime.timedelta(seconds=rng.uniform(0.1, 30))
                ev.update({"event_type": "flow", "app_proto": app or "failed",
                           "flow": {"pkts_toserver": rng.randrange(1, 40),
                                    "pkts_toclient": rng.randrange(0, 60),
                                    "bytes_toserver": rng.randrange(60, 9000),
                                    "bytes_toclient": rng.randrange(0, 90000),
                                    "start": ts(start), "end": ts(t), "age": 1,
                                    "state": "closed", "reason": "timeout", "alerted": False}})
            elif kind < 0.8 and app == "dns":
                ev.update({"event_type": "dns", "dns": {"type": "query", "rrname": "example.com", "rrtype": "A"}})
            elif kind < 0.9 and app == "tls":
                ev.update({"event_type": "tls", "tls": {"sni": "example.com", "version": "TLS 1.3"}})
            elif kind < 0.93:
                ev.update({"event_type": "alert", "alert": {"signature_id": 2100498, "severity": rng.choice([1, 2, 3]),
                                                             "signature": "GPL ATTACK_RESPONSE id check returned root"}})
            else:
                ev = {"timestamp": ts(t), "event_type": "stats", "stats": {"uptime": i}}
            out.write(json.dumps(ev, separators=(",", ":")) + "\n")
            if i == a.n // 3:
                out.write("this line is not JSON\n")
            if i == 2 * a.n // 3:
                out.write('{"timestamp":"2024-05-01T10:07:00.000000+0000","event_type":"flow","src_ip":"","dest_ip":"10.0.0.1"}\n')


if __name__ == "__main__":
    main()
