// MetricsConfig: the exporter's keys of the `metrics:` section.
#pragma once

#include <cstdint>
#include <string>

#include "util/config_node.h"

namespace eveflow::output {

struct MetricsConfig {
    std::string host = "127.0.0.1";  // IPv4 literal or [IPv6] literal
    uint16_t port = 9464;            // 0: the kernel picks a free port (logged)
};

/// Parses the `metrics:` section's `listen` (the plan hands `traffic_labels` to the traffic
/// counters). Errors go to the node's diagnostics.
MetricsConfig parse_metrics_config(const ConfigNode& node);

}  // namespace eveflow::output
