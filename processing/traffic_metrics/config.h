// TrafficMetricsConfig: the `metrics.traffic_labels` keys (label bounds of the traffic counters).
#pragma once

#include <cstdint>
#include <vector>

#include "util/config_node.h"

namespace eveflow::processing {

struct TrafficMetricsConfig {
    int app_proto_top = 20;                             // app_protos with a label of their own
    std::vector<uint16_t> dest_ports{22, 53, 80, 443};  // ports with a per-port series
    bool home_direction = false;  // label the flow series by home_direction (needs home_net)
};

/// Parses the `metrics.traffic_labels` section (absent: the defaults). The plan hands it over:
/// the rest of `metrics:` belongs to the exporter.
TrafficMetricsConfig parse_traffic_metrics_config(const ConfigNode& node);

}  // namespace eveflow::processing
