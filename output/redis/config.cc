// Redis sink configuration: keys, defaults and checks of an `outputs[i]` section of type redis.
#include "output/redis/config.h"

namespace eveflow::output {

RedisSinkConfig parse_redis_sink_config(const ConfigNode& node) {
    RedisSinkConfig c;
    c.name = node.str("name", c.name);
    c.endpoint = redis::parse_redis_endpoint(node);
    c.key = node.str("key", c.key);
    if (c.key.empty()) node.error("key", "must not be empty");
    c.top_key = node.str("top_key", "");
    if (!c.top_key.empty() && c.top_key == c.key) {
        node.error("top_key", "must differ from key (\"" + c.key + "\")");
    }
    c.on_full = parse_on_full(node, OnFull::kBlock);
    c.max_buffer = static_cast<size_t>(node.integer("max_buffer", 100000, 1, 100000000));
    c.pipeline = static_cast<size_t>(node.integer("pipeline", 1000, 1, 100000));
    c.clear_at_start = node.boolean("clear_at_start", c.clear_at_start);
    return c;
}

}  // namespace eveflow::output
