#!/usr/bin/env python3
"""Independent reference for eveflow's EVE reading and flow aggregation.

Written from the specification, not from eveflow's code: Python's json and ipaddress modules
read the EVE lines, and the aggregates are computed with plain dictionaries.

  reference.py [--period 60] [--time-field timestamp] [--sensor-id e2e] FILE... > reference.json

Prints one JSON document: {"events": {type: n}, "events_by_sensor": {sensor: n}, "malformed": n,
"aggregates": [...]}, where each aggregate is keyed by window_start, sensor_id (the event's
top-level "host", else --sensor-id) and (src_ip, dest_ip, dest_port, proto).
"""
import argparse
import ipaddress
import json
import re
import sys

MAX_LINE = 16 * 1024 * 1024
PROTO_NAMES = {0: "HOPOPT", 1: "ICMP", 2: "IGMP", 4: "IPIP", 6: "TCP", 17: "UDP", 41: "IPv6",
               47: "GRE", 50: "ESP", 51: "AH", 58: "IPv6-ICMP", 89: "OSPF", 103: "PIM",
               112: "VRRP", 132: "SCTP", 136: "UDPLite"}
NAME_TO_PROTO = {v.lower(): k for k, v in PROTO_NAMES.items()}
NAME_TO_PROTO["icmpv6"] = 58
TS_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
                   r"(Z|z|[+-]\d{2}:?\d{2})?$")
GLUE = b'{"timestamp"'


def days_from_civil(y, m, d):
    # Proleptic Gregorian day count via the ordinal of Python's date (1970-01-01 = 719163).
    import datetime
    return datetime.date(y, m, d).toordinal() - 719163


def parse_ts(text):
    """µs since the epoch, or None."""
    if not isinstance(text, str):
        return None
    m = TS_RE.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    try:
        days = days_from_civil(y, mo, d)
    except ValueError:
        return None
    if h > 23 or mi > 59 or s > 60:
        return None
    frac = (m.group(7) or "").ljust(6, "0")[:6]
    off = 0
    tz = m.group(8)
    if tz and tz not in ("Z", "z"):
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        oh, om = int(digits[:2]), int(digits[2:])
        if oh > 23 or om > 59:
            return None
        off = sign * (oh * 3600 + om * 60)
    secs = days * 86400 + h * 3600 + mi * 60 + s - off
    return secs * 1_000_000 + int(frac)


def fmt_ts(us):
    import datetime
    secs, frac = divmod(us, 1_000_000)
    dt = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=secs)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % frac


def norm_ip(text):
    if not isinstance(text, str) or not text:
        return None
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


class IntLiteral(int):
    """A JSON integer that remembers how it was written (json.loads reads -0 as 0)."""

    def __new__(cls, text):
        obj = super().__new__(cls, int(text))
        obj.negative = text.startswith("-")
        return obj


def whole(value, limit):
    """value if it is a JSON integer written without sign, fraction or exponent, <= limit."""
    if isinstance(value, IntLiteral) and not value.negative and value <= limit:
        return value
    return None


def proto_text(value):
    """The protocol of a number 0-255 (JSON number or digits string) or known name, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        if whole(value, 255) is None:
            return None
        n = value
    elif isinstance(value, str):
        if re.fullmatch(r"[0-9]+", value):
            n = int(value)
        else:
            n = NAME_TO_PROTO.get(value.lower())
            if n is None:
                return None
    else:
        return None
    if not 0 <= n <= 255:
        return None
    return PROTO_NAMES.get(n, str(n))


def port(value):
    return whole(value, 65535)


U64_MAX = 2**64 - 1


def numbers_valid(ev, flow):
    """Ports, vlan and flow counters, where present, are integers in range (1e3, 1.0, -1,
    2**64, null and strings are not)."""
    for name in ("src_port", "dest_port"):
        if name in ev and port(ev[name]) is None:
            return False
    if "vlan" in ev:
        vlan = ev["vlan"]
        outer = vlan[0] if isinstance(vlan, list) and vlan else vlan
        if not (isinstance(vlan, list) and not vlan) and whole(outer, 4095) is None:
            return False
    return all(whole(flow[c], U64_MAX) is not None for c in COUNTERS if c in flow)


COUNTERS = ("pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient")


def decode(line):
    """The JSON object on this line, or None."""
    try:
        obj = json.loads(line.decode("utf-8"), parse_int=IntLiteral)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def records_of(line, stats):
    """The records a line yields, recovering records glued after a torn one."""
    out = []
    while True:
        obj = decode(line)
        if obj is not None:
            out.append(obj)
            return out
        glued = line.find(GLUE, 1)
        stats["malformed"] += 1
        if glued < 0:
            return out
        line = line[glued:]


def network_of(ip_text):
    """The /24 (IPv4) or /64 (IPv6) of an address, as CIDR text."""
    ip = ipaddress.ip_address(ip_text)
    return str(ipaddress.ip_network("%s/%d" % (ip, 24 if ip.version == 4 else 64), strict=False))


class HomeNet:
    """Suricata's HOME_NET: in a listed network and in no `!` one (all, when none is listed)."""

    def __init__(self, spec):
        items = [s for s in spec.split(",") if s]
        self.include = [ipaddress.ip_network(s, strict=False) for s in items if s[0] != "!"]
        self.exclude = [ipaddress.ip_network(s[1:], strict=False) for s in items if s[0] == "!"]

    def contains(self, ip_text):
        ip = ipaddress.ip_address(ip_text)
        inside = lambda nets: any(ip.version == n.version and ip in n for n in nets)
        return not inside(self.exclude) and (not self.include or inside(self.include))

    def direction(self, src, dst):
        s, d = self.contains(src), self.contains(dst)
        return {(True, True): "internal", (True, False): "outbound",
                (False, True): "inbound", (False, False): "external"}[(s, d)]


