#!/usr/bin/env bash
# The Debian package, installed for real on this machine (root): built by scripts/package.sh,
# its Depends cover every library the binary links, it installs its files, user and state
# directory without systemd running, the installed binary gives the same aggregates as the
# build tree's, the man page lists every flag of --help, logrotate rotates with the snippet,
# `dpkg -r` keeps data and config, `dpkg -P` drops the config, and EVEFLOW_PURGE_DATA=1 the
# data and user too. The machine is left as found (purge on exit, also after a failure).
#
#   deb_test.sh BUILD_DIR      # a configured build tree, reused by package.sh; exit 77 = skipped
set -uo pipefail
BUILD=$(realpath "$1")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILT_BIN=$BUILD/cmd/eveflow/eveflow
export LC_ALL=C TZ=UTC

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (dpkg -i)"; exit 77; }
if dpkg-query -W eveflow >/dev/null 2>&1 || getent passwd eveflow >/dev/null ||
    getent group eveflow >/dev/null || [ -e /var/lib/eveflow ] || [ -e /etc/eveflow ]; then
  echo "SKIP: eveflow is already installed or has left a user or files here; not touching them"
  exit 77
fi

T=$(mktemp -d /tmp/eveflow-deb.XXXXXX)
chmod 755 "$T"  # the user eveflow reads the sample from here
cleanup() {
  dpkg-query -W eveflow >/dev/null 2>&1 && EVEFLOW_PURGE_DATA=1 dpkg -P eveflow >/dev/null 2>&1
  getent passwd eveflow >/dev/null && userdel eveflow
  getent group eveflow >/dev/null && groupdel eveflow
  rm -rf "$T" /var/lib/eveflow /etc/eveflow
}
trap cleanup EXIT
fails=0
check() {  # description, command...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
has_dep() {  # package: it or a name it Provides (libspdlog1.10-fmt9) is in Depends
  [ -n "$1" ] || return 1
  local n
  for n in "$1" $(dpkg-query -W -f '${Provides}' "$1" | tr ',' '\n' | awk '{print $1}'); do
    [[ "$dep_names" == *" $n "* ]] && return 0
  done
  return 1
}
owner() { [ "$(stat -c %U:%G "$1" 2>/dev/null)" = eveflow:eveflow ]; }

# Build. The contract: the .deb's path is the last line of standard output.
DEB=$(EVEFLOW_BUILD_DIR=$BUILD "$SRC/scripts/package.sh" | tail -n 1)
[[ "$DEB" == /*.deb && -f "$DEB" ]] || { echo "FAIL: package.sh printed '$DEB'"; exit 1; }
echo "package: $DEB ($(du -h "$DEB" | cut -f1))"

# Depends: the package of every library the binary itself links (readelf NEEDED, found by ldd,
# owner from dpkg -S), and by name the ones the task names.
depends=$(dpkg-deb -f "$DEB" Depends)
echo "Depends: $depends"
dep_names=" $(echo "$depends" | tr ',|' '\n\n' | awk '{print $1}' | tr '\n' ' ') "
for lib in $(readelf -d "$BUILT_BIN" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
  [[ $lib == ld-linux* ]] && continue
  path=$(ldd "$BUILT_BIN" | awk -v l="$lib" '$1 == l {print $3}')
  pkg=$({ dpkg -S "$path" || dpkg -S "/usr$path" || dpkg -S "${path#/usr}"; } 2>/dev/null | head -n 1)
  check "Depends has ${pkg%%:*} ($lib)" has_dep "${pkg%%:*}"
done
for want in libndpi libpcap librdkafka libpqxx libyaml-cpp libspdlog; do
  check "Depends names $want" grep -q "$want" <<<"$depends"
done

# Contents: only the daemon among the binaries; the conffiles.
listing=$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\.||')
for f in /usr/bin/eveflow /etc/eveflow/eveflow.yaml /etc/logrotate.d/eveflow \
    /lib/systemd/system/eveflow.service /lib/systemd/system/eveflow.socket \
    /usr/share/eveflow/systemd/eveflow.service /usr/share/eveflow/schema.sql \
    /usr/share/eveflow/suricata-eve.yaml /usr/share/eveflow/grafana/eveflow-dashboard.json \
    /usr/share/eveflow/prometheus/eveflow.rules.yml /usr/share/eveflow/snippets/jsonl.yaml \
    /usr/share/man/man8/eveflow.8.gz /usr/share/doc/eveflow/README.md; do
  check "ships $f" grep -qx "$f" <<<"$listing"
done
check "ships no test, benchmark or fuzz binary" \
  test -z "$(grep -E '_(test|bench|fuzz)$|/usr/bin/.' <<<"$listing" | grep -vx /usr/bin/eveflow)"
conffiles=$(dpkg-deb -I "$DEB" conffiles)
check "conffiles" test "$conffiles" = "$(printf '/etc/eveflow/eveflow.yaml\n/etc/logrotate.d/eveflow')"

echo "--- dpkg -i"
check "dpkg -i (no systemd running)" dpkg -i "$DEB"
check "eveflow on PATH is /usr/bin/eveflow" test "$(command -v eveflow)" = /usr/bin/eveflow
check "--check-config on the installed config" \
  /usr/bin/eveflow --check-config -c /etc/eveflow/eveflow.yaml
check "user eveflow, home /var/lib/eveflow" \
  test "$(getent passwd eveflow | cut -d: -f6)" = /var/lib/eveflow
check "/var/lib/eveflow owned by eveflow" owner /var/lib/eveflow
check "/var/lib/eveflow/state owned by eveflow" owner /var/lib/eveflow/state
if command -v systemd-analyze >/dev/null; then
  check "units verify" systemd-analyze verify --man=no /lib/systemd/system/eveflow.socket \
    /lib/systemd/system/eveflow.service
fi

# The man page: its sections, and every flag the installed binary's --help shows.
man=$(MANWIDTH=200 man -l /usr/share/man/man8/eveflow.8.gz 2>"$T/man.err" | col -b)
check "man page renders without warnings" test -n "$man" -a ! -s "$T/man.err"
for s in NAME SYNOPSIS DESCRIPTION OPTIONS FILES SIGNALS "EXIT STATUS" "SEE ALSO"; do
  check "man page section $s" grep -qx "$s" <<<"$man"
done
flags=$(/usr/bin/eveflow --help | awk '/^ +-/ {print $1}' | tr ',' '\n' | sort -u)
check "--help lists flags" test "$(wc -l <<<"$flags")" -gt 20
for f in $flags; do
  check "man page lists $f" grep -qE -- "(^|[ ,])$f([ ,]|$)" <<<"$man"
done

# The installed binary and config, run as the service runs it (user eveflow, output in
# /var/lib/eveflow), against the build tree's binary with the same settings as flags.
python3 "$SRC/scripts/make_sample_eve.py" -n 5000 "$T/eve.json"
check "installed eveflow runs as eveflow with the packaged config" \
  runuser -u eveflow -- /usr/bin/eveflow -c /etc/eveflow/eveflow.yaml --sensor-id t \
  --set "inputs=[{type: eve_file, path: $T/eve.json}]" --set metrics.listen=127.0.0.1:0
"$BUILT_BIN" --eve-file "$T/eve.json" --period 60s --sensor-id t --jsonl "$T/built.jsonl" 2>/dev/null
installed=/var/lib/eveflow/aggregates.jsonl
check "aggregates non-empty" test -s "$installed" -a -s "$T/built.jsonl"
check "aggregates equal the build tree's" cmp <(sort "$installed") <(sort "$T/built.jsonl")
check "aggregates file owned by eveflow" owner "$installed"

if command -v logrotate >/dev/null; then
  check "logrotate rotates the outputs" logrotate -f -s "$T/logrotate.state" /etc/logrotate.d/eveflow
  check "rotated file present" test -s "$installed.1"
fi

echo "--- dpkg -r"
echo "# changed by the admin" >>/etc/eveflow/eveflow.yaml
check "dpkg -r" dpkg -r eveflow
check "binary gone" test ! -e /usr/bin/eveflow -a ! -e /lib/systemd/system/eveflow.service
check "data kept" test -s "$installed.1" -a -d /var/lib/eveflow/state
check "user kept" getent passwd eveflow
check "config kept" grep -q "changed by the admin" /etc/eveflow/eveflow.yaml
check "reinstall keeps the changed config" dpkg -i "$DEB"
check "changed config still there" grep -q "changed by the admin" /etc/eveflow/eveflow.yaml

echo "--- dpkg -P"
check "dpkg -P" dpkg -P eveflow
check "config gone" test ! -e /etc/eveflow -a ! -e /etc/logrotate.d/eveflow
check "data and user kept" test -d /var/lib/eveflow -a -n "$(getent passwd eveflow)"
check "package unknown to dpkg" test -z "$(dpkg-query -W -f '${Status}' eveflow 2>/dev/null)"
check "dpkg -i again over the kept user and data" dpkg -i "$DEB"
check "EVEFLOW_PURGE_DATA=1 dpkg -P" env EVEFLOW_PURGE_DATA=1 dpkg -P eveflow
check "data gone" test ! -e /var/lib/eveflow
check "user and group gone" test -z "$(getent passwd eveflow)$(getent group eveflow)"

echo "deb_test: $fails failure(s)"
exit $((fails > 0))
