// AlertContextConfig: the alert_context handler's keys and their checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "util/config_node.h"

namespace eveflow::processing {

struct AlertContextConfig {
    std::string name = "alert_context";
    /// How long, in event time from its first event, a flow's events are held.
    std::chrono::microseconds ttl = std::chrono::minutes(10);
    /// Alerts and other events kept per flow.
    uint64_t max_events_per_flow = 100;
    /// Bound of one record's size: below Kafka's default message.max.bytes (1000012).
    uint64_t max_bytes = 512 * 1024;
    /// Bound of the bytes of all held events; the oldest flows go first when it is reached.
    uint64_t max_total_bytes = 256 * 1024 * 1024;
};

/// Bytes of a record not taken by its events: the envelope, plus six per byte of the sensor
/// name (its escaped form at worst).
inline constexpr uint64_t kEnvelopeBytes = 512;

AlertContextConfig parse_alert_context_config(const ConfigNode& node);

}  // namespace eveflow::processing
