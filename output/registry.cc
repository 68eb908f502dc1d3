// Output types. A new output is a folder under output/ plus one line here.
#include "output/jsonl/jsonl_sink.h"
#include "output/kafka/kafka_sink.h"
#include "output/postgres/postgres_sink.h"
#include "output/prometheus/exporter.h"
#include "output/redis/redis_sink.h"
#include "output/sink.h"
#include "output/unix_socket/unix_socket_sink.h"

namespace eveflow::output {
namespace {

constexpr SinkType kSinks[] = {
    {"jsonl", &construct<Sink, JsonlSink, &parse_jsonl_config>},
    {"unix_socket", &construct<Sink, UnixSocketSink, &parse_unix_socket_config>},
    {"kafka", &construct<Sink, KafkaSink, &parse_kafka_sink_config>},
    {"postgres", &construct<Sink, postgres::PostgresSink, &postgres::parse_config>},
    {"redis", &construct<Sink, RedisSink, &parse_redis_sink_config>},
};

constexpr ServiceType kServices[] = {
    {"metrics", &construct<Service, MetricsExporter, &parse_metrics_config>},
};

}  // namespace

std::span<const SinkType> sink_types() { return kSinks; }
std::span<const ServiceType> service_types() { return kServices; }

}  // namespace eveflow::output
