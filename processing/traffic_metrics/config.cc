// TrafficMetricsConfig: the `metrics.traffic_labels` keys and their checks.
#include "processing/traffic_metrics/config.h"

#include <charconv>

namespace eveflow::processing {

TrafficMetricsConfig parse_traffic_metrics_config(const ConfigNode& node) {
    TrafficMetricsConfig cfg;
    if (!node.is_map()) return cfg;
    cfg.app_proto_top = static_cast<int>(node.integer("app_proto_top", cfg.app_proto_top, 0, 1000));
    cfg.home_direction = node.boolean("home_direction", false);
    if (!node.has("dest_ports")) return cfg;
    cfg.dest_ports.clear();
    for (const std::string& s : node.strings("dest_ports")) {
        unsigned port = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
        if (s.empty() || ec != std::errc() || p != s.data() + s.size() || port < 1 ||
            port > 65535) {
            node.error("dest_ports", "must be a list of ports in [1, 65535] (got \"" + s + "\")");
            continue;
        }
        cfg.dest_ports.push_back(static_cast<uint16_t>(port));
    }
    return cfg;
}

}  // namespace eveflow::processing
