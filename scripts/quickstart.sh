#!/usr/bin/env bash
# Installs what eveflow needs, builds it (Release), runs it on a generated sample EVE file and
# prints the aggregates. Run as root on a fresh Debian 12 machine:  scripts/quickstart.sh
# It runs the binary it builds, build/quickstart/cmd/eveflow/eveflow, and installs nothing; the
# packaged daemon is /usr/bin/eveflow (scripts/package.sh, README "Running it").
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
echo "quickstart: building (Release) ..."
cmake -S . -B build/quickstart -DCMAKE_BUILD_TYPE=Release -DEVEFLOW_TESTS=OFF -DEVEFLOW_BENCH=OFF >/dev/null
cmake --build build/quickstart -j"$(nproc)" --target eveflow >/dev/null

OUT=${OUT:-/tmp/eveflow-quickstart}
mkdir -p "$OUT"
python3 scripts/make_sample_eve.py -n 5000 "$OUT/eve.json"
echo "quickstart: sample EVE file $OUT/eve.json ($(wc -l <"$OUT/eve.json") lines)"
echo "quickstart: running  build/quickstart/cmd/eveflow/eveflow --eve-file $OUT/eve.json --period 60s --jsonl $OUT/aggregates.jsonl"
build/quickstart/cmd/eveflow/eveflow --eve-file "$OUT/eve.json" --period 60s \
  --jsonl "$OUT/aggregates.jsonl" --sensor-id quickstart
echo
echo "quickstart: $(wc -l <"$OUT/aggregates.jsonl") aggregate records in $OUT/aggregates.jsonl; the first five:"
head -n 5 "$OUT/aggregates.jsonl"
echo
echo "quickstart: that was build/quickstart/cmd/eveflow/eveflow; to run it as a service, install"
echo "the package (/usr/bin/eveflow, the systemd units):  dpkg -i \"\$(scripts/package.sh | tail -n 1)\""
