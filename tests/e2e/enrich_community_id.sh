#!/usr/bin/env bash
# End-to-end Community ID: EVE events without one get the spec's published values in forwarded
# lines (enrich.community_id); lines that have one keep it; meter flow records always carry
# one, equal to community_id.py's (Python, from the spec).
#   enrich_community_id.sh EVEFLOW_BINARY [SHARED_DATA_DIR]
set -uo pipefail
BIN=$1
DATA=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
T=$(mktemp -d /tmp/eveflow-cid.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The tuples of the spec's table of default settings (baseline/README.md), with its values.
cat >"$T/in.json" <<'EOF_IN'
{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"1.2.3.4","src_port":1122,"dest_ip":"5.6.7.8","dest_port":3344,"proto":"TCP","want":"1:wCb3OG7yAFWelaUydu0D+125CLM="}
{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"5.6.7.8","src_port":3344,"dest_ip":"1.2.3.4","dest_port":1122,"proto":"UDP","want":"1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="}
{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"dns","src_ip":"1.2.3.4","src_port":1122,"dest_ip":"5.6.7.8","dest_port":3344,"proto":"SCTP","want":"1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="}
{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"5.6.7.8","dest_ip":"1.2.3.4","proto":"ICMP","icmp_type":0,"icmp_code":0,"want":"1:crodRHL2FEsHjbv3UkRrfbs4bZ0="}
{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"1.2.3.4","dest_ip":"5.6.7.8","proto":"ICMP","icmp_type":11,"icmp_code":0,"want":"1:f/YiSyWqczrTgfUCZlBUnvHRcPk="}
{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"fe80:1011:1213:1415:1617:1819:1a1b:1c1d","dest_ip":"fe80:0001:0203:0405:0607:0809:0a0b:0c0d","proto":"IPv6-ICMP","icmp_type":129,"icmp_code":0,"want":"1:0bf7hyMJUwt3fMED7z8LIfRpBeo="}
{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"fe80:0001:0203:0405:0607:0809:0a0b:0c0d","dest_ip":"fe80:1011:1213:1415:1617:1819:1a1b:1c1d","proto":"46","want":"1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0="}
{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"5.6.7.8","dest_ip":"1.2.3.4","proto":"46","want":"1:ikv3kmf89luf73WPz1jOs49S768="}
{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"1.2.3.4","src_port":1122,"dest_ip":"5.6.7.8","dest_port":3344,"proto":"TCP","community_id":"1:own","want":"1:own"}
{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"1.2.3.4","dest_ip":"5.6.7.8","proto":"TCP","want":null}
{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"1.2.3.4","dest_ip":"5.6.7.8","proto":"ICMP","want":null}
EOF_IN
cat >"$T/eveflow.yaml" <<YAML
inputs: [{type: eve_file, path: $T/in.json}]
enrich: {community_id: true}
outputs: [{type: jsonl, path: /dev/null}]
forward:
  - types: [alert, dns]
    add_fields: {rack: 7}
    outputs: [{type: jsonl, path: $T/forwarded.jsonl}]
YAML
"$BIN" -c "$T/eveflow.yaml" --log-level warn 2>"$T/err.log" || { fail "eveflow exited $?"; cat "$T/err.log"; }
if out=$($PY - "$T/forwarded.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
bad = [l for l in lines if l.get("community_id") != l["want"] or l.get("rack") != 7]
dup = [l for l in open(sys.argv[1]) if l.count('"community_id"') > 1]
if len(lines) != 11 or bad or dup:
    print(len(lines), bad, dup); sys.exit(1)
print("ok: %d forwarded lines" % len(lines))
PY
); then echo "ok   forwarded: $out"; else fail "forwarded: $out"; fi

# Without enrich.community_id the lines go as they came.
sed -i '/^enrich:/d' "$T/eveflow.yaml"
rm -f "$T/forwarded.jsonl"
"$BIN" -c "$T/eveflow.yaml" --log-level warn 2>"$T/err.log" || fail "eveflow exited $?"
n=$(grep -c '"community_id"' "$T/forwarded.jsonl")
[ "$n" = 1 ] && echo "ok   off: only the line's own" || fail "off: $n lines with community_id"

# Meter flow records, ICMP included.
PCAP=$DATA/pcap/ndpi-4.2/pcap
if [ -n "$DATA" ] && [ -d "$PCAP" ]; then
  for p in "$PCAP"/malformed_icmp.pcap $(ls "$PCAP"/*.pcap | grep -v fuzz | head -20); do
    "$BIN" --pcap "$p" --flows-jsonl "$T/flows.jsonl" --jsonl /dev/null --log-level error 2>>"$T/err.log" ||
      { fail "meter on $p"; continue; }
    cat "$T/flows.jsonl" >>"$T/all_flows.jsonl"
  done
  if out=$($PY "$HERE/community_id.py" "$T/all_flows.jsonl"); then
    echo "ok   meter flows: $out (icmp: $(grep -c icmp_type "$T/all_flows.jsonl"))"
  else
    fail "meter flows: $out"
  fi
else
  echo "meter flows: skipped (no shared captures)"
fi
echo "$fails failure(s)"
[ $fails -eq 0 ]
