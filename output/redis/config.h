// RedisSinkConfig: the keys of a redis output (`outputs[]` items of type redis), a live flow table.
#pragma once

#include <cstddef>
#include <string>

#include "util/config_node.h"
#include "util/on_full.h"
#include "util/redis/redis_conf.h"

namespace eveflow::output {

struct RedisSinkConfig {
    std::string name = "redis";
    redis::RedisEndpoint endpoint;
    /// The hash of live flows (field: flow_id in decimal, value: the flow's JSON);
    /// `{sensor_id}` is replaced by the record's sensor.
    std::string key = "eveflow:flows:{sensor_id}";
    /// Empty: none. Else a sorted set of the live flows scored by their bytes (both ways).
    std::string top_key;
    OnFull on_full = OnFull::kBlock;
    size_t max_buffer = 100000;  // operations waiting to be sent
    size_t pipeline = 1000;      // operations per round trip
    /// Deletes `key` and `top_key` of the configured sensor before the first operation: the
    /// live flows a run that crashed left there are gone (a clean stop leaves none).
    bool clear_at_start = true;
};

/// Parses and checks an `outputs[i]` section of type redis (errors go to the node).
RedisSinkConfig parse_redis_sink_config(const ConfigNode& node);

}  // namespace eveflow::output
