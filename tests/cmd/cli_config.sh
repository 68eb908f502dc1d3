#!/usr/bin/env bash
# The command line refuses what it cannot honour, with exit 2 and a message naming the cause:
# duplicate keys, a directory or unreadable file for -c, flags that apply to no input, --set
# list items without their type. --version names each library with its own version.
#   cli_config.sh EVEFLOW_BINARY
set -uo pipefail
BIN=$1
T=$(mktemp -d)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
export TZ=UTC LC_ALL=C
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect_error WANT_MESSAGE ARGS...: exit 2, and WANT_MESSAGE on a line of stderr.
expect_error() {
  local want=$1; shift
  "$BIN" "$@" >"$T/out" 2>"$T/err"; local rc=$?
  [ $rc -eq 2 ] || { fail "$* exited $rc, want 2"; cat "$T/err"; return; }
  grep -qF -- "$want" "$T/err" || { fail "$*: want '$want' in:"; cat "$T/err"; return; }
  echo "ok   $*"
}
expect_ok() {
  "$BIN" --check-config "$@" >"$T/out" 2>"$T/err" || { fail "$* was refused:"; cat "$T/err"; return; }
  echo "ok   $*"
}

# Duplicate keys, at the top and nested, each with file:line and key path.
printf 'inputs: [{type: eve_file, path: /dev/null}]\nhandlers:\n  - type: flow_aggregate\n    period: 60s\n    period: 30s\ninputs: []\n' >"$T/dup.yaml"
expect_error "eveflow: error: $T/dup.yaml:5: handlers[0].period: duplicate key (first at line 4)" --check-config -c "$T/dup.yaml"
grep -qF "$T/dup.yaml:6: inputs: duplicate key (first at line 1)" "$T/err" || { fail "top-level duplicate not reported"; cat "$T/err"; }
expect_error "--set handlers[0]={type: flow_aggregate, period: 1s, period: 2s}: handlers[0].period: duplicate key" \
  --check-config --eve-file /dev/null --set 'handlers[0]={type: flow_aggregate, period: 1s, period: 2s}'

