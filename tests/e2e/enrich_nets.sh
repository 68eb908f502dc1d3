#!/usr/bin/env bash
# End-to-end: home_direction and subnets over every real EVE file, key [src_net, dest_net,
# dest_port, proto, home_direction], compared with reference.py --home-net (Python's ipaddress).
#   enrich_nets.sh EVEFLOW_BINARY SHARED_DATA_DIR
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
# Networks that cut through the data's addresses, with a negation inside a listed network.
HOME_NET='10.0.0.0/8,192.168.0.0/16,!192.168.1.0/25,172.16.0.0/12,2001:da8::/32,fe80::/10'
KEY='handlers[0].key=[src_net,dest_net,dest_port,proto,home_direction]'
fails=0

check() {  # name, eveflow args...
  local name=$1; shift
  "$BIN" "$@" --home-net "$HOME_NET" --set "$KEY" --set handlers[0].allowed_lateness=36500d \
    --jsonl "$T/out.jsonl" --sensor-id e2e --log-level warn 2>"$T/err.log"
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $name: eveflow exited $rc"; cat "$T/err.log"; fails=$((fails + 1)); return
  fi
  local files=(); for a in "$@"; do [ "$a" = --eve-file ] || files+=("$a"); done
  $PY "$HERE/reference.py" --home-net "$HOME_NET" "${files[@]}" >"$T/ref.json" ||
    { echo "FAIL $name: reference"; fails=$((fails + 1)); return; }
  if out=$($PY "$HERE/compare.py" "$T/out.jsonl" "$T/ref.json" "$T/err.log" --exact-ports); then
    echo "ok   $name: $out"
  else
    echo "FAIL $name:"; echo "$out"; fails=$((fails + 1))
  fi
}

mapfile -t files < <(find "$DATA" -name '*.json' | sort)
args=()
for f in "${files[@]}"; do
  check "${f#$DATA/}" --eve-file "$f"
  args+=(--eve-file "$f")
done
check "all files together" "${args[@]}"
# Each of the four directions occurs, so the comparison covers every word.
for d in outbound inbound internal external; do
  grep -q "\"home_direction\":\"$d\"" "$T/out.jsonl" || { echo "FAIL: no $d record"; fails=$((fails + 1)); }
done
echo "$fails failure(s)"
[ $fails -eq 0 ]
