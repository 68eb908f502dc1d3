#!/usr/bin/env bash
# Scan traffic: one-packet flows per second of the pcap meter without DPI against nfpcapd and
# softflowd, same run, interleaved; then a perf profile of eveflow on the same capture.
#
#   bench/scan_flows.sh [N=1000000]
#   env: REPS=5  EVEFLOW=path/to/eveflow  WORK=/tmp/scan-flows  RATE=5000 (packets/s of the
#        capture)  SYNSCAN=.../ndpi-4.2/pcap/synscan.pcap  ONLY="eveflow eveflow1 nfpcapd softflowd"
#        PERF=1 (also `perf record -g` one eveflow run and print where its time goes)
#        tools: eveflow (default workers: one per CPU), eveflow1 (the same with --workers 1)
#
# Capture (bench/gen_flows_pcap.py scan, written once into WORK): the shared nmap SYN scan
# (EVEFLOW_SHARED_DATA's ndpi-4.2/pcap/synscan.pcap, ~2000 one-packet flows) copied with
# shifted addresses until N flows, RATE packets/s (so flows expire while it is read: eveflow's
# idle timeout 120 s, nfpcapd's 60 s). Commands:
#   eveflow --pcap X --no-dpi --jsonl /dev/null      (aggregates written; flows counted)
#   nfpcapd -r X -w DIR                               (nfcapd files; nfdump -I counts the flows)
#   softflowd -r X -n 127.0.0.1:9 -v 10 -b -d -m 2097152   (as ../shared/bench/meter/peers.sh)
# flows/s = the capture's flows / median wall time; CPU = user + sys from /usr/bin/time -v.
set -euo pipefail
N=${1:-1000000}
REPS=${REPS:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BIN=${EVEFLOW:-$ROOT/build/release/cmd/eveflow/eveflow}
WORK=${WORK:-/tmp/scan-flows}
RATE=${RATE:-5000}
DATA=${EVEFLOW_SHARED_DATA:-$(cd "$ROOT/.." && pwd)/shared/data}
SYNSCAN=${SYNSCAN:-$DATA/pcap/ndpi-4.2/pcap/synscan.pcap}
ONLY=${ONLY:-eveflow eveflow1 nfpcapd softflowd}
PY=/usr/bin/python3
mkdir -p "$WORK"
PCAP=$WORK/scan_$N.pcap
[ -s "$PCAP" ] || $PY "$HERE/gen_flows_pcap.py" scan "$N" "$PCAP" "$SYNSCAN" --rate "$RATE" \
  | tee "$WORK/scan_$N.txt"
FLOWS=$(sed -n 's/.*flows~=\([0-9]*\).*/\1/p' "$WORK/scan_$N.txt")

run() {  # TOOL REP -> "wall_s cpu_s rss_kib flows_counted"
  local tool=$1 out=$WORK/$1.$2 counted
  rm -rf "$out"; mkdir -p "$out"
  case $tool in
    eveflow | eveflow1)
      local workers=(); [ "$tool" = eveflow1 ] && workers=(--workers 1)
      /usr/bin/time -v -o "$out/time" "$BIN" --pcap "$PCAP" --no-dpi --jsonl /dev/null \
        --sensor-id bench --log-level info "${workers[@]}" 2>"$out/log"
      counted=$(sed -n 's/.*eveflow: done:.* flows_aggregated=\([0-9]*\).*/\1/p' "$out/log") ;;
    nfpcapd)
      mkdir -p "$out/nf"
      /usr/bin/time -v -o "$out/time" nfpcapd -r "$PCAP" -w "$out/nf" >"$out/log" 2>&1
      counted=$(nfdump -R "$out/nf" -I 2>/dev/null | awk '/^Flows:/ {print $2}') ;;
    softflowd)
      /usr/bin/time -v -o "$out/time" softflowd -r "$PCAP" -n 127.0.0.1:9 -v 10 -b -d \
        -p "$out/pid" -m 2097152 >"$out/log" 2>&1
      counted=$(awk '/^Flows expired:/ {print $3}' "$out/log" | tail -1) ;;
  esac
  awk -F': ' -v c="${counted:-?}" '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); w = 0;
      for (k = 1; k <= n; k++) w = w * 60 + a[k]}
    /User time|System time/ {cpu += $2} /Maximum resident/ {r = $2}
    END {print w, cpu, r, c}' "$out/time"
  rm -rf "$out/nf"
}

: >"$WORK/rows"
for i in $(seq 1 "$REPS"); do
  for tool in $ONLY; do
    cat "$PCAP" >/dev/null
    read -r wall cpu rss counted < <(run "$tool" "$i")
    echo "$tool run $i: wall ${wall}s cpu ${cpu}s peak RSS $((rss / 1024)) MiB flows counted: $counted"
    echo "$tool $wall $cpu $rss $counted" >>"$WORK/rows"
  done
done
$PY - "$FLOWS" "$WORK/rows" <<'PY'
import statistics, sys
flows = int(sys.argv[1])
rows = [l.split() for l in open(sys.argv[2]) if l.strip()]
res = {}
for tool in dict.fromkeys(r[0] for r in rows):
    rs = [r for r in rows if r[0] == tool]
    wall = statistics.median(float(r[1]) for r in rs)
    cpu = statistics.median(float(r[2]) for r in rs)
    rss = statistics.median(int(r[3]) for r in rs) / 1024
    res[tool] = (flows / wall, flows / cpu)
    print("%-10s median of %d: %.2f s wall, %.2f s CPU: %.0f flows/s, %.0f flows per CPU-s, "
          "peak RSS %.0f MiB (counted: %s)" % (tool, len(rs), wall, cpu, flows / wall,
                                              flows / cpu, rss, ",".join(sorted({r[4] for r in rs}))))
for ours in ("eveflow", "eveflow1"):
    for peer in ("nfpcapd", "softflowd"):
        if ours in res and peer in res:
            print("ratio %s/%s: flows/s %.2fx, flows per CPU-s %.2fx" % (
                ours, peer, res[ours][0] / res[peer][0], res[ours][1] / res[peer][1]))
PY

if [ "${PERF:-0}" = 1 ]; then
  command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null; }
  perf record -g -o "$WORK/perf.data" "$BIN" --pcap "$PCAP" --no-dpi --jsonl /dev/null \
    --sensor-id bench --log-level warn 2>"$WORK/perf.log"
  echo "== CPU by thread (eveflow's threads are unnamed: the top symbols of each tell its role) =="
  perf report -i "$WORK/perf.data" --no-children --sort pid --stdio -g none 2>/dev/null | grep -v '^#' |
    grep -v '^$' | head -8
  echo "== top symbols by thread (self) =="
  perf report -i "$WORK/perf.data" --no-children --sort pid,dso,sym --stdio -g none 2>/dev/null |
    grep -v '^#' | grep -v '^$' | head -45
fi
