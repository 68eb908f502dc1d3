#!/usr/bin/env bash
# EVE pipeline events/s with dns_aggregate + pdns on against off, in one session, interleaved.
#   dns_handlers.sh EVEFLOW_BINARY SHARED_DATA_DIR [REPS] [COPIES]
# Inputs: eve_large.json (40k lines, 6% dns) repeated COPIES times, and a DNS-only file (every
# dns event of the shared files, repeated to about the same size). Prints the median events/s
# (wall) and events per CPU-second (user + system) of each.
set -euo pipefail
BIN=$1
DATA=$2/eve
REPS=${3:-5}
COPIES=${4:-10}
T=$(mktemp -d /tmp/eveflow-dnsbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
bzcat "$DATA/josevnz-suricatalog/eve_large.json.bz2" >"$T/one.json"
for _ in $(seq "$COPIES"); do cat "$T/one.json"; done >"$T/mixed.json"
grep -h '"event_type":"dns"' -r "$DATA" --include='*.json' "$T/one.json" >"$T/dns_one.json" || true
lines=$(wc -l <"$T/mixed.json")
: >"$T/dns.json"
while [ "$(wc -l <"$T/dns.json")" -lt "$lines" ]; do cat "$T/dns_one.json" >>"$T/dns.json"; done

config() {  # file, handlers
  cat <<YAML
inputs: [{type: eve_file, path: "$1"}]
handlers: [$2]
outputs: [{type: jsonl, path: /dev/null}]
YAML
}
off="{type: flow_aggregate, period: 60s}"
on="$off, {type: dns_aggregate, period: 60s}, {type: pdns, period: 60s}"
run() {  # file, handlers -> "events/s events/CPU-s"
  config "$1" "$2" >"$T/c.yaml"
  /usr/bin/time -f 'cpu %U %S' "$BIN" -c "$T/c.yaml" --log-level error 2>"$T/err"
  local eps cpu
  eps=$(sed -n 's/.*events\/s=\([0-9]*\).*/\1/p' "$T/err")
  cpu=$(awk '/^cpu/ {print $2 + $3}' "$T/err")
  echo "$eps $(awk -v n="$(wc -l <"$1")" -v c="$cpu" 'BEGIN {printf "%d", n / c}')"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for input in mixed dns; do
  : >"$T/off" ; : >"$T/on"
  for _ in $(seq "$REPS"); do
    run "$T/$input.json" "$off" >>"$T/off"
    run "$T/$input.json" "$on" >>"$T/on"
  done
  a=$(cut -d' ' -f1 "$T/off" | median); b=$(cut -d' ' -f1 "$T/on" | median)
  ca=$(cut -d' ' -f2 "$T/off" | median); cb=$(cut -d' ' -f2 "$T/on" | median)
  echo "$input: events=$(wc -l <"$T/$input.json") events/s off=$a on=$b ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", b / a}');" \
    "events/CPU-s off=$ca on=$cb ratio=$(awk -v a="$ca" -v b="$cb" 'BEGIN {printf "%.3f", b / a}')" \
    "(runs off: $(tr '\n' ',' <"$T/off") on: $(tr '\n' ',' <"$T/on"))"
done