# -c with a directory, a missing file, a file whose read fails, a file nobody may read.
expect_error "eveflow: error: $T: is a directory; -c takes a YAML configuration file" --check-config -c "$T"
expect_error "eveflow: error: $T/none.yaml: cannot open: No such file or directory" --check-config -c "$T/none.yaml"
expect_error "eveflow: error: /proc/self/mem: cannot read: Input/output error" --check-config -c /proc/self/mem
printf 'inputs: [{type: eve_file, path: /dev/null}]\n' >"$T/secret.yaml"
chmod 600 "$T/secret.yaml"
if [ "$(id -u)" -eq 0 ]; then
  chown root "$T/secret.yaml"
  RUN=(setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN")
else
  chmod 000 "$T/secret.yaml"
  RUN=("$BIN")
fi
"${RUN[@]}" --check-config -c "$T/secret.yaml" 2>"$T/err"; rc=$?
if [ $rc -eq 2 ] && grep -qF "$T/secret.yaml: cannot open: Permission denied" "$T/err"; then
  echo "ok   unreadable -c file"
else
  fail "unreadable -c file: exit $rc"; cat "$T/err"
fi

# Flags that modify flag-created inputs, without such an input.
for f in "--bpf tcp" --no-flow-expiry --no-dpi "--ndpi-config-dir $T"; do
  set -- $f
  expect_error "eveflow: error: $1 needs --pcap or --interface" --check-config --eve-file /dev/null "$@"
  expect_ok --pcap /dev/null "$@"
done
expect_error "eveflow: error: --follow needs --eve-file with a file path" --check-config --pcap /dev/null --follow
expect_error "eveflow: error: --follow needs --eve-file with a file path" --check-config --eve-file - --follow
expect_ok --eve-file - --eve-file /dev/null --follow
expect_error "eveflow: error: --kafka-input-topic needs --kafka-input" --check-config --eve-file /dev/null --kafka-input-topic t
expect_error "eveflow: error: --kafka-group needs --kafka-input" --check-config --eve-file /dev/null --kafka-group g
expect_ok --kafka-input 127.0.0.1:9 --kafka-input-topic t --kafka-group g
expect_error "eveflow: error: --redis-key needs --redis-input" --check-config --eve-file /dev/null --redis-key k
expect_ok --redis-input 127.0.0.1:9 --redis-key k --redis-flows 127.0.0.1:9
# --redis-input and --redis-flows set inputs[N].address and outputs[N].address.
expect_error "inputs[0].address: must be HOST:PORT with a port of 1-65535 (got \"h\")" --check-config --redis-input h
expect_error "outputs[0].address: must be HOST:PORT with a port of 1-65535 (got \"h:x\")" --check-config --eve-file /dev/null --redis-flows h:x
# With no handlers configured, handlers[0] is the default handler: --set may edit it.
expect_ok --eve-file /dev/null --set "handlers[0].max_keys=10"
# Process visibility: live interfaces only (a capture file's processes are gone).
expect_error "eveflow: error: --process-visibility needs --interface" --check-config --pcap /dev/null --process-visibility
expect_error "inputs[0].process_visibility: applies to a live interface only" --check-config --pcap /dev/null --set inputs[0].process_visibility=true
# An input of the configuration file is not one the flags apply to.
printf 'inputs: [{type: pcap, file: /dev/null}]\n' >"$T/pcap.yaml"
expect_error "eveflow: error: --bpf needs --pcap or --interface" --check-config -c "$T/pcap.yaml" --bpf tcp

# --set adding a list item: it must give the item's type (forward: types or outputs).
expect_error "eveflow: error: --set handlers[1].period=30s: handlers[1]: a new list item needs its type" \
  --check-config --eve-file /dev/null --period 60s --set 'handlers[1].period=30s'
"$BIN" --print-plan --eve-file /dev/null --period 60s --set 'handlers[1].period=30s' \
  --set 'handlers[1].type=flow_aggregate' >"$T/plan" 2>"$T/err" || { fail "typed new handler refused"; cat "$T/err"; }
[ "$(grep -c 'handler flow_aggregate ->' "$T/plan")" -eq 2 ] || { fail "want 2 handlers in plan:"; cat "$T/plan"; }
expect_error "eveflow: error: --set forward[0].name=x: forward[0]: a new list item needs its types or outputs" \
  --check-config --eve-file /dev/null --set 'forward[0].name=x'

# A lifecycle output (the Redis flow table) takes no aggregates: with it as the only output they
# go to stdout (a jsonl output no flag asked for), from the flags and from a configuration file.
want_plan() {  # label, plan file, lines the plan must hold
  local label=$1 plan=$2; shift 2
  for want in "$@"; do grep -qxF "$want" "$plan" || { fail "$label: no '$want' in:"; cat "$plan"; }; done
}
"$BIN" --check-config --print-plan --pcap /dev/null --redis-flows 127.0.0.1:1 \
  --flow-update-interval 60s >"$T/plan" 2>"$T/err" || { fail "--redis-flows alone refused"; cat "$T/err"; }
want_plan "--redis-flows alone" "$T/plan" "handler flow_aggregate -> output jsonl[1]" \
  "handler flow_lifecycle -> output redis[0]"
printf 'inputs: [{type: pcap, file: /dev/null}]\noutputs: [{type: redis, address: "127.0.0.1:1"}]\n' \
  >"$T/redis.yaml"
"$BIN" --check-config --print-plan -c "$T/redis.yaml" >"$T/plan" 2>"$T/err" ||
  { fail "redis-only configuration refused"; cat "$T/err"; }
want_plan "redis-only configuration" "$T/plan" "handler flow_aggregate -> output jsonl[1]" \
  "handler flow_lifecycle -> output redis[0]"
# An output that takes aggregates, given by a flag, replaces stdout.
"$BIN" --check-config --print-plan --pcap /dev/null --redis-flows 127.0.0.1:1 --jsonl "$T/a.jsonl" \
  >"$T/plan" 2>"$T/err" || { fail "--redis-flows with --jsonl refused"; cat "$T/err"; }
want_plan "--redis-flows --jsonl" "$T/plan" "handler flow_aggregate -> output jsonl[0]"
[ "$(grep -c -- '-> output jsonl' "$T/plan")" -eq 1 ] || { fail "stdout added beside --jsonl:"; cat "$T/plan"; }

# --version: each library's version as the library (or its package) reports it.
"$BIN" --version >"$T/version" || fail "--version exit $?"
cat "$T/version"
pkgver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null | sed 's/^[0-9]*://; s/[-+~].*//'; }
want_line() { grep -qE "^$1 $2" "$T/version" || fail "--version: want '$1 $2...'"; }
want_line nDPI "$(pkg-config --modversion libndpi)"
want_line libpcap "$(pkg-config --modversion libpcap)"
want_line librdkafka "$(pkg-config --modversion rdkafka)"
want_line libpqxx "$(sed -n 's/^#define PQXX_VERSION "\(.*\)"/\1/p' /usr/include/pqxx/version.hxx)"
want_line libpq "$(pkgver libpq5)"
want_line simdjson "$(pkg-config --modversion simdjson)"
want_line yaml-cpp "$(pkg-config --modversion yaml-cpp)"
# --flow-update-interval sets update_interval on every pcap input, the configuration file's too:
# a bad value is reported for each of them.
printf 'inputs: [{type: pcap, file: /dev/null}, {type: eve_file, path: /dev/null}]\n' >"$T/pcap.yaml"
expect_error "$T/pcap.yaml:1: inputs[0].update_interval: must be a duration" \
  --check-config -c "$T/pcap.yaml" --pcap /dev/null --flow-update-interval 5x
grep -qF "(command line)" "$T/err" && fail "--flow-update-interval: wrong source named"
grep -qF "inputs[2].update_interval: must be a duration" "$T/err" ||
  { fail "--flow-update-interval not set on the flag's pcap input"; cat "$T/err"; }
grep -qF "inputs[1].update_interval" "$T/err" && fail "--flow-update-interval set on an eve_file input"
expect_ok -c "$T/pcap.yaml" --flow-update-interval 60s
# --workers alike: 1-64 on every pcap input, out of range an error with file:line for each.
expect_error "$T/pcap.yaml:1: inputs[0].workers: must be in [1, 64] (got 65)" \
  --check-config -c "$T/pcap.yaml" --pcap /dev/null --workers 65
grep -qF "inputs[2].workers: must be in [1, 64] (got 65)" "$T/err" ||
  { fail "--workers not set on the flag's pcap input"; cat "$T/err"; }
grep -qF "inputs[1].workers" "$T/err" && fail "--workers set on an eve_file input"
expect_error "inputs[0].workers: must be in [1, 64] (got 0)" --check-config --pcap /dev/null --workers 0
expect_ok -c "$T/pcap.yaml" --workers 64

exit $fails
