#!/usr/bin/env bash
# End-to-end: names seen in DNS (enrich.dns_names) against dns_names_reference.py.
#   enrich_dns_names.sh EVEFLOW_BINARY SHARED_DATA_DIR
# 1. Every shared EVE file with dns events, one run each, key [src_ip, dest_ip, dest_port,
#    proto]. Windows are held to the end of the input (allowed_lateness 100 years), so every
#    record is emitted after the last dns answer was read and its dest_name must be the last
#    name the file gave for (src_ip, dest_ip) (v1 answers chained across events by DNS id, v2
#    `answers` / `grouped` chained within the event), absent when the file gave none; answers
#    with a TTL under 10 s may have expired on eveflow's clock and are allowed either way.
# 2. The meter over the shared nDPI 4.2 captures whose link type the reference reads
#    (Ethernet, Linux cooked) and that hold no tunnels: names from the DNS responses in the
#    capture (dpkt; client = the response's destination) and from ndpiReader's Hostname/SNI of
#    TLS, HTTP and QUIC flows (the ground truth .out files). Where both name one pair either
#    is accepted (their order depends on when nDPI finished). android.pcap must get a name from
#    DNS responses alone (the meter's own DNS parser).
# Exit 77 (skipped) when the shared data is absent.
set -uo pipefail
BIN=$1
DATA=$2
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
if [ ! -d "$DATA/eve" ]; then
  echo "skipped: shared data not found at $DATA (set EVEFLOW_SHARED_DATA)"
  exit 77
fi
T=$(mktemp -d /tmp/eveflow-e2e.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
named_total=0

run() {  # name, reference args..., --, eveflow input args...
  local name=$1; shift
  local ref=(); while [ "$1" != -- ]; do ref+=("$1"); shift; done; shift
  "$BIN" "$@" --set 'handlers[0].key=[src_ip,dest_ip,dest_port,proto]' \
    --set handlers[0].allowed_lateness=36500d --set enrich.dns_names.ttl=1h \
    --jsonl "$T/out.jsonl" --log-level error 2>"$T/err.log"
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $name: eveflow exited $rc"; cat "$T/err.log"; fails=$((fails + 1)); return
  fi
  if out=$($PY "$HERE/dns_names_reference.py" "${ref[0]}" "$T/out.jsonl" "${ref[@]:1}"); then
    echo "ok   $name: $out"
  else
    echo "FAIL $name:"; echo "$out"; fails=$((fails + 1))
  fi
  last=$out
  local n=${out#*named=}; named_total=$((named_total + ${n%% *}))
}

mapfile -t files < <(grep -rlE '"event_type": ?"dns"' "$DATA/eve" --include='*.json' | sort)
for f in "${files[@]}"; do run "${f#$DATA/eve/}" eve "$f" -- --eve-file "$f"; done
[ $named_total -ge 8 ] || { echo "FAIL: only $named_total EVE records named"; fails=$((fails + 1)); }

PCAP=$DATA/pcap/ndpi-4.2
for c in android.pcap malware.pcap dns_fragmented.pcap dns_doh.pcap dns_ambiguous_names.pcap \
  dns_long_domainname.pcap malformed_dns.pcap http_ipv6.pcap quic-23.pcap quic-29.pcap \
  tls_alert.pcap tls_esni_sni_both.pcap WebattackSQLinj.pcap http-lines-split.pcap \
  quickplay.pcap 443-chrome.pcap; do
  run "meter $c" pcap "$PCAP/pcap/$c" "$PCAP/result/$c.out" -- --pcap "$PCAP/pcap/$c"
  if [ $c = android.pcap ]; then
    d=${last#*from_dns=}
    [ "$d" -gt 0 ] || { echo "FAIL: android.pcap: no name from DNS alone"; fails=$((fails + 1)); }
  fi
done

# A key without src_ip has no pair to look up: no dest_name.
f=$DATA/eve/stratosphereips-slips/test6-malicious.suricata.json
"$BIN" --eve-file "$f" --set 'handlers[0].key=[dest_ip,dest_port,proto]' --set 'enrich.dns_names={}' \
  --jsonl "$T/nosrc.jsonl" --log-level error 2>/dev/null
if [ ! -s "$T/nosrc.jsonl" ] || grep -q dest_name "$T/nosrc.jsonl"; then
  echo "FAIL: key without src_ip: no records or dest_name present"; fails=$((fails + 1))
fi
# Without enrich.dns_names no record has the field.
"$BIN" --pcap "$PCAP/pcap/android.pcap" --jsonl "$T/plain.jsonl" --log-level error 2>/dev/null
if grep -q dest_name "$T/plain.jsonl"; then
  echo "FAIL: dest_name without enrich.dns_names"; fails=$((fails + 1))
fi
echo "$fails failure(s)"
[ $fails -eq 0 ]
