// Input types. A new input is a folder under input/ plus one line here.
#include "input/registry.h"

#include <vector>

#include "input/eve_file/eve_file.h"
#include "input/eve_socket/eve_socket.h"
#include "input/kafka/kafka_source.h"
#include "input/pcap/pcap_source.h"

namespace eveflow::input {
namespace {

// NOLINTNEXTLINE(cert-err58-cpp): built once at start-up, before any thread.
const std::vector<SourceType> kSources = {
    {"eve_file", &EveFile::create},
    {"eve_socket", &EveSocket::create},
    {"kafka", &KafkaSource::create},
    {"pcap", &pcap::PcapSource::create},
};

}  // namespace

std::span<const SourceType> source_types() { return kSources; }

std::unique_ptr<Source> make_source(const ConfigNode& node, Context& ctx) {
    return make_component(source_types(), node, ctx, "input");
}

}  // namespace eveflow::input
