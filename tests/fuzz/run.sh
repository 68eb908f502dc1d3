#!/bin/sh
# Runs the EVE line fuzzer under ASan+UBSan for a bounded time: tests/fuzz/run.sh BUILD_DIR SECONDS
# Configures BUILD_DIR with clang-14 (ASan+UBSan, -DEVEFLOW_FUZZ=ON) if it is new, then builds the fuzzer. The seed
# corpus is every line of the shared EVE data when present (EVEFLOW_SHARED_DATA, default
# ../shared/data next to the source tree), else of tests/data/eve. Exit status non-zero on a finding.
set -eu
BUILD=${1:?usage: run.sh BUILD_DIR SECONDS}
SECONDS_MAX=${2:?usage: run.sh BUILD_DIR SECONDS}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${EVEFLOW_SHARED_DATA:-$SRC/../shared/data}
FUZZER=$BUILD/tests/eve_line_fuzz

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    CC=clang-14 CXX=clang++-14 cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DEVEFLOW_FUZZ=ON -DEVEFLOW_SANITIZE=address,undefined -DEVEFLOW_BENCH=OFF >/dev/null
fi
cmake --build "$BUILD" --target eve_line_fuzz -j"${JOBS:-1}" >/dev/null

SEEDS=$BUILD/fuzz/eve_line/seeds
CORPUS=$BUILD/fuzz/eve_line/corpus
ARTIFACTS=$BUILD/fuzz/eve_line/artifacts/
mkdir -p "$SEEDS" "$CORPUS" "$ARTIFACTS"
if [ -d "$SHARED/eve" ]; then DATA=$SHARED/eve; else DATA=$SRC/tests/data/eve; fi
/usr/bin/python3 - "$DATA" "$SEEDS" <<'PY'
import hashlib, os, sys
src, out = sys.argv[1], sys.argv[2]
seen = 0
for root, _, files in os.walk(src):
    for name in sorted(files):
        if name.endswith(('.md', '.bz2')):
            continue
        with open(os.path.join(root, name), 'rb') as f:
            for line in f.read().split(b'\n'):
                if not line or len(line) > 65536:
                    continue
                digest = hashlib.sha1(line).hexdigest()
                with open(os.path.join(out, digest), 'wb') as s:
                    s.write(line)
                seen += 1
print('seed lines: %d from %s' % (seen, src))
PY
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec "$FUZZER" -max_total_time="$SECONDS_MAX" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$ARTIFACTS" "$CORPUS" "$SEEDS"
