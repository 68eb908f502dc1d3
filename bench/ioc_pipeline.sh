#!/usr/bin/env bash
# EVE pipeline events/s with the ioc handler (100k indicators: 50k domains, 50k addresses and
# /24 ranges, a few hundred of them taken from the data) on against off, interleaved runs in
# one session. The input is every shared EVE file (the bz2 one decompressed) repeated COPIES
# times; both modes run flow_aggregate and forward alerts to /dev/null.
#
#   bench/ioc_pipeline.sh [SHARED_DATA=../shared/data]     (EVEFLOW=binary REPS=5 COPIES=4)
# WITH_DNS=1: the "on" runs also have dns_aggregate and pdns (the three handlers on against off).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DATA=${1:-$ROOT/../shared/data}/eve
BIN=${EVEFLOW:-$ROOT/build/release/cmd/eveflow/eveflow}
REPS=${REPS:-5}
COPIES=${COPIES:-4}
T=$(mktemp -d /tmp/eveflow-ioc-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
bzcat "$DATA/josevnz-suricatalog/eve_large.json.bz2" >"$T/large.json"
for _ in $(seq "$COPIES"); do cat $(find "$DATA" -name '*.json' | sort) "$T/large.json"; done >"$T/in.json"
/usr/bin/python3 - "$T" "$T/in.json" <<'PY'
import json, random, sys
d, src = sys.argv[1], sys.argv[2]
rng = random.Random(3)
names, ips = set(), set()
for line in open(src, "rb"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if isinstance(e, dict) and isinstance(e.get("dns"), dict) and e["dns"].get("rrname"):
        names.add(e["dns"]["rrname"])
    if isinstance(e, dict) and e.get("event_type") == "flow" and "." in str(e.get("dest_ip")):
        ips.add(e["dest_ip"])
real_names, real_ips = sorted(names)[::20], sorted(ips)[::20]
with open(f"{d}/domains", "w") as f:
    for n in real_names:
        f.write(n + "\n")
    for i in range(50000 - len(real_names)):
        f.write("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(12)) + ".example.com\n")
with open(f"{d}/ips", "w") as f:
    for ip in real_ips:
        f.write(ip + "\n")
    for i in range(50000 - len(real_ips)):
        f.write("%d.%d.%d.%d%s\n" % (rng.randrange(11, 100), rng.randrange(256), rng.randrange(256),
                                      rng.randrange(256), "/24" if i % 10 == 0 else ""))
PY
config() {  # mode
  echo "inputs: [{type: eve_file, path: $T/in.json}]"
  echo "outputs: [{type: jsonl, path: /dev/null}]"
  echo "handlers:"
  echo "  - {type: flow_aggregate, period: 60s}"
  if [ "$1" = on ]; then
    echo "  - {type: ioc, lists: [{name: d, kind: domain, path: $T/domains}, {name: i, kind: ip, path: $T/ips}]}"
    if [ "${WITH_DNS:-0}" = 1 ]; then
      echo "  - {type: dns_aggregate, period: 60s}"
      echo "  - {type: pdns, period: 60s}"
    fi
  fi
  echo "forward: [{types: [alert], outputs: [{type: jsonl, path: /dev/null}]}]"
}
config off >"$T/off.yaml"; config on >"$T/on.yaml"
run() {  # mode -> "events_per_s cpu_s events"
  /usr/bin/time -f 'TIME %U %S' -o "$T/time" "$BIN" -c "$T/$1.yaml" --log-level warn 2>"$T/err" >/dev/null
  local eps events
  eps=$(grep -o 'events/s=[0-9]*' "$T/err" | cut -d= -f2)
  events=$(grep -o 'events=[0-9]*' "$T/err" | head -1 | cut -d= -f2)
  awk -v e="$eps" -v n="$events" '/^TIME/ {printf "%s %.3f %s\n", e, $2 + $3, n}' "$T/time"
}
: >"$T/off"; : >"$T/on"
for i in $(seq "$REPS"); do
  for mode in off on; do
    read -r eps cpu events < <(run $mode)
    echo "run $i $mode: $eps events/s, cpu ${cpu}s, events $events"
    echo "$eps $cpu" >>"$T/$mode"
  done
done
median() { cut -d' ' -f"$2" "$1" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "median: off $(median "$T/off" 1) events/s ($(median "$T/off" 2) s CPU), on $(median "$T/on" 1) events/s ($(median "$T/on" 2) s CPU)"
awk -v a="$(median "$T/on" 1)" -v b="$(median "$T/off" 1)" -v c="$(median "$T/on" 2)" -v d="$(median "$T/off" 2)" \
  'BEGIN {printf "on/off: %.3f events/s, %.3f CPU\n", a / b, c / d}'
