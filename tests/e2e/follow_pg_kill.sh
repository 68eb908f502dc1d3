#!/usr/bin/env bash
# End-to-end, exactly once into PostgreSQL: a followed EVE file fed in pieces, rotated while
# eveflow runs and while it is down, eveflow SIGKILLed at random points and started again.
# The file position is stored in the transaction of the aggregates, so at the end the
# per-(window, key) totals in PostgreSQL equal reference.py's over the whole input: no line
# lost, none counted twice. Then: PostgreSQL's position wins over a stale or missing state_dir
# file (a start that believed the state file would double or lose lines).
#   follow_pg_kill.sh EVEFLOW_BINARY SHARED_DATA_DIR
# Needs EVEFLOW_TEST_PG_DSN (scripts/start-postgres.sh); exit 77 (skipped) without it or the
# shared data (a failure under EVEFLOW_REQUIRE_SERVICES=1 for PostgreSQL).
set -uo pipefail
BIN=$1
SRC=$2/eve/stratosphereips-slips/test6-malicious.suricata.json
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
KILLS=${EVEFLOW_KILLS:-6}
if [ ! -f "$SRC" ]; then
  echo "skipped: shared EVE data not found at $SRC (set EVEFLOW_SHARED_DATA)"
  exit 77
fi
if [ -z "${EVEFLOW_TEST_PG_DSN:-}" ] || ! command -v psql >/dev/null; then
  [ -n "${EVEFLOW_REQUIRE_SERVICES:-}" ] && { echo "FAIL: no PostgreSQL"; exit 1; }
  echo "skipped: EVEFLOW_TEST_PG_DSN not set (scripts/start-postgres.sh) or no psql"
  exit 77
