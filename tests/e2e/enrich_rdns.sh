#!/usr/bin/env bash
# End-to-end: reverse DNS (enrich.rdns) against a real resolver, dnsmasq, started on a free
# port with PTR records. The flows of rdns_feed.py's fixture (private, public and IPv6 ULA
# addresses in three windows) go into the unix socket; the later windows are sent once the
# first window's lookups are settled, so every record must carry exactly the names the PTR
# records give (none for NXDOMAIN or public addresses), dnsmasq must have received one query per
# distinct private address and none for a public one. Then a name server that never answers:
# timeouts are counted, the aggregates equal those of a run without rdns, and a stop with
# lookups in flight is prompt.
# With EVEFLOW_TEST_PG_DSN (scripts/start-postgres.sh) the first run also writes PostgreSQL,
# whose src_host/dest_host columns must hold the records' names.
#   enrich_rdns.sh EVEFLOW_BINARY
# Exit 77 (skipped) when dnsmasq is not installed (Debian: dnsmasq-base).
set -uo pipefail
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
DNSMASQ=$(command -v dnsmasq || ls /usr/sbin/dnsmasq 2>/dev/null)
if [ -z "$DNSMASQ" ]; then
  echo "skipped: dnsmasq not found (Debian package dnsmasq-base)"
  exit 77
fi
T=$(mktemp -d /tmp/eveflow-rdns.XXXXXX)
PIDS=()
PG_ARGS=()
SCHEMA=rdns_e2e_$$
if [ -n "${EVEFLOW_TEST_PG_DSN:-}" ]; then
  psql "$EVEFLOW_TEST_PG_DSN" -qc "CREATE SCHEMA $SCHEMA" || exit 1
  DSN="$EVEFLOW_TEST_PG_DSN options='-csearch_path=$SCHEMA'"
  PG_ARGS=(--postgres "$DSN")
fi
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ ${#PG_ARGS[@]} -gt 0 ] && psql "$EVEFLOW_TEST_PG_DSN" -qc "DROP SCHEMA $SCHEMA CASCADE" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; [ -f "$T/err.log" ] && tail -20 "$T/err.log"; fails=$((fails + 1)); }
free_port() {  # TYPE (udp|tcp)
  $PY -c "import socket,sys; t=socket.SOCK_DGRAM if sys.argv[1]=='udp' else socket.SOCK_STREAM
s=socket.socket(socket.AF_INET,t); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])" "$1"
}
# PTR records: address=name, as the checks read them; dnsmasq gets them as --ptr-record.
PTRS=(10.1.0.1=host-a.lan 10.1.0.2=host-b.lan 192.168.5.5=printer.lan 172.20.0.9=db.lan
  fd00::10=nas.lan 8.8.8.8=public.example 172.32.0.1=outside.example)
PRIVATE=(10.1.0.1 10.1.0.2 192.168.5.5 172.20.0.9 fd00::10 10.1.0.99 172.16.3.3 fd00::20)
PUBLIC=(8.8.8.8 1.1.1.1 2001:db8::1 172.32.0.1)
ptr_name() { $PY -c "import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).reverse_pointer)" "$1"; }

start_dnsmasq() {  # sets DNS_PORT; retries when the port was taken meanwhile
  local args=()
  for p in "${PTRS[@]}"; do args+=("--ptr-record=$(ptr_name "${p%%=*}"),${p#*=}"); done
  for _ in 1 2 3 4 5; do
    DNS_PORT=$(free_port udp)
    rm -f "$T/dnsmasq.log"
    "$DNSMASQ" --no-daemon --no-resolv --no-hosts --port="$DNS_PORT" --listen-address=127.0.0.1 \
      --bind-interfaces --local=/in-addr.arpa/ --local=/ip6.arpa/ "${args[@]}" \
      --log-queries --log-facility="$T/dnsmasq.log" 2>"$T/dnsmasq.err" &
    DNS_PID=$!
    sleep 0.3
    if kill -0 "$DNS_PID" 2>/dev/null; then PIDS+=("$DNS_PID"); return 0; fi
  done
  echo "FAIL: dnsmasq did not start"; cat "$T/dnsmasq.err"; exit 1
}

start_eveflow() {  # NAME SERVER TIMEOUT [more args]; sets PID, METRICS
  local name=$1 server=$2 timeout=$3; shift 3
  local mport; mport=$(free_port tcp)
  METRICS="http://127.0.0.1:$mport/metrics"
  rm -f "$T/eve.sock"
  "$BIN" --eve-socket "$T/eve.sock" --jsonl "$T/$name.jsonl" --metrics "127.0.0.1:$mport" \
    --sensor-id e2e --log-level warn --set 'handlers[0].key=[src_ip,dest_ip,dest_port,proto]' \
    --set "enrich.rdns.servers=[$server]" --set "enrich.rdns.timeout=$timeout" "$@" \
    2>"$T/err.log" &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 100); do [ -S "$T/eve.sock" ] && return; sleep 0.05; done
  fail "$name: socket not created"
}

