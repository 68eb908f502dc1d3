#!/usr/bin/env bash
# Core pipeline events/s with a Kafka output (kmock cluster over TCP) against the same run with
# the JSON-lines output, over the bzip2 EVE file of the shared data (40 231 lines, repeated).
#   bench/kafka.sh EVEFLOW_BINARY KMOCK_BINARY [SHARED_DATA_DIR] [RUNS] [REPEAT]
# REPEAT (default 5) concatenates the file that many times, so start-up and the final flush
# (a fixed ~0.2 s with Kafka) do not dominate.
set -euo pipefail
BIN=$1 KMOCK=$2 DATA=${3:-$(dirname "$0")/../../shared/data} RUNS=${4:-3} REPEAT=${5:-5}
T=$(mktemp -d /tmp/eveflow-kafka-bench.XXXXXX)
mkfifo "$T/ctl"
"$KMOCK" 3 "$T/bs" <"$T/ctl" >/dev/null 2>&1 &
KPID=$!
exec 3>"$T/ctl"
trap 'exec 3>&-; kill $KPID 2>/dev/null; rm -rf "$T"' EXIT
until [ -s "$T/bs" ]; do sleep 0.1; done
BS=$(head -1 "$T/bs")
bzcat "$DATA/eve/josevnz-suricatalog/eve_large.json.bz2" >"$T/one.json"
for _ in $(seq "$REPEAT"); do cat "$T/one.json"; done >"$T/large.json"
LINES=$(wc -l <"$T/large.json")
# Aggregates plus every event forwarded, so the Kafka output carries real volume.
conf() {  # aggregate-output forward-output -> config file
  cat >"$T/c.yaml" <<YAML
inputs: [{type: eve_file, path: "$T/large.json"}]
handlers: [{type: flow_aggregate, allowed_lateness: 36500d}]
forward: [{types: all, outputs: [$2]}]
outputs: [$1]
YAML
}
broker_cpu() {  # CPU seconds used so far by the kmock process (the three mock brokers)
  awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$KPID/stat"
}
run() {  # name aggregate-output forward-output
  conf "$2" "$3"
  local best="" c0
  c0=$(broker_cpu)
  for i in $(seq "$RUNS"); do
    rm -f "$T"/out*.jsonl
    local s=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$T/rss" "$BIN" -c "$T/c.yaml" --log-level warn 2>/dev/null
    local e=$(echo "$(date +%s.%N) - $s" | bc)
    best=$(printf '%s\n%s\n' "$best" "$e" | grep . | sort -n | head -1)
  done
  printf '%-12s %8.3f s  %9.0f events/s  peak RSS %s KiB  broker CPU %.2f s/run\n' "$1" \
    "$best" "$(echo "$LINES / $best" | bc -l)" "$(cat "$T/rss")" \
    "$(echo "($(broker_cpu) - $c0) / $RUNS" | bc -l)"
  echo "$best" >"$T/t.$1"
}
K="type: kafka, brokers: \"$BS\""
run jsonl "{type: jsonl, path: \"$T/out.jsonl\"}" "{type: jsonl, path: \"$T/out-fwd.jsonl\"}"
run kafka "{$K}" "{$K, name: kafka-fwd}"
Z="properties: {compression.type: zstd}"
run kafka-zstd "{$K, $Z}" "{$K, name: kafka-fwd, $Z}"
echo "kafka/jsonl time ratio: $(echo "$(cat "$T/t.kafka") / $(cat "$T/t.jsonl")" | bc -l | cut -c1-5)"
echo "kafka-zstd/jsonl time ratio: $(echo "$(cat "$T/t.kafka-zstd") / $(cat "$T/t.jsonl")" | bc -l | cut -c1-5)"
