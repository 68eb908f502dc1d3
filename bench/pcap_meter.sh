#!/bin/bash
# Flow-meter benchmark: eveflow's meter (with and without nDPI) against its peers on the same
# capture in the same run: pcap_floor (bare libpcap read), ndpiReader 4.2, softflowd, nfpcapd.
# Median of RUNS runs each, packets/s from wall time, peak RSS from /usr/bin/time -v.
#
#   bench/pcap_meter.sh                 # builds build-pcap-rel, /tmp/bench/dev.pcap, runs all
#   RUNS=5 PCAP=/x.pcap bench/pcap_meter.sh
# Writes bench/results/pcap.md (ratios ours/theirs, medians, RSS, commands).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$SRC/../shared}
BUILD=${BUILD:-$SRC/build-pcap-rel}
PCAP=${PCAP:-/tmp/bench/dev.pcap}
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/bench/run}
OUT=${OUT:-$SRC/bench/results/pcap.md}
mkdir -p "$WORK" "$(dirname "$PCAP")"

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DEVEFLOW_BENCH=OFF > /dev/null
fi
cmake --build "$BUILD" --target pcap_meter_tool -j1 > /dev/null
TOOL=$BUILD/tests/pcap_meter_tool
[ -x "$TOOL" ] || TOOL=$(find "$BUILD" -name pcap_meter_tool -type f -perm -u+x | head -1)

if [ ! -f "$PCAP" ]; then
  /usr/bin/python3 "$SHARED/bench/meter/make_bench_pcap.py" --src "$SHARED/data/pcap/ndpi-4.2/pcap" \
    --out "$PCAP" --replicas 100
fi

# Peers (median of RUNS each), per-run figures in $WORK/runs.tsv. SKIP_PEERS=1 reuses them.
# peers.sh's summary cats pmacctd_print*.verify under pipefail, which fails when ONLY leaves
# pmacctd out: an empty file keeps it going.
if [ "${SKIP_PEERS:-0}" != 1 ]; then
  touch "$WORK/pmacctd_print.0.verify"
  ONLY="pcap_floor ndpiReader softflowd nfpcapd" RUNS=$RUNS WORK=$WORK \
    "$SHARED/bench/meter/peers.sh" "$PCAP" | tail -n 8 || echo "peers.sh exit $?"
fi
PKTS=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' "$WORK/input.txt")
declare -A PEER_CMD=(
  [pcap_floor]="pcap_floor $PCAP"
  [ndpiReader]="ndpiReader -i $PCAP"
  [softflowd]="softflowd -r $PCAP -n 127.0.0.1:9 -v 10 -b -d -p softflowd.pid -m 2097152"
  [nfpcapd]="nfpcapd -r $PCAP -w DIR"
)

# Ours: same measurement as peers.sh (wall, user+sys, max RSS), after the same wait for a
# quiet machine (<= QUIET_MAX_BUSY % busy, at most QUIET_WAIT_S).
QUIET_MAX_BUSY=${QUIET_MAX_BUSY:-15}
QUIET_WAIT_S=${QUIET_WAIT_S:-120}
export QUIET_MAX_BUSY QUIET_WAIT_S
cpu_busy() {
  local a b
  a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
  awk -v a="${a[*]}" -v b="${b[*]}" 'BEGIN{n=split(a,x," "); split(b,y," "); t=0; for(i=2;i<=n;i++) t+=y[i]-x[i];
    idle=(y[5]-x[5])+(y[6]-x[6]); printf "%d", (t>0 ? 100*(t-idle)/t : 0)}'
}
wait_quiet() {
  local waited=0
  while [ "$(cpu_busy)" -gt "$QUIET_MAX_BUSY" ] && [ "$waited" -lt "$QUIET_WAIT_S" ]; do
    sleep 4; waited=$((waited + 5))
  done
}
ours() {   # name yaml-section
  local name=$1 section=$2 i
  for i in $(seq 1 "$RUNS"); do
    wait_quiet
    /usr/bin/time -v -o "$WORK/$name.$i.time" "$TOOL" "$WORK/$name.jsonl" "$section" \
      > /dev/null 2> "$WORK/$name.$i.log"
    awk -F': ' -v n="$name" '/Elapsed \(wall clock\)/{k=split($2,a,":"); s=0; for(j=1;j<=k;j++) s=s*60+a[j]; w=s}
      /User time/{u=$2} /System time/{y=$2} /Maximum resident set size/{r=$2/1024}
      END{printf "%s\t%.2f\t%.2f\t%.1f\n", n, w, u+y, r}' "$WORK/$name.$i.time"
  done | sort -t$'\t' -k2,2n | sed -n "$(( (RUNS + 1) / 2 ))p" >> "$WORK/ours.tsv"
  echo "$name: $(tail -1 "$WORK/ours.tsv") flows=$(wc -l < "$WORK/$name.jsonl")"
}
: > "$WORK/ours.tsv"
ours eveflow_ndpi "{type: pcap, file: '$PCAP'}"
ours eveflow_no_dpi "{type: pcap, file: '$PCAP', dpi: false}"

