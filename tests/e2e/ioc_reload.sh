#!/usr/bin/env bash
# IoC list reload while events flow: a writer streams DNS events into the unix socket input,
# each asking for n<i>.alpha.test and n<i>.beta.test; the list holds alpha.test, is replaced by
# one holding beta.test midway, then SIGHUP reloads it again. Every event must give exactly
# one alert (nothing lost or doubled), alpha.test up to one event and beta.test after it.
#   ioc_reload.sh EVEFLOW_BINARY
set -uo pipefail
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
T=$(mktemp -d /tmp/eveflow-iocr.XXXXXX)
PID=""
cleanup() { [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$T/err.log"; exit 1; }
N=30000

echo "alpha.test" >"$T/list.txt"
cat >"$T/eveflow.yaml" <<YAML
inputs: [{type: eve_socket, path: $T/eve.sock}]
outputs: [{type: jsonl, path: /dev/null}]
handlers: [{type: ioc, lists: [{name: moving, kind: domain, path: $T/list.txt}]}]
forward: [{types: [alert], outputs: [{type: jsonl, path: $T/alerts.jsonl}]}]
YAML
"$BIN" -c "$T/eveflow.yaml" --log-level info 2>"$T/err.log" >/dev/null & PID=$!
for _ in $(seq 100); do [ -S "$T/eve.sock" ] && break; sleep 0.05; done
$PY - "$T/eve.sock" "$N" <<'PY' &
import socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
for i in range(n):
    s.sendall(('{"timestamp":"2024-05-01T10:00:%02d.000000+0000","flow_id":%d,"event_type":"dns",'
               '"src_ip":"10.0.0.1","src_port":5000,"dest_ip":"10.0.0.2","dest_port":53,"proto":"UDP",'
               '"dns":{"version":3,"type":"request","queries":[{"rrname":"n%d.alpha.test"},'
               '{"rrname":"n%d.beta.test"}]}}\n' % (i % 60, i + 1, i, i)).encode())
    if i % 500 == 0:
        time.sleep(0.05)  # about 10 000 events a second: the stream lasts 3 s
s.close()
PY
WPID=$!
sleep 1
echo "beta.test" >"$T/list.new" && mv "$T/list.new" "$T/list.txt"
for _ in $(seq 100); do [ "$(grep -c 'ioc: list moving loaded' "$T/err.log")" -ge 2 ] && break; sleep 0.05; done
kill -HUP "$PID"
wait $WPID || fail "writer"
for _ in $(seq 100); do [ "$(grep -c 'ioc: list moving loaded' "$T/err.log")" -ge 3 ] && break; sleep 0.05; done
grep -q "reloading every list (SIGHUP)" "$T/err.log" || fail "no reload on SIGHUP"
kill -TERM "$PID"; wait "$PID" || fail "eveflow exit code $?"; PID=""
$PY - "$T/alerts.jsonl" "$N" <<'PY' || fail "alerts"
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
by_flow = {}
for a in alerts:
    by_flow.setdefault(a["flow_id"], []).append(a["ioc"]["indicator"])
missing = [f for f in range(1, n + 1) if f not in by_flow]
doubled = [f for f, v in by_flow.items() if len(v) != 1]
seq = [by_flow[f][0] for f in sorted(by_flow)]
switch = seq.index("beta.test") if "beta.test" in seq else len(seq)
ok = not missing and not doubled and len(by_flow) == n and 0 < switch < n and \
    all(x == "alpha.test" for x in seq[:switch]) and all(x == "beta.test" for x in seq[switch:])
print(f"{len(alerts)} alerts for {n} events: missing {len(missing)}, doubled {len(doubled)}, "
      f"alpha.test for events 1-{switch}, beta.test after")
sys.exit(0 if ok else 1)
PY
echo "ok: $(grep -c 'ioc: list moving loaded' "$T/err.log") loads"
