#!/usr/bin/env bash
# End-to-end: several concurrent writers on eveflow's EVE socket, one killed mid-line, then
# SIGTERM. Every complete line must be counted exactly once, the torn one as malformed, and the
# aggregates must equal reference.py over all complete lines. On the way: SIGHUP reopens the
# output after rotation.
#   socket.sh EVEFLOW_BINARY
set -uo pipefail
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
T=$(mktemp -d /tmp/eveflow-sock.XXXXXX)
PID=""
cleanup() { [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

for i in 1 2 3 4 5; do $PY "$ROOT/scripts/make_sample_eve.py" -n 3000 --seed "$i" "$T/w$i.json"; done
"$BIN" --eve-socket "$T/eve.sock" --jsonl "$T/out.jsonl" --sensor-id e2e --log-level warn \
  --set handlers[0].allowed_lateness=36500d 2>"$T/err.log" &
PID=$!
for _ in $(seq 100); do [ -S "$T/eve.sock" ] && break; sleep 0.05; done
[ -S "$T/eve.sock" ] || { echo "FAIL: socket not created"; cat "$T/err.log"; exit 1; }
pids=()
for i in 1 2 3 4; do $PY "$HERE/socket_writer.py" "$T/eve.sock" "$T/w$i.json" --seed "$i" & pids+=($!); done
$PY "$HERE/socket_writer.py" "$T/eve.sock" "$T/w5.json" --seed 5 --die-mid-line &
killer=$!
for p in "${pids[@]}"; do wait "$p" || { echo "FAIL: a writer failed"; exit 1; }; done
wait "$killer"
[ $? -eq 137 ] || { echo "FAIL: the mid-line writer was not killed"; exit 1; }
# Log rotation: the file is moved away and SIGHUP reopens the path; SIGUSR1 (eveflow's own
# wake-up signal) changes nothing. The windows are still open, so every record is written
# after SIGTERM, into the new file.
mv "$T/out.jsonl" "$T/rotated.jsonl"
kill -HUP "$PID"
kill -USR1 "$PID"
for _ in $(seq 100); do [ -e "$T/out.jsonl" ] && break; sleep 0.05; done
[ -e "$T/out.jsonl" ] || { echo "FAIL: SIGHUP did not reopen the output"; cat "$T/err.log"; exit 1; }
kill -TERM "$PID"
wait "$PID"; rc=$?; PID=""
[ $rc -eq 0 ] || { echo "FAIL: eveflow exited $rc after SIGTERM"; cat "$T/err.log"; exit 1; }
[ ! -s "$T/rotated.jsonl" ] || { echo "FAIL: records written to the rotated file"; exit 1; }
cat "$T"/w?.json >"$T/all.json"
$PY "$HERE/reference.py" "$T/all.json" >"$T/ref.json"
# The writer that died mid-line adds one malformed (partial) line to what the reference counts.
$PY - "$T/ref.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["malformed"] += 1
json.dump(r, open(sys.argv[1], "w"))
PY
$PY "$HERE/compare.py" "$T/out.jsonl" "$T/ref.json" "$T/err.log" --exact-ports || { cat "$T/err.log"; exit 1; }
grep -q 'reason=partial\|partial' "$T/err.log" || true
echo "ok: 5 writers, one killed mid-line"
