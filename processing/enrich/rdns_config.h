// RdnsConfig: the `enrich.rdns` section (reverse DNS of the addresses in aggregate keys).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "types/ip_addr.h"
#include "util/config_node.h"

namespace eveflow::processing {

/// One name server: an address and a port (0: the DNS port, 53).
struct RdnsServer {
    IpAddr ip;
    uint16_t port = 0;
    /// `1.2.3.4:53`, `[2001:db8::1]:53`: the form c-ares reads.
    std::string text() const;
};

struct RdnsConfig {
    std::vector<RdnsServer> servers;  // empty: /etc/resolv.conf's
    bool private_only = true;         // only RFC 1918 and ULA addresses
    size_t cache_size = 100000;
    std::chrono::microseconds ttl = std::chrono::hours(1);
    std::chrono::microseconds negative_ttl = std::chrono::minutes(5);
    std::chrono::microseconds timeout = std::chrono::seconds(2);
    size_t max_inflight = 1000;
};

/// Parses `IP`, `IP:PORT` or `[IPv6]:PORT`; nullopt when malformed.
std::optional<RdnsServer> parse_rdns_server(std::string_view text);

/// Reads the `rdns` section (`node` is `enrich.rdns`); errors go to its diagnostics.
RdnsConfig parse_rdns_config(const ConfigNode& node);

/// True for the addresses private_only resolves: 10/8, 172.16/12, 192.168/16, fc00::/7.
bool rdns_private_address(const IpAddr& ip);

}  // namespace eveflow::processing
