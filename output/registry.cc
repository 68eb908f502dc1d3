// Output types. A new output is a folder under output/ plus one line here.
#include <iterator>
#include <utility>
#include <vector>

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

struct Registered {
    std::vector<SinkType> types{std::begin(kSinks), std::end(kSinks)};
    std::vector<std::pair<std::string_view, LifecycleRoute>> routes;
};

Registered& registered() {
    static Registered r;
    return r;
}

}  // namespace

std::span<const SinkType> sink_types() { return registered().types; }

void register_sink_type(const SinkType& type, LifecycleRoute route) {
    registered().types.push_back(type);
    if (route != LifecycleRoute::kNone) registered().routes.emplace_back(type.name, route);
}

LifecycleRoute takes_lifecycle(std::string_view type, const ConfigNode& node) {
    if (type == "redis") return LifecycleRoute::kOnly;
    if (type == "postgres" && node.has("live_table")) return LifecycleRoute::kAlso;
    for (const auto& [name, route] : registered().routes) {
        if (name == type) return route;
    }
    return LifecycleRoute::kNone;
}
std::span<const ServiceType> service_types() { return kServices; }

}  // namespace eveflow::output
