#!/usr/bin/env bash
# The PostgreSQL server's own floor for raw events: how many rows/s it takes with no eveflow
# at all. psql's \copy (a trivial client) loads real EVE lines, keys already in jsonb's order
# (as eveflow sends them), into eve_raw's shape: partitioned by ts, with and without the four
# btree indexes, payload jsonb or text (what jsonb's parsing costs). Two sessions in
# parallel, as the sink's default. Rows are counted after each load.
#
#   bench/postgres_floor.sh EVE_FILE [ROUNDS=3]     (EVEFLOW_TEST_PG_DSN: the server)
#   e.g. eval $(scripts/start-postgres.sh /tmp/pgfloor)
#        python3 ../shared/bench/fever/gen_eve.py 100000 --seed 42 -o /tmp/eve-100k.json
#        bench/postgres_floor.sh /tmp/eve-100k.json
set -euo pipefail
EVE=$1
ROUNDS=${2:-3}
DSN=${EVEFLOW_TEST_PG_DSN:?start a server first: eval \$(scripts/start-postgres.sh DIR)}
T=$(mktemp -d /tmp/eveflow-pgfloor.XXXXXX)
trap 'rm -rf "$T"' EXIT

# Rows as eveflow's raw sink makes them, split over two files; all on one day.
python3 - "$EVE" "$T" <<'PY'
import json, sys
def order(v):  # jsonb's key order: shorter keys first, then bytewise
    if isinstance(v, dict):
        return {k: order(v[k]) for k in sorted(v, key=lambda k: (len(k.encode()), k.encode()))}
    return [order(x) for x in v] if isinstance(v, list) else v
def col(d, k):
    v = d.get(k)
    return "\\N" if v is None else str(v)
outs = [open("%s/rows_%d.tsv" % (sys.argv[2], i), "w") for i in range(2)]
n = 0
for line in open(sys.argv[1]):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if not isinstance(d, dict) or "timestamp" not in d or "event_type" not in d:
        continue
    p = json.dumps(order(d), separators=(",", ":"), ensure_ascii=False)
    p = p.replace("\\", "\\\\").replace("\t", "\\t")
    ts = "2026-01-01T" + d["timestamp"][11:]
    outs[n % 2].write("\t".join([ts, d["event_type"], "floor", col(d, "src_ip"), col(d, "src_port"),
                                 col(d, "dest_ip"), col(d, "dest_port"), col(d, "proto"),
                                 col(d, "flow_id"), p]) + "\n")
    n += 1
open(sys.argv[2] + "/count", "w").write(str(n))
PY
N=$(cat "$T/count")
INDEXES="CREATE INDEX ON floor_raw (ts); CREATE INDEX ON floor_raw (src_ip);
         CREATE INDEX ON floor_raw (dest_ip, dest_port); CREATE INDEX ON floor_raw (event_type);"
make_table() {  # payload type, indexes
  psql -q -v ON_ERROR_STOP=1 "$DSN" >/dev/null 2>&1 <<SQL
DROP TABLE IF EXISTS floor_raw;
CREATE TABLE floor_raw (ts timestamptz NOT NULL, event_type text NOT NULL, sensor_id text NOT NULL,
  src_ip inet, src_port integer, dest_ip inet, dest_port integer, proto text, flow_id bigint,
  payload $1) PARTITION BY RANGE (ts);
CREATE TABLE floor_raw_p PARTITION OF floor_raw FOR VALUES FROM ('2025-12-31') TO ('2026-01-03');
$2
SQL
}
echo "rows: $N (two psql \\copy sessions in parallel)"
results=()
for round in $(seq 1 "$ROUNDS"); do
  for variant in "jsonb, 4 indexes" "jsonb, no index" "text, 4 indexes" "text, no index"; do
    case $variant in
      "jsonb, 4 indexes") make_table jsonb "$INDEXES" ;;
      "jsonb, no index") make_table jsonb "" ;;
      "text, 4 indexes") make_table text "$INDEXES" ;;
      "text, no index") make_table text "" ;;
    esac
    t0=$(date +%s.%N)
    psql -q -v ON_ERROR_STOP=1 "$DSN" -c "\\copy floor_raw from '$T/rows_0.tsv'" >/dev/null & a=$!
    psql -q -v ON_ERROR_STOP=1 "$DSN" -c "\\copy floor_raw from '$T/rows_1.tsv'" >/dev/null & b=$!
    wait $a && wait $b
    t1=$(date +%s.%N)
    got=$(psql -qtA "$DSN" -c "SELECT count(*) FROM floor_raw")
    [ "$got" = "$N" ] || { echo "FAIL: $got rows loaded of $N"; exit 1; }
    rate=$(python3 -c "print(int($N / ($t1 - $t0)))")
    echo "round $round: $variant: $rate rows/s"
    results+=("$variant|$rate")
  done
done
psql -q "$DSN" -c "DROP TABLE IF EXISTS floor_raw" >/dev/null
printf '%s\n' "${results[@]}" | python3 -c '
import statistics, sys, collections
by = collections.defaultdict(list)
for l in sys.stdin:
    v, r = l.rstrip("\n").split("|"); by[v].append(int(r))
for v, rs in by.items():
    print("median %-18s %7d rows/s (%s)" % (v + ":", statistics.median(rs), ", ".join(map(str, rs))))
'
