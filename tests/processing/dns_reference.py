#!/usr/bin/env python3
"""Reference for the dns_aggregate and pdns handlers, computed from EVE files with `json`.

  dns_reference.py [--period S] [--sensor ID] [--max-answers N] FILE... [:: FILE...]

A `::` between files stands for a restart of eveflow: what links events (a v1 query to its
answers, a v1 response's events to each other) does not carry across it.

Prints {"agg": [...], "pdns": [...]}: dns_aggregate totals per (window_start epoch seconds,
sensor, rrname, rrtype) and pdns totals per (sensor, rrname, rrtype, rdata), in the form
dns_compare.py reads. Written from the layouts' descriptions, not from the C++ code.
"""
import argparse
import datetime
import ipaddress
import json
import sys

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def epoch_us(text):
    """Microseconds since the epoch of Suricata's timestamp, or None."""
    if not isinstance(text, str):
        return None
    try:
        t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        try:
            t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
    return (t - EPOCH) // datetime.timedelta(microseconds=1)


def ip_text(v):
    try:
        a = ipaddress.ip_address(v)
    except (ValueError, TypeError):
        return None
    if a.version == 6 and a.ipv4_mapped:
        a = a.ipv4_mapped
    return str(a)


def port(e, key):
    v = e.get(key)
    return v if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 65535 else None


def client(e):
    """The endpoint not on port 53 when exactly one is; else the source."""
    use_dest = port(e, "src_port") == 53 and port(e, "dest_port") != 53
    return ip_text(e.get("dest_ip" if use_dest else "src_ip"))


def s(obj, key):
    v = obj.get(key) if isinstance(obj, dict) else None
    return v if isinstance(v, str) else ""


SOA = ["mname", "rname", "serial", "refresh", "retry", "expire", "minimum"]
SRV = ["priority", "weight", "port", "name"]


def presentation(obj, names):
    return " ".join(str(obj[n]) for n in names if n in obj and not isinstance(obj[n], (dict, list)))


def rdata(rec, rrtype):
    if isinstance(rec, str):
        return rec
    if not isinstance(rec, dict):
        return ""
    if isinstance(rec.get("rdata"), str):
        return rec["rdata"]
    for key, typ, names in (("soa", "SOA", SOA), ("srv", "SRV", SRV)):
        if isinstance(rec.get(key), dict):
            return presentation(rec[key], names)
        if rrtype == typ:
            return presentation(rec, names)
    return ""


def record(r):
    return {"rrname": s(r, "rrname"), "rrtype": s(r, "rrtype"), "rdata": rdata(r, s(r, "rrtype"))}


def answers_of(d, qname):
    if isinstance(d.get("answers"), list):
        return [record(r) for r in d["answers"] if isinstance(r, dict)]
    out = []
    grouped = d.get("grouped")
    if isinstance(grouped, dict):
        for typ, values in grouped.items():
            if isinstance(values, list):
                out += [{"rrname": "", "rrtype": typ, "rdata": rdata(v, typ)} for v in values]
    cnames = [r for r in out if r["rrtype"] == "CNAME"]
    if qname is not None and len(cnames) <= 1:
        target = cnames[0]["rdata"] if cnames else qname
        for r in out:
            r["rrname"] = qname if cnames and r is cnames[0] else target
    return out


def message(d):
    """(layout, response, id, rcode, queries, answers, authorities) of a dns event's object."""
    version = d.get("version") if isinstance(d.get("version"), int) else 0
    ident = d.get("id") if isinstance(d.get("id"), int) and 0 <= d.get("id") <= 0xFFFF else None
    m = {"id": ident, "rcode": s(d, "rcode"), "queries": [], "answers": [], "authorities": []}
    typ = s(d, "type")
    if version >= 3 or "queries" in d:
        m["layout"], m["response"] = 3, typ == "response"
        m["queries"] = [(s(q, "rrname"), s(q, "rrtype")) for q in d.get("queries") or []]
    else:
        m["layout"], m["response"] = (2 if version == 2 else 1), typ in ("answer", "response")
        name, rtype = s(d, "rrname"), s(d, "rrtype")
        if m["layout"] == 1 and m["response"]:
            if "rdata" in d or rtype:
                m["answers"] = [record(d)]
            elif name:
                m["queries"] = [(name, "")]
            return m
        if name or rtype:
            m["queries"] = [(name, rtype)]
    if m["response"]:
        qname = m["queries"][0][0] if m["queries"] else None
        m["answers"] = answers_of(d, qname)
        m["authorities"] = [record(r) for r in d.get("authorities") or [] if isinstance(r, dict)]
    return m


