// Kafka source configuration: keys, defaults and checks of an `inputs[i]` section of type kafka.
#include "input/kafka/config.h"

#include <librdkafka/rdkafka.h>

namespace eveflow::input {

KafkaSourceConfig parse_kafka_source_config(const ConfigNode& node) {
    KafkaSourceConfig c;
    c.name = node.str("name", "kafka");
    c.client = kafka::parse_client(node, {{"group.id", "group"}});
    c.topics = node.strings("topics");
    if (c.topics.empty() && node.has("topics"))
        node.error("topics", "must list at least one topic");
    if (!node.has("topics")) node.error("topics", "missing (a list of topics to consume)");
    c.group = node.str("group", c.group);
    if (c.group.empty()) node.error("group", "must not be empty");
    auto interval =
        node.duration("commit_interval", c.commit_interval, std::chrono::milliseconds(10), false);
    c.commit_interval = std::chrono::duration_cast<std::chrono::milliseconds>(interval);
    c.checkpoint_interval = parse_checkpoint_interval(node);
    c.max_line = node.size("max_line", c.max_line, 1024, size_t{1} << 30);
    // Ask librdkafka whether each property exists and takes its value (no client is made).
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (const auto& [key, value] : c.client.properties) {
        if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
            node.error("properties." + key, kafka::mask_secrets(err, c.client.properties));
        }
    }
    rd_kafka_conf_destroy(conf);
    return c;
}

}  // namespace eveflow::input
