#!/bin/bash
# Live capture: the highest replay rate at which each meter loses no packet.
#
# Two network namespaces joined by a veth pair (MTU 1500); the meter captures on B's end,
# A replays the first LIMIT packets of the benchmark capture with `tcpreplay --pps=R` at each
# rate of RATES. The rates are interleaved across the tools (rate by rate, every tool in
# turn, REPS rounds), so all of them share the machine's load. Each tool runs with its own
# defaults (snaplen, buffer) and reports from its own counters:
#   eveflow / eveflow_nodpi  metrics eveflow_pcap_packets_total, eveflow_pcap_kernel_dropped_total,
#                            eveflow_pcap_if_dropped_total (--metrics, read after the replay)
#   softflowd                `softflowctl statistics`: received / dropped by libpcap / interface
#   nfpcapd                  its log (-v): "Stat: ... dropped by OS/Buffer: D" lines, "Total:
#                            Processed: N"
# A run is drop-free when both drop counters are 0 and the tool saw at least the packets
# tcpreplay sent (so a tool that saw nothing does not count). Root only.
#
#   bench/live_capture.sh                                 # all tools, RATES below, REPS=1
#   REPS=3 RATES="100000 400000" TOOLS="eveflow nfpcapd" bench/live_capture.sh
# Prints one TSV line per run and a summary; keeps both in WORK (live.tsv, summary.md).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$SRC/../shared}
EVEFLOW=${EVEFLOW:-$SRC/build/release/cmd/eveflow/eveflow}
PCAP=${PCAP:-/tmp/bench/dev.pcap}
LIMIT=${LIMIT:-300000}
RATES=${RATES:-"50000 100000 200000 300000 400000 600000 max"}  # max: tcpreplay --topspeed
TOOLS=${TOOLS:-"eveflow eveflow_nodpi softflowd nfpcapd"}
REPS=${REPS:-1}
SETTLE=${SETTLE:-2}  # seconds after the replay before reading counters
NICE=${NICE:-0}      # niceness of tcpreplay and the tools (below 0: ahead of other work)
WORK=${WORK:-$(mktemp -d /tmp/eveflow-live.XXXXXX)}
mkdir -p "$WORK"

[ "$(id -u)" = 0 ] || { echo "live_capture.sh: needs root (network namespaces)" >&2; exit 2; }
for t in ip tcpreplay curl softflowd softflowctl nfpcapd; do
  command -v "$t" > /dev/null || { echo "live_capture.sh: $t not installed" >&2; exit 2; }
done
[ -x "$EVEFLOW" ] || { echo "live_capture.sh: no eveflow at $EVEFLOW" >&2; exit 2; }
if [ ! -f "$PCAP" ]; then
  mkdir -p "$(dirname "$PCAP")"
  /usr/bin/python3 "$SHARED/bench/meter/make_bench_pcap.py" \
    --src "$SHARED/data/pcap/ndpi-4.2/pcap" --out "$PCAP" --replicas 100
fi

