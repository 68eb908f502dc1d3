#!/usr/bin/env bash
# End-to-end: `written=` in the summary counts only what the Kafka and PostgreSQL outputs
# delivered, checked against what the brokers hold (kcat) and what the table holds (count(*)).
#   sink_written_e2e.sh EVEFLOW_BINARY KMOCK_BINARY SHARED_DATA_DIR
# 1. Kafka, brokers up: written = messages in the topic = aggregate records.
# 2. Kafka, every broker down: nothing delivered, written=0, every record reported undelivered.
# 3. Kafka, raw events forwarded with message.max.bytes below some events' size: those fail,
#    written = aggregates in the file + messages in the topic, below the input count.
# 4. PostgreSQL whose table refuses some batches (a trigger raising an error): written = the
#    rows in the table, below the records made; the rest counted as given up.
# Exit 77 (skipped) without the shared data, kcat or PostgreSQL (a failure for the services
# under EVEFLOW_REQUIRE_SERVICES=1).
set -uo pipefail
BIN=$1 KMOCK=$2 DATA=$3/eve
. "$(dirname "$0")/kafka_lib.sh"
require_pg
F=$DATA/stratosphereips-slips/test6-malicious.suricata.json
G=$DATA/aarchies-suricata/eve.json
start_kmock eveflow-sink-written
SCHEMA=sink_written_$$
DSN="$EVEFLOW_TEST_PG_DSN options='-csearch_path=$SCHEMA'"
on_exit+=('psql "$EVEFLOW_TEST_PG_DSN" -q -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1')
fails=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
summary() { grep -o "$1=[0-9]*" "$2" | tail -1 | cut -d= -f2; }
topic_count() { kcat -q -b "$BS" -C -t "$1" -o beginning -e -f 'x\n' 2>/dev/null | wc -l; }
LATE=(--set handlers[0].allowed_lateness=36500d)  # one record per window and key

# 1. Brokers up.
"$BIN" --eve-file "$F" --kafka "$BS" --set outputs[0].topic=up "${LATE[@]}" 2>"$T/1.err"
w=$(summary written "$T/1.err") r=$(summary records "$T/1.err") n=$(topic_count up)
if [ "$w" = "$n" ] && [ "$n" = "$r" ] && [ "$r" -gt 0 ]; then
  pass "(1) brokers up: written=$w = $n messages in the topic = records"
else
  fail "(1) written=$w records=$r topic=$n"; tail -5 "$T/1.err"
fi

# 2. Every broker down: nothing can be delivered.
for b in 1 2 3; do echo "down $b" >&3; done
"$BIN" --eve-file "$F" --kafka "$BS" --set outputs[0].topic=down \
  --set outputs[0].flush_timeout=1s "${LATE[@]}" 2>"$T/2.err"
rc=$?
for b in 1 2 3; do echo "up $b" >&3; done
w=$(summary written "$T/2.err") r=$(summary records "$T/2.err")
u=$(grep -o "undelivered at shutdown messages=[0-9]*" "$T/2.err" | cut -d= -f2)
if [ "$rc" != 0 ] && [ "$w" = 0 ] && [ "$u" = "$r" ] && [ "$r" -gt 0 ]; then
  pass "(2) brokers down: exit $rc, written=0, all $r records reported undelivered"
else
  fail "(2) rc=$rc written=$w records=$r undelivered=$u"; tail -5 "$T/2.err"
fi

# 3. Forwarded events larger than message.max.bytes fail; the others arrive.
cat >"$T/fwd.yaml" <<YAML
inputs: [{type: eve_file, path: "$G"}]
forward:
  - types: [all]
    outputs: [{type: kafka, brokers: "$BS", topic: "big.{event_type}",
               properties: {message.max.bytes: "1000"}}]
outputs: [{type: jsonl, path: "$T/fwd-agg.jsonl"}]
YAML
"$BIN" -c "$T/fwd.yaml" 2>"$T/3.err"
w=$(summary written "$T/3.err") ev=$(summary events "$T/3.err")
agg=$(wc -l <"$T/fwd-agg.jsonl")
got=0
for t in $(kcat -q -b "$BS" -L 2>/dev/null | grep -o 'topic "big\.[^"]*"' | cut -d'"' -f2); do
  got=$((got + $(topic_count "$t")))
done
big=$(awk 'length($0) > 1000' "$G" | wc -l)
if [ "$w" = $((agg + got)) ] && [ "$got" -lt "$ev" ] && [ "$got" -gt 0 ] && [ "$big" -gt 0 ]; then
  pass "(3) $ev events forwarded, $got arrived (about $big too large): written=$w = $agg aggregates + $got"
else
  fail "(3) written=$w events=$ev aggregates=$agg arrived=$got"; tail -5 "$T/3.err"
fi

# 4. PostgreSQL: a trigger makes every batch holding a row to port 445 fail; those batches are
#    retried until the shutdown bound and given up.
psql "$EVEFLOW_TEST_PG_DSN" -q -v ON_ERROR_STOP=1 -c "CREATE SCHEMA $SCHEMA" || exit 1
"$BIN" --eve-file /dev/null --postgres "$DSN" 2>"$T/4a.err" || { fail "(4) setup"; cat "$T/4a.err"; }
psql "$DSN" -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || exit 1
CREATE FUNCTION refuse_445() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.dest_port = 445 THEN RAISE EXCEPTION 'port 445 refused'; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_445 BEFORE INSERT ON flow_aggregate FOR EACH ROW EXECUTE FUNCTION refuse_445();
SQL
"$BIN" --eve-file "$F" --postgres "$DSN" --set outputs[0].batch_size=20 "${LATE[@]}" \
  --set shutdown_timeout=2s 2>"$T/4.err"
rc=$?
w=$(summary written "$T/4.err") r=$(summary records "$T/4.err")
rows=$(psql "$DSN" -Atq -c "SELECT count(*) FROM flow_aggregate")
if [ "$rc" != 0 ] && [ "$w" = "$rows" ] && [ "$rows" -lt "$r" ] && [ "$rows" -gt 0 ]; then
  pass "(4) table refusing some batches: exit $rc, written=$w = rows in the table, of $r records"
else
  fail "(4) rc=$rc written=$w rows=$rows records=$r"; tail -5 "$T/4.err"
fi

[ $fails -eq 0 ] && echo "0 failure(s)"
exit $fails
