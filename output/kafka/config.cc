// Kafka sink configuration: keys, defaults and checks of an `outputs[i]` section of type kafka.
#include "output/kafka/config.h"

#include <librdkafka/rdkafka.h>

namespace eveflow::output {
namespace {

constexpr std::string_view kPlaceholder = "{event_type}";

bool topic_char_ok(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

void check_topic(const ConfigNode& node, const std::string& tmpl) {
    std::string rest = tmpl;
    for (size_t p = rest.find(kPlaceholder); p != std::string::npos; p = rest.find(kPlaceholder)) {
        rest.erase(p, kPlaceholder.size());
    }
    for (char c : rest) {
        if (!topic_char_ok(c)) {
            node.error("topic",
                       "may hold only a-z A-Z 0-9 . _ - and {event_type} (got \"" + tmpl + "\")");
            return;
        }
    }
    if (tmpl.empty() || tmpl.size() > 200) {
        node.error("topic", "must be 1 to 200 characters (got \"" + tmpl + "\")");
    }
}

/// Asks librdkafka whether each property exists and takes its value, without creating a client.
void check_properties(const ConfigNode& node, const kafka::Properties& properties) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (const auto& [key, value] : properties) {
        if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
            node.error("properties." + key, kafka::mask_secrets(err, properties));
        }
    }
    rd_kafka_conf_destroy(conf);
}

}  // namespace

std::string expand_topic(std::string_view tmpl, std::string_view event_type) {
    std::string out;
    size_t from = 0;
    for (size_t p = tmpl.find(kPlaceholder); p != std::string_view::npos;
         p = tmpl.find(kPlaceholder, from)) {
        out.append(tmpl.substr(from, p - from));
        for (char c : event_type.substr(0, 100)) out += topic_char_ok(c) ? c : '_';
        if (event_type.empty()) out += '_';
        from = p + kPlaceholder.size();
    }
    out.append(tmpl.substr(from));
    return out;
}

KafkaSinkConfig parse_kafka_sink_config(const ConfigNode& node) {
    KafkaSinkConfig c;
    c.name = node.str("name", "kafka");
    c.client = kafka::parse_client(node);
    check_properties(node, c.client.properties);
    c.topic = node.str("topic", c.topic);
    check_topic(node, c.topic);
    std::string key = node.choice("key", "auto", {"auto", "src_ip", "dest_ip", "flow_id", "none"});
    if (key == "src_ip") c.key = KafkaKey::kSrcIp;
    if (key == "dest_ip") c.key = KafkaKey::kDestIp;
    if (key == "flow_id") c.key = KafkaKey::kFlowId;
    if (key == "none") c.key = KafkaKey::kNone;
    c.on_full = parse_on_full(node, OnFull::kBlock);
    auto flush =
        node.duration("flush_timeout", c.flush_timeout, std::chrono::microseconds(0), true);
    c.flush_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(flush);
    return c;
}

}  // namespace eveflow::output
