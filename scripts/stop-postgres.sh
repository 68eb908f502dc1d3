#!/usr/bin/env bash
# Stops the test server started by scripts/start-postgres.sh STATE_DIR and removes its data.
# Usage: scripts/stop-postgres.sh STATE_DIR
set -uo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 STATE_DIR" >&2
    exit 2
fi
STATE=$1
[ -d "$STATE" ] || exit 0
if [ -x "$STATE/pg_ctl.sh" ] && [ -f "$STATE/data/postmaster.pid" ]; then
    "$STATE/pg_ctl.sh" stop || true
fi
# Still running (pg_ctl failed): stop it by its own pid, never by name.
if [ -s "$STATE/postgres.pid" ]; then
    PID=$(cat "$STATE/postgres.pid")
    if kill -0 "$PID" 2>/dev/null; then
        kill -INT "$PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$PID" 2>/dev/null || true
    fi
fi
rm -rf "$STATE"
