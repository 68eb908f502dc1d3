// Parsing and checking of the flow_aggregate handler's config section.
#include "processing/flow_aggregate/config.h"

#include <limits>
#include <vector>

namespace eveflow::processing {
namespace {

std::string valid_key_fields() {
    std::string list;
    for (std::string_view n : kKeyFieldNames) {
        if (!list.empty()) list += ", ";
        list += n;
    }
    return list;
}

uint32_t parse_key_fields(const ConfigNode& node) {
    if (!node.has("key")) {
        node.touch("key");
        return kDefaultKeyFields;
    }
    std::vector<std::string> names = node.strings("key");
    if (names.empty() && node.yaml()["key"].IsSequence()) {
        node.error("key", "must list at least one of " + valid_key_fields());
        return kDefaultKeyFields;
    }
    uint32_t bits = 0;
    bool bad = names.empty();
    for (const auto& name : names) {
        bool found = false;
        for (size_t i = 0; i < std::size(kKeyFieldNames); ++i) {
            if (kKeyFieldNames[i] == name) {
                bits |= 1u << i;
                found = true;
            }
        }
        if (!found) {
            node.error("key",
                       "unknown key field '" + name + "' (valid: " + valid_key_fields() + ")");
            bad = true;
        }
    }
    return bad ? kDefaultKeyFields : bits;
}

}  // namespace

FlowAggregateConfig parse_flow_aggregate_config(const ConfigNode& node) {
    using std::chrono::microseconds;
    FlowAggregateConfig c;
    node.touch("type");
    c.name = node.str("name", c.name);
    if (c.name.empty()) node.error("name", "must not be empty");
    c.period = node.duration("period", c.period, microseconds(0), /*allow_zero=*/false);
    c.allowed_lateness = node.duration("allowed_lateness", c.allowed_lateness);
    c.idle_flush = node.duration("idle_flush", c.idle_flush);
    std::string tf =
        node.choice("time_field", "timestamp", {"timestamp", "flow_start", "flow_end"});
    c.time_field = tf == "flow_start" ? TimeField::kFlowStart
                   : tf == "flow_end" ? TimeField::kFlowEnd
                                      : TimeField::kTimestamp;
    c.key_fields = parse_key_fields(node);
    c.max_keys = static_cast<uint64_t>(node.integer("max_keys", static_cast<int64_t>(c.max_keys), 1,
                                                    std::numeric_limits<int32_t>::max()));
    c.net_prefix_v4 = static_cast<uint8_t>(node.integer("net_prefix_v4", c.net_prefix_v4, 0, 32));
    c.net_prefix_v6 = static_cast<uint8_t>(node.integer("net_prefix_v6", c.net_prefix_v6, 0, 128));
    return c;
}

}  // namespace eveflow::processing
