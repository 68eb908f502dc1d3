// KafkaSourceConfig: the keys of a kafka input (`inputs[]` items of type kafka).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "input/eve/eve_batcher.h"
#include "input/source.h"
#include "util/config_node.h"
#include "util/kafka_conf.h"

namespace eveflow::input {

struct KafkaSourceConfig {
    std::string name = "kafka";
    kafka::ClientConfig client;
    std::vector<std::string> topics;
    std::string group = "eveflow";
    std::chrono::milliseconds commit_interval{1000};
    /// How often a checkpoint is published when an output stores the offsets (PostgreSQL).
    std::chrono::milliseconds checkpoint_interval = kDefaultCheckpointInterval;
    size_t max_line = kDefaultMaxLine;
};

/// Parses and checks an `inputs[i]` section of type kafka (errors go to the node).
KafkaSourceConfig parse_kafka_source_config(const ConfigNode& node);

}  // namespace eveflow::input
