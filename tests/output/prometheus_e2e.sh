#!/usr/bin/env bash
# End-to-end: the shared EVE files through eveflow's socket input with --metrics, scraped by a
# real Prometheus (scripts/start-prometheus.sh). The event counts by type and the malformed count
# read back through Prometheus' HTTP API must equal tests/e2e/reference.py's; the target must be
# up; a second eveflow on the same metrics port must fail at start with a clear message.
#   prometheus_e2e.sh EVEFLOW_BINARY SHARED_DATA_DIR
set -uo pipefail
BIN=$1
DATA=$2/eve
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
if [ ! -d "$DATA" ]; then
  echo "skipped: shared EVE data not found at $DATA (set EVEFLOW_SHARED_DATA)"
  exit 77
fi
if [ -z "${EVEFLOW_TEST_PROM_URL:-}" ] || [ -z "${EVEFLOW_TEST_PROM_TARGETS:-}" ]; then
  if [ "${EVEFLOW_REQUIRE_SERVICES:-}" = 1 ]; then echo "FAIL: EVEFLOW_TEST_PROM_URL is not set"; exit 1; fi
  echo "skipped: no Prometheus test server (eval \"\$(scripts/start-prometheus.sh DIR)\")"
  exit 77
fi
T=$(mktemp -d /tmp/eveflow-prom-e2e.XXXXXX)
TARGET="$EVEFLOW_TEST_PROM_TARGETS/eveflow-e2e-$$.json"
PID=""
cleanup() { [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null; rm -f "$TARGET"; rm -rf "$T"; }
trap cleanup EXIT

# One stream of every file, each ending with a newline, so eveflow and the reference read the
# same bytes.
find "$DATA" -name '*.json' | sort | while read -r f; do cat "$f"; [ -z "$(tail -c1 "$f")" ] || echo; done >"$T/all.json"
$PY "$ROOT/tests/e2e/reference.py" "$T/all.json" >"$T/ref.json" || { echo "FAIL: reference"; exit 1; }

"$BIN" --eve-socket "$T/eve.sock" --metrics 127.0.0.1:0 --jsonl "$T/out.jsonl" --sensor-id e2e \
  --log-level info --set handlers[0].allowed_lateness=36500d 2>"$T/err.log" &
PID=$!
PORT=""
for _ in $(seq 200); do
  PORT=$(sed -n 's/.*metrics: serving \/metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/err.log" | head -1)
  [ -n "$PORT" ] && [ -S "$T/eve.sock" ] && break
  sleep 0.05
done
[ -n "$PORT" ] || { echo "FAIL: eveflow did not log its metrics port"; cat "$T/err.log"; exit 1; }
echo "[{\"targets\":[\"127.0.0.1:$PORT\"]}]" >"$TARGET.tmp" && mv "$TARGET.tmp" "$TARGET"

# A second eveflow on the same port must refuse to start.
"$BIN" --eve-socket "$T/eve2.sock" --metrics "127.0.0.1:$PORT" --jsonl "$T/out2.jsonl" 2>"$T/err2.log"
rc=$?
want="metrics: cannot listen on 127.0.0.1:$PORT: address in use"
if [ $rc -ne 1 ] || ! grep -qF "$want" "$T/err2.log"; then
  echo "FAIL: second eveflow on port $PORT exited $rc, expected 1 and '$want':"; cat "$T/err2.log"; exit 1
fi

$PY "$ROOT/tests/e2e/socket_writer.py" "$T/eve.sock" "$T/all.json" --seed 7 || { echo "FAIL: writer"; exit 1; }

# Poll Prometheus until its figures equal the reference (or 60 s pass).
$PY - "$EVEFLOW_TEST_PROM_URL" "127.0.0.1:$PORT" "$T/ref.json" <<'PY' || { cat "$T/err.log"; exit 1; }
import json, sys, time, urllib.parse, urllib.request
url, inst, ref = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
def q(expr):
    data = urllib.parse.urlencode({"query": expr}).encode()
    with urllib.request.urlopen(url + "/api/v1/query", data=data, timeout=10) as r:
        return json.load(r)["data"]["result"]
sel = '{instance="%s"}' % inst
deadline, got, mal, up = time.time() + 60, None, None, None
while time.time() < deadline:
    up = [r["value"][1] for r in q("up" + sel)]
    got = {r["metric"].get("event_type", ""): int(float(r["value"][1]))
           for r in q("sum by (event_type) (eveflow_input_events_total%s)" % sel)}
    mal = sum(int(float(r["value"][1])) for r in q("sum(eveflow_input_malformed_total%s)" % sel))
    if up == ["1"] and got == ref["events"] and mal == ref["malformed"]:
        break
    time.sleep(0.5)
targets = json.load(urllib.request.urlopen(url + "/api/v1/targets"))["data"]["activeTargets"]
health = [t["health"] for t in targets if t["labels"].get("instance") == inst]
problems = []
if up != ["1"] or health != ["up"]:
    problems.append("target not up: up=%s health=%s" % (up, health))
if got != ref["events"]:
    keys = sorted(set(got) | set(ref["events"]))
    problems += ["events %s: prometheus %s, reference %s" % (k, got.get(k), ref["events"].get(k))
                 for k in keys if got.get(k) != ref["events"].get(k)]
if mal != ref["malformed"]:
    problems.append("malformed: prometheus %s, reference %s" % (mal, ref["malformed"]))
for p in problems:
    print("FAIL", p)
if problems:
    sys.exit(1)
print("ok: %d events of %d types and %d malformed, as the reference counts"
      % (sum(got.values()), len(got), mal))
PY
kill -TERM "$PID"
wait "$PID"; rc=$?; PID=""
[ $rc -eq 0 ] || { echo "FAIL: eveflow exited $rc after SIGTERM"; cat "$T/err.log"; exit 1; }
echo "1 passed, 0 failed"
