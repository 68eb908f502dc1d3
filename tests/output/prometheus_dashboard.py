#!/usr/bin/env python3
"""Checks the Grafana dashboard: its structure, and that every PromQL expression in it (and in
the alert rules) evaluates without error on the Prometheus test server.

Usage: prometheus_dashboard.py DASHBOARD_JSON PROVISIONING_DIR RULES_YML [--structure-only]
Server: EVEFLOW_TEST_PROM_URL (from scripts/start-prometheus.sh). Without it the query part
exits 77 (skipped), or 1 when EVEFLOW_REQUIRE_SERVICES=1.
"""
import json
import os
import re
import sys
import urllib.parse
import urllib.request

# Values Grafana would put in place of its variables, so the expressions parse as PromQL.
GRAFANA_VARS = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "1h",
    "$instance": ".*",
}


def panels(dash):
    for p in dash.get("panels", []):
        yield p
        yield from p.get("panels", [])


def expressions(dash):
    """(where, PromQL) for every Prometheus target and query variable."""
    for p in panels(dash):
        for t in p.get("targets", []):
            if "expr" in t:
                yield f"panel '{p['title']}' {t['refId']}", t["expr"]
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        m = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", q or "")
        if m:
            yield f"variable '{v['name']}'", m.group(1)


def rule_expressions(path):
    # The rules file is flat YAML with one `expr:` line per rule: no YAML module needed.
    for line in open(path):
        m = re.match(r"\s*expr:\s*(.+)$", line)
        if m:
            yield "rule", m.group(1).strip()


def substitute(expr):
    for k in sorted(GRAFANA_VARS, key=len, reverse=True):
        expr = expr.replace(k, GRAFANA_VARS[k])
    return expr


def check_structure(dash, provisioning):
    errors = []
    uids = set(re.findall(r"uid:\s*(\S+)", open(os.path.join(provisioning, "datasources", "eveflow.yaml")).read()))
    ids = [p["id"] for p in panels(dash)]
    if len(ids) != len(set(ids)):
        errors.append("duplicate panel ids")
    for p in panels(dash):
        if p["type"] == "row":
            continue
        ds = p.get("datasource", {}).get("uid")
        if ds not in uids:
            errors.append(f"panel '{p['title']}': datasource uid {ds!r} not provisioned ({sorted(uids)})")
        if not p.get("targets"):
            errors.append(f"panel '{p['title']}': no targets")
        for t in p.get("targets", []):
            if "rawSql" in t and "FROM flow_aggregate" not in t["rawSql"]:
                errors.append(f"panel '{p['title']}': SQL does not read flow_aggregate")
            left = re.findall(r"\$\w+", substitute(t.get("expr", "")))
            if left:
                errors.append(f"panel '{p['title']}': unknown variables {left}")
    return errors


def query(url, expr):
    data = urllib.parse.urlencode({"query": expr}).encode()
    try:
        with urllib.request.urlopen(url + "/api/v1/query", data=data, timeout=10) as r:
            body = json.load(r)
    except urllib.error.HTTPError as e:
        body = json.load(e)
    return body.get("status") == "success", body.get("error", "")


def main():
    dash_path, provisioning, rules = sys.argv[1:4]
    dash = json.load(open(dash_path))
    errors = check_structure(dash, provisioning)
    for e in errors:
        print("FAIL structure:", e)
    if "--structure-only" in sys.argv:
        print(f"{1 if not errors else 0} passed, {1 if errors else 0} failed")
        return 1 if errors else 0
    url = os.environ.get("EVEFLOW_TEST_PROM_URL")
    if not url:
        if os.environ.get("EVEFLOW_REQUIRE_SERVICES") == "1":
            print("FAIL: EVEFLOW_TEST_PROM_URL is not set")
            return 1
        print("skipped: no Prometheus test server (eval \"$(scripts/start-prometheus.sh DIR)\")")
        return 77
    passed = failed = 0
    for where, expr in list(expressions(dash)) + list(rule_expressions(rules)):
        ok, err = query(url, substitute(expr))
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {where}: {err}\n    {expr}")
    failed += len(errors)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
