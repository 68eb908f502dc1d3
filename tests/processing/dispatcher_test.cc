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
        RawEvent r;
        r.line = std::string(e.raw);
        out.emit(0, Record(std::move(r)));
    }
    void flush(Timestamp watermark, Emitter& out) override {
        if (watermark != Timestamp::max()) return;
        RawEvent r;
        r.line = "final";
        out.emit(0, Record(std::move(r)));
        ++flushes;
    }
    int flushes = 0;

private:
    std::vector<EventType> types_;
};

// Holds the events it consumes and emits them only at a checkpoint or at the end, as an
// aggregator's open window would.
class HoldingHandler final : public Handler {
public:
    std::string_view name() const override { return "holding"; }
    std::span<const EventType> event_types() const override { return {}; }
    void consume(const Event& e, Emitter&) override { held_.emplace_back(e.raw); }
    void flush(Timestamp, Emitter& out) override { checkpoint(out); }
    void checkpoint(Emitter& out) override {
        for (auto& line : held_) {
            for (processing::SinkId s : {0u, 1u}) {
                RawEvent r;
                r.line = line;
                out.emit(s, Record(std::move(r)));
            }
        }
        held_.clear();
    }

private:
    std::vector<std::string> held_;
};

class CollectSink final : public output::Sink {
public:
    explicit CollectSink(bool checkpoints = false) : checkpoints_(checkpoints) {}
    std::string_view name() const override { return "collect"; }
    bool takes_checkpoints() const override { return checkpoints_; }
    Status write(std::span<const Record> batch) override {
        for (const auto& r : batch) {
            if (const auto* mark = std::get_if<CheckpointMark>(&r)) {
                lines.push_back("checkpoint@" +
                                std::to_string(mark->checkpoint->offsets.at({"t", 0})));
            } else {
                lines.push_back(std::get<RawEvent>(r).line);
            }
        }
        return {};
    }
    Status close() override {
        closed = true;
        return {};
    }
    std::vector<std::string> lines;
    bool closed = false;

private:
    bool checkpoints_;
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

EventBatch checkpoint_at(int64_t next_offset) {
    auto cp = std::make_shared<Checkpoint>();
    cp->group = "g";
    cp->until = Checkpoint::Until::kStored;
    cp->offsets[{"t", 0}] = next_offset;
    EventBatch b;
    b.checkpoint = std::move(cp);
    return b;
}

TEST(Dispatcher, CheckpointFollowsTheRecordsOfEveryEventBeforeIt) {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s1"};
    auto storing = std::make_unique<CollectSink>(/*checkpoints=*/true);
    auto other = std::make_unique<CollectSink>();
    CollectSink* got_storing = storing.get();
    CollectSink* got_other = other.get();
    output::SinkRunner r0(ctx, std::move(storing), 4);
    output::SinkRunner r1(ctx, std::move(other), 4);
    std::vector<std::unique_ptr<Handler>> handlers;
    handlers.push_back(std::make_unique<HoldingHandler>());
    processing::Dispatcher d(ctx, std::move(handlers), {&r0.queue(), &r1.queue()}, {"kafka"});

    Channel<EventBatch> in(2);
    r0.start();
    r1.start();
    std::thread proc([&] { d.run(in); });
    ASSERT_TRUE(in.push(batch_of(0, {{EventType::kFlow, "e1"}, {EventType::kFlow, "e2"}})));
    ASSERT_TRUE(in.push(checkpoint_at(2)));
    ASSERT_TRUE(in.push(batch_of(0, {{EventType::kFlow, "e3"}})));
    ASSERT_TRUE(in.push(checkpoint_at(3)));
    ASSERT_TRUE(in.push(batch_of(0, {{EventType::kFlow, "e4"}})));
    in.close();
    proc.join();
    r0.join();
    r1.join();

    EXPECT_EQ(got_storing->lines,
              (std::vector<std::string>{"e1", "e2", "checkpoint@2", "e3", "checkpoint@3", "e4"}));
    // A sink that stores no offsets never sees a checkpoint, nor counts one as a record.
    EXPECT_EQ(got_other->lines, (std::vector<std::string>{"e1", "e2", "e3", "e4"}));
    EXPECT_EQ(stats.sum("eveflow_sink_records_total"), 8);
    EXPECT_EQ(stats.sum("eveflow_records_emitted_total"), 8);
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

// Makes an alert for every dns event that names "bad.example" (as an indicator match would).
class MatchingHandler final : public Handler {
public:
    std::string_view name() const override { return "match"; }
    std::span<const EventType> event_types() const override { return types_; }
    std::span<const EventType> produced_types() const override { return made_; }
    void consume(const Event& e, Emitter& out) override {
        ++seen;
        if (e.raw.find("bad.example") == std::string_view::npos) return;
        std::string line = "alert:" + std::string(e.raw);
        Event alert;
        alert.type = EventType::kAlert;
        alert.type_name = "alert";
        alert.raw = line;
        out.emit_event(alert);
    }
    void flush(Timestamp, Emitter&) override {}
    int seen = 0;

private:
    std::vector<EventType> types_{EventType::kDns, EventType::kAlert};
    std::vector<EventType> made_{EventType::kAlert};
};

// A handler's events reach the other handlers of their type in the same batch, right after the
// event that caused them and before the next one; never the handler that made them.
TEST(Dispatcher, HandlerEventsGoToTheOtherHandlersOfTheirTypeInTheSameBatch) {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s1"};
    Channel<processing::RecordBatch> out(16);
    std::vector<std::unique_ptr<Handler>> handlers;
    handlers.push_back(std::make_unique<MatchingHandler>());
    auto* matcher = static_cast<MatchingHandler*>(handlers.back().get());
    handlers.push_back(std::make_unique<EchoHandler>(std::vector<EventType>{EventType::kAlert}));
    processing::Dispatcher d(ctx, std::move(handlers), {&out}, {"in"});
    d.consume(batch_of(0, {{EventType::kDns, "q good.example"},
                           {EventType::kDns, "q bad.example"},
                           {EventType::kAlert, "suricata alert"}}));
    std::vector<processing::RecordBatch> got;
    ASSERT_EQ(out.pop_batch(got, 16, std::chrono::steady_clock::now()), 1u);
    std::vector<std::string> lines;
    for (const auto& r : got[0]) lines.push_back(std::get<RawEvent>(r).line);
    EXPECT_EQ(lines, (std::vector<std::string>{"alert:q bad.example", "suricata alert"}));
    EXPECT_EQ(matcher->seen, 3);  // its own alert did not come back to it
    // Handler-made events are not input: only the three read events are counted.
    EXPECT_EQ(stats.sum("eveflow_input_events_total"), 3);
}

}  // namespace
}  // namespace eveflow
