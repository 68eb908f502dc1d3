#!/usr/bin/env bash
# promtool validates the deploy files: the scrape config (with its rule file) and the rules.
set -euo pipefail
src=${1:?usage: prometheus_deploy_check.sh SOURCE_DIR}
promtool check config "$src/deploy/prometheus/prometheus.yml"
promtool check rules "$src/deploy/prometheus/eveflow.rules.yml"
echo "2 passed, 0 failed"
