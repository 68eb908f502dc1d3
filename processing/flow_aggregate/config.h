// FlowAggregateConfig: the typed settings of one flow_aggregate handler, parsed and checked once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "types/record.h"
#include "util/config_node.h"

namespace eveflow::processing {

/// Which event time places a flow in its window.
enum class TimeField : uint8_t { kTimestamp, kFlowStart, kFlowEnd };

struct FlowAggregateConfig {
    std::string name = "flow_aggregate";
    std::chrono::microseconds period{60'000'000};
    std::chrono::microseconds allowed_lateness{30'000'000};
    std::chrono::microseconds idle_flush{60'000'000};  // 0 disables the idle flush
    TimeField time_field = TimeField::kTimestamp;
    uint32_t key_fields = kDefaultKeyFields;  // KeyField bits
    uint64_t max_keys = 1'000'000;
    uint8_t net_prefix_v4 = 24;  // of the src_net / dest_net key fields
    uint8_t net_prefix_v6 = 64;
};

/// Reads a `handlers[i]` section. Problems are recorded on the node's diagnostics (all at
/// once); the returned config then holds defaults for the bad keys.
FlowAggregateConfig parse_flow_aggregate_config(const ConfigNode& node);

}  // namespace eveflow::processing
