// DnsHandlerConfig: the settings of the dns_aggregate and pdns handlers, parsed and checked once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "util/config_node.h"

namespace eveflow::processing::dns {

struct DnsHandlerConfig {
    std::string name;
    std::chrono::microseconds period{60'000'000};
    std::chrono::microseconds allowed_lateness{30'000'000};
    std::chrono::microseconds idle_flush{60'000'000};  // 0 disables the idle flush
    uint64_t max_answers = 64;  // dns_aggregate: distinct answers kept per key
};

/// Reads a dns_aggregate section (period, allowed_lateness, idle_flush, max_answers).
DnsHandlerConfig parse_dns_aggregate_config(const ConfigNode& node);
/// Reads a pdns section (period, allowed_lateness, idle_flush).
DnsHandlerConfig parse_pdns_config(const ConfigNode& node);

}  // namespace eveflow::processing::dns
