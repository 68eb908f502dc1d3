#!/usr/bin/env bash
# End-to-end: the redis input against a real redis-server (scripts/start-redis.sh). A shared EVE
# file is pushed by redis_push.py in lpush and rpush list modes and published on a channel; the
# aggregates must equal reference.py's, and the forwarded flow lines must come out in file
# order (oldest first for either push direction). Then eveflow is killed (-9) while the list is
# being filled and started again: in list mode nothing is lost (the partial records of both
# runs add up to the reference). Last, the server restarts under a running eveflow.
#   redis_input.sh EVEFLOW_BINARY SHARED_DATA_DIR
# Exit 77 (skipped) without the shared data or a server; a failure instead under
# EVEFLOW_REQUIRE_SERVICES=1.
set -uo pipefail
BIN=$1
FILE=$2/eve/stratosphereips-slips/test6-malicious.suricata.json
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
if [ ! -f "$FILE" ]; then echo "skipped: shared EVE data not found at $2"; exit 77; fi
if [ -z "${EVEFLOW_TEST_REDIS:-}" ]; then
  [ -n "${EVEFLOW_REQUIRE_SERVICES:-}" ] && { echo "FAIL: EVEFLOW_TEST_REDIS is not set"; exit 1; }
  echo "skipped: EVEFLOW_TEST_REDIS not set (scripts/start-redis.sh)"; exit 77
fi
ADDR=$EVEFLOW_TEST_REDIS
CLI=(redis-cli -h "${ADDR%:*}" -p "${ADDR##*:}")
T=$(mktemp -d /tmp/eveflow-redis.XXXXXX)
PID=""
KEY=eveflow-test-$$
cleanup() {
  [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
  "${CLI[@]}" del "$KEY" >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$T/err.log" ] && tail -20 "$T/err.log"; exit 1; }

$PY "$HERE/reference.py" --sensor-id e2e "$FILE" >"$T/ref.json" || fail "reference"
grep '"event_type":"flow"' "$FILE" >"$T/flows.want"

start() {  # extra eveflow args...
  "$BIN" --jsonl "$T/out.jsonl" --sensor-id e2e --log-level info \
    --set handlers[0].allowed_lateness=36500d "$@" 2>>"$T/err.log" &
  PID=$!
}
stop() {
  kill -TERM "$PID"; wait "$PID"; local rc=$?; PID=""
  [ $rc -eq 0 ] || fail "eveflow exited $rc"
}
wait_empty() {  # list
  for _ in $(seq 300); do [ "$("${CLI[@]}" llen "$1")" = 0 ] && return 0; sleep 0.1; done
  fail "list $1 not drained: $("${CLI[@]}" llen "$1") left"
}

# List modes: everything pushed first, then read.
for mode in lpush rpush; do
  rm -f "$T/out.jsonl" "$T/err.log" "$T/flows.jsonl"
  $PY "$HERE/redis_push.py" "$ADDR" "$KEY" "$mode" "$FILE" >/dev/null || fail "push"
  start --redis-input "$ADDR" --redis-key "$KEY" --set inputs[0].mode="$mode" \
    --flows-jsonl "$T/flows.jsonl"
  wait_empty "$KEY"
  stop
  # Checkpoints make partial records of open windows: they add up (src_ports within bounds).
  $PY "$HERE/compare.py" "$T/out.jsonl" "$T/ref.json" "$T/err.log" ||
    fail "$mode: aggregates differ from the reference"
  cmp -s "$T/flows.jsonl" "$T/flows.want" || fail "$mode: flow lines not in file order"
  echo "ok: list mode $mode"
done

# Channel mode: published once eveflow has subscribed.
rm -f "$T/out.jsonl" "$T/err.log"
start --redis-input "$ADDR" --redis-key "$KEY" --set inputs[0].mode=channel
for _ in $(seq 100); do
  [ "$("${CLI[@]}" pubsub numsub "$KEY" | tail -1)" = 1 ] && break; sleep 0.05
done
$PY "$HERE/redis_push.py" "$ADDR" "$KEY" publish "$FILE" >/dev/null || fail "publish"
# Once the server's output buffer for the subscriber is empty, every message is in eveflow's
# socket, which it reads to the end before stopping.
for _ in $(seq 200); do
  "${CLI[@]}" client list type pubsub | grep -q ' omem=0 ' && break; sleep 0.05
done
stop
$PY "$HERE/compare.py" "$T/out.jsonl" "$T/ref.json" "$T/err.log" --exact-ports ||
  fail "channel: aggregates differ from the reference"
echo "ok: channel mode"

# kill -9 while the list fills, then a restart: the output (appended to) adds up.
rm -f "$T/out.jsonl" "$T/err.log"
"${CLI[@]}" del "$KEY" >/dev/null
$PY "$HERE/redis_push.py" "$ADDR" "$KEY" lpush "$FILE" --chunk 50 --delay 0.05 >/dev/null &
PUSHER=$!
run_args=(--redis-input "$ADDR" --redis-key "$KEY" --set outputs[0].append=true
  --set inputs[0].checkpoint_interval=200ms)
start "${run_args[@]}"
# Killed once a checkpoint's records are written, while the list is still being filled.
for _ in $(seq 200); do [ -s "$T/out.jsonl" ] && break; sleep 0.05; done
sleep 0.3
kill -0 "$PUSHER" 2>/dev/null || fail "the list was filled before the kill"
kill -KILL "$PID"; wait "$PID" 2>/dev/null; PID=""
[ -s "$T/out.jsonl" ] || fail "the first run wrote nothing before the kill"
left=$("${CLI[@]}" llen "$KEY")
echo "killed with $(wc -l <"$T/out.jsonl") records written, $left entries left"
start "${run_args[@]}"
wait "$PUSHER" || fail "push"
wait_empty "$KEY"
stop
$PY "$HERE/compare.py" "$T/out.jsonl" "$T/ref.json" - --no-summary ||
  fail "kill -9: aggregates differ from the reference"
"${CLI[@]}" del "$KEY" >/dev/null
echo "ok: kill -9 and restart lose nothing"

# The server restarts while eveflow waits on the empty list: it reconnects (logged once each
# way) and reads what is pushed afterwards.
CTL=${EVEFLOW_TEST_REDIS_CTL:-}
if [ -z "$CTL" ]; then echo "skipped restart: EVEFLOW_TEST_REDIS_CTL not set"; exit 0; fi
rm -f "$T/out.jsonl" "$T/err.log"
head -2500 "$FILE" >"$T/a.json"; tail -n +2501 "$FILE" >"$T/b.json"
$PY "$HERE/redis_push.py" "$ADDR" "$KEY" rpush "$T/a.json" >/dev/null || fail "push"
start --redis-input "$ADDR" --redis-key "$KEY" --set inputs[0].mode=rpush
wait_empty "$KEY"
"$CTL" restart || fail "redis restart"
$PY "$HERE/redis_push.py" "$ADDR" "$KEY" rpush "$T/b.json" >/dev/null || fail "push"
wait_empty "$KEY"
stop
$PY "$HERE/compare.py" "$T/out.jsonl" "$T/ref.json" "$T/err.log" ||
  fail "restart: aggregates differ from the reference"
[ "$(grep -c 'redis: redis: down, retrying' "$T/err.log")" = 1 ] || fail "down not logged once"
grep -q 'redis: redis: up again' "$T/err.log" || fail "up again not logged"
"${CLI[@]}" del "$KEY" >/dev/null
echo "ok: server restart while idle"
