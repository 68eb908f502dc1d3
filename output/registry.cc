// Output types. A new output is a folder under output/ plus one line here.
#include "output/jsonl/jsonl_sink.h"
#include "output/kafka/kafka_sink.h"
#include "output/postgres/postgres_sink.h"
#include "output/prometheus/exporter.h"
#include "output/sink.h"
#include "output/unix_socket/unix_socket_sink.h"

namespace eveflow::output {
namespace {

constexpr SinkType kSinks[] = {
    {"jsonl", &JsonlSink::create},
    {"unix_socket", &UnixSocketSink::create},
    {"kafka", &KafkaSink::create},
    {"postgres", &postgres::PostgresSink::create},
};

constexpr ServiceType kServices[] = {
    {"metrics", &MetricsExporter::create},
};

}  // namespace

std::span<const SinkType> sink_types() { return kSinks; }
std::span<const ServiceType> service_types() { return kServices; }

}  // namespace eveflow::output
