#!/usr/bin/python3
"""Names seen in DNS, computed independently of eveflow, and a check of eveflow's records.

  dns_names_reference.py eve   OUT.jsonl EVE_FILE            (EVE dns answers)
  dns_names_reference.py pcap  OUT.jsonl CAPTURE NDPI_OUT    (DNS responses parsed with dpkt,
                                                              plus ndpiReader's Hostname/SNI)

The run being checked holds every window until the end of its input (allowed_lateness far in
the future), so each record is emitted after the whole input was read: its dest_name is the
last name the input gave for (src_ip, dest_ip), or absent when it gave none. Entries expire on
eveflow's wall clock with the answer's TTL: a run lasts a few seconds, so a pair whose last
answer had a TTL of 0 has no name, and one whose last TTL was under 10 s may have it or not.
Prints `records=N named=M expected=K` (K: records that must have a name)
from_dns=D (named from DNS answers alone) and exits 1
listing mismatches.
"""
import ipaddress
import json
import re
import socket
import sys

SHORT_TTL = 10  # seconds: the run may or may not outlast it


def norm(name):
    return name.rstrip(".").lower() if name else ""


def addr(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class Names:
    """(client, server) -> (name, ttl) of the last answer, in input order."""

    def __init__(self):
        self.last = {}

    def put(self, client, server, name, ttl):
        if client is None or server is None or not norm(name) or len(norm(name)) > 255:
            return
        self.last[(client, server)] = (norm(name), ttl)


def eve_client(o):
    """Suricata writes v1 answers in packet direction (source port 53) and v2/v3 in flow
    direction: the client is the end that is not on port 53 when exactly one is."""
    sp, dp = o.get("src_port"), o.get("dest_port")
    if sp == 53 and dp != 53:
        return addr(o.get("dest_ip", ""))
    return addr(o.get("src_ip", ""))


def asked_in(qname, records):
    """Address records (owner, type, data, ttl) of one response reached from qname through
    its CNAMEs; an unknown owner (None) counts as reached."""
    reached = {norm(qname)}
    changed = True
    while changed:
        changed = False
        for owner, rtype, data, _ in records:
            if rtype == "CNAME" and owner is not None and norm(owner) in reached \
                    and norm(data) not in reached:
                reached.add(norm(data))
                changed = True
    return [(data, ttl) for owner, rtype, data, ttl in records
            if rtype in ("A", "AAAA") and (owner is None or norm(owner) in reached)]


def eve_names(path):
    names, chains = Names(), {}
    with open(path, "rb") as f:
        for raw in f:
            try:
                o = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(o, dict) or o.get("event_type") != "dns":
                continue
            d = o.get("dns")
            if not isinstance(d, dict) or d.get("type") not in ("answer", "response"):
                continue
            client = eve_client(o)
            if "version" not in d:  # v1: one record per event, chains across events
                owner, rtype = d.get("rrname"), d.get("rrtype")
                if not owner or "rdata" not in d:
                    continue
                key = (client, d.get("id"))
                asked = chains.get(key, {}).get(norm(owner), owner)
                if rtype == "CNAME":
                    chains.setdefault(key, {})[norm(d["rdata"])] = asked
                elif rtype in ("A", "AAAA"):
                    names.put(client, addr(d["rdata"]), asked, d.get("ttl"))
                continue
            qname = d.get("rrname") or (d.get("queries") or [{}])[0].get("rrname", "")
            if "answers" in d:
                recs = [(a.get("rrname"), a.get("rrtype"), a.get("rdata", ""), a.get("ttl"))
                        for a in d["answers"] if isinstance(a, dict)]
            else:  # grouped: no owners, no TTLs
                recs = [(None, t, v, None) for t, vs in (d.get("grouped") or {}).items()
                        for v in vs if isinstance(v, str)]
            for data, ttl in asked_in(qname, recs):
                names.put(client, addr(data), qname, ttl)
    return names


def pcap_names(path):
    import dpkt
    names = Names()
    with open(path, "rb") as f:
        reader = dpkt.pcapng.Reader(f) if path.endswith(".pcapng") else dpkt.pcap.Reader(f)
        link = reader.datalink()
        for _, buf in reader:
            try:
                ip = (dpkt.ethernet.Ethernet(buf) if link == 1 else dpkt.sll.SLL(buf)).data
            except (dpkt.UnpackError, Exception):
                continue
            if not isinstance(ip, (dpkt.ip.IP, dpkt.ip6.IP6)):
                continue
            udp = ip.data
            if not isinstance(udp, dpkt.udp.UDP) or udp.sport != 53:
                continue
            try:
                msg = dpkt.dns.DNS(udp.data)
            except Exception:
                continue
            if msg.qr != dpkt.dns.DNS_R or msg.rcode != 0 or not msg.qd:
                continue
            recs = []
            for rr in msg.an:
                if rr.cls != 1:
                    continue
                if rr.type == dpkt.dns.DNS_A and len(rr.rdata) == 4:
                    recs.append((rr.name, "A", socket.inet_ntop(socket.AF_INET, rr.rdata), rr.ttl))
                elif rr.type == dpkt.dns.DNS_AAAA and len(rr.rdata) == 16:
                    recs.append((rr.name, "AAAA", socket.inet_ntop(socket.AF_INET6, rr.rdata),
                                 rr.ttl))
                elif rr.type == dpkt.dns.DNS_CNAME:
                    recs.append((rr.name, "CNAME", rr.cname, rr.ttl))
            family = socket.AF_INET if isinstance(ip, dpkt.ip.IP) else socket.AF_INET6
            client = addr(socket.inet_ntop(family, ip.dst))
            for data, ttl in asked_in(msg.qd[0].name, recs):
                names.put(client, addr(data), msg.qd[0].name, ttl)
    return names


FLOW_LINE = re.compile(r"^\s+\d+\s+\S+ \[?([0-9a-f.:]+)\]?:\d+ <?-> \[?([0-9a-f.:]+)\]?:\d+ "
                       r"\[proto: [^/]*/([^\]]+)\].*?\[Hostname/SNI: ([^\]]+)\]")


def ndpi_hostnames(path):
    """ndpiReader's flows of TLS, HTTP and QUIC with a Hostname/SNI: (client, server) -> names."""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = FLOW_LINE.match(line)
            if not m:
                continue
            protos = m.group(3).split(".")
            if not {"TLS", "HTTP", "QUIC"} & set(protos):
                continue
            out.setdefault((addr(m.group(1)), addr(m.group(2))), set()).add(norm(m.group(4)))
    return out


def check(out_path, names, hostnames):
    bad, records, named, expected, from_dns = [], 0, 0, 0, 0
    with open(out_path) as f:
        for line in f:
            r = json.loads(line)
            records += 1
            pair = (addr(r["src_ip"]), addr(r["dest_ip"]))
            got = r.get("dest_name")
            named += got is not None
            allowed, optional = set(hostnames.get(pair, ())), False
            if pair in names.last:
                name, ttl = names.last[pair]
                from_dns += got is not None and got == name and pair not in hostnames
                if ttl != 0:
                    allowed.add(name)
                optional = ttl is not None and ttl < SHORT_TTL
            expected += bool(allowed) and not optional
            if got is None and allowed and not optional:
                bad.append(f"{pair}: no dest_name, expected one of {sorted(allowed)}")
            elif got is not None and got not in allowed:
                bad.append(f"{pair}: dest_name {got!r}, expected {sorted(allowed) or 'none'}")
    print(f"records={records} named={named} expected={expected} from_dns={from_dns}")
    for b in bad[:20]:
        print("  " + b)
    return not bad


def main():
    mode, out_path = sys.argv[1], sys.argv[2]
    if mode == "eve":
        ok = check(out_path, eve_names(sys.argv[3]), {})
    else:
        ok = check(out_path, pcap_names(sys.argv[3]), ndpi_hostnames(sys.argv[4]))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
