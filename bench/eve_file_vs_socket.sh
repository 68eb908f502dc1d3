#!/usr/bin/env bash
# The eve_file input against the eve_socket input over the same EVE file, interleaved rounds.
#
#   bench/eve_file_vs_socket.sh [N=1000000]
#   env: REPS=5  EVEFLOW=path/to/eveflow  DATA_DIR=/tmp/fever-bench  FILE1=1 (also eve_file
#        with parse_threads: 1, parsing on the reading thread as before the parse pool)
#        CONTEND=0 (K > 0: K other sessions, each with two busy loops, compete for the CPUs
#        during the rounds, as other users' builds do; see "CPU share" below)
#        CONTEND_SESSION=other (same: the 2K busy loops run in this script's session instead,
#        so the kernel shares the CPUs between threads rather than between sessions)
#
# Input: ../shared/bench/fever/gen_eve.py N --seed 42 (the FEVER benchmark file, the one
# eve_socket_vs_fever.sh uses; generated once into DATA_DIR). Each round runs, one after the
# other, under /usr/bin/time -v:
#   - socket: `eveflow --eve-socket S --jsonl OUT`, the file sent with sendfile
#     (feed_socket.py), SIGTERM once eveflow logs "writer disconnected"; events/s over the
#     window connect .. "writer disconnected" and over connect .. exit (complete); the
#     sender's CPU is measured too (it reads the file for the socket input);
#   - file: `eveflow --eve-file EVE --jsonl OUT`; events/s over the input's start (its log
#     line) .. exit (complete: read, parsed, aggregated, every window flushed and written).
# A run counts only if eveflow's summary shows N events and the input's flow events aggregated;
# the aggregates of each mode's first run must equal each other byte for byte (sorted).
# Prints per-run lines and the medians with the ratio file/socket, and for each mode its CPU
# share: eveflow's CPU seconds per wall second (the socket's with the sender's too). With the
# CPUs taken by other sessions the kernel divides them between sessions (autogroup), so a mode's
# wall time follows the share it was given as much as its own work: compare CPU per event, and
# wall time with CONTEND=0 on an idle machine.
set -euo pipefail
N=${1:-1000000}
REPS=${REPS:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
BIN=${EVEFLOW:-$ROOT/build/release/cmd/eveflow/eveflow}
DATA_DIR=${DATA_DIR:-/tmp/fever-bench}
[ -x "$BIN" ] || { echo "build eveflow first (cmake --build build/release)"; exit 1; }
mkdir -p "$DATA_DIR"
EVE="$DATA_DIR/eve_${N}_s42.json"
SUM="$DATA_DIR/eve_${N}_s42.summary.json"
[ -s "$EVE" ] && [ -s "$SUM" ] || python3 "$SHARED/bench/fever/gen_eve.py" "$N" --seed 42 \
  -o "$EVE" --summary "$SUM"
FLOWS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["flow_events"])' "$SUM")
W=$(mktemp -d /tmp/eve-file-vs-socket.XXXXXX)
BUSY=()
cleanup() {
  local p
  for p in ${BUSY[@]+"${BUSY[@]}"}; do kill -- "$p" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
for _ in $(seq 1 "${CONTEND:-0}"); do
  if [ "${CONTEND_SESSION:-other}" = same ]; then
    for _ in 1 2; do
      sh -c 'while :; do :; done' &
      BUSY+=($!)
    done
  else
    setsid sh -c 'while :; do :; done & while :; do :; done' &
    BUSY+=(-$!)  # the session's process group
  fi
done
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)," \
  "CONTEND=${CONTEND:-0} CONTEND_SESSION=${CONTEND_SESSION:-other}"
printf 'inputs:\n  - type: eve_file\n    path: %s\n    parse_threads: 1\n' "$EVE" >"$W/file1.yaml"

