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

# SIGHUP reopens the database: events after it get the new file's values (their records come
# from the second window), events before it keep the old one's.
echo '[{"network": "10.1.1.0/24", "country": "NL", "asn": 64999}]' >"$T/table2.json"
perl "$HERE/make_mmdb.pl" "$T/table2.json" "$T/new.mmdb"
cp "$T/test.mmdb" "$T/live.mmdb"
line() {  # hour
  printf '{"timestamp":"2024-01-01T%s:00:00.000000+0000","event_type":"flow","src_ip":"10.1.1.5","src_port":1,"dest_ip":"10.1.1.6","dest_port":2,"proto":"TCP","flow":{"pkts_toserver":1,"pkts_toclient":0,"bytes_toserver":1,"bytes_toclient":0}}\n' "$1"
}
"$BIN" --eve-socket "$T/in.sock" --geo-db "$T/live.mmdb" --jsonl "$T/hup.jsonl" --log-level info \
  --set handlers[0].allowed_lateness=36500d 2>"$T/hup.log" &
EVPID=$!
for _ in $(seq 100); do [ -S "$T/in.sock" ] && break; sleep 0.05; done
line 01 | $PY -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())' "$T/in.sock"
sleep 0.5
mv "$T/new.mmdb" "$T/live.mmdb"
kill -HUP $EVPID
for _ in $(seq 100); do grep -q "geo database reopened" "$T/hup.log" && break; sleep 0.05; done
line 02 | $PY -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())' "$T/in.sock"
sleep 0.5
kill -TERM $EVPID; wait $EVPID
got=$($PY -c '
import json, sys
print(" ".join("%s:%s/%s" % (r["window_start"][11:13], r.get("src_country"), r.get("src_asn"))
               for r in sorted(map(json.loads, open(sys.argv[1])), key=lambda r: r["window_start"])))' "$T/hup.jsonl")
if [ "$got" = "01:DE/64500 02:NL/64999" ]; then
  echo "ok   SIGHUP reopens the database: $got"
else
  echo "FAIL SIGHUP: $got"; cat "$T/hup.log"; fails=$((fails + 1))
fi

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
