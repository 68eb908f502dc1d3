#!/bin/bash
# The meter against its peers on one capture, every tool in every round (interleaved), eveflow
# as it runs in production (flows aggregated, aggregates to JSON lines): with nDPI and without,
# 1 and 2 workers; the libpcap read floor, nfpcapd, softflowd and (unless NDPIREADER=0)
# ndpiReader. Prints per-run lines, then a markdown table of medians and the ratios the meter's
# targets name.
#
#   bench/meter_targets.sh [EVEFLOW] [PCAP]      # RUNS=5 NDPIREADER=1
# EVEFLOW defaults to build/release/cmd/eveflow/eveflow, PCAP to /tmp/bench/dev.pcap (the shared
# make_bench_pcap.py with 100 replicas). The floor is built from ../shared/bench/meter/pcap_floor.c
# into a temporary directory.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$SRC/../shared}
BIN=$(readlink -f "${1:-$SRC/build/release/cmd/eveflow/eveflow}")
PCAP=$(readlink -f "${2:-/tmp/bench/dev.pcap}")
RUNS=${RUNS:-5}
NDPIREADER=${NDPIREADER:-1}
WORK=$(mktemp -d /tmp/eveflow-meter-targets.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[ -f "$PCAP" ] || { echo "no $PCAP: make it with $SHARED/bench/meter/make_bench_pcap.py" \
  "--src $SHARED/data/pcap/ndpi-4.2/pcap --out $PCAP --replicas 100" >&2; exit 2; }
for t in nfpcapd softflowd ndpiReader cc; do
  command -v "$t" >/dev/null || { echo "meter_targets: $t is missing (apt-get install nfdump softflowd libndpi-bin gcc)" >&2; exit 2; }
done
cc -O2 -o "$WORK/pcap_floor" "$SHARED/bench/meter/pcap_floor.c" -lpcap
cat "$PCAP" > /dev/null  # every tool reads from the page cache
PACKETS=$("$WORK/pcap_floor" "$PCAP" | sed -n 's/.*packets=\([0-9]*\).*/\1/p')

declare -a NAMES=()
declare -A CMD
tool() { NAMES+=("$1"); CMD[$1]=$2; }
tool floor "$WORK/pcap_floor $PCAP"
tool nfpcapd "rm -rf $WORK/nf && mkdir $WORK/nf && nfpcapd -r $PCAP -w $WORK/nf"
tool softflowd "softflowd -r $PCAP -n 127.0.0.1:9 -v 10 -b -d -p $WORK/sf.pid -m 2097152"
[ "$NDPIREADER" = 1 ] && tool ndpiReader "ndpiReader -i $PCAP"
for dpi in dpi nodpi; do
  for w in 1 2; do
    extra=""; [ $dpi = nodpi ] && extra="--no-dpi"
    tool "eveflow_${dpi}_w$w" "$BIN --pcap $PCAP --workers $w $extra --jsonl /dev/null --sensor-id bench"
  done
done

for i in $(seq 1 "$RUNS"); do
  for n in "${NAMES[@]}"; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -o "$WORK/time" -f "%e %U %S %M" bash -c "${CMD[$n]}" > "$WORK/out" 2> "$WORK/err" ||
      { echo "meter_targets: $n failed:"; tail -5 "$WORK/err"; exit 1; } >&2
    if [[ $n == eveflow* ]]; then  # every packet read, or the run does not count
      got=$(sed -n 's/.*read packets=\([0-9]*\).*/\1/p' "$WORK/err")
      [ "$got" = "$PACKETS" ] || { echo "meter_targets: $n read $got of $PACKETS packets" >&2; exit 1; }
    fi
    read -r wall user sys rss < "$WORK/time"
    echo "$n $wall $(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}') $((rss / 1024)) $load" |
      tee -a "$WORK/runs"
  done
done

# name -> median wall, cpu, rss (each its own median)
med() { awk -v n="$1" -v k="$2" '$1==n{print $k}' "$WORK/runs" | sort -g |
  awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo
echo "Capture: $PCAP ($PACKETS packets); $RUNS interleaved rounds, medians; load average $(awk '{print $5}' "$WORK/runs" | sort -g | sed -n '1p;$p' | paste -sd-); $(nproc) CPUs; $(date -u +%FT%RZ)"
echo
echo "| tool | wall s | CPU s | packets/s (wall) | packets per CPU-s | peak RSS MiB |"
echo "|---|---|---|---|---|---|"
declare -A PPS PPC RSS
for n in "${NAMES[@]}"; do
  w=$(med "$n" 2); c=$(med "$n" 3); r=$(med "$n" 4)
  PPS[$n]=$(awk -v p="$PACKETS" -v w="$w" 'BEGIN{printf "%.0f", p / w}')
  PPC[$n]=$(awk -v p="$PACKETS" -v c="$c" 'BEGIN{printf "%.0f", (c > 0 ? p / c : 0)}')
  RSS[$n]=$r
  echo "| $n | $w | $c | ${PPS[$n]} | ${PPC[$n]} | $r |"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2fx", a / b}'; }
echo
echo "Targets (ours / theirs):"
for w in 1 2; do
  e=eveflow_nodpi_w$w
  echo "- no DPI, $w worker(s) vs nfpcapd: packets/s $(ratio "${PPS[$e]}" "${PPS[nfpcapd]}"), per CPU-s $(ratio "${PPC[$e]}" "${PPC[nfpcapd]}") (target 1.5x both); vs the read floor $(ratio "${PPS[$e]}" "${PPS[floor]}") (target 0.33x)"
done
if [ "$NDPIREADER" = 1 ]; then
  for w in 1 2; do
    e=eveflow_dpi_w$w
    echo "- nDPI, $w worker(s) vs ndpiReader: packets/s $(ratio "${PPS[$e]}" "${PPS[ndpiReader]}") (target 10x), peak RSS $(ratio "${RSS[$e]}" "${RSS[ndpiReader]}") (target <= 1x)"
  done
fi
echo "- nDPI, 2 workers vs 1: packets/s $(ratio "${PPS[eveflow_dpi_w2]}" "${PPS[eveflow_dpi_w1]}") (target 1.6x); no DPI: $(ratio "${PPS[eveflow_nodpi_w2]}" "${PPS[eveflow_nodpi_w1]}")"
