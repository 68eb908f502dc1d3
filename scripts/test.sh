#!/usr/bin/env bash
# Builds eveflow and runs every test: unit, integration (against real PostgreSQL, a Kafka mock
# cluster over TCP and Prometheus, started here), end-to-end, then the unit tests again under
# ASan+UBSan, the concurrency tests under TSan, the fuzzers for a bounded time, the Debian
# package (built from the main build, installed, run, removed and purged), and the format check.
# Exits non-zero if anything failed.
#
#   scripts/test.sh                 # everything (as root on Debian 12: installs what it needs)
#   STAGES="build unit" scripts/test.sh
#
# Knobs: STAGES (build unit integration e2e package asan tsan fuzz format), BUILD_ROOT (default
# build), JOBS (default nproc), FUZZ_SECONDS (default 60), EVEFLOW_SHARED_DATA (default ../shared/data).
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
STAGES=${STAGES:-"build unit integration e2e package asan tsan fuzz format"}
BUILD_ROOT=${BUILD_ROOT:-build}
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
SHARED_DATA=${EVEFLOW_SHARED_DATA:-$(cd "$ROOT/.." && pwd)/shared/data}
export TZ=UTC LC_ALL=C
failed=()

stage() { [[ " $STAGES " == *" $1 "* ]]; }
step() { echo; echo "=== $* ==="; }
fail() { echo "test.sh: FAILED: $1" >&2; failed+=("$1"); }

configure_build() {  # dir, extra cmake args...
  local dir=$1; shift
  cmake -S "$ROOT" -B "$dir" -DEVEFLOW_SHARED_DATA="$SHARED_DATA" "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; return 1; }
}

scripts/install-deps.sh || { echo "test.sh: cannot install dependencies" >&2; exit 1; }
mkdir -p "$BUILD_ROOT"
MAIN="$BUILD_ROOT/release"

if stage build; then
  step "build (RelWithDebInfo, -Werror)"
  # Prefix /usr: the package stage makes its .deb from this tree.
  configure_build "$MAIN" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVEFLOW_WERROR=ON \
      -DCMAKE_INSTALL_PREFIX=/usr &&
    cmake --build "$MAIN" -j"$JOBS" || { fail build; STAGES=""; }
fi

STATE=$(mktemp -d /tmp/eveflow-test.XXXXXX)
chmod 755 "$STATE"  # the PostgreSQL server runs as user postgres and must reach its data dir
stop_services() {
  for s in "$ROOT"/scripts/stop-*.sh; do
    [ -e "$s" ] || continue
    name=$(basename "$s" .sh); name=${name#stop-}
    [ -d "$STATE/$name" ] && "$s" "$STATE/$name" >/dev/null 2>&1
  done
  rm -rf "$STATE"
}
trap stop_services EXIT

if stage integration || stage e2e; then
  step "start test servers"
  for s in "$ROOT"/scripts/start-*.sh; do
    [ -e "$s" ] || continue
    name=$(basename "$s" .sh); name=${name#start-}
    mkdir -p "$STATE/$name"
    if exports=$("$s" "$STATE/$name"); then
      eval "$exports"
      echo "started $name"
    else
      fail "start-$name"
    fi
  done
  export EVEFLOW_REQUIRE_SERVICES=1
fi

run_ctest() {  # dir, label, extra ctest args...
  local dir=$1 label=$2; shift 2
  step "ctest -L $label ($dir)"
  ctest --test-dir "$dir" -L "$label" --output-on-failure --timeout 600 "$@" || fail "$label ($dir)"
}

stage unit && run_ctest "$MAIN" unit -j"$JOBS"
stage integration && run_ctest "$MAIN" integration
stage e2e && run_ctest "$MAIN" e2e

if stage package; then
  step "package: .deb from $MAIN, dpkg -i, run, dpkg -r, dpkg -P"
  start=$SECONDS
  JOBS=$JOBS bash tests/package/deb_test.sh "$MAIN"
  case $? in
    0) echo "package: passed in $((SECONDS - start))s" ;;
    77) echo "package: skipped" ;;
    *) fail package ;;
  esac
fi

if stage asan; then
  step "ASan+UBSan build"
  ASAN="$BUILD_ROOT/asan"
  if configure_build "$ASAN" -DCMAKE_BUILD_TYPE=Debug -DEVEFLOW_SANITIZE=address,undefined \
      -DEVEFLOW_BENCH=OFF && cmake --build "$ASAN" -j"$JOBS"; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      run_ctest "$ASAN" unit -j"$JOBS"
  else
    fail "asan build"
  fi
fi

if stage tsan; then
  step "TSan build of the concurrency tests"
  TSAN="$BUILD_ROOT/tsan"
  # The tests whose code runs several threads at once.
  names="channel dispatcher stats eve_socket unix_socket_sink prometheus progress redis_sink eve_file"
  names="$names pcap_workers"  # the meter workers: reader, workers and render thread
  targets=$(for n in $names; do echo "${n}_test"; done)
  if configure_build "$TSAN" -DCMAKE_BUILD_TYPE=Debug -DEVEFLOW_SANITIZE=thread \
      -DEVEFLOW_BENCH=OFF && cmake --build "$TSAN" -j"$JOBS" --target $targets; then
    step "ctest under TSan"
    # Only the targets above were built, so only their GoogleTest cases (Suite.Name) exist.
    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
      ctest --test-dir "$TSAN" -R '[.]' \
        --output-on-failure --timeout 600 -j"$JOBS" || fail "tsan"
  else
    fail "tsan build"
  fi
fi

if stage fuzz && [ -x tests/fuzz/run.sh ]; then
  step "fuzz ($FUZZ_SECONDS s per target, clang, ASan+UBSan)"
  JOBS=$JOBS tests/fuzz/run.sh "$BUILD_ROOT/fuzz" "$FUZZ_SECONDS" 2>&1 | tail -15 || fail "fuzz eve"
  JOBS=$JOBS tests/fuzz/run_pcap.sh "$BUILD_ROOT/fuzz" "$FUZZ_SECONDS" 2>&1 | tail -15 || fail "fuzz pcap"
  JOBS=$JOBS tests/fuzz/run_target.sh "$BUILD_ROOT/fuzz" "$FUZZ_SECONDS" dns_event_fuzz \
    tests/data/eve || fail "fuzz dns"
  JOBS=$JOBS tests/fuzz/run_target.sh "$BUILD_ROOT/fuzz" "$FUZZ_SECONDS" ioc_list_fuzz \
    tests/data || fail "fuzz ioc lists"
  JOBS=$JOBS tests/fuzz/run_target.sh "$BUILD_ROOT/fuzz" "$FUZZ_SECONDS" dns_wire_fuzz \
    tests/data/dns_wire || fail "fuzz dns wire"
  JOBS=$JOBS tests/fuzz/run_target.sh "$BUILD_ROOT/fuzz" "$FUZZ_SECONDS" mapped_pcap_fuzz \
    tests/data/pcap || fail "fuzz mapped pcap"
fi

if stage format; then
  step "format check (clang-format 14)"
  files=$(git ls-files '*.h' '*.cc' '*.c')
  clang-format-14 --dry-run --Werror $files || fail format
fi

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: ${#failed[@]} stage(s) failed: ${failed[*]}"
  exit 1
fi
echo "test.sh: all stages passed ($STAGES)"
