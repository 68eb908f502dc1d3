#!/usr/bin/env bash
# The end-of-run summary counts every flow event aggregated, also when max_keys emits windows
# early: flows_aggregated equals the flow events with timestamp, src_ip and dest_ip in the
# file (counted here with python), with and without a small max_keys.
#   run_summary.sh EVEFLOW_BINARY SHARED_DATA_DIR   (exit 77, skipped, without the data)
set -uo pipefail
BIN=$1
F=${2:-}/eve/stratosphereips-slips/test6-malicious.suricata.json
if [ ! -f "$F" ]; then
  echo "skipped: shared EVE data not found at $F (set EVEFLOW_SHARED_DATA)"
  exit 77
fi
export TZ=UTC LC_ALL=C
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
want=$(python3 - "$F" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], 'rb'):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if isinstance(e, dict) and e.get('event_type') == 'flow' and all(
            isinstance(e.get(k), str) for k in ('timestamp', 'src_ip', 'dest_ip')):
        n += 1
print(n)
PY
)
for max_keys in 1000000 10; do
  "$BIN" --eve-file "$F" --set "handlers[0].max_keys=$max_keys" --jsonl "$T/out.jsonl" 2>"$T/err"
  line=$(grep 'eveflow: done:' "$T/err")
  echo "max_keys=$max_keys: $line"
  got=$(sed -n 's/.* flows_aggregated=\([0-9]*\) .*/\1/p' <<<"$line")
  [ "$got" = "$want" ] || { echo "FAIL: max_keys=$max_keys flows_aggregated=$got, want $want"; fails=$((fails + 1)); }
  # The records' flows add up to the same count.
  sum=$(python3 -c 'import json,sys; print(sum(json.loads(l)["flows"] for l in open(sys.argv[1])))' "$T/out.jsonl")
  [ "$sum" = "$want" ] || { echo "FAIL: max_keys=$max_keys records hold $sum flows, want $want"; fails=$((fails + 1)); }
done
exit $fails
