#!/usr/bin/env bash
# Builds the Debian package eveflow_VERSION_ARCH.deb and prints its absolute path as the last
# line of standard output (everything else goes to standard error).
#
#   scripts/package.sh                            # Release build in build/package
#   EVEFLOW_BUILD_DIR=build/release scripts/package.sh   # reuse a configured build tree
#
# The build tree is (re)configured with CMAKE_INSTALL_PREFIX=/usr; ccache is used when present.
# Needs dpkg-dev (dpkg-shlibdeps) and the build dependencies (scripts/install-deps.sh).
# Install: dpkg -i PATH; the README's "Running it" says what the package sets up.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${EVEFLOW_BUILD_DIR:-build/package}
JOBS=${JOBS:-$(nproc)}
args=(-DCMAKE_INSTALL_PREFIX=/usr)
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  args+=(-DCMAKE_BUILD_TYPE=Release -DEVEFLOW_TESTS=OFF -DEVEFLOW_BENCH=OFF)
  if command -v ccache >/dev/null; then
    args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
fi
{
  echo "package: configuring $BUILD"
  mkdir -p "$BUILD"
  cmake -S . -B "$BUILD" "${args[@]}" >"$BUILD/package-configure.log" 2>&1 ||
    { cat "$BUILD/package-configure.log"; exit 1; }
  echo "package: building eveflow and its man page"
  cmake --build "$BUILD" -j"$JOBS" --target eveflow eveflow_man
  echo "package: cpack"
  rm -f "$BUILD"/eveflow_*.deb
  (cd "$BUILD" && cpack -G DEB)
} >&2
deb=$(ls "$BUILD"/eveflow_*.deb)
[ "$(echo "$deb" | wc -l)" -eq 1 ] || { echo "package: expected one .deb, got: $deb" >&2; exit 1; }
realpath "$deb"
