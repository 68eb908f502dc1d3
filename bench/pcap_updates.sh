#!/bin/bash
# Interim flow updates: the meter's packets/s (wall and per CPU-second) with updates every
# second (--flow-update-interval 1s) against updates off, on the same capture, aggregated to
# /dev/null by the eveflow binary, in interleaved rounds (median of RUNS each), with and
# without nDPI. Target: within 10%. Prints one line per DPI setting.
#
#   bench/pcap_updates.sh                       # /tmp/bench/dev150.pcap, build/release
#   RUNS=7 PCAP=/x.pcap BIN=build-rel/cmd/eveflow/eveflow bench/pcap_updates.sh
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$SRC/../shared}
BIN=${BIN:-$SRC/build/release/cmd/eveflow/eveflow}
PCAP=${PCAP:-/tmp/bench/dev150.pcap}
RUNS=${RUNS:-5}
WORK=$(mktemp -d /tmp/eveflow-bench-updates.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
if [ ! -f "$PCAP" ]; then
  mkdir -p "$(dirname "$PCAP")"
  /usr/bin/python3 "$SHARED/bench/meter/make_bench_pcap.py" --src "$SHARED/data/pcap/ndpi-4.2/pcap" \
    --out "$PCAP" --replicas 150
fi
PKTS=$(/usr/bin/python3 -c 'import dpkt, sys; print(sum(1 for _ in dpkt.pcap.Reader(open(sys.argv[1], "rb"))))' "$PCAP")

# One run: prints "wall_s cpu_s events".
one() {
  /usr/bin/time -f '%e %U %S' -o "$WORK/time" "$BIN" --pcap "$PCAP" --jsonl /dev/null "$@" \
    --log-level error 2> "$WORK/log" >/dev/null
  local ev
  ev=$(sed -n 's/.*done: events=\([0-9]*\).*/\1/p' "$WORK/log")
  awk -v e="$ev" '{printf "%s %.2f %s\n", $1, $2 + $3, e}' "$WORK/time"
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

for dpi in on off; do
  extra=()
  [ "$dpi" = off ] && extra=(--no-dpi)
  : > "$WORK/off"; : > "$WORK/on"
  for _ in $(seq 1 "$RUNS"); do
    one "${extra[@]}" >> "$WORK/off"
    one "${extra[@]}" --flow-update-interval 1s >> "$WORK/on"
  done
  ev_off=$(awk '{print $3}' "$WORK/off" | head -1); ev_on=$(awk '{print $3}' "$WORK/on" | head -1)
  ow=$(awk '{print $1}' "$WORK/off" | median); nw=$(awk '{print $1}' "$WORK/on" | median)
  oc=$(awk '{print $2}' "$WORK/off" | median); nc=$(awk '{print $2}' "$WORK/on" | median)
  awk -v d="$dpi" -v p="$PKTS" -v eo="$ev_off" -v en="$ev_on" -v ow="$ow" -v nw="$nw" -v oc="$oc" -v nc="$nc" \
    'BEGIN{printf "dpi %s: %d packets; updates off: %d flow events, %.2f s wall (%.0f packets/s), %.2f CPU-s (%.0f packets per CPU-s); updates 1s: %d flow events, %.2f s wall (%.0f packets/s), %.2f CPU-s (%.0f packets per CPU-s); on/off packets/s %.3f wall, %.3f per CPU-s\n",
           d, p, eo, ow, p/ow, oc, p/oc, en, nw, p/nw, nc, p/nc, ow/nw, oc/nc}'
done
