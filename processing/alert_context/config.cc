// Parsing and checking of the alert_context handler's config section.
#include "processing/alert_context/config.h"

namespace eveflow::processing {

AlertContextConfig parse_alert_context_config(const ConfigNode& node) {
    AlertContextConfig c;
    node.touch("type");
    c.name = node.str("name", c.name);
    if (c.name.empty()) node.error("name", "must not be empty");
    c.ttl = node.duration("ttl", c.ttl, std::chrono::seconds(1), /*allow_zero=*/false);
    c.max_events_per_flow = static_cast<uint64_t>(node.integer(
        "max_events_per_flow", static_cast<int64_t>(c.max_events_per_flow), 1, 100000));
    c.max_bytes = node.size("max_bytes", c.max_bytes, 4096, 1000000);
    c.max_total_bytes = node.size("max_total_bytes", c.max_total_bytes, 1 << 20, uint64_t{1} << 40);
    return c;
}

}  // namespace eveflow::processing
