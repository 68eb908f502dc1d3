// Benchmark of the traffic_metrics handler's per-event cost on a skewed mix of flows.
#include <benchmark/benchmark.h>
#include <netinet/in.h>

#include <random>
#include <string>
#include <vector>

#include "processing/traffic_metrics/traffic_metrics.h"

namespace {

using namespace eveflow;

class NullEmitter final : public processing::Emitter {
public:
    void emit(processing::SinkId, Record&&) override {}
};

/// 64k flows over 40 app_protos with Zipf-like popularity, a few ports and both protocols.
std::vector<Event> make_flows(std::vector<std::string>& names) {
    for (int i = 0; i < 40; ++i) names.push_back("proto" + std::to_string(i));
    std::mt19937 rng(1);
    std::vector<double> weights;
    for (int i = 0; i < 40; ++i) weights.push_back(1.0 / (i + 1));
    std::discrete_distribution<int> pick(weights.begin(), weights.end());
    const uint16_t ports[] = {53, 80, 443, 8080, 22, 1234};
    std::vector<Event> events(1 << 16);
    for (auto& e : events) {
        e.type = EventType::kFlow;
        e.fields.app_proto = names[static_cast<size_t>(pick(rng))];
        e.fields.app_proto_words = NameWords::of(e.fields.app_proto);  // as the EVE parser does
        e.fields.proto = rng() % 4 ? IPPROTO_TCP : IPPROTO_UDP;
        e.fields.has_proto = true;
        e.fields.dest_port = ports[rng() % 6];
        e.fields.has_dest_port = true;
        e.fields.bytes_toserver = rng() % 100000;
        e.fields.bytes_toclient = rng() % 100000;
        e.fields.pkts_toserver = rng() % 100;
        e.fields.pkts_toclient = rng() % 100;
    }
    return events;
}

void BM_TrafficMetricsConsume(benchmark::State& state) {
    std::vector<std::string> names;
    auto events = make_flows(names);
    Stats stats;
    processing::TrafficMetrics h(processing::TrafficMetricsConfig{}, stats);
    NullEmitter out;
    size_t i = 0;
    for (auto _ : state) {
        h.consume(events[i++ & (events.size() - 1)], out);
        // Publish as the pipeline's timer would, a few times a second: here every 64k events.
        if ((i & 0xffff) == 0) h.publish();
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_TrafficMetricsConsume);

}  // namespace
