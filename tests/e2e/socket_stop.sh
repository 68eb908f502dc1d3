#!/usr/bin/env bash
# End-to-end: SIGTERM while Suricata-like writers keep their connections open. eveflow must exit
# 0 within a second and count every line a writer got into the socket before the stop exactly
# once: idle writers, busy writers (what send() reported as taken before EPIPE), a writer idle
# in the middle of a line (partial). Last, socket activation: eveflow listens on the socket a
# launcher passes as fd 3 and leaves its file in place.
#   socket_stop.sh EVEFLOW_BINARY
set -uo pipefail
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
T=$(mktemp -d /tmp/eveflow-stop.XXXXXX)
PID=""
WRITERS=()
cleanup() {
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
    for w in "${WRITERS[@]}"; do kill -KILL "$w" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$T/err.log" ] && tail -20 "$T/err.log"; exit 1; }

run_eveflow() {  # in the background; sets PID
    "$@" --jsonl "$T/out.jsonl" --sensor-id e2e --log-level warn \
        --set handlers[0].allowed_lateness=36500d 2>"$T/err.log" &
    PID=$!
}
start() {
    rm -f "$T"/out.jsonl "$T"/ready.* "$T"/result.*
    run_eveflow "$BIN" --eve-socket "$T/eve.sock"
    for _ in $(seq 100); do [ -S "$T/eve.sock" ] && return; sleep 0.05; done
    fail "socket not created"
}
writer() {  # NAME ARGS...: a stop_writer.py in the background
    local name=$1
    shift
    $PY "$HERE/stop_writer.py" "$T/eve.sock" "$T/ready.$name" "$T/result.$name" "$@" &
    WRITERS+=($!)
}
wait_ready() {
    for f in "$@"; do
        for _ in $(seq 400); do [ -e "$T/ready.$f" ] && break; sleep 0.05; done
        [ -e "$T/ready.$f" ] || fail "writer $f not ready"
    done
}
stop_timed() {  # CASE: SIGTERM; eveflow must exit 0 within 1 s
    local t0 t1 rc ms
    t0=$(date +%s%N)
    kill -TERM "$PID"
    wait "$PID"
    rc=$?
    t1=$(date +%s%N)
    PID=""
    ms=$(((t1 - t0) / 1000000))
    [ $rc -eq 0 ] || fail "$1: eveflow exited $rc after SIGTERM"
    [ $ms -lt 1000 ] || fail "$1: exit took $ms ms after SIGTERM"
    for w in "${WRITERS[@]}"; do wait "$w" || fail "$1: a writer failed"; done
    WRITERS=()
    echo "  $1: exited $ms ms after SIGTERM"
}
reference() {  # EXTRA_MALFORMED FILES...: the reference over the files, into ref.json
    local extra=$1
    shift
    cat "$@" >"$T/all.json"
    $PY "$HERE/reference.py" "$T/all.json" >"$T/ref.json"
    $PY - "$T/ref.json" "$extra" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["malformed"] += int(sys.argv[2])
json.dump(r, open(sys.argv[1], "w"))
PY
}
compare() { $PY "$HERE/compare.py" "$T/out.jsonl" "$T/ref.json" "$T/err.log" || fail "$1"; }

for i in 1 2 3; do $PY "$ROOT/scripts/make_sample_eve.py" -n 3000 --seed "$i" "$T/w$i.json"; done

# 1. Idle writers: everything sent, connections kept open.
start
writer a --idle "$T/w1.json"
writer b --idle "$T/w2.json"
wait_ready a b
stop_timed idle
reference 0 "$T/w1.json" "$T/w2.json"
compare "idle writers"

# 2. Busy writers: streaming when the signal comes. What each counted as taken by the kernel
# (complete lines, plus a begun line that is a whole event but for its newline) must be the
# events; a begun line that is not counts as partial.
start
for s in 1 2 3; do writer "busy$s" --busy "$s"; done
wait_ready busy1 busy2 busy3
stop_timed busy
$PY - "$T" "$T/err.log" <<'PY' || fail "busy writers"
import glob, json, re, sys
results = [json.load(open(f)) for f in sorted(glob.glob(sys.argv[1] + "/result.busy*"))]
events = sum(r["lines"] + r["tail_event"] for r in results)
partial = sum(1 for r in results if r["tail"] > 0 and not r["tail_event"])
summary = [l for l in open(sys.argv[2]) if l.startswith("eveflow: done:")][0]
got = {k: int(v) for k, v in re.findall(r" (events|malformed|flows_aggregated)=(\d+)", summary)}
want = {"events": events, "malformed": partial, "flows_aggregated": events}
print("  busy: writers sent %s; summary %s" % (results, got))
sys.exit(0 if got == want and len(results) == 3 else "summary %s, writers %s" % (got, want))
PY

# 3. A writer idle in the middle of a line: its complete lines count, the begun one is partial.
start
writer u --unfinished "$T/w3.json"
wait_ready u
stop_timed unfinished
reference 1 "$T/w3.json"
compare "unfinished line"
grep -q 'reason=partial' "$T/err.log" || fail "no partial line logged"

# 4. Socket activation: the launcher binds eve.sock and other.sock and passes them as fds 3
# and 4. eveflow listens on the first (which it would otherwise refuse: another socket is
# live on the path), warns about the second, and leaves the socket file in place.
rm -f "$T"/out.jsonl "$T/eve.sock"
run_eveflow $PY "$HERE/activate.py" "eve=$T/eve.sock" "other=$T/other.sock" -- \
    "$BIN" --eve-socket "$T/eve.sock"
for _ in $(seq 100); do [ -S "$T/eve.sock" ] && break; sleep 0.05; done
$PY "$HERE/socket_writer.py" "$T/eve.sock" "$T/w1.json" --seed 4 || fail "activation: writer failed"
for _ in $(seq 200); do grep -q 'socket activation' "$T/err.log" && break; sleep 0.05; done
stop_timed activation
reference 0 "$T/w1.json"
compare "socket activation"
[ -S "$T/eve.sock" ] || fail "activation: the passed socket's file was removed"
grep -q 'socket activation: no input listens on passed fd=4 name="other"' "$T/err.log" ||
    fail "activation: no warning about the unclaimed fd"
echo "ok: prompt stops with idle, busy and mid-line writers; socket activation"