class Aggregator:
    def __init__(self, period_us, time_field, sensor_id, home_net=None):
        self.period = period_us
        self.time_field = time_field
        self.sensor_id = sensor_id
        self.windows = {}
        # With home_net: key [src_net, dest_net, dest_port, proto, home_direction].
        self.home_net = HomeNet(home_net) if home_net else None

    def add(self, ev):
        ts = parse_ts(ev.get("timestamp"))
        src, dst = norm_ip(ev.get("src_ip")), norm_ip(ev.get("dest_ip"))
        flow = ev.get("flow") if isinstance(ev.get("flow"), dict) else {}
        proto = proto_text(ev.get("proto"))
        if ts is None or src is None or dst is None or proto is None or not numbers_valid(ev, flow):
            return False
        start, end = parse_ts(flow.get("start")), parse_ts(flow.get("end"))
        t = {"timestamp": ts, "flow_start": start, "flow_end": end}[self.time_field]
        if t is None:
            t = ts
        window = (t // self.period) * self.period
        host = ev.get("host")
        sensor = host if isinstance(host, str) and host else self.sensor_id
        key = (window, sensor, src, dst, port(ev.get("dest_port")) or 0, proto)
        if self.home_net:
            key = (window, sensor, network_of(src), network_of(dst), key[4], proto,
                   self.home_net.direction(src, dst))
        a = self.windows.setdefault(key, {"flows": 0, "ports": set(), "pkts_toserver": 0,
                                          "pkts_toclient": 0, "bytes_toserver": 0,
                                          "bytes_toclient": 0, "first": None, "last": None})
        a["flows"] += 1
        sp = port(ev.get("src_port"))
        if sp is not None:
            a["ports"].add(sp)
        for c in COUNTERS:
            a[c] = min(a[c] + flow.get(c, 0), U64_MAX)  # sums saturate
        first = start if start is not None else ts
        last = end if end is not None else ts
        a["first"] = first if a["first"] is None else min(a["first"], first)
        a["last"] = last if a["last"] is None else max(a["last"], last)
        return True

    def records(self):
        out = []
        for (window, sensor, src, dst, dport, proto, *direction), a in sorted(self.windows.items()):
            where = {"src_ip": src, "dest_ip": dst}
            if self.home_net:
                where = {"src_net": src, "dest_net": dst, "home_direction": direction[0]}
            out.append({"window_start": fmt_ts(window), "window_end": fmt_ts(window + self.period),
                        "sensor_id": sensor, **where, "dest_port": dport, "proto": proto,
                        "flows": a["flows"], "src_ports": len(a["ports"]),
                        "pkts_toserver": a["pkts_toserver"], "pkts_toclient": a["pkts_toclient"],
                        "bytes_toserver": a["bytes_toserver"],
                        "bytes_toclient": a["bytes_toclient"],
                        "first_seen": fmt_ts(a["first"]), "last_seen": fmt_ts(a["last"])})
        return out


def lines_of(path):
    data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    for line in data.split(b"\n"):
        if line.endswith(b"\r"):
            line = line[:-1]
        if line.strip(b" \t\r") == b"":
            continue
        yield line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--period", type=int, default=60, help="seconds")
    ap.add_argument("--time-field", default="timestamp",
                    choices=["timestamp", "flow_start", "flow_end"])
    ap.add_argument("--sensor-id", default="e2e",
                    help="sensor of events without a top-level string \"host\"")
    ap.add_argument("--home-net", default=None,
                    help="CIDR[,!CIDR...]: key on src_net, dest_net and home_direction instead")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    stats = {"malformed": 0, "events": {}, "events_by_sensor": {}, "flows_aggregated": 0}
    agg = Aggregator(args.period * 1_000_000, args.time_field, args.sensor_id, args.home_net)
    for path in args.files:
        for line in lines_of(path):
            if len(line) > MAX_LINE:
                stats["malformed"] += 1
                continue
            for ev in records_of(line, stats):
                et = ev.get("event_type")
                if not isinstance(et, str) or not et:
                    # Not an event: an object without a string event_type is only malformed.
                    stats["malformed"] += 1
                    continue
                stats["events"][et] = stats["events"].get(et, 0) + 1
                host = ev.get("host")
                sensor = host if isinstance(host, str) and host else args.sensor_id
                stats["events_by_sensor"][sensor] = stats["events_by_sensor"].get(sensor, 0) + 1
                if et != "flow":
                    continue
                if agg.add(ev):
                    stats["flows_aggregated"] += 1
                else:
                    stats["malformed"] += 1
    stats["aggregates"] = agg.records()
    json.dump(stats, sys.stdout, indent=0, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
