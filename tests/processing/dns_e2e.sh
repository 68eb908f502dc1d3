#!/usr/bin/env bash
# End-to-end: eveflow's dns_aggregate and pdns records over every real EVE file with DNS (and
# the v3 fixtures), against dns_reference.py.
#   dns_e2e.sh EVEFLOW_BINARY SOURCE_DIR SHARED_DATA_DIR
# Exit 77 (skipped) when the shared data is absent.
set -uo pipefail
BIN=$1
SRC=$2
DATA=$3/eve
HERE=$SRC/tests/processing
PY=/usr/bin/python3
if [ ! -d "$DATA" ]; then
  echo "skipped: shared EVE data not found at $DATA (set EVEFLOW_SHARED_DATA)"
  exit 77
fi
T=$(mktemp -d /tmp/eveflow-dns.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0

check() {  # name, reference args, compare flags, handler settings, files...
  local name=$1 refargs=$2 cmpflags=$3 settings=$4; shift 4
  if [ $# -gt 1 ]; then
    # One input in one order: several inputs interleave their events in no fixed order, and
    # consecutive v1 answer events of one response (the same event in two files, here) are
    # counted by what is next to them.
    for f in "$@"; do awk 1 "$f"; done >"$T/all.json"
    set -- "$T/all.json"
  fi
  local inputs=""
  for f in "$@"; do inputs="$inputs{type: eve_file, path: \"$f\"}, "; done
  cat >"$T/c.yaml" <<YAML
inputs: [${inputs%, }]
handlers: [{type: dns_aggregate, $settings}, {type: pdns, ${settings%%, max_answers*}}]
outputs: [{type: jsonl, path: "$T/out.jsonl"}]
YAML
  rm -f "$T/out.jsonl"
  if ! "$BIN" -c "$T/c.yaml" --sensor-id e2e --log-level error 2>"$T/err.log"; then
    echo "FAIL $name: eveflow failed"; cat "$T/err.log"; fails=$((fails + 1)); return
  fi
  $PY "$HERE/dns_reference.py" $refargs "$@" >"$T/ref.json" || { echo "FAIL $name: reference"; fails=$((fails + 1)); return; }
  if out=$($PY "$HERE/dns_compare.py" "$T/out.jsonl" "$T/ref.json" $cmpflags); then
    echo "ok   $name: $out"
  else
    echo "FAIL $name:"; echo "$out"; fails=$((fails + 1))
  fi
}

mapfile -t files < <(grep -l '"dns"' -r "$DATA" --include='*.json' | sort)
bzcat "$DATA/josevnz-suricatalog/eve_large.json.bz2" >"$T/eve_large.json"
files+=("$T/eve_large.json" "$SRC/tests/data/eve/dns_layouts.jsonl")
exact="period: 60s, allowed_lateness: 36500d"
for f in "${files[@]}"; do
  check "${f#$DATA/}" "" "" "$exact" "$f"
done
check "all files, one run" "" "" "$exact" "${files[@]}"
check "all files, period 10s, max_answers 1" "--period 10 --max-answers 1" "" \
  "period: 10s, allowed_lateness: 36500d, max_answers: 1" "${files[@]}"
# Default lateness: late partials for a key add up to the same totals.
check "all files, default lateness" "" --partials "period: 60s" "${files[@]}"
[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
