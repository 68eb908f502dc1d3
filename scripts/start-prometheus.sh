#!/usr/bin/env bash
# Starts a Prometheus test server on a free 127.0.0.1 port (1 s scrape interval, eveflow's alert
# rules loaded). Targets are discovered from $STATE_DIR/prometheus/targets/*.json, which tests
# write with their exporter's port. Prints export lines for the tests on stdout.
# Usage: scripts/start-prometheus.sh STATE_DIR
set -euo pipefail
state=${1:?usage: start-prometheus.sh STATE_DIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mkdir -p "$state/prometheus" && cd "$state/prometheus" && pwd)
mkdir -p "$dir/targets"

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cat > "$dir/prometheus.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
rule_files: ['$repo/deploy/prometheus/eveflow.rules.yml']
scrape_configs:
  - job_name: eveflow
    file_sd_configs: [{files: ['$dir/targets/*.json'], refresh_interval: 1s}]
YAML

for attempt in 1 2 3; do
    port=$(free_port)
    prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
        --web.listen-address="127.0.0.1:$port" >"$dir/prometheus.log" 2>&1 &
    echo $! >"$dir/prometheus.pid"
    for _ in $(seq 1 60); do
        if curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
            echo "export EVEFLOW_TEST_PROM_URL=http://127.0.0.1:$port"
            echo "export EVEFLOW_TEST_PROM_TARGETS=$dir/targets"
            exit 0
        fi
        kill -0 "$(cat "$dir/prometheus.pid")" 2>/dev/null || break
        sleep 0.5
    done
    kill "$(cat "$dir/prometheus.pid")" 2>/dev/null || true
    echo "start-prometheus: attempt $attempt on port $port failed:" >&2
    tail -n 5 "$dir/prometheus.log" >&2
done
exit 1
