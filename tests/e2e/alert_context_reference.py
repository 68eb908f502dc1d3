#!/usr/bin/env python3
"""Independent reference for the alert_context handler, written with Python's json module.

  alert_context_reference.py OUT TTL_S MAX_EVENTS MAX_BYTES FILE

Replays FILE's events in order with the documented rules (held per (host, flow_id); an alert
that does not fit pushes out the oldest other event, another event that does not fit is
dropped; a flow ends with its flow event or ttl after its first event) and compares the
records with eveflow's alert_context records in OUT (JSON lines)."""
import calendar
import collections
import json
import re
import sys

ENVELOPE = 512
TS = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{0,9}))?"
                r"(Z|[+-]\d\d:?\d\d)?$")


def to_us(ts):
    m = TS.match(ts) if isinstance(ts, str) else None
    if not m:
        return None
    y, mo, d, h, mi, s, frac, off = m.groups()
    secs = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(s)))
    if off and off != "Z":
        sign = -1 if off[0] == "-" else 1
        digits = off[1:].replace(":", "")
        secs -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return secs * 1000000 + int(((frac or "") + "000000")[:6])


def replay(path, ttl_us, max_events, max_bytes):
    flows = collections.OrderedDict()  # key -> held, in creation order
    out, w = [], None

    def finish(key, reason):
        h = flows.pop(key)
        if h["alerts"]:
            out.append({"flow_id": key[1], "host": key[0], "reason": reason,
                        "timestamp": h["first_alert"], "alerts": h["alerts"],
                        "events": h["events"], "events_dropped": h["dropped"]})

    for raw in open(path, "rb"):
        line = raw[:-1] if raw.endswith(b"\n") else raw
        try:
            e = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            continue
        if not isinstance(e, dict):
            continue
        fid, t = e.get("flow_id"), e.get("event_type")
        if type(fid) is float and fid.is_integer():
            fid = int(fid)  # re-serialised files write 1.2856699708456e+14; eveflow reads it
        if type(fid) is not int or fid == 0 or t in ("netflow", "stats"):
            continue
        ts = to_us(e.get("timestamp"))
        if ts is not None and (w is None or ts > w):
            w = ts
        while w is not None and flows:
            key, h = next(iter(flows.items()))
            if h["first"] is not None and h["first"] + ttl_us >= w:
                break
            finish(key, "ttl")
        host = e.get("host") if isinstance(e.get("host"), str) else ""
        key = (host, fid)
        if t == "flow":
            if key in flows:
                finish(key, "flow_end")
            continue
        if key not in flows:
            flows[key] = {"first": ts if ts is not None else w, "alerts": [], "events": [],
                          "sizes": [], "bytes": 0, "dropped": 0, "first_alert": None}
        h = flows[key]
        size, budget = len(line) + 1, max_bytes - ENVELOPE
        fits = lambda: (len(h["alerts"]) + len(h["events"]) + 1 <= max_events and
                        h["bytes"] + size <= budget)
        while t == "alert" and not fits() and h["events"]:
            h["events"].pop(0)
            h["bytes"] -= h["sizes"].pop(0)
            h["dropped"] += 1
        if not fits():
            h["dropped"] += 1
            continue
        h["bytes"] += size
        if t == "alert":
            if not h["alerts"]:
                h["first_alert"] = ts
            h["alerts"].append(e)
        else:
            h["events"].append(e)
            h["sizes"].append(size)
    for key in list(flows):
        finish(key, "shutdown")
    return out


def canon(r):
    return json.dumps(r, sort_keys=True)


def main():
    out, ttl, max_events, max_bytes, path = sys.argv[1:6]
    want = collections.Counter(canon(r) for r in replay(path, int(ttl) * 1000000,
                                                         int(max_events), int(max_bytes)))
    got = collections.Counter()
    sizes = []
    for line in open(out):
        r = json.loads(line)
        if r.get("event_type") != "alert_context":
            continue
        sizes.append(len(line.rstrip("\n").encode()))
        r["timestamp"] = to_us(r["timestamp"]) if r["timestamp"] else None
        r.setdefault("host", "")
        del r["event_type"]
        got[canon(r)] += 1
    if got != want:
        for k in list((want - got).elements())[:3]:
            print("missing", k[:400])
        for k in list((got - want).elements())[:3]:
            print("unexpected", k[:400])
        print(f"{sum(got.values())} records, {sum(want.values())} expected")
        return 1
    if sizes and max(sizes) > int(max_bytes):
        print(f"a record of {max(sizes)} bytes exceeds max_bytes {max_bytes}")
        return 1
    reasons = collections.Counter(json.loads(k)["reason"] for k in want.elements())
    events = sum(len(json.loads(k)["events"]) for k in want.elements())
    print(f"{sum(want.values())} records ({dict(reasons)}) with {events} events equal the "
          f"reference, largest {max(sizes, default=0)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
