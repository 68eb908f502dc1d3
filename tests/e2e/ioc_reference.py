#!/usr/bin/env python3
"""Independent reference for the ioc handler over EVE files, written with Python's json and
ipaddress modules.

  ioc_reference.py lists DIR FILE...          writes indicator lists built from the files
  ioc_reference.py compare DIR OUT FILE...    checks eveflow's alerts (JSON lines in OUT)

Lists: bad-domains (a directory of two files; parents of names seen, mixed case, trailing
dots), bad-ips (addresses seen, one as a /24, IPv6 where present), bad-urls, bad-sni, bad-ja3
(JA3 and JA3S), bad-hashes (md5/sha1/sha256), and two lists of indicators seen nowhere."""
import collections
import datetime
import ipaddress
import json
import os
import sys

LISTS = [("bad-domains", "domain"), ("bad-ips", "ip"), ("bad-urls", "url"), ("bad-sni", "sni"),
         ("bad-ja3", "ja3"), ("bad-hashes", "hash"), ("nowhere", "domain"),
         ("nowhere-ips", "ip")]


def events(files):
    for f in files:
        with open(f, "rb") as fh:
            for raw in fh:
                try:
                    e = json.loads(raw)
                except (ValueError, UnicodeDecodeError):
                    continue
                if isinstance(e, dict):
                    yield e


def sub(d, *keys):
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def as_ip(v):
    try:
        return ipaddress.ip_address(v)
    except ValueError:
        return None


def dns_values(dns):
    """(value, field) in the order eveflow reads them: v1, v2 answers (else grouped), v3."""
    out = []
    for k in ("rrname", "rdata"):
        if isinstance(dns.get(k), str) and dns[k]:
            out.append((dns[k], "dns." + k))
    for q in dns.get("queries") or []:
        if isinstance(q, dict) and isinstance(q.get("rrname"), str) and q["rrname"]:
            out.append((q["rrname"], "dns.queries.rrname"))
    if isinstance(dns.get("answers"), list):
        for a in dns["answers"]:
            for k in ("rrname", "rdata"):
                if isinstance(a, dict) and isinstance(a.get(k), str) and a[k]:
                    out.append((a[k], "dns.answers." + k))
    elif isinstance(dns.get("grouped"), dict):
        for t, vals in dns["grouped"].items():
            for v in vals if isinstance(vals, list) else []:
                if isinstance(v, str) and v:
                    out.append((v, "dns.grouped." + t))
    return out


def name_norm(s):
    s = s[:-1] if s.endswith(".") else s
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in s)


def url_norm(u):
    for scheme in ("http://", "https://"):
        if u[:len(scheme)].lower() == scheme:
            u = u[len(scheme):]
    host, slash, path = u.partition("/")
    return name_norm(host) + "/" + path


def make_lists(d, files):
    names, ips, urls, snis, ja3, hashes = [], [], [], [], [], []
    def add(lst, v):
        if v and v not in lst:
            lst.append(v)
    for e in events(files):
        t = e.get("event_type")
        if t == "dns" and isinstance(e.get("dns"), dict):
            for v, _ in dns_values(e["dns"]):
                add(ips if as_ip(v) else names, v)
        elif t == "http":
            add(names, sub(e, "http", "hostname"))
            h, u = sub(e, "http", "hostname"), sub(e, "http", "url")
            if isinstance(h, str) and isinstance(u, str) and u.startswith("/"):
                add(urls, h + u)
        elif t == "tls":
            add(snis, sub(e, "tls", "sni"))
            add(ja3, sub(e, "tls", "ja3", "hash"))
            add(ja3, sub(e, "tls", "ja3s", "hash"))
        elif t == "fileinfo":
            for k in ("md5", "sha1", "sha256"):
                add(hashes, sub(e, "fileinfo", k))
        elif t == "flow":
            add(ips, e.get("dest_ip") if as_ip(e.get("dest_ip")) else None)
    names = [n for n in names if isinstance(n, str) and " " not in n and "/" not in n]
    doms = []
    for i, n in enumerate(names[::5]):
        labels = n.rstrip(".").split(".")
        parent = ".".join(labels[1:]) if len(labels) > 2 else ".".join(labels)
        doms.append(parent.upper() + "." if i % 3 == 0 else parent)
    os.makedirs(f"{d}/bad-domains", exist_ok=True)
    write(f"{d}/bad-domains/part1.txt", ["# parents of names seen"] + doms[::2])
    write(f"{d}/bad-domains/part2.txt", doms[1::2] + ["two words # an invalid line"])
    v4 = [i for i in ips if as_ip(i).version == 4][::9]
    v6 = [i for i in ips if as_ip(i).version == 6][:3]
    if v4:
        v4[0] = str(ipaddress.ip_network(v4[0] + "/24", strict=False))
    write(f"{d}/bad-ips", v4 + [str(as_ip(i)) for i in v6])
    write(f"{d}/bad-urls", ["http://" + u.split("/", 1)[0].upper() + "/" + u.split("/", 1)[1]
                            for u in urls[::7] if " " not in u])
    write(f"{d}/bad-sni", [s + "." for s in snis[::2] if " " not in s])
    write(f"{d}/bad-ja3", [j.upper() for j in ja3])
    write(f"{d}/bad-hashes", [h.upper() if i % 2 else h for i, h in enumerate(hashes)])
    write(f"{d}/nowhere", ["never-seen-anywhere.invalid", "# comment", "zz-absent.example."])
    write(f"{d}/nowhere-ips", ["192.0.2.123", "2001:db8:dead::/48"])


