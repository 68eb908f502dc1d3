// Kafka throughput against the mock cluster over TCP (tests/tools/kmock): messages/s produced
// (aggregates, raw events; with and without zstd) and EVE lines/s consumed (1 and 2 members).
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "input/kafka/kafka_source.h"
#include "output/kafka/kafka_sink.h"
#include "tests/tools/kafka_cluster.h"
#include "util/clock.h"

namespace eveflow {
namespace {

constexpr size_t kMessages = 200000;
constexpr size_t kWriteBatch = 1024;  // records per write(), as the sink runner hands them
// The mock cluster keeps about 5 MB per partition: 20000 lines (~11 MB) spread evenly (no
// sticky partitioning) over 6 partitions fit.
constexpr size_t kConsumeMessages = 20000;
const char* kSlips = "/eve/stratosphereips-slips/test6-malicious.suricata.json";

test::KafkaCluster& cluster() {
    static test::KafkaCluster c;
    return c;
}

std::vector<Record> aggregate_records() {
    std::vector<Record> out(kMessages);
    for (size_t i = 0; i < kMessages; ++i) {
        AggregateRecord& a = std::get<AggregateRecord>(out[i]);
        a.src_ip =
            IpAddr::parse("10.1." + std::to_string(i % 250) + "." + std::to_string(i / 250 % 250))
                .value();
        a.dest_ip = IpAddr::parse("192.168.0.1").value();
        a.window_start = Timestamp::from_us(1700000000000000);
        a.window_end = Timestamp::from_us(1700000060000000);
        a.dest_port = static_cast<uint16_t>(i);
        a.proto = 17;
        a.flows = i % 7 + 1;
        a.bytes_toserver = i * 31;
        a.pkts_toserver = i % 13;
    }
    return out;
}

std::vector<std::string> eve_lines() {
    std::vector<std::string> out;
    std::ifstream in(std::string(EVEFLOW_SHARED_DATA) + kSlips);
    for (std::string l; std::getline(in, l);) {
        if (!l.empty()) out.push_back(l);
    }
    return out;
}

std::vector<Record> raw_records() {
    auto lines = eve_lines();
    std::vector<Record> out;
    if (lines.empty()) return out;
    out.resize(kMessages);
    for (size_t i = 0; i < kMessages; ++i) {
        out[i] = RawEvent{};
        std::get<RawEvent>(out[i]).line = lines[i % lines.size()];
        std::get<RawEvent>(out[i]).type_name = "eve";
        std::get<RawEvent>(out[i]).fields.flow_id = 1000000 + i;
    }
    return out;
}

/// One iteration: a fresh producer writes every record and flushes (close) them.
void produce(benchmark::State& state, const std::vector<Record>& records, bool zstd) {
    if (!cluster().ok() || records.empty()) {
        state.SkipWithError("no mock cluster (build kmock) or no shared data");
        return;
    }
    int run = 0;
    for (auto _ : state) {
        Stats stats;
        Context ctx{stats, SystemClock::instance(), "s1"};
        auto diag = std::make_shared<ConfigDiagnostics>("bench.yaml");
        std::string yaml = "{brokers: '" + cluster().bootstrap() + "', topic: 'bench" +
                           std::to_string(run++) + ".{event_type}', flush_timeout: 60s" +
                           (zstd ? ", properties: {compression.type: zstd}}" : "}");
        auto sink = std::make_unique<output::KafkaSink>(
            output::parse_kafka_sink_config(ConfigNode(YAML::Load(yaml), "o", diag)), ctx);
        sink->open();
        for (size_t i = 0; i < records.size(); i += kWriteBatch) {
            size_t n = std::min(kWriteBatch, records.size() - i);
            (void)sink->write(std::span<const Record>(records).subspan(i, n));
        }
        if (!sink->close().ok()) state.SkipWithError("undelivered messages");
        if (stats.sum("eveflow_kafka_delivered_total") != records.size()) {
            state.SkipWithError("delivered count differs");
        }
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * records.size()));
}

void BM_ProduceAggregates(benchmark::State& state) {
    static const auto records = aggregate_records();
    produce(state, records, state.range(0) != 0);
}

void BM_ProduceRawEvents(benchmark::State& state) {
    static const auto records = raw_records();
    produce(state, records, state.range(0) != 0);
}

// Without and with zstd compression, 3 iterations of the whole record set each.
void ZstdOffOn(benchmark::internal::Benchmark* b) {
    b->ArgName("zstd")->Arg(0)->Arg(1)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_ProduceAggregates)->Apply(ZstdOffOn);
BENCHMARK(BM_ProduceRawEvents)->Apply(ZstdOffOn);

/// Fills topic `topic` (6 partitions) with kConsumeMessages EVE lines once.
bool fill_topic(const std::string& topic) {
    static const auto lines = eve_lines();
    if (lines.empty() || !cluster().command("topic " + topic + " 6")) return false;
    std::vector<Record> records(kConsumeMessages);
    for (size_t i = 0; i < kConsumeMessages; ++i) {
        records[i] = RawEvent{};
        std::get<RawEvent>(records[i]).line = lines[i % lines.size()];
        std::get<RawEvent>(records[i]).type_name.assign(1, 'x');
    }
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s1"};
    auto diag = std::make_shared<ConfigDiagnostics>("bench.yaml");
    auto sink = std::make_unique<output::KafkaSink>(
        output::parse_kafka_sink_config(
            ConfigNode(YAML::Load("{brokers: '" + cluster().bootstrap() + "', topic: " + topic +
                                  ", key: none, properties: {sticky.partitioning.linger.ms: 0}}"),
                       "o", diag)),
        ctx);
    sink->open();
    for (size_t i = 0; i < records.size(); i += kWriteBatch) {
        (void)sink->write(
            std::span<const Record>(records).subspan(i, std::min(kWriteBatch, records.size() - i)));
    }
    return sink->close().ok();
}

/// Consumes the topic with `members` sources in one group; the time runs from the first
/// event to the last, so the group join (about 3 s on the mock) is not counted.
void BM_Consume(benchmark::State& state) {
    const int members = static_cast<int>(state.range(0));
    static int topic_no = 0;
    for (auto _ : state) {
        std::string topic = "consume" + std::to_string(topic_no++);
        if (!fill_topic(topic)) {
            state.SkipWithError("cannot fill the topic (mock cluster or shared data missing)");
            return;
        }
        Stats stats;
        Context ctx{stats, SystemClock::instance(), "s1"};
        Channel<EventBatch> channel(256);
        Counter dropped;
        input::Publisher pub(channel, input::OnFull::kBlock, 0, dropped);
        std::vector<std::unique_ptr<input::Source>> sources;
        std::vector<std::jthread> threads;
        auto diag = std::make_shared<ConfigDiagnostics>("bench.yaml");
        for (int m = 0; m < members; ++m) {
            std::string yaml = "{name: c" + std::to_string(m) + ", brokers: '" +
                               cluster().bootstrap() + "', topics: [" + topic +
                               "], group: " + topic + "}";
            sources.push_back(std::make_unique<input::KafkaSource>(
                input::parse_kafka_source_config(ConfigNode(YAML::Load(yaml), "i", diag)), ctx));
            sources.back()->open();
            threads.emplace_back(
                [&pub, s = sources.back().get()](std::stop_token st) { (void)s->run(st, pub); });
        }
        size_t events = 0;
        std::chrono::steady_clock::time_point first{};
        std::vector<EventBatch> batches;
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (events < kConsumeMessages && std::chrono::steady_clock::now() < give_up) {
            batches.clear();
            channel.pop_batch(batches, 16,
                              std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
            if (!batches.empty() && events == 0) first = std::chrono::steady_clock::now();
            for (auto& b : batches) events += b.events.size();
        }
        auto last = std::chrono::steady_clock::now();
        state.SetIterationTime(std::chrono::duration<double>(last - first).count());
        for (auto& t : threads) t.request_stop();
        std::jthread drain([&] {
            while (!channel.closed()) {
                std::vector<EventBatch> b;
                channel.pop_batch(b, 16,
                                  std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
            }
        });
        threads.clear();
        channel.close();
        if (events != kConsumeMessages) {
            state.SkipWithError(
                ("events " + std::to_string(events) + " of " + std::to_string(kConsumeMessages))
                    .c_str());
        }
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kConsumeMessages));
}
BENCHMARK(BM_Consume)
    ->ArgName("members")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(2)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace eveflow
