// Kafka client settings: parsing, merging, and keeping secrets out of the logs.
#include "util/kafka_conf.h"

#include <array>

namespace eveflow::kafka {
namespace {

constexpr std::string_view kMask = "***";

bool contains(std::string_view s, std::string_view part) {
    return s.find(part) != std::string_view::npos;
}

}  // namespace

bool is_secret(std::string_view key) {
    // sasl.password, ssl.key.password, ssl.keystore.password, sasl.oauthbearer.client.secret,
    // ssl.key.pem (a private key), sasl.oauthbearer.config (may embed credentials).
    static constexpr std::array<std::string_view, 4> kParts = {"password", "secret", "key.pem",
                                                               "oauthbearer.config"};
    for (auto part : kParts) {
        if (contains(key, part)) return true;
    }
    return false;
}

ClientConfig parse_client(
    const ConfigNode& node,
    std::initializer_list<std::pair<std::string_view, std::string_view>> reserved) {
    ClientConfig c;
    c.brokers = node.required_str("brokers");
    for (auto& [key, value] : node.string_map("properties")) {
        std::string_view use = key == "bootstrap.servers" || key == "metadata.broker.list"
                                   ? std::string_view("brokers")
                                   : std::string_view();
        for (auto [name, instead] : reserved) {
            if (key == name) use = instead;
        }
        if (!use.empty()) {
            node.error("properties." + key,
                       "set by eveflow: use key '" + std::string(use) + "' instead");
            continue;
        }
        c.properties.emplace_back(key, value);
    }
    return c;
}

Properties client_properties(const ClientConfig& config, const Properties& defaults) {
    Properties out = defaults;
    out.emplace_back("bootstrap.servers", config.brokers);
    out.insert(out.end(), config.properties.begin(), config.properties.end());
    return out;
}

std::string describe(const Properties& properties) {
    std::string out;
    for (const auto& [key, value] : properties) {
        if (!out.empty()) out += ' ';
        out += key;
        out += '=';
        out += is_secret(key) ? std::string(kMask) : value;
    }
    return out;
}

std::string mask_secrets(std::string_view text, const Properties& properties) {
    std::string out(text);
    for (const auto& [key, value] : properties) {
        if (value.empty() || !is_secret(key)) continue;
        for (size_t pos = out.find(value); pos != std::string::npos;
             pos = out.find(value, pos + kMask.size())) {
            out.replace(pos, value.size(), kMask);
        }
    }
    return out;
}

void forward_log(std::string_view component, int level, std::string_view facility,
                 std::string_view message, const Properties& properties, log::RateLimit& limit) {
    std::string text = mask_secrets(message, properties);
    if (level >= 7) {
        log::debug("{}: librdkafka {}: {}", component, facility, text);
        return;
    }
    uint64_t suppressed = 0;
    if (!limit.allow(suppressed)) return;
    if (suppressed) log::info("{}: librdkafka: {} messages suppressed", component, suppressed);
    if (level <= 4) {
        log::warn("{}: librdkafka {}: {}", component, facility, text);
    } else {
        log::info("{}: librdkafka {}: {}", component, facility, text);
    }
}

}  // namespace eveflow::kafka
