#!/usr/bin/env bash
# Cost of metrics on the core pipeline: CPU seconds per event of `eveflow --eve-file`, with
# `--metrics 127.0.0.1:0` (the exporter plus the traffic_metrics handler) against without.
#
#   bench/metrics_overhead.sh [N=1000000]      (EVEFLOW=binary REPS=5 PIN=cpu)
#
# The input is scripts/make_sample_eve.py -n N --seed 42. Runs alternate off/on, REPS each;
# CPU = user + system from /usr/bin/time; events from eveflow's summary line. Prints the
# medians and their ratio and writes bench/results/metrics_overhead.md.
set -euo pipefail
N=${1:-1000000}
REPS=${REPS:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BIN=${EVEFLOW:-$ROOT/build/release/cmd/eveflow/eveflow}
[ -x "$BIN" ] || { echo "build eveflow first (or set EVEFLOW=path)"; exit 1; }
T=$(mktemp -d /tmp/eveflow-metrics-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$ROOT/scripts/make_sample_eve.py" -n "$N" --seed 42 "$T/in.json"

# PIN=N runs both modes on CPU N only (taskset): on a shared VM the CPU time of an unpinned
# run varies by 10-20% from run to run, more than the difference measured here.
PIN_CMD=()
[ -n "${PIN:-}" ] && PIN_CMD=(taskset -c "$PIN")
run() {  # mode (off|on) -> "cpu_seconds events"
  local extra=()
  [ "$1" = on ] && extra=(--metrics 127.0.0.1:0)
  /usr/bin/time -f 'TIME %U %S' -o "$T/time" "${PIN_CMD[@]}" "$BIN" --eve-file "$T/in.json" --jsonl /dev/null \
    --log-level warn "${extra[@]}" 2>"$T/err"
  local events
  events=$(grep -o 'events=[0-9]*' "$T/err" | head -1 | cut -d= -f2)
  awk -v e="$events" '/^TIME/ {printf "%.3f %s\n", $2 + $3, e}' "$T/time"
}

: >"$T/off"; : >"$T/on"
for i in $(seq "$REPS"); do
  for mode in off on; do
    read -r cpu events < <(run $mode)
    echo "run $i $mode: cpu ${cpu}s events $events"
    [ -n "$events" ] && [ "$events" -gt 0 ] || { echo "FAIL: no events counted"; cat "$T/err"; exit 1; }
    echo "$events" >"$T/events"
    echo "$cpu" >>"$T/$mode"
  done
done
median() { sort -g "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
OFF=$(median "$T/off"); ON=$(median "$T/on")
RATIO=$(awk -v a="$ON" -v b="$OFF" 'BEGIN {printf "%.4f", a / b}')
EV=$(cat "$T/events")
PER_OFF=$(awk -v c="$OFF" -v n="$EV" 'BEGIN {printf "%.1f", c / n * 1e9}')
PER_ON=$(awk -v c="$ON" -v n="$EV" 'BEGIN {printf "%.1f", c / n * 1e9}')
echo "median CPU: off ${OFF}s (${PER_OFF} ns/event), on ${ON}s (${PER_ON} ns/event), on/off $RATIO"
# CPU time on a shared machine is noisy: also count instructions (deterministic) with
# cachegrind on the first 200k lines, when valgrind is installed.
IREFS="(valgrind not installed)"
if command -v valgrind >/dev/null; then
  head -n 200000 "$T/in.json" >"$T/small.json"
  irefs() {
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$BIN" \
      --eve-file "$T/small.json" --jsonl /dev/null --log-level error "$@" 2>&1 |
      awk '/I *refs:/ {gsub(",", "", $NF); print $NF}'
  }
  I_OFF=$(irefs); I_ON=$(irefs --metrics 127.0.0.1:0)
  IREFS=$(awk -v a="$I_ON" -v b="$I_OFF" 'BEGIN {printf "%d vs %d instructions, on/off **%.4f**", a, b, a / b}')
  echo "instructions (200k lines): $IREFS"
fi
mkdir -p "$HERE/results"
cat >"$HERE/results/metrics_overhead.md" <<MD
# Metrics overhead (bench/metrics_overhead.sh)

\`eveflow --eve-file IN --jsonl /dev/null\` over $EV events (make_sample_eve.py -n $N --seed 42), with
and without \`--metrics 127.0.0.1:0\` (the /metrics exporter and the traffic_metrics handler).
CPU = user + system, median of $REPS alternating runs each, $(nproc) cores, $(date -u +%F),
load average at the end $(cut -d' ' -f1-3 /proc/loadavg)${PIN:+, every run pinned to CPU $PIN (taskset)}.

| | CPU seconds | ns CPU / event |
| --- | --- | --- |
| metrics off | $OFF | $PER_OFF |
| metrics on | $ON | $PER_ON |

on / off = **$RATIO** (target: at most 1.03). CPU time on this shared 2-core machine varies by
about 10% from run to run; the instruction count (cachegrind, first 200k lines, one run each)
does not: $IREFS.

Command: \`${PIN:+PIN=$PIN }REPS=$REPS EVEFLOW=<release build>/cmd/eveflow/eveflow bench/metrics_overhead.sh $N\`
MD