# Median of column $2 (3 wall, 4 cpu, 5 rss) of tool $1 in runs.tsv; column 3 of peer() =
# packets/s from the median wall time.
median() { awk -F'\t' -v n="$1" -v c="$2" '$1==n{print $c}' "$WORK/runs.tsv" | sort -n |
           awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
peer() {
  case $2 in
    2) median "$1" 3 ;;
    3) pps "$(median "$1" 3)" ;;
    4) median "$1" 4 ;;
    6) median "$1" 5 ;;
    8) echo "${PEER_CMD[$1]}" ;;
  esac
}
us() { awk -F'\t' -v n="$1" -v c="$2" '$1==n{print $c}' "$WORK/ours.tsv"; }
pps() { awk -v p="$PKTS" -v w="$1" 'BEGIN{printf "%.0f", p / w}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }
{
  echo "# Flow meter benchmark (bench/pcap_meter.sh)"
  echo
  echo "Input: \`$PCAP\` ($(stat -c %s "$PCAP") bytes, $PKTS packets), built with"
  echo "\`make_bench_pcap.py --src ndpi-4.2/pcap --replicas 100\`. $(grep -m1 host= "$WORK/env.txt")."
  echo "Median of $RUNS runs each, same machine, same run ($(date -u +%Y-%m-%dT%H:%MZ))."
  echo
  echo "| tool | wall s | packets/s (wall) | CPU s | packets per CPU-s | peak RSS MB | command |"
  echo "|---|---|---|---|---|---|---|"
  for n in pcap_floor ndpiReader softflowd nfpcapd; do
    echo "| $n | $(peer $n 2) | $(peer $n 3) | $(peer $n 4) | $(pps "$(peer $n 4)") | $(peer $n 6) | \`$(peer $n 8)\` |"
  done
  for n in eveflow_ndpi eveflow_no_dpi; do
    echo "| $n | $(us $n 2) | $(pps "$(us $n 2)") | $(us $n 3) | $(pps "$(us $n 3)") | $(us $n 4) | see below |"
  done
  echo
  echo "Ratios (ours / theirs):"
  echo
  echo "- with nDPI vs ndpiReader: packets/s $(ratio "$(pps "$(us eveflow_ndpi 2)")" "$(peer ndpiReader 3)")x" \
       "(per CPU-s $(ratio "$(peer ndpiReader 4)" "$(us eveflow_ndpi 3)")x; target >= 3x)," \
       "peak RSS $(ratio "$(us eveflow_ndpi 4)" "$(peer ndpiReader 6)")x (target <= 1x)"
  echo "- without DPI vs nfpcapd: packets/s $(ratio "$(pps "$(us eveflow_no_dpi 2)")" "$(peer nfpcapd 3)")x" \
       "(per CPU-s $(ratio "$(peer nfpcapd 4)" "$(us eveflow_no_dpi 3)")x; target >= 1.5x)," \
       "peak RSS $(ratio "$(us eveflow_no_dpi 4)" "$(peer nfpcapd 6)")x"
  echo "- without DPI vs softflowd: packets/s $(ratio "$(pps "$(us eveflow_no_dpi 2)")" "$(peer softflowd 3)")x"
  echo "- without DPI vs the libpcap read floor: $(ratio "$(pps "$(us eveflow_no_dpi 2)")" "$(peer pcap_floor 3)")x"
  echo
  echo "Commands: \`bench/pcap_meter.sh\` (RUNS=$RUNS); ours ran"
  echo "\`pcap_meter_tool OUT.jsonl \"{type: pcap, file: '$PCAP'}\"\` and the same with \`dpi: false\`"
  echo "(the pcap input as eveflow runs it, flows written as JSON lines; expiry on, default timeouts);"
  echo "peers via \`ONLY=\"pcap_floor ndpiReader softflowd nfpcapd\" ../shared/bench/meter/peers.sh $PCAP\`."
} > "$OUT"
cat "$OUT"
