#!/usr/bin/env bash
# Memory per active flow of the pcap meter at N concurrent flows, against ndpiReader and nfpcapd.
#
#   bench/meter_memory.sh [N=1000000]
#   env: REPS=3  EVEFLOW=path/to/eveflow  WORK=/tmp/meter-memory  BASE=1000 (flows of the
#        baseline capture)  ONLY="eveflow_dpi eveflow_nodpi ndpiReader nfpcapd" (eveflow_dpi1 and
#        eveflow_nodpi1: the same with `workers: 1`)  APPEND=1 (keep the rows of tools not run
#        now, e.g. the peers' from an earlier run on the same captures)
#
# Captures (bench/gen_flows_pcap.py concurrent, written once into WORK): N TCP flows, each a SYN
# and an HTTP GET 1 us later, all started within 2 s, so every flow is still active when the
# capture ends (eveflow's idle timeout is 120 s, active 1800 s, max_flows set to 2N here; the
# peers' default timeouts are far longer than 2 s too, all in packet time); and a baseline
# capture of BASE such flows. Each tool reads each capture REPS times, interleaved, under
# /usr/bin/time -v; bytes per flow = (median RSS on N flows - median RSS on BASE
# flows) / (N - BASE), for the RSS with every flow active and for the peak RSS (see run()).
# Each run's flow count is checked from the tool's own output. Peak RSS
# includes what each tool does with its flows at the end (eveflow: flow records, the
# aggregation and its JSON lines; ndpiReader: its flow statistics; nfpcapd: writing nfcapd
# records): the memory a user must provide.
set -euo pipefail
N=${1:-1000000}
REPS=${REPS:-3}
BASE=${BASE:-1000}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BIN=${EVEFLOW:-$ROOT/build/release/cmd/eveflow/eveflow}
WORK=${WORK:-/tmp/meter-memory}
ONLY=${ONLY:-eveflow_dpi eveflow_nodpi ndpiReader nfpcapd}
PY=/usr/bin/python3
mkdir -p "$WORK"
for n in "$N" "$BASE"; do
  [ -s "$WORK/flows_$n.pcap" ] || $PY "$HERE/gen_flows_pcap.py" concurrent "$n" "$WORK/flows_$n.pcap"
done
for dpi in true false; do
  printf 'inputs:\n  - type: pcap\n    file: PCAP\n    dpi: %s\n    max_flows: %d\n' \
    "$dpi" $((2 * N)) >"$WORK/eveflow_dpi_$dpi.yaml"
  { cat "$WORK/eveflow_dpi_$dpi.yaml"; echo '    workers: 1'; } >"$WORK/eveflow_dpi_${dpi}_w1.yaml"
done

