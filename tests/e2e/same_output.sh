#!/usr/bin/env bash
# End-to-end: the bytes eveflow writes for every shared EVE file and capture (aggregates as JSON
# lines, forwarded events, meter flow records and, with a PostgreSQL server, the table rows)
# equal a golden of digests taken from an earlier build. It guards refactorings: a change of
# output shows up as a digest that differs, named by input and output.
#   same_output.sh EVEFLOW_BINARY SHARED_DATA_DIR GOLDEN_FILE
# EVEFLOW_UPDATE_GOLDEN=1 rewrites GOLDEN_FILE from this binary. With EVEFLOW_TEST_PG_DSN set,
# the PostgreSQL rows are compared too (exit 77, skipped, when the data directory is absent).
set -uo pipefail
BIN=$1
DATA=$2
GOLDEN=$3
if [ ! -d "$DATA/eve" ] || [ ! -d "$DATA/pcap" ]; then
  echo "skipped: shared data not found at $DATA (set EVEFLOW_SHARED_DATA)"
  exit 77
fi
T=$(mktemp -d /tmp/eveflow-same.XXXXXX)
trap 'rm -rf "$T"' EXIT
export TZ=UTC LC_ALL=C
DSN=${EVEFLOW_TEST_PG_DSN:-}

digest() { LC_ALL=C sort "$1" | sha256sum | cut -c1-64; }
# Meter flow records carry a flow_id drawn at random per run: masked before the digest.
digest_masked() { sed 's/"flow_id":[0-9]*/"flow_id":0/' "$1" | LC_ALL=C sort | sha256sum | cut -c1-64; }

# One case: name, eveflow args... Prints "name output digest" for each output file written.
run() {
  local name=$1; shift
  rm -f "$T"/*.jsonl
  "$BIN" "$@" --sensor-id same --log-level error 2>"$T/err.log"
  echo "$name exit $?"  # the bad captures exit 1 after what they could read
  for f in "$T"/*.jsonl; do
    [ -e "$f" ] || continue
    if [ "$(basename "$f")" = flows.jsonl ]; then
      echo "$name flows $(digest_masked "$f")"
    else
      echo "$name $(basename "$f" .jsonl) $(digest "$f")"
    fi
  done
}

# An event without a timestamp is stored at the time of writing: that one column is masked.
RAW_ROWS="SELECT (CASE WHEN ts > now() - interval '1 day' THEN 'now' ELSE ts::text END,
  event_type, sensor_id, src_ip, src_port, dest_ip, dest_port, proto, flow_id, payload)::text
  FROM eve_raw"
pg_rows() {  # name: digest of every row of the tables eveflow wrote, then empties them
  local name=$1
  # As jsonb (keys in a fixed order): a table's column order depends on the migrations it went
  # through, which is not what this test compares.
  psql "$DSN" -X -q -A -t -c "SELECT to_jsonb(f)::text FROM flow_aggregate f" >"$T/pg_agg.txt" &&
    psql "$DSN" -X -q -A -t -c "$RAW_ROWS" >"$T/pg_raw.txt" || {
    echo "$name postgres query-failed -"; return
  }
  echo "$name pg_flow_aggregate $(digest "$T/pg_agg.txt")"
  echo "$name pg_eve_raw $(digest "$T/pg_raw.txt")"
  psql "$DSN" -X -q -c "TRUNCATE flow_aggregate, eve_raw, eveflow_batches" >/dev/null
}

cases() {
  local f rel
  while IFS= read -r f; do
    rel=${f#"$DATA"/}
    run "$rel" --eve-file "$f" --jsonl "$T/aggregates.jsonl" \
      --set 'forward[0].types=[all]' --set "forward[0].outputs[0].type=jsonl" \
      --set "forward[0].outputs[0].path=$T/forwarded.jsonl" \
      --set 'forward[0].add_fields.sensor=same' --set 'forward[0].add_fields.n=1'
    if [ -n "$DSN" ]; then
      "$BIN" --eve-file "$f" --postgres "$DSN" --set 'outputs[0].raw_events.types=[all]' \
        --set 'outputs[0].raw_events.retention=36500d' --sensor-id same --log-level error \
        2>"$T/err.log" || { echo "$rel postgres exit $?"; continue; }
      pg_rows "$rel"
    fi
  done < <(find "$DATA/eve" -name '*.json' | sort)
  while IFS= read -r f; do
    rel=${f#"$DATA"/}
    run "$rel" --pcap "$f" --jsonl "$T/aggregates.jsonl" --flows-jsonl "$T/flows.jsonl"
  done < <(find "$DATA/pcap" -name '*.pcap' -o -name '*.pcapng' | sort)
}

cases >"$T/now.txt"
if [ "${EVEFLOW_UPDATE_GOLDEN:-0}" = 1 ]; then
  # Without a server the golden keeps its PostgreSQL lines.
  { [ -n "$DSN" ] || grep ' pg_' "$GOLDEN" 2>/dev/null; cat "$T/now.txt"; } | sort >"$T/new.txt"
  cp "$T/new.txt" "$GOLDEN"
  echo "wrote $GOLDEN ($(wc -l <"$GOLDEN") digests)"
  exit 0
fi
want=$T/want.txt
if [ -n "$DSN" ]; then sort "$GOLDEN" >"$want"; else grep -v ' pg_' "$GOLDEN" | sort >"$want"; fi
sort "$T/now.txt" >"$T/got.txt"
if diff "$want" "$T/got.txt" >"$T/diff.txt"; then
  echo "ok: $(wc -l <"$T/got.txt") outputs equal the golden${DSN:+ (PostgreSQL rows included)}"
  exit 0
fi
echo "FAIL: outputs differ from $GOLDEN (< golden, > this build):"
cat "$T/diff.txt"
exit 1