def write(path, lines):
    with open(path, "w") as f:
        f.write("".join(l + "\n" for l in lines))


def read_list(path, kind):
    """{normal form: entry as written} (first written wins) or, for ip, [(network, entry)]."""
    paths = [path] if os.path.isfile(path) else sorted(
        os.path.join(path, n) for n in os.listdir(path) if not n.startswith("."))
    out = [] if kind == "ip" else {}
    for p in paths:
        for line in open(p):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            entry = line.split(" #")[0].split("\t#")[0].strip()
            if " " in entry:
                continue
            if kind == "ip":
                out.append((ipaddress.ip_network(entry, strict=False), entry))
            elif kind == "url":
                out.setdefault(url_norm(entry), entry)
            else:
                key = name_norm(entry[2:] if entry.startswith("*.") else entry)
                out.setdefault(key, entry)
    return out


def expected(d, files):
    lists = [(n, k, read_list(f"{d}/{n}", k)) for n, k in LISTS]
    def ip_hit(lst, ip):
        best = None
        for net, entry in lst:
            if ip.version == net.version and ip in net and (best is None or net.prefixlen > best[0]):
                best = (net.prefixlen, entry)
        return best[1] if best else None
    def dom_hit(lst, name):
        labels = name.split(".")
        for i in range(len(labels)):
            if ".".join(labels[i:]) in lst:
                return lst[".".join(labels[i:])]
        return None
    for e in events(files):
        t = e.get("event_type")
        vals = []  # (kinds, normal value, field)
        if t == "flow":
            for k in ("src_ip", "dest_ip"):
                if isinstance(e.get(k), str) and as_ip(e[k]):
                    vals.append((("ip",), as_ip(e[k]), k))
        elif t == "dns" and isinstance(e.get("dns"), dict):
            for v, f in dns_values(e["dns"]):
                ip = as_ip(v)
                vals.append((("ip",), ip, f) if ip else (("domain",), name_norm(v), f))
        elif t == "http" and isinstance(e.get("http"), dict):
            h, u = sub(e, "http", "hostname"), sub(e, "http", "url")
            if isinstance(h, str) and h:
                ip = as_ip(h)
                vals.append((("ip",), ip, "http.hostname") if ip else
                            (("domain",), name_norm(h), "http.hostname"))
            if isinstance(u, str) and u and not (u.startswith("/") and not h):
                vals.append((("url",), url_norm(h + u if u.startswith("/") else u), "http.url"))
        elif t == "tls" and isinstance(e.get("tls"), dict):
            s = sub(e, "tls", "sni")
            if isinstance(s, str) and s:
                vals.append((("domain", "sni"), name_norm(s), "tls.sni"))
            for k in ("ja3", "ja3s"):
                hv = sub(e, "tls", k, "hash")
                if isinstance(hv, str) and hv:
                    vals.append((("ja3",), hv.lower(), f"tls.{k}.hash"))
        elif t == "fileinfo":
            for k in ("md5", "sha1", "sha256"):
                hv = sub(e, "fileinfo", k)
                if isinstance(hv, str) and hv:
                    vals.append((("hash",), hv.lower(), "fileinfo." + k))
        seen = set()
        for kinds, v, field in vals:
            for kind in kinds:
                for name, k, lst in lists:
                    if k != kind:
                        continue
                    hit = ip_hit(lst, v) if k == "ip" else dom_hit(lst, v) if k == "domain" \
                        else lst.get(v)
                    if hit is None or (name, hit) in seen:
                        continue
                    seen.add((name, hit))
                    yield (e.get("flow_id"), to_us(e.get("timestamp")), name, hit, field, str(v))


def to_us(ts):
    """Epoch microseconds of an EVE timestamp, None if it is none."""
    if not isinstance(ts, str):
        return None
    ts = ts.replace("Z", "+0000")
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f"):
        try:
            dt = datetime.datetime.strptime(ts, fmt)
        except ValueError:
            continue
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=datetime.timezone.utc)
        delta = dt - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        return (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds
    return None


def compare(d, out, files):
    want = collections.Counter(expected(d, files))
    got = collections.Counter()
    for line in open(out):
        a = json.loads(line)
        if "ioc" not in a:
            continue
        assert a["event_type"] == "alert" and a["alert"]["signature"].startswith("eveflow IoC ")
        i = a["ioc"]
        got[(a.get("flow_id"), to_us(a["timestamp"]), i["list"], i["indicator"], i["field"],
             i["value"])] += 1
    per_list = collections.Counter(k[2] for k in want.elements())
    ok = got == want
    for name, _ in LISTS:
        n = per_list[name]
        if (n == 0) != name.startswith("nowhere"):
            print(f"list {name}: {n} alerts expected, which the data should not give")
            ok = False
    if not ok:
        for k in list((want - got).elements())[:5]:
            print("missing", k)
        for k in list((got - want).elements())[:5]:
            print("unexpected", k)
        return 1
    print(f"{sum(got.values())} alerts equal the reference: " +
          " ".join(f"{n}={per_list[n]}" for n, _ in LISTS))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "lists":
        make_lists(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(compare(sys.argv[2], sys.argv[3], sys.argv[4:]))
