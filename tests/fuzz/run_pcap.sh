#!/bin/sh
# Runs the packet decoder fuzzer under ASan+UBSan for a bounded time:
#   tests/fuzz/run_pcap.sh BUILD_DIR SECONDS
# BUILD_DIR is the clang fuzz build that tests/fuzz/run.sh configures. Seeds: every frame of the
# shared nDPI captures when present (byte 0 = datalink index, byte 1 = flags, then the frame).
set -eu
BUILD=${1:?usage: run_pcap.sh BUILD_DIR SECONDS}
SECONDS_MAX=${2:?usage: run_pcap.sh BUILD_DIR SECONDS}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${EVEFLOW_SHARED_DATA:-$SRC/../shared/data}
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    CC=clang-14 CXX=clang++-14 cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DEVEFLOW_FUZZ=ON -DEVEFLOW_SANITIZE=address,undefined -DEVEFLOW_BENCH=OFF >/dev/null
fi
cmake --build "$BUILD" --target pcap_decoder_fuzz -j"${JOBS:-1}" >/dev/null
SEEDS=$BUILD/fuzz/pcap/seeds
CORPUS=$BUILD/fuzz/pcap/corpus
ARTIFACTS=$BUILD/fuzz/pcap/artifacts/
mkdir -p "$SEEDS" "$CORPUS" "$ARTIFACTS"
if [ -d "$SHARED/pcap/ndpi-4.2/pcap" ]; then
    /usr/bin/python3 - "$SHARED/pcap/ndpi-4.2/pcap" "$SEEDS" <<'PY' || true
import hashlib, os, sys
from scapy.utils import RawPcapReader, RawPcapNgReader
LINKS = [0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 276]
src, out = sys.argv[1], sys.argv[2]
n = 0
for name in sorted(os.listdir(src)):
    path = os.path.join(src, name)
    try:
        magic = open(path, "rb").read(4)
        reader = RawPcapNgReader(path) if magic == b"\x0a\x0d\x0d\x0a" else RawPcapReader(path)
        link = getattr(reader, "linktype", 1)
        for i, (frame, _meta) in enumerate(reader):
            if i >= 200:
                break
            idx = LINKS.index(link) if link in LINKS else 1
            data = bytes([idx, 1]) + frame
            open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb").write(data)
            n += 1
    except Exception:
        continue
print("pcap seeds: %d" % n)
PY
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec "$BUILD/tests/pcap_decoder_fuzz" -max_total_time="$SECONDS_MAX" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$ARTIFACTS" "$CORPUS" "$SEEDS"
