#!/usr/bin/env bash
# End-to-end EVE ingestion: eveflow against DCSO FEVER 1.3.5, same input, same machine, same run.
#
#   bench/eve_socket_vs_fever.sh [N=1000000]
#   env: REPS=3  EVEFLOW=path/to/eveflow  SKIP_FEVER=1 (eveflow only: no ratios)
#        QUIET_WAIT=60 (s to wait for an idle box before each eveflow run, as fever_bench.sh does)
#        EVEFLOW_ARGS="" (extra eveflow flags)
#
# 1. FEVER: ../shared/bench/fever/fever_bench.sh N (installs fever, generates the input with
#    gen_eve.py --seed 42, feeds it through FEVER's unix socket, median of REPS runs).
# 2. eveflow, REPS times: `eveflow --eve-socket S --jsonl OUT` under /usr/bin/time -v; the same
#    file is sent into the socket with sendfile (feed_socket.py); then SIGTERM. Two wall times:
#    - window: from just before the connect until eveflow logs "writer disconnected" (it has
#      read the connection to its end and handed on its last lines): the window
#      fever_bench.sh measures for FEVER (connect until FEVER logs "connection handled"),
#      so the ratio compares like with like;
#    - complete: from the same connect until eveflow has drained, flushed every window,
#      written the aggregates and exited.
#    CPU and peak RSS come from time -v (the whole process life). The run counts only if
#    eveflow's summary shows N events and exactly the input's flow events aggregated; the
#    first run's aggregates must equal tests/e2e/reference.py's (computed once per input).
# Prints the medians and the ratios (results: bench/results/eve_socket.md).
set -euo pipefail
N=${1:-1000000}
REPS=${REPS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
BIN=${EVEFLOW:-$ROOT/build/release/cmd/eveflow/eveflow}
DATA_DIR=${DATA_DIR:-/tmp/fever-bench}
[ -x "$BIN" ] || { echo "build eveflow first (cmake --build build/release)"; exit 1; }

QUIET_WAIT=${QUIET_WAIT:-60}
FEVER_EPS=0 FEVER_RSS=0 FEVER_CPU=0
if [ "${SKIP_FEVER:-0}" = "0" ]; then
  echo "== FEVER =="
  FEVER_LOG=$(mktemp)
  bash "$SHARED/bench/fever/fever_bench.sh" "$N" 2>"$FEVER_LOG" | tee "$FEVER_LOG.out"
  FEVER_EPS=$(awk '/^events\/s:/ {print $2}' "$FEVER_LOG.out" | tail -1)
  FEVER_RSS=$(grep -o 'median of .*peakRSS [0-9.]* MiB' "$FEVER_LOG" | grep -o 'peakRSS [0-9.]*' | awk '{print $2}')
  FEVER_CPU=$(grep -o 'median of .*cpu(total) [0-9.]*s' "$FEVER_LOG" | grep -o 'cpu(total) [0-9.]*' | awk '{print $2}')
  grep '^\[fever_bench\] \|^run \|^median' "$FEVER_LOG" | tail -6 || true
  tail -1 "$FEVER_LOG"
else
  [ -s "$DATA_DIR/eve_${N}_s42.json" ] || python3 "$SHARED/bench/fever/gen_eve.py" "$N" --seed 42 \
    -o "$DATA_DIR/eve_${N}_s42.json" --summary "$DATA_DIR/eve_${N}_s42.summary.json"
fi

# Waits (up to QUIET_WAIT s) until the other tenants of a shared box leave the CPUs idle.
wait_quiet() {
  [ "$QUIET_WAIT" -gt 0 ] || return 0
  python3 - "$QUIET_WAIT" <<'PY' || echo "box not quiet after ${QUIET_WAIT}s, running anyway"
import os, sys, time
clk = os.sysconf("SC_CLK_TCK")
def busy():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / clk
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    b0, t0 = busy(), time.monotonic()
    time.sleep(2)
    if (busy() - b0) / (time.monotonic() - t0) < 0.15:
        sys.exit(0)
sys.exit(1)
PY
}

EVE="$DATA_DIR/eve_${N}_s42.json"
SUM="$DATA_DIR/eve_${N}_s42.summary.json"
FLOWS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["flow_events"])' "$SUM")
echo "== eveflow ($BIN) =="
rows=()
for i in $(seq 1 "$REPS"); do
  cat "$EVE" >/dev/null   # warm the page cache
  wait_quiet
  RUN=$(mktemp -d /tmp/eveflow-bench.XXXXXX)
  /usr/bin/time -v -o "$RUN/time.txt" "$BIN" --eve-socket "$RUN/in.sock" --jsonl "$RUN/out.jsonl" \
    --period 60s --sensor-id bench --log-level info ${EVEFLOW_ARGS:-} 2>"$RUN/err.log" &
  PID=$!
  read -r t0 _sent window < <(python3 "$HERE/feed_socket.py" "$RUN/in.sock" "$EVE" \
    --log "$RUN/err.log" --pattern "writer disconnected")
  # time's child is eveflow: signal it, not time.
  EPID=$(ps --ppid $PID -o pid= | tr -d ' ')
  kill -TERM "$EPID"
  wait $PID || true
  t1=$(date +%s.%N)
  summary=$(grep 'eveflow: done:' "$RUN/err.log" || true)
  events=$(sed -n 's/.*events=\([0-9]*\) .*/\1/p' <<<"$summary")
  flows=$(sed -n 's/.*flows_aggregated=\([0-9]*\).*/\1/p' <<<"$summary")
  rss=$(awk -F: '/Maximum resident/ {print $2/1024}' "$RUN/time.txt")
  cpu=$(awk -F: '/User time|System time/ {s+=$2} END {print s}' "$RUN/time.txt")
  complete=$(python3 -c "print($t1 - $t0)")
  ok=$([ "$events" = "$N" ] && [ "$flows" = "$FLOWS" ] && echo yes || echo NO)
  echo "run $i: window ${window}s events/s $(python3 -c "print(int($N / $window))") complete ${complete}s events/s $(python3 -c "print(int($N / $complete))") cpu ${cpu}s peakRSS ${rss} MiB verified=$ok ($events events, $flows/$FLOWS flows)"
  rows+=("$window $cpu $rss $ok $complete")
  if [ "$i" = 1 ]; then cp "$RUN/out.jsonl" "$DATA_DIR/eveflow_run1.jsonl"; cp "$RUN/err.log" "$DATA_DIR/eveflow_run1.log"; fi
  rm -rf "$RUN"
