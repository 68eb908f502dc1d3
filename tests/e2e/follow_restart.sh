#!/usr/bin/env bash
# End-to-end: a followed EVE file fed in pieces, rotated (rename) and truncated (copytruncate)
# while eveflow runs, rotated while it is stopped, eveflow stopped with SIGTERM at random
# points and restarted with --state-dir: the union of all runs' aggregates equals reference.py's
# aggregates of the whole input (nothing re-read, nothing skipped). The first run starts before
# the file exists and waits for it.
#   follow_restart.sh EVEFLOW_BINARY SHARED_DATA_DIR
set -uo pipefail
BIN=$1
SRC=$2/eve/stratosphereips-slips/test6-malicious.suricata.json
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
if [ ! -f "$SRC" ]; then
  echo "skipped: shared EVE data not found at $SRC (set EVEFLOW_SHARED_DATA)"
  exit 77
fi
T=$(mktemp -d /tmp/eveflow-follow.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$T"' EXIT
RANDOM=7
L=$T/logs; S=$T/state; mkdir -p "$L"
split -n l/10 -d -a 1 "$SRC" "$T/piece."
run=0

fail() { echo "FAIL: $*"; for f in "$T"/err.*.log; do echo "== $f"; tail -20 "$f"; done; exit 1; }

start() {
  run=$((run + 1))
  "$BIN" --eve-file "$L/eve.json" --follow --state-dir "$S" --jsonl "$T/out.$run.jsonl" \
    --sensor-id e2e --set inputs[0].checkpoint_interval=200ms --set inputs[0].poll_interval=50ms \
    2>"$T/err.$run.log" &
  PID=$!
}

stop() {  # SIGTERM after a random pause of up to ~1s
  sleep "0.$((RANDOM % 9 + 1))"
  kill -TERM "$PID"
  wait "$PID" || fail "run $run exited $?"
  PID=
}

wait_log() {  # text: waits until the current run logged it
  for _ in $(seq 200); do grep -q "$1" "$T/err.$run.log" && return 0; sleep 0.05; done
  fail "run $run did not log '$1'"
}

caught_up() {  # waits until the saved position is the end of eve.json
  for _ in $(seq 400); do
    $PY - "$S/eve_file.position" "$L/eve.json" <<'PYEOF' && return 0
import os, re, sys
try:
    text = open(sys.argv[1]).read()
except OSError:
    sys.exit(1)
st = os.stat(sys.argv[2])
m = re.search(r"ino=(\d+) offset=(\d+)", text)
sys.exit(0 if m and int(m.group(1)) == st.st_ino and int(m.group(2)) == st.st_size else 1)
PYEOF
    sleep 0.05
  done
  fail "run $run did not catch up with eve.json"
}

# Run 1: the file does not exist yet.
start
wait_log "waiting for $L/eve.json to appear"
cat "$T/piece.0" >"$L/eve.json.tmp" && mv "$L/eve.json.tmp" "$L/eve.json"
wait_log "appeared"
cat "$T/piece.1" >>"$L/eve.json"
stop
# Stopped: more lines arrive.
cat "$T/piece.2" >>"$L/eve.json"
# Run 2: a rotation by rename while running.
start
cat "$T/piece.3" >>"$L/eve.json"
sleep 0.3
mv "$L/eve.json" "$L/eve.json.1"
cat "$T/piece.4" >"$L/eve.json"
wait_log "was rotated"
stop
# Stopped: lines arrive, then a rotation by rename.
cat "$T/piece.5" >>"$L/eve.json"
mv "$L/eve.json.1" "$L/eve.json.2"
mv "$L/eve.json" "$L/eve.json.1"
cat "$T/piece.6" >"$L/eve.json"
# Run 3: a copytruncate rotation while running, once all is read.
start
wait_log "was rotated while stopped"
cat "$T/piece.7" >>"$L/eve.json"
caught_up
cp "$L/eve.json" "$L/eve.json.copy"
: >"$L/eve.json"
wait_log "was truncated"
cat "$T/piece.8" >>"$L/eve.json"
stop
# Stopped: more lines; run 4 reads them and is stopped once all is read.
cat "$T/piece.9" >>"$L/eve.json"
start
wait_log "resuming at offset"
caught_up
stop

cat "$T"/out.*.jsonl >"$T/all.jsonl"
$PY "$HERE/reference.py" "$SRC" >"$T/ref.json" || fail "reference"
if out=$($PY "$HERE/compare.py" "$T/all.jsonl" "$T/ref.json" - --no-summary); then
  echo "ok   follow, rotations, truncation, $run restarts: $out"
else
  echo "$out" | head -20
  fail "aggregates differ from the reference"
fi
echo "1 passed, 0 failed"