fi
T=$(mktemp -d /tmp/eveflow-follow-pg.XXXXXX)
SCHEMA=follow_pg_$$
DSN="$EVEFLOW_TEST_PG_DSN options='-csearch_path=$SCHEMA'"
PID=
cleanup() {
  [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
  psql "$EVEFLOW_TEST_PG_DSN" -q -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
psql "$EVEFLOW_TEST_PG_DSN" -q -v ON_ERROR_STOP=1 -c "CREATE SCHEMA $SCHEMA" || exit 1
RANDOM=${EVEFLOW_SEED:-15}
L=$T/logs; S=$T/state; mkdir -p "$L"
split -n l/16 -d -a 2 "$SRC" "$T/piece."
pieces=("$T"/piece.*)
run=0

q() { psql "$DSN" -Atq -v ON_ERROR_STOP=1 -c "$1" 2>/dev/null; }
fail() { echo "FAIL: $*"; for f in "$T"/err.*.log; do echo "== $f"; tail -8 "$f"; done; exit 1; }

cat >"$T/eveflow.yaml" <<YAML
inputs:
  - {type: eve_file, path: "$L/eve.json", follow: true, checkpoint_interval: 200ms,
     poll_interval: 50ms}
handlers: [{type: flow_aggregate}]
outputs: [{type: postgres, dsn: "$DSN", flush_interval: 100ms}]
state_dir: "$S"
sensor_id: e2e
YAML

start() {
  run=$((run + 1))
  "$BIN" -c "$T/eveflow.yaml" 2>"$T/err.$run.log" &
  PID=$!
}
kill9() {  # after a random pause of 0.1-1.2 s
  sleep "$((RANDOM % 12 / 10)).$((RANDOM % 9 + 1))"
  kill -9 "$PID"
  { wait "$PID"; } 2>/dev/null
  PID=
}
stop() {
  kill -TERM "$PID"
  wait "$PID" || fail "run $run exited $?"
  PID=
}
caught_up() {  # waits until PostgreSQL's position is the end of eve.json
  local want
  for _ in $(seq 600); do
    want="$(stat -c %i "$L/eve.json")|$(stat -c %s "$L/eve.json")"
    [ "$(q "SELECT ino || '|' || next_offset FROM eveflow_file_positions")" = "$want" ] &&
      return 0
    sleep 0.05
  done
  fail "run $run did not catch up with eve.json ($(q "SELECT * FROM eveflow_file_positions"))"
}
stored() { q "SELECT coalesce(sum(flows), 0) FROM flow_aggregate"; }

# Pieces arrive while eveflow runs and while it is down; it is killed $KILLS times at random
# moments; the file is rotated by rename while eveflow is down (pieces 3, 7, 11) and while it
# runs (14, 15).
kills=0 rot=0 i=0
start
for p in "${pieces[@]}"; do
  i=$((i + 1))
  if [ $((i % 4)) = 3 ] || [ "$i" = 14 ]; then  # a rotation
    rot=$((rot + 1))
    mv "$L/eve.json" "$L/eve.json.$rot"
    cat "$p" >"$L/eve.json"
  else
    cat "$p" >>"$L/eve.json"
  fi
  if [ -n "$PID" ] && [ $kills -lt "$KILLS" ] && [ $((i % 2)) = 0 ]; then
    kill9
    kills=$((kills + 1))
    echo "     kill -9 #$kills after piece $i: flows stored $(stored)"
    # Down: the next piece (and maybe a rotation) arrives before the restart.
    continue
  fi
  [ -z "$PID" ] && start
  sleep "0.$((RANDOM % 5 + 1))"
done
[ -z "$PID" ] && start
caught_up
stop
[ "$kills" -ge 4 ] || fail "only $kills kills"
grep -h "was rotated while stopped" "$T"/err.*.log >/dev/null || fail "no rotation while stopped"

dump() { psql "$DSN" -Atq -v ON_ERROR_STOP=1 -f "$HERE/pg_aggregates.sql" >"$1"; }
dump "$T/pg.jsonl"
$PY "$HERE/reference.py" --sensor-id e2e "$SRC" >"$T/ref.json" || fail "reference"
if out=$($PY "$HERE/compare.py" "$T/pg.jsonl" "$T/ref.json" - --exact-ports --no-summary); then
  echo "ok   $kills kill -9, $rot rotations, $run runs: PostgreSQL equals the reference: $out"
else
  echo "$out" | head -20
  fail "PostgreSQL totals differ from the reference"
fi

# PostgreSQL's position wins: a stale state file (the position of an earlier checkpoint) and a
# missing one would make a start re-read lines already in the table.
pos=$(q "SELECT next_offset FROM eveflow_file_positions")
before=$(stored)
sed -i "s/offset=[0-9]*/offset=0/" "$S/eve_file.position"
start
sleep 1
stop
[ "$(stored)" = "$before" ] || fail "stale state file: flows $(stored), want $before"
grep -q "position from the offset store: inode=[0-9]* offset=$pos" "$T/err.$run.log" ||
  fail "run $run did not resume at PostgreSQL's offset $pos"
rm -f "$S/eve_file.position"
start
sleep 1
stop
[ "$(stored)" = "$before" ] || fail "missing state file: flows $(stored), want $before"
grep -q "resuming at offset=$pos" "$T/err.$run.log" || fail "run $run did not resume at $pos"
dump "$T/pg2.jsonl"
cmp -s <(sort "$T/pg.jsonl") <(sort "$T/pg2.jsonl") || fail "the table changed"
echo "ok   a stale and a missing state file: resumed at PostgreSQL's offset $pos, table unchanged"

# Another instance moving the stored position on (here by hand) makes the next checkpoint be
# refused: its rows are not written and the input stops with an error.
start
sleep 0.5
q "UPDATE eveflow_file_positions SET next_offset = 1" >/dev/null
head -c 200000 "$SRC" | tail -n +2 >>"$L/eve.json"
for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
wait "$PID"; rc=$?; PID=
[ "$rc" = 1 ] || fail "run $run exited $rc after its position was moved on, want 1"
grep -q "was moved on by another instance" "$T/err.$run.log" || fail "no refusal logged"
[ "$(stored)" = "$before" ] || fail "refused rows were written: flows $(stored), want $before"
echo "ok   a position moved on by another instance: checkpoint refused, rows not written, exit 1"
echo "1 passed, 0 failed"