done
# The aggregates of the first run against an independent reference (tests/e2e/reference.py,
# Python's json and ipaddress, computed once per input and kept beside it).
REF="$DATA_DIR/eve_${N}_s42.reference.json"
[ -s "$REF" ] || python3 "$ROOT/tests/e2e/reference.py" --sensor-id bench "$EVE" >"$REF"
if python3 "$ROOT/tests/e2e/compare.py" "$DATA_DIR/eveflow_run1.jsonl" "$REF" "$DATA_DIR/eveflow_run1.log" --exact-ports; then
  echo "aggregates of run 1: equal to reference.py ($(wc -l <"$DATA_DIR/eveflow_run1.jsonl") records)"
else
  echo "aggregates of run 1: DIFFERENT from reference.py"; rows=("${rows[@]/ yes / NO }")
fi
printf '%s\n' "${rows[@]}" | python3 -c '
import statistics, sys
n, feps, frss, fcpu = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3] or 0), float(sys.argv[4] or 0)
rows = [l.split() for l in sys.stdin if l.strip()]
ok = all(r[3] == "yes" for r in rows)
wall = statistics.median(float(r[0]) for r in rows)
complete = statistics.median(float(r[4]) for r in rows)
cpu = statistics.median(float(r[1]) for r in rows)
rss = statistics.median(float(r[2]) for r in rows)
eps = n / wall
print("eveflow median: %.0f events/s (window; %.0f complete), %.2f us CPU/event, peak RSS %.1f MiB, all verified=%s" % (eps, n / complete, cpu / n * 1e6, rss, ok))
if feps > 0:
    print("FEVER   median: %.0f events/s, %.2f us CPU/event, peak RSS %.1f MiB" % (feps, fcpu / n * 1e6, frss))
    print("ratio eveflow/FEVER: events/s %.2fx (complete: %.2fx), peak RSS %.2fx, CPU/event %.2fx" % (eps / feps, n / complete / feps, rss / frss if frss else 0, (cpu / fcpu) if fcpu else 0))
' "$N" "$FEVER_EPS" "$FEVER_RSS" "$FEVER_CPU" | tee "$DATA_DIR/eve_socket_summary.txt"
echo "(summary also in $DATA_DIR/eve_socket_summary.txt; bench/results/eve_socket.md records the figures)"
