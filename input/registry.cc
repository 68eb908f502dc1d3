// Input types. A new input is a folder under input/ plus one line here.
#include "input/registry.h"

#include "input/eve_file/eve_file.h"
#include "input/eve_socket/eve_socket.h"
#include "input/kafka/kafka_source.h"
#include "input/pcap/pcap_source.h"
#include "input/redis/redis_source.h"

namespace eveflow::input {
namespace {

constexpr SourceType kSources[] = {
    {"eve_file", &construct<Source, EveFile, &EveFileConfig::parse>},
    {"eve_socket", &construct<Source, EveSocket, &EveSocketConfig::parse>},
    {"kafka", &construct<Source, KafkaSource, &parse_kafka_source_config>},
    {"pcap", &construct<Source, pcap::PcapSource, &pcap::parse_pcap_config>},
    {"redis", &construct<Source, RedisSource, &parse_redis_source_config>},
};

}  // namespace

std::span<const SourceType> source_types() { return kSources; }

}  // namespace eveflow::input
