#!/usr/bin/env bash
# dns_aggregate and pdns into PostgreSQL: the real EVE files with DNS read in two runs (a
# restart between them; files of one capture in both), with late partials inside each run.
# The merged tables must equal the Python reference over all files, with the same restart.
#   postgres_dns_e2e.sh EVEFLOW_BINARY SOURCE_DIR SHARED_DATA_DIR
# Needs EVEFLOW_TEST_PG_DSN (scripts/start-postgres.sh); exit 77 (skipped) without it or
# without the shared data, unless EVEFLOW_REQUIRE_SERVICES=1.
set -uo pipefail
BIN=$1
SRC=$2
DATA=$3/eve
PY=/usr/bin/python3
if [ -z "${EVEFLOW_TEST_PG_DSN:-}" ]; then
  echo "skipped: EVEFLOW_TEST_PG_DSN is not set (eval \$(scripts/start-postgres.sh DIR))"
  [ "${EVEFLOW_REQUIRE_SERVICES:-}" = 1 ] && exit 1
  exit 77
fi
if [ ! -d "$DATA" ]; then
  echo "skipped: shared EVE data not found at $DATA"
  exit 77
fi
T=$(mktemp -d /tmp/eveflow-pgdns.XXXXXX)
SCHEMA=dns_$$_$RANDOM
psql "$EVEFLOW_TEST_PG_DSN" -qc "CREATE SCHEMA $SCHEMA" || exit 1
trap 'psql "$EVEFLOW_TEST_PG_DSN" -qc "DROP SCHEMA $SCHEMA CASCADE"; rm -rf "$T"' EXIT
DSN="$EVEFLOW_TEST_PG_DSN options='-csearch_path=$SCHEMA'"

mapfile -t files < <(grep -l '"dns"' -r "$DATA" --include='*.json' | sort)
bzcat "$DATA/josevnz-suricatalog/eve_large.json.bz2" >"$T/eve_large.json"
files+=("$T/eve_large.json" "$SRC/tests/data/eve/dns_layouts.jsonl")

run() {  # files...: one eveflow run into the schema (default lateness: late partials)
  local inputs=""
  for f in "$@"; do inputs="$inputs{type: eve_file, path: \"$f\"}, "; done
  cat >"$T/c.yaml" <<YAML
inputs: [${inputs%, }]
handlers: [{type: dns_aggregate, period: 60s, max_answers: 100000}, {type: pdns, period: 60s}]
outputs: [{type: postgres, dsn: "$DSN"}, {type: jsonl, path: "$T/run.jsonl"}]
YAML
  "$BIN" -c "$T/c.yaml" --sensor-id e2e --log-level error || { echo "FAIL: eveflow run"; exit 1; }
  cat "$T/run.jsonl" >>"$T/all_runs.jsonl"
}
# rhaist-surevego's eve.json and eve_broken.json are one capture: same windows and keys in
# both runs. The odd files go first, the even ones after the restart.
first=(); second=()
for i in "${!files[@]}"; do
  if [ $((i % 2)) -eq 0 ]; then first+=("${files[$i]}"); else second+=("${files[$i]}"); fi
done
run "${first[@]}"
run "${second[@]}"
partial=$($PY - "$T/all_runs.jsonl" <<'PYEOF'
import json, sys, collections
c = collections.Counter()
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["event_type"] == "dns_aggregate":
        c[(r["window_start"], r["sensor_id"], r["rrname"], r["rrtype"])] += 1
    elif r["event_type"] == "pdns":
        c[(r["sensor_id"], r["rrname"], r["rrtype"], r["rdata"])] += 1
print(sum(1 for n in c.values() if n > 1))
PYEOF
)
echo "keys written in more than one record: $partial"
[ "$partial" -gt 0 ] || { echo "FAIL: no partial records to merge"; exit 1; }

psql "$DSN" -qAt >"$T/pg.jsonl" <<'SQL' || { echo "FAIL: query"; exit 1; }
SELECT json_build_object('event_type', 'dns_aggregate',
  'window_start', to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  'sensor_id', sensor_id, 'rrname', rrname, 'rrtype', rrtype, 'queries', queries,
  'responses', responses, 'clients', clients,
  'client_ips', (SELECT coalesce(json_agg(host(c)), '[]') FROM unnest(client_set) c),
  'rcodes', rcodes, 'answers', answers, 'answers_overflow', answers_overflow)
FROM dns_aggregate;
SELECT json_build_object('event_type', 'pdns', 'sensor_id', sensor_id, 'rrname', rrname,
  'rrtype', rrtype, 'rdata', rdata, 'count', count, 'time_first', time_first,
  'time_last', time_last)
FROM pdns;
SQL
$PY "$SRC/tests/processing/dns_reference.py" --max-answers 100000 "${first[@]}" :: "${second[@]}" \
  >"$T/ref.json" || exit 1
if out=$($PY "$SRC/tests/processing/dns_compare.py" "$T/pg.jsonl" "$T/ref.json"); then
  echo "ok   merged tables equal the reference: $out"
else
  echo "FAIL merged tables:"; echo "$out"; exit 1
fi
# The lookup the table is for: which names pointed at an address, since when.
n=$(psql "$DSN" -qAt -c "SELECT count(*) FROM pdns WHERE rdata = '35.212.0.44'")
[ "$n" = 2 ] || { echo "FAIL: pdns rows for 35.212.0.44: $n (want 2: two sensors)"; exit 1; }
