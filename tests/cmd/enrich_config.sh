#!/usr/bin/env bash
# The enrichment keys: each misuse is refused with exit 2 and file:line, key and cause; the
# shorthand flags set the keys the configuration file would.
#   enrich_config.sh EVEFLOW_BINARY
set -uo pipefail
BIN=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export TZ=UTC LC_ALL=C
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_error() {  # WANT_MESSAGE ARGS...
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
IN=(--eve-file /dev/null)

printf 'inputs: [{type: eve_file, path: /dev/null}]\nhandlers:\n  - type: flow_aggregate\n    key: [src_ip, home_direction]\n' >"$T/dir.yaml"
expect_error "$T/dir.yaml:4: handlers[0].key: home_direction needs home_net (top level, or --home-net)" \
  --check-config -c "$T/dir.yaml"
expect_ok -c "$T/dir.yaml" --home-net 10.0.0.0/8
for f in src_country dest_country src_asn dest_asn; do
  expect_error "handlers[0].key: $f needs a geo database (enrich.geo, or --geo-db)" \
    --check-config "${IN[@]}" --set "handlers[0].key=[$f]"
done
expect_ok "${IN[@]}" --geo-db /nonexistent.db --set 'handlers[0].key=[src_country,dest_asn]'
expect_error "metrics.traffic_labels: home_direction needs home_net" \
  --check-config "${IN[@]}" --metrics 127.0.0.1:0 --set metrics.traffic_labels.home_direction=true
expect_ok "${IN[@]}" --metrics 127.0.0.1:0 --set metrics.traffic_labels.home_direction=true --home-net 10.0.0.0/8
expect_error "home_net: not a network: '10.0.0.0/33'" --check-config "${IN[@]}" --home-net 10.0.0.0/33
expect_error "home_net: not a network: 'x'" --check-config "${IN[@]}" --home-net 10.0.0.0/8,x
expect_error "handlers[0].net_prefix_v4" --check-config "${IN[@]}" --set handlers[0].net_prefix_v4=33
expect_error "handlers[0].net_prefix_v6" --check-config "${IN[@]}" --set handlers[0].net_prefix_v6=129
expect_ok "${IN[@]}" --set 'enrich.rdns={servers: [127.0.0.1]}'
expect_ok "${IN[@]}" --set 'enrich.rdns.servers=[127.0.0.1:5353]'
expect_ok "${IN[@]}" --set 'enrich.rdns.servers=["[::1]:5353", "::1", 10.0.0.53]'
expect_error "enrich.rdns.servers: not a name server: '127.0.0.1:99999'" \
  --check-config "${IN[@]}" --set 'enrich.rdns.servers=[127.0.0.1:99999]'
printf 'inputs: [{type: eve_file, path: /dev/null}]\nenrich:\n  rdns:\n    servers: [10.0.0.1]\n    ttl: never\n    max_inflight: 0\n' >"$T/rdns.yaml"
expect_error "$T/rdns.yaml:5: enrich.rdns.ttl: must be a duration" --check-config -c "$T/rdns.yaml"
expect_error "$T/rdns.yaml:6: enrich.rdns.max_inflight" --check-config -c "$T/rdns.yaml"
expect_error "enrich.geo.database: must not be empty" --check-config "${IN[@]}" --set 'enrich.geo.database=""'
expect_error "unknown key field 'src_netz'" --check-config "${IN[@]}" --set 'handlers[0].key=[src_netz]'
expect_ok "${IN[@]}" --home-net '!10.9.0.0/16' --set 'handlers[0].key=[src_net,dest_net,home_direction]'
expect_ok "${IN[@]}" --set 'enrich.community_id=true'
printf 'inputs: [{type: eve_file, path: /dev/null}]\nenrich:\n  dns_names:\n    max_entries: 0\n    ttl: 0s\n    size: 3\n' >"$T/names.yaml"
expect_error "$T/names.yaml:4: enrich.dns_names.max_entries" --check-config -c "$T/names.yaml"
expect_error "$T/names.yaml:5: enrich.dns_names.ttl" --check-config -c "$T/names.yaml"
expect_error "$T/names.yaml:6: enrich.dns_names.size: unknown key" --check-config -c "$T/names.yaml"
expect_error "enrich.dns_names.ttl" --check-config "${IN[@]}" --set enrich.dns_names.ttl=soon
expect_ok "${IN[@]}" --set 'enrich.dns_names={}'
expect_ok "${IN[@]}" --set 'enrich.dns_names={max_entries: 10, ttl: 5m}'
exit $fails
