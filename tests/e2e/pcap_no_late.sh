#!/usr/bin/env bash
# End-to-end: aggregating a capture file gives no late records. For every shared capture, with
# default settings: no record has "late": true, each (window, key) has exactly one record, and
# the flows counted in the records equal the flow records the meter wrote (--flows-jsonl).
#   pcap_no_late.sh EVEFLOW_BINARY SHARED_DATA_DIR   (exit 77, skipped, without the data)
set -uo pipefail
BIN=$1
DATA=$2
if [ ! -d "$DATA/pcap" ]; then
  echo "skipped: shared data not found at $DATA (set EVEFLOW_SHARED_DATA)"
  exit 77
fi
T=$(mktemp -d /tmp/eveflow-nolate.XXXXXX)
trap 'rm -rf "$T"' EXIT
export TZ=UTC LC_ALL=C

# Prints "late=N dup=N flows=N" for an aggregates file.
CHECK='
import json, sys
late = dup = flows = 0
seen = set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    late += 1 if r.get("late") else 0
    flows += r["flows"]
    key = tuple(sorted((k, json.dumps(v)) for k, v in r.items()
                       if k not in ("late", "flows", "src_ports", "first_seen", "last_seen")
                       and not k.startswith(("pkts_", "bytes_"))))
    dup += 1 if key in seen else 0
    seen.add(key)
print(f"late={late} dup={dup} flows={flows}")
'

fail=0
n=0
while IFS= read -r f; do
  rel=${f#"$DATA"/}
  rm -f "$T"/*.jsonl
  "$BIN" --pcap "$f" --jsonl "$T/agg.jsonl" --flows-jsonl "$T/flows.jsonl" --log-level error \
    2>"$T/err.log"
  touch "$T/agg.jsonl" "$T/flows.jsonl"  # a capture that cannot be read writes nothing
  got=$(python3 -c "$CHECK" "$T/agg.jsonl") || { echo "FAIL $rel: unreadable output"; fail=1; continue; }
  want="late=0 dup=0 flows=$(wc -l <"$T/flows.jsonl")"
  n=$((n + 1))
  if [ "$got" != "$want" ]; then
    echo "FAIL $rel: got $got, want $want"
    fail=1
  fi
done < <(find "$DATA/pcap" -name '*.pcap' -o -name '*.pcapng' | sort)
[ "$n" -gt 40 ] || { echo "FAIL: only $n captures checked"; exit 1; }
if [ "$fail" = 0 ]; then echo "1 passed, 0 failed: $n captures without late records"; exit 0; fi
echo "0 passed, 1 failed"
exit 1
