#!/usr/bin/env bash
# Stops the test server started by scripts/start-redis.sh STATE_DIR and removes its data.
# Usage: scripts/stop-redis.sh STATE_DIR
set -uo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 STATE_DIR" >&2
    exit 2
fi
STATE=$1
[ -d "$STATE" ] || exit 0
# By its own pid only, never by name.
if [ -x "$STATE/redis_ctl.sh" ]; then
    "$STATE/redis_ctl.sh" stop || true
fi
rm -rf "$STATE"
