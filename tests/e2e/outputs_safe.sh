#!/usr/bin/env bash
# Outputs are never clobbered: a start that fails leaves the output files byte for byte as they
# were, a second instance on the same socket and files is refused with the first one's pid and
# touches nothing, two outputs of one configuration on one file are a configuration error, and
# `written=` counts only the records that reached the file (/dev/full, a full tmpfs).
#   outputs_safe.sh EVEFLOW_BINARY
set -uo pipefail
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
export TZ=UTC LC_ALL=C
T=$(mktemp -d /tmp/eveflow-safe.XXXXXX)
PID=""
MNT=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# N flow events with distinct 5-tuples, one second apart, starting at second $2.
flows() {
  python3 - "$1" "$2" <<'PY'
import json, sys
n, first = int(sys.argv[1]), int(sys.argv[2])
for i in range(first, first + n):
    print(json.dumps({"timestamp": "2024-05-01T10:%02d:%02d.000000+0000" % (i // 60, i % 60),
                      "event_type": "flow", "src_ip": "10.0.0.1", "src_port": 1000 + i,
                      "dest_ip": "10.0.0.2", "dest_port": 80, "proto": "TCP",
                      "flow": {"pkts_toserver": 1, "pkts_toclient": 1,
                               "bytes_toserver": 100, "bytes_toclient": 200}}))
PY
}
flows 20 0 >"$T/a.eve"
flows 30 100 >"$T/b.eve"
lines() { wc -l <"$1" | tr -d ' '; }
has_nul() { python3 -c 'import sys; sys.exit(0 if b"\0" in open(sys.argv[1], "rb").read() else 1)' "$1"; }

# (1) A start that fails (an input file that does not exist) leaves the output as it was.
printf '{"old":1}\n{"old":2}\n' >"$T/r.jsonl"
cp "$T/r.jsonl" "$T/r.before"
"$BIN" --eve-file "$T/nonexistent.json" --jsonl "$T/r.jsonl" 2>"$T/err1"; rc=$?
[ "$rc" = 1 ] || fail "(1) failed start exited $rc, want 1: $(cat "$T/err1")"
cmp -s "$T/r.jsonl" "$T/r.before" || fail "(1) the output changed on a failed start"

# (2) A second instance on the socket and files of a running one.
rm -f "$T/r.jsonl"
"$BIN" --eve-socket "$T/eve.sock" --jsonl "$T/r.jsonl" --flows-jsonl "$T/f.jsonl" \
  --log-level warn 2>"$T/err2a" &
PID=$!
for _ in $(seq 100); do [ -S "$T/eve.sock" ] && break; sleep 0.05; done
[ -S "$T/eve.sock" ] || fail "(2) socket not created: $(cat "$T/err2a")"
python3 "$HERE/socket_writer.py" "$T/eve.sock" "$T/a.eve" || fail "(2) writer failed"
# Forwarded flows reach the file within the flush interval (1 s).
for _ in $(seq 100); do [ "$(lines "$T/f.jsonl")" = 20 ] && break; sleep 0.05; done
[ "$(lines "$T/f.jsonl")" = 20 ] || fail "(2) the first instance wrote $(lines "$T/f.jsonl") of 20 lines"
cp "$T/f.jsonl" "$T/f.before"
cp "$T/r.jsonl" "$T/r.before"
"$BIN" --eve-socket "$T/eve.sock" --jsonl "$T/r.jsonl" --flows-jsonl "$T/f.jsonl" \
  2>"$T/err2b"; rc=$?
[ "$rc" = 1 ] || fail "(2) second instance exited $rc, want 1"
grep -q "is in use by eveflow pid $PID " "$T/err2b" ||
  fail "(2) the refusal does not name pid $PID: $(cat "$T/err2b")"
cmp -s "$T/f.jsonl" "$T/f.before" || fail "(2) the second instance changed f.jsonl"
cmp -s "$T/r.jsonl" "$T/r.before" || fail "(2) the second instance changed r.jsonl"
[ -S "$T/eve.sock" ] || fail "(2) the second instance removed the first one's socket"
python3 "$HERE/socket_writer.py" "$T/eve.sock" "$T/b.eve" || fail "(2) writer after the refusal failed"
kill -TERM "$PID"; wait "$PID"; rc=$?; PID=""
[ "$rc" = 0 ] || fail "(2) first instance exited $rc: $(cat "$T/err2a")"
for f in f.jsonl r.jsonl; do has_nul "$T/$f" && fail "(2) $f holds NUL bytes"; done
[ "$(lines "$T/f.jsonl")" = 50 ] || fail "(2) f.jsonl has $(lines "$T/f.jsonl") lines, want 50"
cmp -s "$T/f.before" <(head -n 20 "$T/f.jsonl") || fail "(2) f.jsonl does not start as before"
sum=$(python3 -c 'import json,sys; print(sum(json.loads(l)["flows"] for l in open(sys.argv[1])))' "$T/r.jsonl")
[ "$sum" = 50 ] || fail "(2) the aggregates of r.jsonl hold $sum flows, want 50"

# (3) Two outputs on one file, under two names: a configuration error; the file stays.
printf 'keep\n' >"$T/s.jsonl"
mkdir -p "$T/sub"
(cd "$T" && "$BIN" --eve-file a.eve --jsonl s.jsonl --flows-jsonl ./sub/../s.jsonl 2>"$T/err3"); rc=$?
[ "$rc" = 2 ] || fail "(3) exited $rc, want 2: $(cat "$T/err3")"
grep -q 'forward\[0\].outputs\[0\].path: .*outputs\[0\].path' "$T/err3" ||
  fail "(3) the error does not name both keys: $(cat "$T/err3")"
[ "$(cat "$T/s.jsonl")" = keep ] || fail "(3) s.jsonl changed"
rm -f "$T/new.jsonl"
(cd "$T" && "$BIN" --eve-file a.eve --jsonl new.jsonl --flows-jsonl "$T/new.jsonl" 2>"$T/err3"); rc=$?
[ "$rc" = 2 ] || fail "(3) a file not yet created: exited $rc, want 2"
[ -e "$T/new.jsonl" ] && fail "(3) new.jsonl was created"

# (4) A device that refuses every write: nothing counts as written, the loss is counted.
field() { sed -n "s/.*eveflow: done:.* $1=\([0-9]*\) .*/\1/p" "$2"; }
"$BIN" --eve-file "$T/a.eve" --jsonl /dev/full 2>"$T/err4"; rc=$?
[ "$rc" = 1 ] || fail "(4) /dev/full exited $rc, want 1"
[ "$(field written "$T/err4")" = 0 ] || fail "(4) $(grep 'done:' "$T/err4")"
[ "$(field records "$T/err4")" -gt 0 ] || fail "(4) no records made: $(cat "$T/err4")"
grep -q 'write failed.*No space left' "$T/err4" || fail "(4) the write error is not logged"
# The counters, scraped from a running instance whose forwarded flows go to /dev/full.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --eve-socket "$T/m.sock" --flows-jsonl /dev/full --jsonl /dev/null \
  --metrics "127.0.0.1:$port" --log-level warn 2>"$T/err4b" &
PID=$!
for _ in $(seq 100); do [ -S "$T/m.sock" ] && break; sleep 0.05; done
python3 "$HERE/socket_writer.py" "$T/m.sock" "$T/a.eve" || fail "(4) writer failed"
metric() { grep "^$1{.*sink=\"$2\"" "$T/metrics" | grep -- "$3" | awk '{s += $2} END {print s + 0}'; }
for _ in $(seq 100); do
  curl -s "http://127.0.0.1:$port/metrics" >"$T/metrics"
  [ "$(metric eveflow_sink_dropped_total jsonl-2 "")" = 20 ] && break
  sleep 0.05
done
[ "$(metric eveflow_sink_dropped_total jsonl-2 "")" = 20 ] || fail "(4) dropped: $(grep "sink=.jsonl-2" "$T/metrics")"
[ "$(metric eveflow_sink_records_total jsonl-2 "")" = 0 ] || fail "(4) records_total: $(grep "sink=.jsonl-2" "$T/metrics")"
[ "$(metric eveflow_sink_errors_total jsonl-2 'kind="write"')" -ge 1 ] || fail "(4) no write error counted"
kill -TERM "$PID"; wait "$PID"; PID=""

# (5) A file system that fills up: written= is the number of lines in the file.
if [ "$(id -u)" = 0 ] && mkdir -p "$T/tiny" && mount -t tmpfs -o size=64k tmpfs "$T/tiny" 2>/dev/null; then
  MNT="$T/tiny"
  flows 2000 0 >"$T/big.eve"
  "$BIN" --eve-file "$T/big.eve" --flows-jsonl "$MNT/full.jsonl" --jsonl /dev/full \
    --set 'forward[0].outputs[0].buffer=4KiB' 2>"$T/err5"; rc=$?
  [ "$rc" = 1 ] || fail "(5) a full tmpfs exited $rc, want 1"
  got=$(field written "$T/err5")
  want=$(lines "$MNT/full.jsonl")  # complete lines: a line cut by the full disk has no newline
  [ "$want" -gt 0 ] && [ "$want" -lt 2000 ] || fail "(5) the tmpfs took $want lines of 2000"
  [ "$got" = "$want" ] || fail "(5) written=$got, the file holds $want complete lines"
  echo "(5) a 64 KiB tmpfs took $want of 2000 lines; written=$got"
else
  echo "(5) skipped: cannot mount a tmpfs"
fi

[ "$fails" = 0 ] && echo "outputs_safe: ok"
exit $((fails > 0))
