// Benchmark of FlowAggregate::consume: flow events over 4000 Zipf-popular keys (like gen_eve.py).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "processing/flow_aggregate/flow_aggregate.h"

namespace eveflow::processing {
namespace {

class CountingEmitter final : public Emitter {
public:
    void emit(SinkId /*sink*/, Record&& r) override {
        flows_ += std::get<AggregateRecord>(r).flows;
    }
    uint64_t flows_ = 0;
};

// `n` flow events at 20,000 events/s of event time, keys drawn Zipf(0.9) from `keys` keys
// (15% IPv6), ephemeral source ports, as gen_eve.py makes them.
std::vector<Event> make_events(size_t n, size_t keys) {
    std::mt19937_64 rng(42);
    struct Key {
        IpAddr src, dst;
        uint16_t dport;
        uint8_t proto;
    };
    std::vector<Key> pool;
    for (size_t i = 0; i < keys; ++i) {
        Key k;
        if (i % 7 == 0) {
            uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
            for (int j = 4; j < 16; ++j) a[j] = static_cast<uint8_t>(rng());
            k.src = IpAddr::v6(a);
            a[15] ^= 0x5a;
            k.dst = IpAddr::v6(a);
        } else {
            k.src = IpAddr::v4(0x0a000000u | static_cast<uint32_t>(rng() & 0xffff));
            k.dst = IpAddr::v4(static_cast<uint32_t>(rng()));
        }
        static const uint16_t kPorts[] = {443, 80, 53, 123, 22, 445, 8080, 993};
        k.dport = kPorts[rng() % 8];
        k.proto = k.dport == 53 || k.dport == 123 ? 17 : 6;
        pool.push_back(k);
    }
    std::vector<double> cum(keys);
    double total = 0;
    for (size_t i = 0; i < keys; ++i) cum[i] = total += 1.0 / std::pow(i + 1.0, 0.9);
    std::uniform_real_distribution<double> u(0, total);
    std::vector<Event> events(n);
    const int64_t base = 1715644800LL * 1'000'000;
    for (size_t i = 0; i < n; ++i) {
        const Key& k = pool[std::lower_bound(cum.begin(), cum.end(), u(rng)) - cum.begin()];
        Event& e = events[i];
        e.type = EventType::kFlow;
        e.aggregatable = true;
        FlowEntry& f = e.fields;
        f.ts = Timestamp::from_us(base + static_cast<int64_t>(i) * 50);
        f.start = Timestamp::from_us(f.ts.us - 2'000'000);
        f.end = Timestamp::from_us(f.ts.us - 1'000'000);
        f.src_ip = k.src;
        f.dest_ip = k.dst;
        f.has_src_ip = f.has_dest_ip = f.has_src_port = f.has_dest_port = f.has_proto = true;
        f.src_port = static_cast<uint16_t>(32768 + rng() % 28000);
        f.dest_port = k.dport;
        f.proto = k.proto;
        f.pkts_toserver = 1 + rng() % 20;
        f.pkts_toclient = rng() % 20;
        f.bytes_toserver = 60 + rng() % 2000;
        f.bytes_toclient = rng() % 100000;
    }
    return events;
}

void BM_Consume(benchmark::State& state) {
    const auto events = make_events(1'000'000, static_cast<size_t>(state.range(0)));
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "bench"};
    HandlerContext hctx{ctx, {0}};
    FlowAggregateConfig config;
    CountingEmitter out;
    uint64_t consumed = 0;
    for (auto _ : state) {
        FlowAggregate agg(config, hctx);
        for (const Event& e : events) agg.consume(e, out);
        agg.flush(Timestamp::max(), out);
        consumed += events.size();
    }
    if (out.flows_ != consumed) state.SkipWithError("flows lost");
    state.SetItemsProcessed(static_cast<int64_t>(consumed));
}
BENCHMARK(BM_Consume)->Arg(4000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace eveflow::processing