stop_eveflow() {  # NAME MAX_SECONDS: SIGTERM, exit 0 within the bound
  local t0; t0=$(date +%s.%N)
  kill -TERM "$PID"
  wait "$PID"; local rc=$?
  local took; took=$($PY -c "print(round($(date +%s.%N) - $t0, 2))")
  [ $rc -eq 0 ] || fail "$1: eveflow exited $rc"
  $PY -c "import sys; sys.exit(0 if $took <= $2 else 1)" || fail "$1: stop took ${took}s (> $2s)"
  echo "     $1: stopped in ${took}s"
}

$PY "$HERE/rdns_feed.py" eve "$T/eve.json"

# 1. Names from dnsmasq.
start_dnsmasq
start_eveflow names "127.0.0.1:$DNS_PORT" 2s "${PG_ARGS[@]}"
if $PY "$HERE/rdns_feed.py" feed "$T/eve.sock" "$T/eve.json" "$METRICS" ${#PRIVATE[@]}; then
  $PY "$HERE/rdns_feed.py" wait "$METRICS" eveflow_enrich_rdns_nxdomain_total 3 ||
    fail "NXDOMAIN answers not counted"
  $PY "$HERE/rdns_feed.py" wait "$METRICS" eveflow_enrich_rdns_answers_total 5 ||
    fail "answers not counted"
  stop_eveflow names 5
  if out=$($PY "$HERE/rdns_feed.py" check "$T/names.jsonl" "${PTRS[@]:0:5}"); then
    echo "ok   names: $out"
  else
    fail "names: $out"
  fi
  if [ ${#PG_ARGS[@]} -gt 0 ]; then
    psql "$DSN" -qAt -F $'\t' -P null='\N' -c "SELECT extract(epoch FROM window_start),
      host(src_ip), host(dest_ip), dest_port, src_host, dest_host, dest_name
      FROM flow_aggregate" >"$T/pg.tsv" || fail "PostgreSQL query"
    if out=$($PY "$HERE/rdns_feed.py" pg "$T/names.jsonl" "$T/pg.tsv"); then
      echo "ok   postgres: $out"
    else
      fail "postgres: $out"
    fi
  else
    echo "     postgres: not checked (EVEFLOW_TEST_PG_DSN not set)"
  fi
else
  fail "feeding the socket"
  kill "$PID"
fi
# dnsmasq's own log: one PTR query per distinct private address, none for a public one.
for a in "${PRIVATE[@]}"; do
  n=$(grep -c "query\[PTR\] $(ptr_name "$a") " "$T/dnsmasq.log")
  [ "$n" = 1 ] || fail "$a: $n PTR queries, want 1"
done
for a in "${PUBLIC[@]}"; do
  n=$(grep -c "query\[PTR\] $(ptr_name "$a") " "$T/dnsmasq.log")
  [ "$n" = 0 ] || fail "$a (public): $n PTR queries with private_only, want 0"
done
echo "ok   queries: one per private address (${#PRIVATE[@]}), none for public ones"

# 2. A name server that reads queries and never answers.
SILENT_PORT=$(free_port udp)
$PY -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', int(sys.argv[1])))
while True: s.recv(4096)" "$SILENT_PORT" &
PIDS+=($!)
sleep 0.2
start_eveflow silent "127.0.0.1:$SILENT_PORT" 300ms
$PY "$HERE/socket_writer.py" "$T/eve.sock" "$T/eve.json" || fail "silent: writing"
$PY "$HERE/rdns_feed.py" wait "$METRICS" eveflow_enrich_rdns_timeouts_total ${#PRIVATE[@]} ||
  fail "silent: timeouts not counted"
stop_eveflow silent 5
"$BIN" --eve-file "$T/eve.json" --jsonl "$T/plain.jsonl" --sensor-id e2e --log-level warn \
  --set 'handlers[0].key=[src_ip,dest_ip,dest_port,proto]' 2>"$T/err.log" || fail "plain run"
if cmp <(sort "$T/silent.jsonl") <(sort "$T/plain.jsonl") >/dev/null && [ -s "$T/plain.jsonl" ]; then
  echo "ok   silent server: $(wc -l <"$T/plain.jsonl") records equal to a run without rdns"
else
  fail "silent server: records differ from a run without rdns"
  diff <(sort "$T/silent.jsonl") <(sort "$T/plain.jsonl") | head -5
fi
# Lookups in flight (a 60s timeout) do not hold the stop up.
start_eveflow inflight "127.0.0.1:$SILENT_PORT" 60s
$PY "$HERE/socket_writer.py" "$T/eve.sock" "$T/eve.json" || fail "inflight: writing"
$PY "$HERE/rdns_feed.py" wait "$METRICS" eveflow_enrich_rdns_lookups_total ${#PRIVATE[@]} ||
  fail "inflight: lookups not started"
stop_eveflow inflight 3
[ "$(wc -l <"$T/inflight.jsonl")" = "$(wc -l <"$T/plain.jsonl")" ] || fail "inflight: records lost"

echo "$fails failure(s)"
[ $fails -eq 0 ]
