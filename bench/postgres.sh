#!/usr/bin/env bash
# End-to-end: eveflow over one EVE file with --jsonl, then with --postgres (aggregates only),
# then with --postgres plus raw events of types alert, dns, tls and flow. Same input, same run.
# The input is ../shared/bench/fever/gen_eve.py N --seed 42 (the FEVER comparison's input).
#
#   eval $(scripts/start-postgres.sh /tmp/pgbench)   # or any EVEFLOW_TEST_PG_DSN
#   bench/postgres.sh [N=1000000] [REPS=3]
#
# MODES="jsonl postgres_raw" runs only those (jsonl always runs: the others are checked against
# it); RAW_CONNECTIONS=N sets raw_events.connections (default: the sink's default, 2).
#
# Prints wall time, events/s, CPU and peak RSS per run (medians of REPS) and the ratio of the
# PostgreSQL runs to the JSON-lines run; checks that the aggregate rows in the database equal
# the JSON-lines output's line count and that raw rows equal the input's event count.
set -euo pipefail
N=${1:-1000000}
REPS=${2:-3}
MODES=${MODES:-jsonl postgres postgres_raw}
[[ " $MODES " == *" jsonl "* ]] || MODES="jsonl $MODES"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BIN=${EVEFLOW:-$ROOT/build/release/cmd/eveflow/eveflow}
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
DATA_DIR=${DATA_DIR:-/tmp/fever-bench}
: "${EVEFLOW_TEST_PG_DSN:?start a server: eval \$(scripts/start-postgres.sh DIR)}"
[ -x "$BIN" ] || { echo "build eveflow first, or set EVEFLOW=path" >&2; exit 1; }

WORK=$(mktemp -d /tmp/eveflow-pgbench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DATA_DIR"
EVE="$DATA_DIR/eve_${N}_s42.json"
[ -s "$EVE" ] || python3 "$SHARED/bench/fever/gen_eve.py" "$N" --seed 42 -o "$EVE"
LINES=$(grep -c . "$EVE")
WANT_RAW=$(python3 -c 'import json,sys
n = 0
for line in open(sys.argv[1]):
    n += json.loads(line).get("event_type") in ("alert", "dns", "tls", "flow")
print(n)' "$EVE")
export PGOPTIONS='-c client_min_messages=warning'
psql_q() { psql "$EVEFLOW_TEST_PG_DSN" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }

run() {  # run MODE REP -> "wall cpu rss"
    local mode=$1 rep=$2 schema="pgbench_${1}_$2" args=()
    case $mode in
        jsonl) args=(--jsonl "$WORK/out.jsonl") ;;
        postgres) args=(--postgres "$EVEFLOW_TEST_PG_DSN options='-csearch_path=$schema'") ;;
        postgres_raw) args=(--postgres "$EVEFLOW_TEST_PG_DSN options='-csearch_path=$schema'"
                            --set "outputs[0].raw_events.types=[alert,dns,tls,flow]"
                            --set 'outputs[0].raw_events.retention=36500d'
                            ${RAW_CONNECTIONS:+--set "outputs[0].raw_events.connections=$RAW_CONNECTIONS"}) ;;
    esac
    [ "$mode" = jsonl ] || psql_q "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"
    local t0 t1
    t0=$(date +%s.%N)
    /usr/bin/time -v -o "$WORK/time.txt" "$BIN" --eve-file "$EVE" "${args[@]}" \
        --log-level warn 2>"$WORK/err.log"
    t1=$(date +%s.%N)
    local cpu rss
    cpu=$(awk -F: '/User time|System time/ {s+=$2} END {print s}' "$WORK/time.txt")
    rss=$(awk -F: '/Maximum resident/ {print $2/1024}' "$WORK/time.txt")
    if [ "$mode" != jsonl ]; then
        local rows want
        rows=$(psql_q "SELECT count(*) FROM $schema.flow_aggregate")
        want=$(wc -l <"$WORK/out.jsonl")
        [ "$rows" = "$want" ] || echo "MISMATCH: $rows aggregate rows, jsonl has $want" >&2
        if [ "$mode" = postgres_raw ]; then
            local raw
            raw=$(psql_q "SELECT count(*) FROM $schema.eve_raw")
            [ "$raw" = "$WANT_RAW" ] || echo "MISMATCH: $raw raw rows, input has $WANT_RAW" >&2
        fi
        psql_q "DROP SCHEMA $schema CASCADE"
    fi
    echo "$(python3 -c "print($t1 - $t0)") $cpu $rss"
}

declare -A MED
for mode in $MODES; do
    vals=()
    for i in $(seq 1 "$REPS"); do
        v=$(run "$mode" "$i")
        echo "$mode run $i: wall/cpu(s)/rssMiB $v" >&2
        vals+=("$v")
    done
    MED[$mode]=$(printf '%s\n' "${vals[@]}" | sort -n | awk -v n="$REPS" 'NR == int((n + 1) / 2)')
done
for mode in $MODES; do
    read -r wall cpu rss <<<"${MED[$mode]}"
    echo "$mode: median wall ${wall}s events/s $(python3 -c "print(int($LINES / $wall))") cpu ${cpu}s peakRSS ${rss} MiB"
done
read -r jw _ <<<"${MED[jsonl]}"
for mode in $MODES; do
    [ "$mode" = jsonl ] && continue
    read -r w _ <<<"${MED[$mode]}"
    python3 -c "print('events/s ratio $mode/jsonl: %.2f' % ($jw / $w))"
done
