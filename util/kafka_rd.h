// What the Kafka input and output both do with librdkafka: a conf from client properties.
//
// STYLE.md keeps librdkafka to input/kafka/ and output/kafka/. This header includes it, so
// only those two folders include this header; it sits in util/ because input/ and output/ never
// include each other.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>
#include <string_view>

#include "util/kafka_conf.h"
#include "util/status.h"

namespace eveflow::kafka {

/// A new conf with every property set; throws StartupError
/// `<component>: property <key>: <librdkafka's error>` (secrets masked) when one is refused.
/// `opaque` is the pointer the callbacks get. The caller owns the conf until rd_kafka_new
/// takes it.
inline rd_kafka_conf_t* new_conf(const Properties& properties, std::string_view component,
                                 void* opaque) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (const auto& [key, value] : properties) {
        if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            throw StartupError(std::string(component) + ": property " + key + ": " +
                               mask_secrets(err, properties));
        }
    }
    rd_kafka_conf_set_opaque(conf, opaque);
    return conf;
}

}  // namespace eveflow::kafka
