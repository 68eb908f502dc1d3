#!/usr/bin/env bash
# End-to-end forwarding: alerts and dns go byte-identical (plus add_fields) to a unix socket
# receiver and to a JSON-lines file; the receiver is restarted midway and gets what follows.
#   forward.sh EVEFLOW_BINARY
set -uo pipefail
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
T=$(mktemp -d /tmp/eveflow-fwd.XXXXXX)
PID=""; RPID=""
cleanup() { for p in $PID $RPID; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$T/err.log" 2>/dev/null; exit 1; }

for i in 1 2 3; do $PY "$ROOT/scripts/make_sample_eve.py" -n 2000 --seed "$((i + 10))" "$T/part$i.json"; done
cat >"$T/eveflow.yaml" <<YAML
inputs: [{type: eve_socket, path: $T/eve.sock}]
outputs: [{type: jsonl, path: /dev/null}]
forward:
  - types: [alert, dns]
    add_fields: {sensor_id: "s-1", rack: 7}
    outputs:
      - {type: unix_socket, path: $T/recv.sock, reconnect_backoff_max: 200ms}
      - {type: jsonl, path: $T/forwarded.jsonl}
YAML
start_receiver() { $PY "$HERE/receiver.py" "$T/recv.sock" "$T/received.$1" & RPID=$!; for _ in $(seq 100); do [ -S "$T/recv.sock" ] && break; sleep 0.05; done; }
wait_lines() {  # file, count
  for _ in $(seq 200); do [ "$(cat "$1" 2>/dev/null | wc -l)" -ge "$2" ] && return 0; sleep 0.05; done; return 1
}
selected() { grep -hE '"event_type":"(alert|dns)"' "$@" | sed 's/}$/,"sensor_id":"s-1","rack":7}/'; }

start_receiver 1
"$BIN" -c "$T/eveflow.yaml" --log-level warn 2>"$T/err.log" & PID=$!
for _ in $(seq 100); do [ -S "$T/eve.sock" ] && break; sleep 0.05; done
$PY "$HERE/socket_writer.py" "$T/eve.sock" "$T/part1.json" || fail "writer 1"
wait_lines "$T/received.1" "$(selected "$T/part1.json" | wc -l)" || fail "part 1 not received"
kill -TERM $RPID; wait $RPID 2>/dev/null; rm -f "$T/recv.sock"; RPID=""
# While the receiver is away, eveflow keeps what it cannot send (max_buffer) and reconnects.
$PY "$HERE/socket_writer.py" "$T/eve.sock" "$T/part2.json" || fail "writer 2"
sleep 0.5
start_receiver 2
$PY "$HERE/socket_writer.py" "$T/eve.sock" "$T/part3.json" || fail "writer 3"
wait_lines "$T/received.2" "$(selected "$T/part3.json" | wc -l)" || fail "nothing after the restart"
kill -TERM $PID; wait $PID || fail "eveflow exit code $?"; PID=""
sleep 0.2

# The JSON-lines copy holds exactly the selected lines of all parts, byte-identical plus fields.
selected "$T"/part?.json | sort >"$T/want.all"
sort "$T/forwarded.jsonl" >"$T/got.all"
cmp -s "$T/want.all" "$T/got.all" || fail "jsonl copy differs: $(diff "$T/want.all" "$T/got.all" | head -5)"
# The socket: part 1 before the restart; after it, everything of part 3, and nothing foreign.
selected "$T/part1.json" >"$T/want.1"
cmp -s "$T/want.1" "$T/received.1" || fail "receiver 1 got something else"
selected "$T/part3.json" | sort >"$T/want.3"
sort "$T/received.2" | comm -13 - "$T/want.3" | grep -q . && fail "receiver 2 misses part-3 lines"
sort "$T/received.2" | comm -23 - "$T/got.all" | grep -q . && fail "receiver 2 got lines that were not selected"
dups=$(sort "$T/received.2" | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "$dups duplicated lines"
echo "ok: $(wc -l <"$T/got.all") forwarded lines; receiver 1 got $(wc -l <"$T/received.1"), receiver 2 got $(wc -l <"$T/received.2")"
