// Redis source configuration: keys, defaults and checks of an `inputs[i]` section of type redis.
#include "input/redis/config.h"

namespace eveflow::input {

RedisSourceConfig parse_redis_source_config(const ConfigNode& node) {
    RedisSourceConfig c;
    c.name = node.str("name", c.name);
    c.endpoint = redis::parse_redis_endpoint(node);
    c.key = node.str("key", c.key);
    if (c.key.empty()) node.error("key", "must not be empty");
    const std::string mode = node.choice("mode", "lpush", {"lpush", "rpush", "channel"});
    c.mode = mode == "rpush"     ? RedisMode::kRpush
             : mode == "channel" ? RedisMode::kChannel
                                 : RedisMode::kLpush;
    c.batch_size = static_cast<size_t>(node.integer("batch_size", 1000, 1, 100000));
    if (node.has("checkpoint_interval")) {
        c.checkpoint_interval = parse_checkpoint_interval(node);
    }
    c.max_line = node.size("max_line", c.max_line, 1024, size_t{1} << 30);
    return c;
}

}  // namespace eveflow::input
