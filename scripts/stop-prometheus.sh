#!/usr/bin/env bash
# Stops the Prometheus test server started by start-prometheus.sh (by its pid) and removes its data.
# Usage: scripts/stop-prometheus.sh STATE_DIR
set -uo pipefail
state=${1:?usage: stop-prometheus.sh STATE_DIR}
dir="$state/prometheus"
if [[ -f "$dir/prometheus.pid" ]]; then
    pid=$(cat "$dir/prometheus.pid")
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
fi
rm -rf "$dir"
