# Shared by the Kafka end-to-end scripts (sourced): tool checks and the kmock cluster.
# Expects BIN KMOCK DATA set; sets HERE E2E PY, and after start_kmock: T (a temp dir removed
# at exit), BS (the bootstrap list) and fd 3 (kmock's command input: `echo "topic t 6" >&3`).
HERE=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
E2E=$HERE/../e2e
PY=/usr/bin/python3

# Skips (exit 77) with a message; a failure instead under EVEFLOW_REQUIRE_SERVICES=1 for
# services (tools and servers, not the shared data).
skip_unless() {  # message test-result service(0|1)
  [ "$2" = 1 ] && return 0
  [ "$3" = 1 ] && [ -n "${EVEFLOW_REQUIRE_SERVICES:-}" ] && { echo "FAIL: $1"; exit 1; }
  echo "skipped: $1"; exit 77
}
has() { "$@" >/dev/null 2>&1 && echo 1; }
skip_unless "shared EVE data not found at $DATA" "$(has test -d "$DATA")" 0
skip_unless "kcat not installed" "$(has command -v kcat)" 1
require_pg() {  # for scripts that also write to PostgreSQL (scripts/start-postgres.sh)
  skip_unless "EVEFLOW_TEST_PG_DSN not set (scripts/start-postgres.sh)" \
    "$(has test -n "${EVEFLOW_TEST_PG_DSN:-}")" 1
  skip_unless "psql not installed" "$(has command -v psql)" 1
}

on_exit=()  # more cleanup commands, run before the cluster goes
cleanup() {
  exec 3>&-
  for c in "${on_exit[@]}"; do eval "$c"; done
  kill "$(cat "$T/kmock.pid")" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"
}

start_kmock() {  # temp-dir-prefix
  T=$(mktemp -d "/tmp/$1.XXXXXX")
  mkfifo "$T/ctl"
  "$KMOCK" 3 "$T/bs" <"$T/ctl" >"$T/kmock.out" 2>&1 &
  echo $! >"$T/kmock.pid"
  exec 3>"$T/ctl"   # keeps kmock's stdin open; commands go through fd 3
  trap cleanup EXIT
  for _ in $(seq 100); do [ -s "$T/bs" ] && break; sleep 0.1; done
  BS=$(head -1 "$T/bs")
  [ -n "$BS" ] || { echo "FAIL: kmock did not start"; cat "$T/kmock.out"; exit 1; }
}
