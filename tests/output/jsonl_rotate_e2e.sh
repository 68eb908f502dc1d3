#!/usr/bin/env bash
# End-to-end: a rotating jsonl output (rotate 1s, compressed) over a real EVE file fed in three
# parts 1.3 s apart; the decompressed files together hold exactly the lines of a plain run.
#   jsonl_rotate_e2e.sh EVEFLOW_BINARY SHARED_DATA_DIR
# Exit 77 (skipped) when the shared data or the zstd/gzip tools are absent.
set -uo pipefail
BIN=$1
F=$2/eve/stratosphereips-slips/test6-malicious.suricata.json
if [ ! -f "$F" ]; then
  echo "skipped: shared EVE data not found at $F (set EVEFLOW_SHARED_DATA)"
  exit 77
fi
for tool in zstd gzip; do
  command -v $tool >/dev/null || { echo "skipped: $tool not installed"; exit 77; }
done
T=$(mktemp -d /tmp/eveflow-rotate.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $*"; cat "$T/err.log"; fails=$((fails + 1)); }
common=(--period 10s --sensor-id e2e --log-level warn)

# The plain run: aggregates and forwarded flow events, one file each.
"$BIN" --eve-file "$F" --jsonl "$T/plain.jsonl" --flows-jsonl "$T/plain-flows.jsonl" \
  "${common[@]}" 2>"$T/err.log" || fail "plain run exited $?"

# The rotating run: the input arrives in three parts, so the flow events (written as they
# are read) span at least three 1 s bins.
mkdir "$T/agg" "$T/flows"
n=$(wc -l <"$F")
{
  head -n $((n / 3)) "$F"; sleep 1.3
  sed -n "$((n / 3 + 1)),$((2 * n / 3))p" "$F"; sleep 1.3
  tail -n +$((2 * n / 3 + 1)) "$F"
} | "$BIN" --eve-file - "${common[@]}" \
  --jsonl "$T/agg/agg-%Y%m%d-%H%M%S.jsonl" --set outputs[0].rotate=1s \
  --set outputs[0].compress=zstd \
  --flows-jsonl "$T/flows/flows-%Y%m%d-%H%M%S.jsonl" --set forward[0].outputs[0].rotate=1s \
  --set forward[0].outputs[0].compress=gzip 2>"$T/err.log" || fail "rotating run exited $?"

check() {  # name, dir, suffix, decompressor, plain file, minimum number of files
  local name=$1 dir=$2 sfx=$3 dc=$4 plain=$5 min=$6
  local files=("$dir"/*) count=0 f
  for f in "${files[@]}"; do
    [[ $f == *.lock ]] && continue  # the output's lock (PATH.lock), kept after exit
    [[ $f == *"$sfx" ]] || { fail "$name: unexpected file $f"; return; }
    count=$((count + 1))
  done
  if [ "$count" -lt "$min" ]; then fail "$name: $count files, expected >= $min"; return; fi
  if ! cmp -s <(for f in "${files[@]}"; do $dc "$f"; done | sort) <(sort "$plain"); then
    fail "$name: the files' lines differ from the plain run ($(wc -l <"$plain") lines)"
    return
  fi
  echo "ok   $name: $count files, $(wc -l <"$plain") lines"
}
check "aggregates (zstd)" "$T/agg" .jsonl.zst "zstd -dcq" "$T/plain.jsonl" 1
check "flow events (gzip)" "$T/flows" .jsonl.gz "gzip -dc" "$T/plain-flows.jsonl" 3
[ "$(wc -l <"$T/plain.jsonl")" -gt 1000 ] || fail "plain run: too few aggregates"
exit $((fails > 0))
