#!/usr/bin/env bash
# End-to-end, exactly once: 3 eveflow consumers in one group on a 6-partition topic of the
# kmock cluster, all writing to one PostgreSQL schema; one is SIGKILLed midway and started
# again. At the end the aggregates in PostgreSQL equal tests/e2e/reference.py's.
#   kafka_group_e2e.sh EVEFLOW_BINARY KMOCK_BINARY SHARED_DATA_DIR
# Needs EVEFLOW_TEST_PG_DSN (scripts/start-postgres.sh). Exit 77 (skipped) when the shared
# data, kcat or PostgreSQL is absent; the last two fail under EVEFLOW_REQUIRE_SERVICES=1.
#
# Why the kill proves something: allowed_lateness is huge and idle_flush off, so no window
# closes before the end, and the victim has consumed its share of phase 1 (its offsets are
# stored) before it dies. Offsets committed after processing alone (at-least-once) would
# lose that share, held only in its open windows; aggregates written without their offsets
# would be counted twice when the victim's partitions are read again.
set -uo pipefail
BIN=$1 KMOCK=$2 DATA=$3/eve
. "$(dirname "$0")/kafka_lib.sh"
require_pg
SCHEMA=kafka_group_$$
DSN="$EVEFLOW_TEST_PG_DSN options='-csearch_path=$SCHEMA'"
start_kmock eveflow-kafka-group
on_exit+=('for p in "$T"/c*.pid; do [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null; done'
  'psql "$EVEFLOW_TEST_PG_DSN" -q -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1')
psql "$EVEFLOW_TEST_PG_DSN" -q -v ON_ERROR_STOP=1 -c "CREATE SCHEMA $SCHEMA" || exit 1
echo "topic eve 6" >&3

q() { psql "$DSN" -Atq -v ON_ERROR_STOP=1 -c "$1" 2>/dev/null; }
stored() {  # sum of the stored next offsets (= events stored, the topic starts at 0)
  q "SELECT coalesce(sum(next_offset), 0) FROM eveflow_kafka_offsets WHERE group_id = 'exact'" ||
    echo 0
}
wait_stored() {  # count timeout_s
  for _ in $(seq $(($2 * 10))); do [ "$(stored)" = "$1" ] && return 0; sleep 0.1; done
  return 1
}
produce() {  # file: its lines round-robin over the 6 partitions (kcat alone, without keys,
  # may put a whole batch into one partition), so every consumer has events
  local dir
  dir=$(mktemp -d "$T/produce.XXXXXX")
  split -n r/6 -d -a 1 "$1" "$dir/p"
  for p in 0 1 2 3 4 5; do kcat -q -b "$BS" -P -t eve -p "$p" -l "$dir/p$p" || return 1; done
  rm -rf "$dir"
}
cat >"$T/eveflow.yaml" <<YAML
inputs:
  - type: kafka
    brokers: "$BS"
    topics: [eve]
    group: exact
    checkpoint_interval: 2s
    properties: {session.timeout.ms: "6000", heartbeat.interval.ms: "500"}
handlers: [{type: flow_aggregate, allowed_lateness: 36500d, idle_flush: 0s}]
outputs: [{type: postgres, dsn: "$DSN"}]
sensor_id: e2e
YAML
start() {  # name
  "$BIN" -c "$T/eveflow.yaml" --log-level info 2>>"$T/$1.err" &
  echo $! >"$T/$1.pid"
}
fail() { echo "FAIL $1"; for f in "$T"/*.err; do echo "== $f"; tail -15 "$f"; done; exit 1; }

# The input: real EVE files, one line per message, fed in two phases.
mapfile -t files < <(printf '%s\n' "$DATA/stratosphereips-slips/test6-malicious.suricata.json" \
  "$DATA/oisf-suricata-pr13999/logs__eve.json" "$DATA/ahihi8z8z-suricata/eve.json" \
  "$DATA/aarchies-suricata/eve.json")
awk 1 "${files[@]}" | grep -v '^$' >"$T/all.jsonl"   # kcat -l sends no empty message
total=$(wc -l <"$T/all.jsonl")
half=$((total / 2))
head -n "$half" "$T/all.jsonl" >"$T/p1"
tail -n +"$((half + 1))" "$T/all.jsonl" | head -n "$((total / 4))" >"$T/p2"
tail -n +"$((half + total / 4 + 1))" "$T/all.jsonl" >"$T/p3"

produce "$T/p1"
for c in c1 c2 c3; do start $c; done
wait_stored "$half" 60 || fail "phase 1: stored offsets $(stored), want $half"
grep -q "partitions assigned count=[1-9]" "$T/c2.err" || fail "the victim never got partitions"
echo "ok   phase 1: $half events consumed by 3 consumers, their offsets stored with the aggregates"

# Phase 2: the victim dies while events are arriving (200 a tenth of a second), with some
# consumed but not yet checkpointed.
split -l 200 "$T/p2" "$T/p2."
(for f in "$T"/p2.*; do produce "$f"; sleep 0.1; done) &
producer=$!
sleep 1.5
kill -9 "$(cat "$T/c2.pid")"
{ wait "$(cat "$T/c2.pid")"; } 2>/dev/null   # no "Killed" line from the shell
rm -f "$T/c2.pid"
at_kill=$(stored)
wait $producer
produced=$((half + $(wc -l <"$T/p2")))
[ "$at_kill" -lt "$produced" ] || fail "the kill came after everything was stored ($at_kill)"
echo "ok   consumer 2 SIGKILLed with $at_kill of $produced produced events stored"
produce "$T/p3"
sleep 2
start c2b
wait_stored "$total" 120 || fail "stored offsets $(stored) after the restart, want $total"
echo "ok   restarted consumer rejoined; all $total events stored"

rc=0
for c in c1 c3 c2b; do
  kill -TERM "$(cat "$T/$c.pid")"
done
for c in c1 c3 c2b; do
  wait "$(cat "$T/$c.pid")" || { echo "FAIL $c exited non-zero"; rc=1; }
  rm -f "$T/$c.pid"
done
[ "$(stored)" = "$total" ] || fail "stored offsets changed at shutdown: $(stored), want $total"

psql "$DSN" -Atq -v ON_ERROR_STOP=1 -f "$E2E/pg_aggregates.sql" >"$T/pg.jsonl" 2>/dev/null
$PY "$E2E/reference.py" --sensor-id e2e "$T/all.jsonl" >"$T/ref.json"
if out=$($PY "$E2E/compare.py" "$T/pg.jsonl" "$T/ref.json" - --exact-ports --no-summary); then
  echo "ok   PostgreSQL totals equal the reference: $out"
else
  echo "FAIL PostgreSQL totals vs reference:"; echo "$out"; rc=1
fi
[ $rc -eq 0 ] && echo "0 failure(s)"
exit $rc
