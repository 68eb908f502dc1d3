#!/usr/bin/env bash
# End-to-end IoC matching over every real EVE file: lists built from the data (and two of
# indicators found nowhere), alerts forwarded by a `forward: [{types: [alert]}]` rule to a
# JSON-lines file, compared with ioc_reference.py.
#   ioc.sh EVEFLOW_BINARY SHARED_DATA_DIR
# Exit 77 (skipped) when the shared data is absent.
set -uo pipefail
BIN=$1 DATA=$2/eve HERE=$(cd "$(dirname "$0")" && pwd) PY=/usr/bin/python3
[ -d "$DATA" ] || { echo "skipped: no shared EVE data at $DATA (set EVEFLOW_SHARED_DATA)"; exit 77; }
T=$(mktemp -d /tmp/eveflow-ioc.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; cat "$T/err.log" 2>/dev/null | tail -20; exit 1; }

mapfile -t files < <(find "$DATA" -name '*.json' | sort)
bzcat "$DATA/josevnz-suricatalog/eve_large.json.bz2" >"$T/large.json"
files+=("$T/large.json")
$PY "$HERE/ioc_reference.py" lists "$T/lists" "${files[@]}" || fail "building the lists"
{
  echo "inputs:"
  for f in "${files[@]}"; do echo "  - {type: eve_file, path: \"$f\"}"; done
  echo "outputs: [{type: jsonl, path: $T/aggregates.jsonl}]"
  echo "handlers:"
  echo "  - {type: flow_aggregate, period: 60s}"
  echo "  - type: ioc"
  echo "    signature_prefix: \"eveflow IoC\""
  echo "    lists:"
  for l in bad-domains:domain bad-ips:ip bad-urls:url bad-sni:sni bad-ja3:ja3 bad-hashes:hash \
           nowhere:domain nowhere-ips:ip; do
    echo "      - {name: ${l%%:*}, kind: ${l##*:}, path: $T/lists/${l%%:*}}"
  done
  echo "forward: [{types: [alert], outputs: [{type: jsonl, path: $T/alerts.jsonl}]}]"
} >"$T/eveflow.yaml"
"$BIN" -c "$T/eveflow.yaml" --log-level info 2>"$T/err.log" >/dev/null || fail "eveflow exited $?"
grep -q "ioc: list bad-domains loaded kind=domain" "$T/err.log" || fail "no load logged"
$PY "$HERE/ioc_reference.py" compare "$T/lists" "$T/alerts.jsonl" "${files[@]}" || fail "alerts differ"
# Suricata's own alerts were forwarded beside the IoC alerts, untouched.
want=$(cat "${files[@]}" | grep -c '"event_type":"alert"')
got=$(grep -vc '"ioc":' "$T/alerts.jsonl")
[ "$got" -le "$want" ] && [ "$got" -gt 0 ] || fail "suricata alerts forwarded: $got of $want lines"
echo "ok: $(wc -l <"$T/alerts.jsonl") alert lines ($got from Suricata)"
