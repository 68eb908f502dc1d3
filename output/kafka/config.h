// KafkaSinkConfig: the keys of a kafka output (`outputs[]` items of type kafka).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/config_node.h"
#include "util/kafka_conf.h"
#include "util/on_full.h"

namespace eveflow::output {

/// What becomes the message key.
enum class KafkaKey { kAuto, kSrcIp, kDestIp, kFlowId, kNone };

struct KafkaSinkConfig {
    std::string name = "kafka";
    kafka::ClientConfig client;
    /// Topic template: `{event_type}` expands to `flow_aggregate` for aggregates and to the
    /// event type of a forwarded raw event.
    std::string topic = "eveflow.{event_type}";
    /// kAuto: src_ip for aggregates, flow_id for raw events (a flow's events share a partition).
    KafkaKey key = KafkaKey::kAuto;
    OnFull on_full = OnFull::kBlock;
    std::chrono::milliseconds flush_timeout{10000};
};

/// Parses and checks an `outputs[i]` section of type kafka (errors go to the node).
KafkaSinkConfig parse_kafka_sink_config(const ConfigNode& node);
/// Expands the topic template for one event type; characters Kafka does not allow in topic
/// names become '_'.
std::string expand_topic(std::string_view tmpl, std::string_view event_type);

}  // namespace eveflow::output