def events(paths, restart):
    for path in paths:
        if path == "::":
            restart()
            continue
        with open(path, "rb") as f:
            for raw in f:
                try:
                    e = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    continue
                if not isinstance(e, dict) or e.get("event_type") != "dns":
                    continue
                if not isinstance(e.get("dns"), dict):
                    continue
                t = epoch_us(e.get("timestamp"))
                if t is not None:
                    yield e, t


class Aggregates:
    def __init__(self, period_s, max_answers):
        self.period = period_s * 1000000
        self.max_answers = max_answers
        self.keys = {}
        self.pending = {}
        self.last_v1 = None
        self.last_key = None

    def restart(self):
        self.pending, self.last_v1, self.last_key = {}, None, None

    def entry(self, t, sensor, name, rtype):
        k = (t // self.period * self.period // 1000000, sensor, name, rtype)
        return self.keys.setdefault(k, {"queries": 0, "responses": 0, "clients": set(),
                                        "rcodes": {}, "answers": [], "overflow": 0})

    def question_of_response(self, e, m, sensor):
        """(key, continued) for a response."""
        flow_id = e.get("flow_id")
        if m["layout"] != 1:
            self.pending.pop((flow_id, m["id"]), None)
            q = m["queries"][0] if m["queries"] else ("", "")
            return (sensor,) + q, False
        ident = (sensor, flow_id, m["id"], e.get("timestamp"))
        if ident == self.last_v1:
            return self.last_key, True
        self.last_v1 = ident
        if (flow_id, m["id"]) in self.pending and m["id"] is not None:
            q = self.pending.pop((flow_id, m["id"]))
        elif m["queries"]:
            q = m["queries"][0]
        elif m["answers"]:
            q = (m["answers"][0]["rrname"], m["answers"][0]["rrtype"])
        else:
            q = ("", "")
        self.last_key = (sensor,) + tuple(q)
        return self.last_key, False

    def add(self, e, t, m, sensor):
        c = client(e)
        if not m["response"]:
            q = m["queries"][0] if m["queries"] else ("", "")
            if m["layout"] != 3 and m["id"] is not None:
                self.pending[(e.get("flow_id"), m["id"])] = q
            a = self.entry(t, sensor, *q)
            a["queries"] += 1
        else:
            key, continued = self.question_of_response(e, m, sensor)
            a = self.entry(t, *key)
            if not continued:
                a["responses"] += 1
                if m["rcode"]:
                    a["rcodes"][m["rcode"]] = a["rcodes"].get(m["rcode"], 0) + 1
            for r in m["answers"]:
                if not r["rdata"] or r["rdata"] in a["answers"]:
                    continue
                if len(a["answers"]) < self.max_answers:
                    a["answers"].append(r["rdata"])
                else:
                    a["overflow"] += 1
        if c is not None:
            a["clients"].add(c)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--period", type=int, default=60)
    ap.add_argument("--sensor", default="e2e")
    ap.add_argument("--max-answers", type=int, default=64)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    agg = Aggregates(a.period, a.max_answers)
    pdns = {}
    for e, t in events(a.files, agg.restart):
        sensor = e["host"] if isinstance(e.get("host"), str) and e["host"] else a.sensor
        m = message(e["dns"])
        agg.add(e, t, m, sensor)
        if not m["response"]:
            continue
        for r in m["answers"] + m["authorities"]:
            if not (r["rrname"] and r["rrtype"] and r["rdata"]):
                continue
            p = pdns.setdefault((sensor, r["rrname"], r["rrtype"], r["rdata"]),
                                {"count": 0, "first": t, "last": t})
            p["count"] += 1
            p["first"], p["last"] = min(p["first"], t), max(p["last"], t)
    out = {"agg": [], "pdns": []}
    for (w, sensor, name, rtype), v in sorted(agg.keys.items()):
        out["agg"].append({"window_start": w, "sensor_id": sensor, "rrname": name,
                           "rrtype": rtype, "queries": v["queries"], "responses": v["responses"],
                           "client_ips": sorted(v["clients"]), "rcodes": v["rcodes"],
                           "answers": sorted(v["answers"]), "answers_overflow": v["overflow"]})
    for (sensor, name, rtype, rd), v in sorted(pdns.items()):
        out["pdns"].append({"sensor_id": sensor, "rrname": name, "rrtype": rtype, "rdata": rd,
                            "count": v["count"], "time_first": v["first"] // 1000000,
                            "time_last": v["last"] // 1000000})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
