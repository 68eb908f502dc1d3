#!/usr/bin/env bash
# End-to-end: country and AS of every address of the shared EVE files' flows, from Debian's
# libloc database (checked with python3-location) and from a MaxMind DB file the test writes
# itself (checked against the table it was written from).
#   enrich_geo.sh EVEFLOW_BINARY SHARED_DATA_DIR
# Exit 77 (skipped) when the shared data or the libloc database is absent.
set -uo pipefail
BIN=$1
DATA=$2/eve
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
LOCDB=/usr/share/libloc-location/location.db
for need in "$DATA" "$LOCDB"; do
  [ -e "$need" ] || { echo "skipped: $need not found"; exit 77; }
done
T=$(mktemp -d /tmp/eveflow-e2e.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
mapfile -t files < <(find "$DATA" -name '*.json' | sort)
args=(); for f in "${files[@]}"; do args+=(--eve-file "$f"); done

run() {  # name, checker args, eveflow args...
  local name=$1 check=$2; shift 2
  if ! "$BIN" "${args[@]}" "$@" --set handlers[0].allowed_lateness=36500d \
      --jsonl "$T/out.jsonl" --sensor-id e2e --log-level warn 2>"$T/err.log"; then
    echo "FAIL $name: eveflow exited $?"; cat "$T/err.log"; fails=$((fails + 1)); return
  fi
  if out=$($PY "$HERE/geo_check.py" $check); then
    echo "ok   $name: $out"
  else
    echo "FAIL $name:"; echo "$out"; fails=$((fails + 1))
  fi
}

# libloc: plain fields beside src_ip/dest_ip, then the four as the key.
run "libloc, plain fields" "libloc $LOCDB $T/out.jsonl" --geo-db "$LOCDB"
$PY "$HERE/reference.py" "${files[@]}" >"$T/ref.json"
run "libloc, key" "libloc $LOCDB $T/out.jsonl --grouped $T/ref.json" --geo-db "$LOCDB" \
  --set 'handlers[0].key=[src_country,dest_country,src_asn,dest_asn,proto]'
grep -q '"src_country":null' "$T/out.jsonl" || { echo "FAIL: no unknown country as null"; fails=$((fails + 1)); }

# MaxMind DB: networks over some of the data's addresses, one without an AS, one without a
# country; the rest unknown.
cat >"$T/table.json" <<'JSON'
[{"network": "10.1.1.0/24", "country": "DE", "asn": 64500},
 {"network": "192.168.0.0/16", "country": "FR", "asn": 64501},
 {"network": "192.168.1.0/24", "country": "IT"},
 {"network": "2001:da8::/32", "country": "CN", "asn": 4538},
 {"network": "2001:620::/32", "asn": 559}]
JSON
perl "$HERE/make_mmdb.pl" "$T/table.json" "$T/test.mmdb" || { echo "FAIL: writing the .mmdb"; exit 1; }
run "maxmind, plain fields" "table $T/table.json $T/out.jsonl" --geo-db "$T/test.mmdb"
run "maxmind, key" "table $T/table.json $T/out.jsonl --grouped $T/ref.json" --geo-db "$T/test.mmdb" \
  --set 'handlers[0].key=[src_country,dest_country,src_asn,dest_asn,proto]'

# A file that is neither format is refused at start (exit 1), naming it.
head -c 4096 /dev/urandom >"$T/junk.db"
"$BIN" --eve-file "${files[0]}" --geo-db "$T/junk.db" --jsonl "$T/out.jsonl" 2>"$T/err.log"
rc=$?
if [ $rc -ne 1 ] || ! grep -q "neither a libloc database nor a MaxMind DB" "$T/err.log"; then
  echo "FAIL junk database: exit $rc"; cat "$T/err.log"; fails=$((fails + 1))
else
  echo "ok   junk database refused"
fi
echo "$fails failure(s)"
[ $fails -eq 0 ]
