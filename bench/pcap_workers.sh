#!/bin/bash
# Meter workers: eveflow's packets/s with nDPI on one capture with 1 and 2 workers, interleaved
# (1, 2, 1, 2, ...), median of RUNS each; wall, user+sys CPU and peak RSS from /usr/bin/time -v,
# the load average before each run.
#
#   bench/pcap_workers.sh [EVEFLOW] [PCAP]     # RUNS=5 WORKERS="1 2" EXTRA="--no-dpi"
# EVEFLOW defaults to build/release/cmd/eveflow/eveflow, PCAP to /tmp/bench/dev.pcap (made by
# the shared make_bench_pcap.py with 100 replicas). Aggregates go to /dev/null.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$SRC/../shared}
BIN=${1:-$SRC/build/release/cmd/eveflow/eveflow}
PCAP=${2:-/tmp/bench/dev.pcap}
RUNS=${RUNS:-5}
WORKERS=${WORKERS:-"1 2"}
EXTRA=${EXTRA:-}
WORK=$(mktemp -d /tmp/eveflow-workers-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[ -f "$PCAP" ] || { echo "no $PCAP: make it with $SHARED/bench/meter/make_bench_pcap.py" \
  "--src $SHARED/data/pcap/ndpi-4.2/pcap --out $PCAP --replicas 100" >&2; exit 2; }
# One run: prints "workers wall cpu rss_mib packets load1".
one() {
  local w=$1 load
  load=$(cut -d' ' -f1 /proc/loadavg)
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$WORK/time" "$BIN" --pcap "$PCAP" --workers "$w" --jsonl /dev/null \
    --sensor-id bench $EXTRA 2> "$WORK/log"
  awk -F': ' -v w="$w" -v l="$load" -v p="$(sed -n 's/.*read packets=\([0-9]*\).*/\1/p' "$WORK/log")" '
    /Elapsed \(wall clock\)/{k=split($2,a,":"); s=0; for(j=1;j<=k;j++) s=s*60+a[j]; t=s}
    /User time/{u=$2} /System time/{y=$2} /Maximum resident set size/{r=$2/1024}
    END{printf "%s %.2f %.2f %.1f %s %s\n", w, t, u+y, r, p, l}' "$WORK/time"
}
for i in $(seq 1 "$RUNS"); do
  for w in $WORKERS; do one "$w" | tee -a "$WORK/runs"; done
done
echo "# workers median: wall_s cpu_s rss_mib packets/s (load averages seen)"
for w in $WORKERS; do
  awk -v w="$w" '$1==w' "$WORK/runs" | sort -k2,2n | awk -v n="$RUNS" '
    {wall[NR]=$2; cpu[NR]=$3; rss[NR]=$4; p=$5; load=load " " $6}
    END{m=int((n+1)/2); printf "%s %.2f %.2f %.1f %.0f (load%s)\n", $1, wall[m], cpu[m], rss[m], p/wall[m], load}'
done
