// Dispatcher and SinkRunner: routing by type, per-source counting, batching, end of input.
#include "processing/dispatcher.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "output/sink_runner.h"

namespace eveflow {
namespace {

using processing::Emitter;
using processing::Handler;

// Emits one raw record per consumed event to sink 0; at flush emits a marker record.
class EchoHandler final : public Handler {
public:
    explicit EchoHandler(std::vector<EventType> types) : types_(std::move(types)) {}
    std::string_view name() const override { return "echo"; }
    std::span<const EventType> event_types() const override { return types_; }
    void consume(const Event& e, Emitter& out) override {
        Record r;
        r.kind = Record::Kind::kRaw;
        r.raw.line = std::string(e.raw);
        out.emit(0, std::move(r));
    }
    void flush(Timestamp watermark, Emitter& out) override {
        if (watermark != Timestamp::max()) return;
        Record r;
        r.kind = Record::Kind::kRaw;
        r.raw.line = "final";
        out.emit(0, std::move(r));
        ++flushes;
    }
    int flushes = 0;

private:
    std::vector<EventType> types_;
};

class CollectSink final : public output::Sink {
public:
    std::string_view name() const override { return "collect"; }
    Status write(std::span<const Record> batch) override {
        for (const auto& r : batch) lines.push_back(r.raw.line);
        return {};
    }
    Status close() override {
        closed = true;
        return {};
    }
    std::vector<std::string> lines;
    bool closed = false;
};

EventBatch batch_of(SourceId source, std::vector<std::pair<EventType, std::string>> events) {
    EventBatch b;
    b.source = source;
    size_t total = 0;
    for (auto& [t, s] : events) total += s.size();
    b.buffer.reserve(total + 64);
    for (auto& [t, s] : events) {
        const char* p = b.buffer.data() + b.buffer.size();
        b.buffer.insert(b.buffer.end(), s.begin(), s.end());
        Event e;
        e.type = t;
        e.raw = std::string_view(p, s.size());
        b.events.push_back(e);
    }
    return b;
}

TEST(Dispatcher, RoutesByTypeCountsPerSourceAndFlushesAtEnd) {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s1"};
    auto sink = std::make_unique<CollectSink>();
    CollectSink* collected = sink.get();
    output::SinkRunner runner(ctx, std::move(sink), 4);
    std::vector<std::unique_ptr<Handler>> handlers;
    handlers.push_back(std::make_unique<EchoHandler>(std::vector<EventType>{EventType::kAlert}));
    processing::Dispatcher d(ctx, std::move(handlers), {&runner.queue()}, {"in_a", "in_b"});

    Channel<EventBatch> in(2);
    runner.start();
    std::thread proc([&] { d.run(in); });
    ASSERT_TRUE(in.push(batch_of(0, {{EventType::kAlert, "a1"}, {EventType::kFlow, "f1"}})));
    ASSERT_TRUE(in.push(batch_of(1, {{EventType::kAlert, "a2"}, {EventType::kDns, "d1"}})));
    ASSERT_TRUE(in.push(batch_of(0, {{EventType::kAlert, "a3"}})));
    in.close();
    proc.join();
    runner.join();

    EXPECT_EQ(collected->lines, (std::vector<std::string>{"a1", "a2", "a3", "final"}));
    EXPECT_TRUE(collected->closed);
    EXPECT_EQ(stats.sum("eveflow_input_events_total", {{"input", "in_a"}}), 3);
    EXPECT_EQ(stats.sum("eveflow_input_events_total", {{"input", "in_b"}}), 2);
    EXPECT_EQ(stats.sum("eveflow_input_events_total", {{"event_type", "alert"}}), 3);
    EXPECT_EQ(stats.sum("eveflow_sink_records_total", {{"sink", "collect"}}), 4);
}

TEST(Dispatcher, EmptyTypeListMeansEveryType) {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s1"};
    Channel<processing::RecordBatch> out(16);
    std::vector<std::unique_ptr<Handler>> handlers;
    handlers.push_back(std::make_unique<EchoHandler>(std::vector<EventType>{}));
    processing::Dispatcher d(ctx, std::move(handlers), {&out}, {"in"});
    d.consume(batch_of(0, {{EventType::kStats, "s"}, {EventType::kOther, "o"}}));
    d.finish();
    std::vector<processing::RecordBatch> got;
    out.pop_batch(got, 16, std::chrono::steady_clock::now());
    size_t n = 0;
    for (auto& b : got) n += b.size();
    EXPECT_EQ(n, 3u);  // two events and the final marker
    EXPECT_TRUE(out.drained());
}

}  // namespace
}  // namespace eveflow
