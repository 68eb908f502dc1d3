// Kafka client settings shared by the Kafka input and output: no librdkafka types here.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/config_node.h"
#include "util/log.h"

namespace eveflow::kafka {

/// librdkafka configuration properties, in the order they are applied (later ones win).
using Properties = std::vector<std::pair<std::string, std::string>>;

/// The settings every Kafka section has: `brokers` and the `properties` pass-through.
struct ClientConfig {
    std::string brokers;    // bootstrap list, "host:port,host:port"
    Properties properties;  // the user's librdkafka settings, as written
};

/// True for settings whose values are never printed (passwords, secrets, private keys).
bool is_secret(std::string_view key);

/// Reads `brokers` (required) and `properties`. Properties that eveflow derives from its own
/// keys (bootstrap.servers, and the caller's `reserved` ones such as group.id) are errors
/// naming the key to use instead.
ClientConfig parse_client(
    const ConfigNode& node,
    std::initializer_list<std::pair<std::string_view, std::string_view>> reserved = {});

/// The full list to hand to librdkafka: `defaults`, then bootstrap.servers, then the user's
/// properties (a user setting overrides a default).
Properties client_properties(const ClientConfig& config, const Properties& defaults);

/// `key=value` pairs joined by spaces for the start-up log line; secret values print as ***.
std::string describe(const Properties& properties);
/// `text` with every secret value of `properties` replaced by ***.
std::string mask_secrets(std::string_view text, const Properties& properties);

/// Writes one librdkafka log line (syslog `level`) to the process log as
/// `<component>: librdkafka <facility>: <message>`, secrets masked. Levels up to warning are
/// rate-limited through `limit` (a broker that is down repeats itself); debug lines are not.
void forward_log(std::string_view component, int level, std::string_view facility,
                 std::string_view message, const Properties& properties, log::RateLimit& limit);

}  // namespace eveflow::kafka
