// RedisSourceConfig: the keys of a redis input (`inputs[]` items of type redis).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "input/eve/eve_batcher.h"
#include "input/source.h"
#include "util/config_node.h"
#include "util/redis/redis_conf.h"

namespace eveflow::input {

/// How Suricata's `eve-log: filetype: redis` delivers: `lpush` (its `list` mode: newest at the
/// head), `rpush` (newest at the tail) or `channel` (its `publish` mode: PUBLISH to a channel).
enum class RedisMode { kLpush, kRpush, kChannel };

struct RedisSourceConfig {
    std::string name = "redis";
    redis::RedisEndpoint endpoint;
    std::string key = "suricata";  // the list, or the channel in channel mode
    RedisMode mode = RedisMode::kLpush;
    size_t batch_size = 1000;  // list entries read per round trip
    /// How often the entries read are checkpointed (and trimmed from the list once written).
    std::chrono::milliseconds checkpoint_interval{1000};
    size_t max_line = kDefaultMaxLine;
};

/// Parses and checks an `inputs[i]` section of type redis (errors go to the node).
RedisSourceConfig parse_redis_source_config(const ConfigNode& node);

}  // namespace eveflow::input
