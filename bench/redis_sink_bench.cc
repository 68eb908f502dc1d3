// Redis live flow table: flow operations/s sustained into the server of EVEFLOW_TEST_REDIS
// (scripts/start-redis.sh), each flow inserted, updated twice and removed, with and without
// the top_key sorted set. Timed from the first write() to close() (every operation
// acknowledged).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "output/redis/redis_sink.h"
#include "util/clock.h"

namespace eveflow {
namespace {

constexpr int kFlows = 50000;
constexpr size_t kWriteBatch = 1024;  // records per write(), as the sink runner hands them

std::vector<Record> lifecycle() {
    std::vector<Record> out;
    out.reserve(kFlows * 4);
    const std::string tuple =
        ",\"src_ip\":\"10.0.0.1\",\"src_port\":40000,\"dest_ip\":\"192.168.1.1\",\"dest_port\":"
        "443,\"proto\":\"TCP\",\"app_proto\":\"tls\",\"start\":\"2024-05-01T10:00:00.000000+0000\"";
    for (int i = 0; i < kFlows; ++i) {
        for (FlowOp op : {FlowOp::kInsert, FlowOp::kUpdate, FlowOp::kUpdate, FlowOp::kRemove}) {
            FlowLifecycle f;
            f.op = op;
            f.flow_id = 1000000000ULL + static_cast<uint64_t>(i);
            if (op != FlowOp::kRemove) {
                f.json = "{\"flow_id\":" + std::to_string(f.flow_id) + tuple +
                         ",\"pkts_toserver\":10,\"pkts_toclient\":12,\"bytes_toserver\":1400,"
                         "\"bytes_toclient\":9000}";
            }
            f.fields.bytes_toserver = 1400;
            f.fields.bytes_toclient = 9000;
            out.emplace_back(std::move(f));
        }
    }
    return out;
}

void BM_RedisSinkOps(benchmark::State& state) {
    const char* addr = std::getenv("EVEFLOW_TEST_REDIS");
    if (!addr) {
        state.SkipWithError("EVEFLOW_TEST_REDIS not set (scripts/start-redis.sh)");
        return;
    }
    static const std::vector<Record> records = lifecycle();
    for (auto _ : state) {
        Stats stats;
        Context ctx{stats, SystemClock::instance(), "bench"};
        output::RedisSinkConfig c;
        const std::string a = addr;
        c.endpoint.host = a.substr(0, a.rfind(':'));
        c.endpoint.port = static_cast<uint16_t>(std::stoi(a.substr(a.rfind(':') + 1)));
        c.key = "bench:flows";
        if (state.range(0)) c.top_key = "bench:top";
        c.pipeline = static_cast<size_t>(state.range(1));
        output::RedisSink sink(c, ctx);
        sink.open();
        for (size_t i = 0; i < records.size(); i += kWriteBatch) {
            const size_t n = std::min(kWriteBatch, records.size() - i);
            (void)sink.write(std::span<const Record>(records.data() + i, n));
        }
        (void)sink.close();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records.size()));
}
BENCHMARK(BM_RedisSinkOps)
    ->ArgNames({"top_key", "pipeline"})
    ->Args({0, 1000})
    ->Args({1, 1000})
    ->Args({0, 100})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace
}  // namespace eveflow
