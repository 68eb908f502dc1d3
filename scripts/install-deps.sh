#!/usr/bin/env bash
# Installs everything eveflow needs to build, test and benchmark on Debian 12 (run as root).
# Quick when everything is already there: apt-get runs only for missing packages.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libpcap-dev libndpi-dev libsimdjson-dev librdkafka-dev libpqxx-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev libyaml-cpp-dev libcli11-dev libspdlog-dev
  clang-14 libclang-rt-14-dev clang-format-14
  postgresql-15 prometheus kcat tcpreplay iproute2 curl procps time bzip2 jq
  python3 python3-scapy python3-dpkt libndpi-bin
  libzstd-dev zlib1g-dev zstd
  dpkg-dev adduser man-db bsdextrautils logrotate
  libhiredis-dev redis-server python3-redis
  libc-ares-dev dnsmasq-base
  libloc-dev libloc-database python3-location libmaxminddb-dev mmdb-bin libmaxmind-db-writer-perl
  libbpf-dev bpftool
  libssl-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
