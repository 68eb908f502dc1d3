#!/usr/bin/python3
"""Independent count of an EVE file: events per event_type and malformed lines per reason.

Reads the file line by line with Python's json module (not the parser under test) and applies
the documented rules: '\\r' stripped, blank lines skipped, lines longer than --max-line are
too_long, a last line without newline that does not parse is partial, a line that is not JSON
is split before every later '{"timestamp"' (records torn at Suricata's 4 KiB write boundary
with the next one glued on) and the pieces that parse are events, the others torn; a flow event
without a valid timestamp, src_ip, dest_ip or proto (0-255 or a known name), or with ports, vlan
or flow counters that are not integers in range, is counted invalid_flow (and still an event).
Prints `event <type> <n>` and `malformed <reason> <n>` lines, sorted.
"""
import collections
import datetime
import ipaddress
import json
import re
import sys

TS = re.compile(r'^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?'
                r'([Zz]|[+-]\d{2}:?\d{2})?$')
MARK = b'{"timestamp"'


PROTO_NAMES = {'hopopt', 'icmp', 'igmp', 'ipip', 'tcp', 'udp', 'ipv6', 'gre', 'esp', 'ah',
               'ipv6-icmp', 'icmpv6', 'ospf', 'pim', 'vrrp', 'sctp', 'udplite'}


class Integer(int):
    """A JSON integer with its text: -0 is 0 to Python but not an unsigned integer."""

    def __new__(cls, text):
        value = super().__new__(cls, int(text))
        value.text = text
        return value


def in_range(v, top):
    return isinstance(v, Integer) and v.text[0] != '-' and v <= top


def valid_proto(v):
    if isinstance(v, str):
        return int(v) <= 255 if re.fullmatch('[0-9]+', v) else v.lower() in PROTO_NAMES
    return in_range(v, 255)


def valid_numbers(obj):
    if any(k in obj and not in_range(obj[k], 65535) for k in ('src_port', 'dest_port')):
        return False
    vlan = obj.get('vlan', [])
    if vlan != [] and not in_range(vlan[0] if isinstance(vlan, list) else vlan, 4095):
        return False
    flow = obj.get('flow')
    flow = flow if isinstance(flow, dict) else {}
    return all(in_range(v, 2**64 - 1) for k, v in flow.items()
               if k in ('pkts_toserver', 'pkts_toclient', 'bytes_toserver', 'bytes_toclient'))


def reject_constant(name):
    raise ValueError(name)


def load(raw):
    try:
        return True, json.loads(raw.decode('utf-8'), parse_constant=reject_constant,
                                parse_int=Integer)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False, None


def valid_ts(v):
    if not isinstance(v, str):
        return False
    m = TS.match(v)
    if not m:
        return False
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    off = m.group(8)
    if off and off not in 'Zz':
        digits = off[1:].replace(':', '')
        if int(digits[:2]) > 23 or int(digits[2:]) > 59:
            return False
    try:
        datetime.datetime(y, mo, d, h, mi, min(s, 59))
    except ValueError:
        return False
    return s <= 60


def valid_ip(v):
    if not isinstance(v, str) or '%' in v:
        return False
    try:
        ipaddress.ip_address(v)
        return True
    except ValueError:
        return False


class Counter:
    def __init__(self, max_line):
        self.max_line = max_line
        self.events = collections.Counter()
        self.malformed = collections.Counter()

    def event(self, obj):
        et = obj.get('event_type')
        if not isinstance(et, str) or not et:
            self.malformed['no_event_type'] += 1
            return
        name = et
        self.events[name] += 1
        if name == 'flow' and not (valid_ts(obj.get('timestamp')) and
                                   valid_ip(obj.get('src_ip')) and valid_ip(obj.get('dest_ip')) and
                                   valid_proto(obj.get('proto')) and valid_numbers(obj)):
            self.malformed['invalid_flow'] += 1

    def line(self, raw, fail_reason):
        raw = raw.rstrip(b'\r')
        if raw.strip(b' \t\r') == b'':
            return
        if len(raw) > self.max_line:
            self.malformed['too_long'] += 1
            return
        ok, obj = load(raw)
        if ok:
            if isinstance(obj, dict):
                self.event(obj)
            else:
                self.malformed['not_object'] += 1
            return
        cuts = [0] + [m.start() for m in re.finditer(re.escape(MARK), raw) if m.start() > 0]
        if len(cuts) == 1:
            self.malformed[fail_reason] += 1
            return
        pieces = [raw[a:b] for a, b in zip(cuts, cuts[1:] + [len(raw)])]
        parsed = [load(p) for p in pieces]
        good = [o for ok, o in parsed if ok and isinstance(o, dict)]
        if not good:
            self.malformed[fail_reason] += 1
            return
        for o in good:
            self.event(o)
        self.malformed['torn'] += len(pieces) - len(good)


def main():
    args = sys.argv[1:]
    max_line = 16 << 20
    if args and args[0].startswith('--max-line='):
        max_line = int(args.pop(0).split('=', 1)[1])
    data = sys.stdin.buffer.read() if not args or args[0] == '-' else open(args[0], 'rb').read()
    c = Counter(max_line)
    lines = data.split(b'\n')
    last = lines.pop()   # b'' when the data ends with a newline
    for raw in lines:
        c.line(raw, 'not_json')
    if last:
        c.line(last, 'partial')
    for k, v in sorted(c.events.items()):
        print('event %s %d' % (k or '-', v))
    for k, v in sorted(c.malformed.items()):
        print('malformed %s %d' % (k, v))


if __name__ == '__main__':
    main()
