#!/usr/bin/env bash
# End-to-end alert_context over the real EVE files that hold alerts, with the default bounds
# and with tight ones, compared with alert_context_reference.py.
#   alert_context.sh EVEFLOW_BINARY SHARED_DATA_DIR
set -uo pipefail
BIN=$1 DATA=$2/eve HERE=$(cd "$(dirname "$0")" && pwd) PY=/usr/bin/python3
[ -d "$DATA" ] || { echo "skipped: no shared EVE data at $DATA (set EVEFLOW_SHARED_DATA)"; exit 77; }
T=$(mktemp -d /tmp/eveflow-actx.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
bzcat "$DATA/josevnz-suricatalog/eve_large.json.bz2" >"$T/large.json"
mapfile -t files < <(grep -l '"event_type":"alert"' $(find "$DATA" -name '*.json' | sort))
for f in "${files[@]}" "$T/large.json"; do
  for bounds in "600 100 524288" "20 4 4096"; do
    read -r ttl events bytes <<<"$bounds"
    rm -f "$T/out.jsonl"
    cat >"$T/eveflow.yaml" <<YAML
inputs: [{type: eve_file, path: "$f"}]
outputs: [{type: jsonl, path: $T/out.jsonl}]
handlers: [{type: alert_context, ttl: ${ttl}s, max_events_per_flow: $events, max_bytes: $bytes}]
YAML
    name="${f#$DATA/} ($bounds)"
    if ! "$BIN" -c "$T/eveflow.yaml" --log-level warn 2>"$T/err.log" >/dev/null; then
      echo "FAIL $name: eveflow exited"; cat "$T/err.log"; fails=$((fails + 1)); continue
    fi
    if out=$($PY "$HERE/alert_context_reference.py" "$T/out.jsonl" $ttl $events $bytes "$f"); then
      echo "ok   $name: $out"
    else
      echo "FAIL $name:"; echo "$out"; fails=$((fails + 1))
    fi
  done
done
[ $fails -eq 0 ]
