#!/usr/bin/env bash
# End-to-end: the eveflow binary with Kafka output and input against the kmock cluster over
# TCP; kcat is the independent producer/consumer, tests/e2e/reference.py the reference.
#   kafka_e2e.sh EVEFLOW_BINARY KMOCK_BINARY SHARED_DATA_DIR
# Exit 77 (skipped) when the shared data or kcat is absent (a failure under
# EVEFLOW_REQUIRE_SERVICES=1 for kcat).
set -uo pipefail
BIN=$1 KMOCK=$2 DATA=$3/eve
. "$(dirname "$0")/kafka_lib.sh"
start_kmock eveflow-kafka-e2e
on_exit+=('[ -f "$T/eveflow.pid" ] && kill -9 "$(cat "$T/eveflow.pid")" 2>/dev/null')
fails=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
consume() {  # topic format -> stdout
  kcat -q -b "$BS" -C -t "$1" -o beginning -e -f "$2" 2>/dev/null
}

# 1. Aggregates of every real EVE file: the topic holds exactly the records of the JSON-lines
#    output of the same run (each once), and they equal the independent reference.
mapfile -t files < <(find "$DATA" -name '*.json' | sort)
args=(); for f in "${files[@]}"; do args+=(--eve-file "$f"); done
"$BIN" "${args[@]}" --kafka "$BS" --jsonl "$T/agg.jsonl" --sensor-id e2e --log-level warn \
  --set handlers[0].allowed_lateness=36500d 2>"$T/err.log"
rc=$?
consume eveflow.flow_aggregate '%s\n' >"$T/topic.jsonl"
if [ $rc -ne 0 ]; then
  fail "aggregates: eveflow exited $rc"; cat "$T/err.log"
elif ! cmp -s <(sort "$T/agg.jsonl") <(sort "$T/topic.jsonl"); then
  fail "aggregates: topic ($(wc -l <"$T/topic.jsonl")) differs from --jsonl ($(wc -l <"$T/agg.jsonl"))"
else
  $PY "$E2E/reference.py" "${files[@]}" >"$T/ref.json"
  if out=$($PY "$E2E/compare.py" "$T/topic.jsonl" "$T/ref.json" "$T/err.log" --exact-ports); then
    pass "aggregates: $(wc -l <"$T/topic.jsonl") messages, each once; $out"
  else
    fail "aggregates vs reference:"; echo "$out"
  fi
fi

# 2. Forwarding: only alert and dns events, on suricata.<type>, keyed by flow_id.
F=$DATA/rhaist-surevego/eve.json
cat >"$T/fwd.yaml" <<YAML
inputs: [{type: eve_file, path: "$F"}]
forward:
  - types: [alert, dns]
    outputs: [{type: kafka, brokers: "$BS", topic: "suricata.{event_type}"}]
outputs: [{type: jsonl, path: "$T/fwd-agg.jsonl"}]
YAML
if ! "$BIN" -c "$T/fwd.yaml" --log-level warn 2>"$T/fwd.err"; then
  fail "forwarding: eveflow exited non-zero"; cat "$T/fwd.err"
else
  for t in alert dns; do
    consume "suricata.$t" '%k\t%s\n' | sort >"$T/got.$t"
    $PY - "$F" "$t" <<'PYEOF' | sort >"$T/want.$t"
import json, sys
for line in open(sys.argv[1], encoding="utf-8", errors="surrogateescape"):
    line = line.rstrip("\n")
    if not line: continue
    e = json.loads(line)
    if e.get("event_type") == sys.argv[2]:
        print(f"{e.get('flow_id', '')}\t{line}")
PYEOF
    if cmp -s "$T/got.$t" "$T/want.$t"; then
      pass "forwarding: suricata.$t holds the $(wc -l <"$T/want.$t") $t events, keyed by flow_id"
    else
      fail "forwarding: suricata.$t: got $(wc -l <"$T/got.$t"), want $(wc -l <"$T/want.$t")"
    fi
  done
  others=$(kcat -q -b "$BS" -L 2>/dev/null | grep -o 'topic "suricata\.[a-z_]*"' | grep -vc 'alert\|dns')
  [ "$others" = 0 ] && pass "forwarding: no other suricata.* topic" || fail "forwarding: other topics exist"
fi

# 3. Consumer: kcat -P produces real EVE lines (one per message) into 6 partitions; eveflow
#    consumes them in a group, and on SIGTERM its aggregates equal the reference.
F=$DATA/stratosphereips-slips/test6-malicious.suricata.json
echo "topic eve 6" >&3
kcat -q -b "$BS" -P -t eve -l "$F"
"$BIN" --kafka-input "$BS" --kafka-input-topic eve --kafka-group e2e --jsonl "$T/in.jsonl" \
  --sensor-id e2e --log-level info --set handlers[0].allowed_lateness=36500d 2>"$T/in.err" &
echo $! >"$T/eveflow.pid"
want=$(grep -c . "$F")
for _ in $(seq 300); do   # until every message is consumed (logged at shutdown), max 30 s
  sleep 0.1
  grep -q "partitions assigned" "$T/in.err" && break
done
sleep 5   # the group is joined; 5000 lines take well under a second
kill -TERM "$(cat "$T/eveflow.pid")"; wait "$(cat "$T/eveflow.pid")"; rc=$?; rm -f "$T/eveflow.pid"
$PY "$E2E/reference.py" "$F" >"$T/ref-in.json"
if [ $rc -ne 0 ]; then
  fail "consumer: eveflow exited $rc"; tail -20 "$T/in.err"
elif out=$($PY "$E2E/compare.py" "$T/in.jsonl" "$T/ref-in.json" "$T/in.err" --exact-ports); then
  pass "consumer: $want lines consumed through the group; $out"
else
  fail "consumer vs reference:"; echo "$out"; grep -i "kafka" "$T/in.err" | tail -5
fi
echo "$fails failure(s)"
[ $fails -eq 0 ]
