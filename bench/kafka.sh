#!/usr/bin/env bash
# Core pipeline events/s with a Kafka output (kmock cluster over TCP) against the same run with
# the JSON-lines output, over the bzip2 EVE file of the shared data (40 231 lines, repeated).
#   bench/kafka.sh EVEFLOW_BINARY KMOCK_BINARY [SHARED_DATA_DIR] [RUNS] [REPEAT]
# REPEAT (default 5) concatenates the file that many times, so start-up and the final flush
# do not dominate. The runs are interleaved (jsonl, kafka, kafka-zstd, then again, RUNS times)
# so a change of load on a shared machine hits all three alike; each run starts after a `sync`
# (the previous run's written file goes to disk outside any timed run). Prints the best and the
# median wall time of each, and both ratios.
set -euo pipefail
BIN=$1 KMOCK=$2 DATA=${3:-$(dirname "$0")/../../shared/data} RUNS=${4:-5} REPEAT=${5:-5}
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
# Aggregates plus every event forwarded, so the output carries real volume (the same records
# in every run: only the two outputs differ).
conf() {  # name aggregate-output forward-output -> config file
  cat >"$T/$1.yaml" <<YAML
inputs: [{type: eve_file, path: "$T/large.json"}]
handlers: [{type: flow_aggregate, allowed_lateness: 36500d}]
forward: [{types: all, outputs: [$3]}]
outputs: [$2]
YAML
}
broker_cpu() {  # CPU seconds used so far by the kmock process (the three mock brokers)
  awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$KPID/stat"
}
run() {  # name: one timed run; appends "wall broker_cpu rss_kib" to $T/r.NAME
  rm -f "$T"/out*.jsonl
  sync
  local c0 s e
  c0=$(broker_cpu)
  s=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$T/rss" "$BIN" -c "$T/$1.yaml" --log-level warn 2>/dev/null
  e=$(date +%s.%N)
  echo "$(echo "$e - $s" | bc) $(echo "$(broker_cpu) - $c0" | bc) $(cat "$T/rss")" >>"$T/r.$1"
}
stat() {  # name column -> "best median" of that column over the runs
  awk -v c="$2" '{ print $c }' "$T/r.$1" | sort -n |
    awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                              printf "%.3f %.3f", v[1], m }'
}
K="type: kafka, brokers: \"$BS\""
Z="properties: {compression.type: zstd}"
conf jsonl "{type: jsonl, path: \"$T/out.jsonl\"}" "{type: jsonl, path: \"$T/out-fwd.jsonl\"}"
conf kafka "{$K}" "{$K, name: kafka-fwd}"
conf kafka-zstd "{$K, $Z}" "{$K, name: kafka-fwd, $Z}"
NAMES="jsonl kafka kafka-zstd"
for _ in $(seq "$RUNS"); do for n in $NAMES; do run "$n"; done; done
echo "runs=$RUNS events=$LINES (wall: best / median; broker CPU and peak RSS: median)"
for n in $NAMES; do
  read -r best med <<<"$(stat "$n" 1)"
  printf '%-12s %6.3f s / %6.3f s  %7.0f / %7.0f events/s  broker CPU %s s  peak RSS %s KiB\n' \
    "$n" "$best" "$med" "$(echo "$LINES / $best" | bc -l)" "$(echo "$LINES / $med" | bc -l)" \
    "$(stat "$n" 2 | cut -d' ' -f2)" "$(stat "$n" 3 | cut -d' ' -f2 | cut -d. -f1)"
  echo "$best $med" >"$T/t.$n"
done
ratio() {  # name column
  echo "$(cut -d' ' -f"$2" "$T/t.$1") / $(cut -d' ' -f"$2" "$T/t.jsonl")" | bc -l | cut -c1-5
}
echo "kafka/jsonl time ratio: best $(ratio kafka 1)  median $(ratio kafka 2)"
echo "kafka-zstd/jsonl time ratio: best $(ratio kafka-zstd 1)  median $(ratio kafka-zstd 2)"
