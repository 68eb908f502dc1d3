#!/usr/bin/env bash
# Cost of the enrichment stage: bench/eve_socket_vs_fever.sh's eveflow run (EVE into the unix
# socket, 60 s aggregates to JSON lines) with enrichment off and on, interleaved in one run.
#
#   bench/enrich_overhead.sh [N=300000]     env: REPS=3, EVEFLOW=path/to/eveflow
#
# Both runs forward alert and dns lines to /dev/null (the events a Community ID is computed
# for). "on" adds home_net (home_direction), a key of subnets and direction, the libloc
# database (country and AS of both addresses, cached) and enrich.community_id. The "off" run's
# aggregates are checked against tests/e2e/reference.py by eve_socket_vs_fever.sh; the "on"
# run's key differs, so only its event and flow counts are checked here (its values are
# checked by tests/e2e/enrich_*.sh). Prints the medians and the on/off ratio.
set -euo pipefail
N=${1:-300000}
REPS=${REPS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
export DATA_DIR=${DATA_DIR:-/tmp/eveflow-enrich-bench}
mkdir -p "$DATA_DIR"
# eve_socket_vs_fever.sh splits EVEFLOW_ARGS on spaces: no argument may hold one (JSON flow).
FWD='forward=[{"types":["alert","dns"],"outputs":[{"type":"jsonl","path":"/dev/null"}]}]'
OFF=(--set "$FWD")
ON=(--set "$FWD" --home-net 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16
    --geo-db /usr/share/libloc-location/location.db --set enrich.community_id=true
    --set 'handlers[0].key=[src_net,dest_net,dest_port,proto,home_direction,dest_country,dest_asn]')

one() {  # label, eveflow args...: prints "label events/s cpu_s verified"
  local label=$1; shift
  local out
  out=$(SKIP_FEVER=1 REPS=1 QUIET_WAIT=${QUIET_WAIT:-10} EVEFLOW_ARGS="$*" \
    bash "$HERE/eve_socket_vs_fever.sh" "$N" 2>&1)
  local line; line=$(grep '^run 1:' <<<"$out")
  echo "$label $(awk '{for (i = 1; i < NF; i++) if ($i == "events/s") {print $(i + 1); exit}}' <<<"$line") $(awk '{for (i = 1; i < NF; i++) if ($i == "cpu") {sub("s$", "", $(i + 1)); print $(i + 1); exit}}' <<<"$line") $(grep -o 'verified=[A-Za-z]* ([^)]*)' <<<"$line")"
}

results=()
for i in $(seq 1 "$REPS"); do
  for mode in off on; do
    if [ $mode = off ]; then r=$(one off "${OFF[@]}"); else r=$(one on "${ON[@]}"); fi
    echo "rep $i: $r"
    results+=("$r")
  done
done
printf '%s\n' "${results[@]}" | python3 -c '
import statistics, sys
rows = [l.split() for l in sys.stdin if l.strip()]
med = {m: statistics.median(float(r[1]) for r in rows if r[0] == m) for m in ("off", "on")}
print("median events/s: off %.0f, on %.0f, on/off %.3f" % (med["off"], med["on"], med["on"] / med["off"]))
cpu = {m: statistics.median(float(r[2]) for r in rows if r[0] == m) for m in ("off", "on")}
print("median CPU s (whole process): off %.3f, on %.3f, on/off %.3f" % (cpu["off"], cpu["on"], cpu["on"] / cpu["off"]))'
