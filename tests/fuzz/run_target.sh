#!/bin/sh
# Runs one more libFuzzer target under ASan+UBSan for a bounded time, seeded from a folder of
# the repository: tests/fuzz/run_target.sh BUILD_DIR SECONDS TARGET SEED_DIR
# The build directory is the one tests/fuzz/run.sh configures (clang-14, -DEVEFLOW_FUZZ=ON).
# Each file of SEED_DIR is a seed; for files of JSON lines, each line is one too. Exit status
# non-zero on a finding.
set -eu
BUILD=${1:?usage: run_target.sh BUILD_DIR SECONDS TARGET SEED_DIR}
SECONDS_MAX=${2:?usage: run_target.sh BUILD_DIR SECONDS TARGET SEED_DIR}
TARGET=${3:?usage: run_target.sh BUILD_DIR SECONDS TARGET SEED_DIR}
SEED_SRC=${4:?usage: run_target.sh BUILD_DIR SECONDS TARGET SEED_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    CC=clang-14 CXX=clang++-14 cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DEVEFLOW_FUZZ=ON -DEVEFLOW_SANITIZE=address,undefined -DEVEFLOW_BENCH=OFF >/dev/null
fi
cmake --build "$BUILD" --target "$TARGET" -j"${JOBS:-1}" >/dev/null
FUZZER=$(find "$BUILD" -type f -name "$TARGET" -perm -u+x | head -1)
[ -n "$FUZZER" ] || { echo "run_target.sh: $TARGET not built" >&2; exit 1; }

SEEDS=$BUILD/fuzz/$TARGET/seeds
CORPUS=$BUILD/fuzz/$TARGET/corpus
ARTIFACTS=$BUILD/fuzz/$TARGET/artifacts/
mkdir -p "$SEEDS" "$CORPUS" "$ARTIFACTS"
/usr/bin/python3 - "$SRC/$SEED_SRC" "$SEEDS" <<'PY'
import hashlib, os, sys
src, out = sys.argv[1], sys.argv[2]
seen = 0
def keep(data):
    global seen
    with open(os.path.join(out, hashlib.sha1(data).hexdigest()), 'wb') as s:
        s.write(data)
    seen += 1
for root, _, files in os.walk(src):
    for name in sorted(files):
        with open(os.path.join(root, name), 'rb') as f:
            data = f.read()
        if len(data) <= 65536:
            keep(data)
        if name.endswith(('.json', '.jsonl')):
            for line in data.split(b'\n'):
                if line and len(line) <= 65536:
                    keep(line)
print('seeds: %d from %s' % (seen, src))
PY
"$FUZZER" -max_total_time="$SECONDS_MAX" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$ARTIFACTS" "$CORPUS" "$SEEDS" 2>&1 | tail -3
