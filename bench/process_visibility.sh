#!/bin/bash
# Process visibility's CPU cost: eveflow's CPU time (utime + stime from /proc/PID/stat) while
# it captures `lo` in a network namespace of its own, without and with --process-visibility,
# idle and under a loop of new TCP connections (RATE a second, to a listener in the same
# namespace). Each phase runs SECONDS seconds; prints one row per (mode, load) and writes them
# to bench/results/process_visibility.md. Root (network namespace, eBPF).
#
#   bench/process_visibility.sh build/release/cmd/eveflow/eveflow [SECONDS] [RATE]
set -euo pipefail
BIN=$(realpath "$1")
SECS=${2:-10}
RATE=${3:-1000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$SRC/bench/results/process_visibility.md}
NS=efbench$$
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up

# A listener that accepts and closes, and a client paced at RATE connections a second for
# the phase's length (bounded: it stops by itself).
cat > "$WORK/load.py" <<'PY'
import socket, sys, threading, time
rate, secs = int(sys.argv[1]), float(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 7000)); srv.listen(1024)
def serve():
    while True:
        c, _ = srv.accept(); c.close()
threading.Thread(target=serve, daemon=True).start()
start = time.monotonic(); n = 0
while time.monotonic() - start < secs:
    s = socket.create_connection(("127.0.0.1", 7000)); s.close(); n += 1
    ahead = n / rate - (time.monotonic() - start)
    if ahead > 0: time.sleep(ahead)
print(n / (time.monotonic() - start))
PY

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# phase MODE LOAD: prints "cpu_percent connections_per_s"
phase() {
  local flags=() rate=0
  [ "$1" = on ] && flags=(--process-visibility)
  ip netns exec "$NS" "$BIN" --interface lo --no-dpi "${flags[@]}" --jsonl /dev/null \
    2> "$WORK/err" &
  local ev=$!
  PIDS+=("$ev")
  for _ in $(seq 100); do grep -q "pcap: capturing" "$WORK/err" && break; sleep 0.1; done
  sleep 1
  local t0 c0 t1 c1
  t0=$(date +%s.%N); c0=$(cpu_ticks "$ev")
  if [ "$2" = load ]; then
    rate=$(ip netns exec "$NS" /usr/bin/python3 "$WORK/load.py" "$RATE" "$SECS")
  else
    sleep "$SECS"
  fi
  t1=$(date +%s.%N); c1=$(cpu_ticks "$ev")
  kill -TERM "$ev"; wait "$ev" || true
  awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" -v r="$rate" \
    'BEGIN { printf "%.2f %.0f\n", 100 * (c1 - c0) / hz / (t1 - t0), r }'
}

{
  echo "| load | without --process-visibility (% of a core) | with (% of a core) | connections/s |"
  echo "|------|------|------|------|"
  for load in idle load; do
    read -r off r_off < <(phase off "$load")
    read -r on r_on < <(phase on "$load")
    echo "| $load | $off | $on | ${r_on} (without: ${r_off}) |"
  done
  echo
  echo "eveflow --interface lo --no-dpi --jsonl /dev/null in a fresh network namespace, ${SECS} s per phase, $(date -u +%F), $(uname -r)"
} | tee "$OUT"
