#!/usr/bin/env bash
# End-to-end: the eveflow binary over every real EVE file, compared with reference.py.
#   eve_files.sh EVEFLOW_BINARY SHARED_DATA_DIR
# Exit 77 (skipped) when the shared data is absent.
set -uo pipefail
BIN=$1
DATA=$2/eve
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
if [ ! -d "$DATA" ]; then
  echo "skipped: shared EVE data not found at $DATA (set EVEFLOW_SHARED_DATA)"
  exit 77
fi
T=$(mktemp -d /tmp/eveflow-e2e.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0

check() {  # name, reference args, compare flags, eveflow args...
  local name=$1 refargs=$2 cmpflags=$3; shift 3
  "$BIN" "$@" --jsonl "$T/out.jsonl" --sensor-id e2e --log-level warn 2>"$T/err.log"
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $name: eveflow exited $rc"; cat "$T/err.log"; fails=$((fails + 1)); return
  fi
  $PY "$HERE/reference.py" $refargs >"$T/ref.json" || { echo "FAIL $name: reference"; fails=$((fails + 1)); return; }
  if out=$($PY "$HERE/compare.py" "$T/out.jsonl" "$T/ref.json" "$T/err.log" $cmpflags); then
    echo "ok   $name: $out"
  else
    echo "FAIL $name:"; echo "$out"; fails=$((fails + 1))
  fi
}

mapfile -t files < <(find "$DATA" -name '*.json' | sort)
for f in "${files[@]}"; do
  rel=${f#$DATA/}
  # Default lateness: late records allowed, counters must still add up.
  check "$rel" "$f" "" --eve-file "$f"
  # No lateness bound: one record per window and key, exact distinct ports.
  check "$rel (exact)" "$f" --exact-ports --eve-file "$f" --set handlers[0].allowed_lateness=36500d
done
# Every file in one run, several --eve-file inputs at once.
args=(); for f in "${files[@]}"; do args+=(--eve-file "$f"); done
check "all files together" "${files[*]}" --exact-ports "${args[@]}" \
  --set handlers[0].allowed_lateness=36500d
# Other periods and time fields.
check "all, period 10s, flow_end" "--period 10 --time-field flow_end ${files[*]}" --exact-ports \
  "${args[@]}" --period 10s --set handlers[0].allowed_lateness=36500d --set handlers[0].time_field=flow_end
# The compressed one through stdin.
for z in $(find "$DATA" -name '*.bz2' | sort); do
  bzcat "$z" >"$T/unz.json"
  name="${z#$DATA/} (stdin)"
  "$BIN" --eve-file - --jsonl "$T/out.jsonl" --sensor-id e2e --log-level warn <"$T/unz.json" 2>"$T/err.log" ||
    { echo "FAIL $name: eveflow exited $?"; fails=$((fails + 1)); continue; }
  $PY "$HERE/reference.py" "$T/unz.json" >"$T/ref.json"
  if out=$($PY "$HERE/compare.py" "$T/out.jsonl" "$T/ref.json" "$T/err.log"); then
    echo "ok   $name: $out"
  else
    echo "FAIL $name:"; echo "$out"; fails=$((fails + 1))
  fi
done
echo "$fails failure(s)"
[ $fails -eq 0 ]