# verify RUN: "events flows ok" from eveflow's summary line.
verify() {
  local s events flows
  s=$(grep 'eveflow: done:' "$1/err.log" || true)
  events=$(sed -n 's/.*events=\([0-9]*\) .*/\1/p' <<<"$s")
  flows=$(sed -n 's/.*flows_aggregated=\([0-9]*\).*/\1/p' <<<"$s")
  echo "$events $flows $([ "$events" = "$N" ] && [ "$flows" = "$FLOWS" ] && echo yes || echo NO)"
}
usage() {  # RUN -> "cpu_s rss_mib sender_cpu_s"
  awk -F: '/User time|System time/ {c+=$2} /Maximum resident/ {r=$2/1024} END {print c, r}' \
    "$1/time.txt" | tr '\n' ' '
  if [ -s "$1/feed.txt" ]; then awk '{print $1 + $2}' "$1/feed.txt"; else echo 0; fi
}
run_socket() {
  local run=$1 pid epid t0 window t1
  /usr/bin/time -v -o "$run/time.txt" "$BIN" --eve-socket "$run/in.sock" --jsonl "$run/out.jsonl" \
    --period 60s --sensor-id bench --log-level info 2>"$run/err.log" &
  pid=$!
  read -r t0 _sent window < <(/usr/bin/time -f '%U %S' -o "$run/feed.txt" \
    python3 "$HERE/feed_socket.py" "$run/in.sock" "$EVE" --log "$run/err.log" \
    --pattern "writer disconnected")
  epid=$(ps --ppid $pid -o pid= | tr -d ' ')
  kill -TERM "$epid"
  wait $pid || true
  t1=$(date +%s.%N)
  echo "$window $(python3 -c "print($t1 - $t0)")"
}
# From the input's start (its log line "eve_file: reading", as the socket's window starts at the
# connect, once eveflow is up) to the process's exit.
run_file() {  # RUN [extra eveflow args]
  local run=$1 t0 t1
  shift
  if [ $# -eq 0 ]; then set -- --eve-file "$EVE"; fi
  /usr/bin/time -v -o "$run/time.txt" "$BIN" "$@" --jsonl "$run/out.jsonl" \
    --period 60s --sensor-id bench --log-level info 2>"$run/err.log"
  t1=$(date +%s.%N)
  t0=$(python3 -c 'import datetime, sys
for l in open(sys.argv[1]):
    if "eve_file: reading" in l:
        print(datetime.datetime.fromisoformat(l.split()[0].rstrip("Z") + "+00:00").timestamp())
        break' "$run/err.log")
  echo "-1 $(python3 -c "print($t1 - $t0)")"
}

modes=(socket file)
[ "${FILE1:-1}" = 1 ] && modes+=(file_pt1)
: >"$W/rows"
for i in $(seq 1 "$REPS"); do
  for m in "${modes[@]}"; do
    cat "$EVE" >/dev/null  # warm the page cache
    RUN="$W/$m.$i"
    mkdir -p "$RUN"
    case $m in
      socket) times=$(run_socket "$RUN") ;;
      file) times=$(run_file "$RUN") ;;
      file_pt1) times=$(run_file "$RUN" -c "$W/file1.yaml") ;;
    esac
    read -r window complete <<<"$times"
    read -r events flows ok < <(verify "$RUN")
    read -r cpu rss feed < <(usage "$RUN")
    echo "$m run $i: window ${window}s complete ${complete}s events/s $(python3 -c "print(int($N / $complete))") cpu ${cpu}s (sender ${feed}s) peakRSS ${rss} MiB load $(cut -d' ' -f1 /proc/loadavg) verified=$ok ($events events, $flows/$FLOWS flows)"
    echo "$m $window $complete $cpu $rss $ok $feed" >>"$W/rows"
    if [ "$i" = 1 ]; then sort "$RUN/out.jsonl" >"$W/$m.sorted"; fi
    rm -f "$RUN/out.jsonl"
  done
done
for m in "${modes[@]}"; do
  if cmp -s "$W/socket.sorted" "$W/$m.sorted"; then
    echo "aggregates of $m run 1: equal to socket run 1 ($(wc -l <"$W/$m.sorted") records)"
  else
    echo "aggregates of $m run 1: DIFFERENT from socket run 1"
    sed -i "s/^$m \(.*\) yes$/$m \1 NO/" "$W/rows"
  fi
done
python3 - "$N" "$W/rows" <<'PY'
import statistics, sys
n = int(sys.argv[1])
rows = [l.split() for l in open(sys.argv[2]) if l.strip()]
med = {}
for m in dict.fromkeys(r[0] for r in rows):
    rs = [r for r in rows if r[0] == m]
    f = lambda k: statistics.median(float(r[k]) for r in rs)
    med[m] = (n / f(2), f(3) / n * 1e6, f(4), all(r[5] == "yes" for r in rs), f(1))
    extra = " (window %.0f)" % (n / med[m][4]) if med[m][4] > 0 else ""
    share = statistics.median((float(r[3]) + float(r[6])) / float(r[2]) for r in rs)
    sender = " (+%.2f us the sender's)" % (f(6) / n * 1e6) if f(6) > 0 else ""
    print("%-8s median of %d: %.0f events/s complete%s, %.2f us CPU/event%s, CPU share %.2f, "
          "peak RSS %.1f MiB, verified=%s" % (m, len(rs), med[m][0], extra, med[m][1], sender,
                                              share, med[m][2], med[m][3]))
for m in med:
    if m != "socket":
        print("ratio %s/socket: events/s %.2fx (complete against complete), CPU/event %.2fx, "
              "peak RSS %.2fx" % (m, med[m][0] / med["socket"][0], med[m][1] / med["socket"][1],
                                 med[m][2] / med["socket"][2]))
PY