# The capture is written into a FIFO and the FIFO is held open once it is all written, so the
# tool has read every packet but not seen the end: every flow is active and nothing is flushed.
# The tool's VmRSS then (sampled every 0.5 s until steady) is the "active" figure; closing the
# FIFO ends the input, and /usr/bin/time's peak RSS adds what the tool does with its flows at
# the end.
# run TOOL FLOWS REP: one run; prints "active_rss_kib peak_rss_kib flows_counted".
run() {
  local tool=$1 n=$2 pcap=$WORK/flows_$2.pcap out=$WORK/$1.$2.$3 counted tpid pid wpid active
  rm -rf "$out"; mkdir -p "$out"
  mkfifo "$out/in.pcap"
  case $tool in
    eveflow_*)
      local dpi=true w=; [ "${tool#eveflow_nodpi}" != "$tool" ] && dpi=false
      [ "${tool%1}" != "$tool" ] && w=_w1
      sed "s#PCAP#$out/in.pcap#" "$WORK/eveflow_dpi_$dpi$w.yaml" >"$out/cfg.yaml"
      /usr/bin/time -v -o "$out/time" "$BIN" -c "$out/cfg.yaml" --jsonl /dev/null \
        --sensor-id bench --log-level info 2>"$out/log" & ;;
    ndpiReader) /usr/bin/time -v -o "$out/time" ndpiReader -i "$out/in.pcap" >"$out/log" 2>&1 & ;;
    nfpcapd)  # refuses a FIFO ("is not a file"): only its peak is measured
      mkdir -p "$out/nf"
      /usr/bin/time -v -o "$out/time" nfpcapd -r "$pcap" -w "$out/nf" >"$out/log" 2>&1 & ;;
  esac
  tpid=$!
  active=NA
  if [ "$tool" != nfpcapd ]; then
    (cat "$pcap"; touch "$out/written"; exec sleep 3600) >"$out/in.pcap" &
    wpid=$!
    while [ ! -e "$out/written" ]; do sleep 0.2; done
    pid=$(ps --ppid $tpid -o pid= | tr -d ' ')
    active=$(steady_rss "$pid")
    kill "$wpid"
  fi
  wait "$tpid" || true
  case $tool in
    eveflow_*) counted=$(sed -n 's/.*eveflow: done:.* flows_aggregated=\([0-9]*\).*/\1/p' "$out/log") ;;
    ndpiReader) counted=$(awk '/Unique flows:/ {print $3}' "$out/log") ;;
    nfpcapd) counted=$(nfdump -R "$out/nf" -I 2>/dev/null | awk '/^Flows:/ {print $2}') ;;
  esac
  echo "$active $(awk -F: '/Maximum resident/ {print $2 + 0}' "$out/time") ${counted:-?}"
  rm -rf "$out/nf"
}
steady_rss() {  # PID: VmRSS (KiB) once three samples 0.5 s apart agree within 1%
  local a=0 b=-1 c=-2
  while true; do
    c=$b; b=$a
    a=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status")
    awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN {d = a * 0.01; exit !(a - b <= d && b - a <= d &&
      a - c <= d && c - a <= d)}' && break
    sleep 0.5
  done
  echo "$a"
}

if [ "${APPEND:-0}" = 1 ] && [ -e "$WORK/rows" ]; then
  for tool in $ONLY; do sed -i "/^$tool /d" "$WORK/rows"; done
else
  : >"$WORK/rows"
fi
for i in $(seq 1 "$REPS"); do
  for tool in $ONLY; do
    for n in "$BASE" "$N"; do
      cat "$WORK/flows_$n.pcap" >/dev/null
      read -r active rss counted < <(run "$tool" "$n" "$i")
      echo "$tool flows=$n run $i: active RSS $active KiB, peak RSS $rss KiB, flows counted: $counted"
      echo "$tool $n $active $rss $counted" >>"$WORK/rows"
    done
  done
done
$PY - "$N" "$BASE" "$WORK/rows" <<'PY'
import statistics, sys
n, base = int(sys.argv[1]), int(sys.argv[2])
rows = [l.split() for l in open(sys.argv[3]) if l.strip()]
res = {}
for tool in dict.fromkeys(r[0] for r in rows):
    def med(k, col):
        vals = [r[col] for r in rows if r[0] == tool and int(r[1]) == k]
        return statistics.median(int(v) for v in vals) if "NA" not in vals else float("nan")
    counts = sorted({r[4] for r in rows if r[0] == tool and int(r[1]) == n})
    act = (med(n, 2) - med(base, 2)) * 1024 / (n - base)
    peak = (med(n, 3) - med(base, 3)) * 1024 / (n - base)
    res[tool] = (act, peak)
    print("%-14s all flows active: %7.1f MiB at %d flows, %6.1f MiB at %d: %5.0f bytes per flow; "
          "peak (with the end): %7.1f MiB, %5.0f bytes per flow (flows counted at %d: %s)"
          % (tool, med(n, 2) / 1024, n, med(base, 2) / 1024, base, act, med(n, 3) / 1024, peak,
             n, ",".join(counts)))
for ours, theirs in (("eveflow_dpi", "ndpiReader"), ("eveflow_nodpi", "nfpcapd"),
                     ("eveflow_dpi1", "ndpiReader"), ("eveflow_nodpi1", "nfpcapd")):
    if ours in res and theirs in res:
        print("ratio %s/%s bytes per flow: active %.2fx, peak %.2fx; our active against their "
              "peak %.2fx" % (ours, theirs, res[ours][0] / res[theirs][0],
                             res[ours][1] / res[theirs][1], res[ours][0] / res[theirs][1]))
PY
