#!/usr/bin/env bash
# End-to-end: no silent coercion. tests/data/eve/coercion.jsonl (bad protos, escaped strings,
# out-of-range counters, a sum that saturates) through the binary, checked against
# reference.py and against the counts read off the fixture by hand.
#   strict_input.sh EVEFLOW_BINARY
set -uo pipefail
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
FIXTURE=$HERE/../data/eve/coercion.jsonl
PY=/usr/bin/python3
T=$(mktemp -d /tmp/eveflow-strict.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

TZ=UTC LC_ALL=C "$BIN" --eve-file "$FIXTURE" --jsonl - --sensor-id e2e --log-level warn \
  >"$T/out.jsonl" 2>"$T/err.log" || fail "eveflow exited $?"
$PY "$HERE/reference.py" "$FIXTURE" >"$T/ref.json" || fail "reference"
if out=$($PY "$HERE/compare.py" "$T/out.jsonl" "$T/ref.json" "$T/err.log" --exact-ports); then
  echo "ok   against reference.py: $out"
else
  fail "against reference.py:"; echo "$out"
fi

# By hand: lines 1-4 (proto FOO, 300, -1, none), 9-13 (counters 1e400, -1, 2^64, 1.5, 1e3) and
# 14 (src_port 70000) are invalid flows; line 19 is not JSON, line 20 has no event_type.
grep -q 'events=18 (dns=2 flow=16) malformed=12 ' "$T/err.log" ||
  fail "summary: $(grep 'eveflow: done' "$T/err.log")"
# One record per key: proto 0 stays HOPOPT, 6 and the escaped "TCP" merge, "200" stays 200;
# the two flows of 2^64-1 bytes give a sum held at 2^64-1; nothing from 10.0.0.2.
$PY - "$T/out.jsonl" <<'PYEOF' || fail "records"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
got = sorted((r["src_ip"], r["dest_port"], r["proto"], r["flows"], r["pkts_toserver"],
              r["bytes_toserver"], r["bytes_toclient"]) for r in recs)
want = sorted([("10.0.0.1", 80, "HOPOPT", 1, 2, 200, 300),
               ("10.0.0.1", 80, "TCP", 2, 12, 1200, 1400),
               ("10.0.0.1", 80, "200", 1, 6, 600, 700),
               ("10.0.0.3", 443, "TCP", 2, 2, 2**64 - 1, 2)])
if got != want:
    print("got ", got, "\nwant", want)
    sys.exit(1)
PYEOF
[ $fails -eq 0 ] && echo "ok   records and summary" && exit 0
cat "$T/err.log"
exit 1