# The first LIMIT packets in a file of their own, which tcpreplay preloads into memory (reading
# the capture while replaying held tcpreplay under 200k packets/s here).
REPLAY=$WORK/replay.pcap
/usr/bin/python3 - "$PCAP" "$REPLAY" "$LIMIT" << 'EOF'
import struct, sys
src, dst, limit = open(sys.argv[1], "rb"), open(sys.argv[2], "wb"), int(sys.argv[3])
head = src.read(24)
endian = "<" if head[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
dst.write(head)
for _ in range(limit):
    rec = src.read(16)
    if len(rec) < 16:
        break
    dst.write(rec + src.read(struct.unpack(endian + "IIII", rec)[2]))
EOF

TAG=eflb$$
NS_A=${TAG}a NS_B=${TAG}b IF_A=la$$ IF_B=lb$$
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  ip netns del "$NS_A" 2> /dev/null || true
  ip netns del "$NS_B" 2> /dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B"
for pair in "$NS_A:$IF_A" "$NS_B:$IF_B"; do
  ns=${pair%%:*} dev=${pair#*:}
  # No IPv6 autoconfiguration chatter: the tools' counts then hold only the replay.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "$dev" up
done
inb() { ip netns exec "$NS_B" "$@"; }
# In the background: the subshell becomes the tool (its pid is the tool's).
inb_exec() { exec ip netns exec "$NS_B" nice -n "$NICE" "$@"; }
PORT=9463  # a new metrics port per run: the last run's may linger in TIME_WAIT

# start_TOOL DIR: starts the tool in B (its pid in PIDS[-1]) and waits until it captures.
start_eveflow() {
  local dir=$1
  shift
  PORT=$((PORT + 1))
  inb_exec "$EVEFLOW" --interface "$IF_B" --flows-jsonl "$dir/flows.jsonl" --sensor-id live \
    --metrics "127.0.0.1:$PORT" "$@" 2> "$dir/log" &
  PIDS+=($!)
  for _ in $(seq 100); do
    grep -qs "pcap: capturing" "$dir/log" && return 0
    sleep 0.1
  done
  echo "eveflow did not start: $(cat "$dir/log")" >&2
  return 1
}
start_eveflow_nodpi() { start_eveflow "$1" --no-dpi; }
# The defaults before the snapshot length came from the MTU (for comparison; not in TOOLS).
start_eveflow_snap65535() { start_eveflow "$1" --no-dpi --set inputs[0].snaplen=65535; }
start_softflowd() {
  inb_exec softflowd -i "$IF_B" -n 127.0.0.1:9 -v 10 -b -d -p "$1/pid" -c "$1/ctl" -m 2097152 \
    > "$1/log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do
    [ -S "$1/ctl" ] && return 0
    sleep 0.1
  done
  return 1
}
start_nfpcapd() {
  mkdir -p "$1/flows"
  inb_exec nfpcapd -i "$IF_B" -w "$1/flows" -v > "$1/log" 2>&1 &
  PIDS+=($!)
  sleep 1.5  # nfpcapd prints nothing once it captures
}

# stop_TOOL DIR: prints "captured kernel_drop if_drop" from the tool's own counters, stops it.
metric() { awk -v m="$1" '$1 ~ "^"m"({|$)" {s += $2} END {printf "%d", s}' "$2"; }
stop_eveflow() {
  inb curl -s "http://127.0.0.1:$PORT/metrics" > "$1/metrics"
  kill -TERM "${PIDS[-1]}"
  wait "${PIDS[-1]}" || true
  echo "$(metric eveflow_pcap_packets_total "$1/metrics")" \
    "$(metric eveflow_pcap_kernel_dropped_total "$1/metrics")" \
    "$(metric eveflow_pcap_if_dropped_total "$1/metrics")"
}
stop_eveflow_nodpi() { stop_eveflow "$1"; }
stop_eveflow_snap65535() { stop_eveflow "$1"; }
stop_softflowd() {
  inb softflowctl -c "$1/ctl" statistics > "$1/stats"
  kill -TERM "${PIDS[-1]}"
  wait "${PIDS[-1]}" || true
  awk -F': ' '/received by libpcap/ {r = $2} /dropped by libpcap/ {d = $2}
              /dropped by interface/ {i = $2} END {print r - d, d, i}' "$1/stats"
}
stop_nfpcapd() {
  kill -INT "${PIDS[-1]}"
  wait "${PIDS[-1]}" || true
  # Each "Stat: ... dropped by OS/Buffer: D" line holds the drops since the last one (its
  # "received" is no total); "Total: Processed: N" counts the packets it read.
  awk '/Total: Processed:/ {gsub(",", ""); p = $3}
       /dropped by OS\/Buffer:/ {sub(/.*dropped by OS\/Buffer: /, ""); d += $1}
       /dropped by interface\/driver:/ {sub(/.*dropped by interface\/driver: /, ""); i += $1}
       END {print p + 0, d + 0, i + 0}' "$1/log"
}

TSV=$WORK/live.tsv
printf 'rep\trate\ttool\tsent\trated_pps\tcaptured\tkernel_drop\tif_drop\tdrop_free\tload1\n' > "$TSV"
echo "work: $WORK; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for rep in $(seq "$REPS"); do
  for rate in $RATES; do
    for tool in $TOOLS; do
      dir=$WORK/$rep-$rate-$tool
      mkdir -p "$dir"
      "start_$tool" "$dir"
      speed=--pps=$rate
      [ "$rate" = max ] && speed=--topspeed
      ip netns exec "$NS_A" nice -n "$NICE" tcpreplay -i "$IF_A" "$speed" --preload-pcap "$REPLAY" \
        > "$dir/tcpreplay" 2>&1 || true
      sleep "$SETTLE"
      "stop_$tool" "$dir" > "$dir/counts"  # not in a subshell: it waits for the tool
      read -r captured kdrop idrop < "$dir/counts"
      unset 'PIDS[-1]'
      sent=$(awk '/Successful packets:/ {print $3}' "$dir/tcpreplay")
      rated=$(sed -n 's/.*Rated: .* \([0-9.]*\) pps.*/\1/p' "$dir/tcpreplay" | head -1)
      ok=no
      [ "${kdrop:-1}" = 0 ] && [ "${idrop:-1}" = 0 ] && [ "${captured:-0}" -ge "${sent:-1}" ] && ok=yes
      line=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$rep" "$rate" "$tool" "$sent" \
        "${rated:-?}" "${captured:-?}" "${kdrop:-?}" "${idrop:-?}" "$ok" \
        "$(cut -d' ' -f1 /proc/loadavg)")
      echo "$line" >> "$TSV"
      echo "$line"
    done
  done
done

# The highest rate of the ladder up to which every run of the tool was drop-free.
{
  echo "| tool | highest drop-free rate (packets/s asked) | fastest drop-free run (packets/s sent) | first rate with loss: drops (kernel+interface) per run, 0 = saw fewer than sent |"
  echo "|------|------|------|------|"
  for tool in $TOOLS; do
    awk -F'\t' -v t="$tool" -v rates="$RATES" '
      NR > 1 && $3 == t { runs[$2]++; if ($9 != "yes") { bad[$2]++; d[$2] = d[$2] " " $7 + $8 }
                          else if ($5 > fast) fast = $5 }
      END {
        n = split(rates, r, " "); best = 0; first = ""
        for (i = 1; i <= n; i++) {
          if (bad[r[i]] || !runs[r[i]]) { first = r[i] ": lost" d[r[i]]; break }
          best = r[i]
        }
        printf "| %s | %s | %d | %s |\n", t, best ? best : "none", fast,
               first ? first : "none up to the last rate"
      }' "$TSV"
  done
  echo
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$WORK/summary.md"
