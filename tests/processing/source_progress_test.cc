// Dispatcher and flow_aggregate with a source that publishes progress (as the pcap meter does):
// a flow still open in the source holds the windows it could fall into.
#include <gtest/gtest.h>

#include "processing/dispatcher.h"
#include "processing/flow_aggregate/flow_aggregate.h"
#include "tests/processing/test_util.h"

namespace eveflow::processing {
namespace {

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kBase = 1714557600LL * kSec;  // 2024-05-01T10:00:00Z, a window start
constexpr SourceId kMeter = 0;

Event meter_flow(int sport, int64_t start_s, int64_t end_s) {
    Event e;
    e.type = EventType::kFlow;
    e.type_name = "flow";
    e.aggregatable = true;
    FlowEntry& f = e.fields;
    f.start = Timestamp::from_us(kBase + start_s * kSec);
    f.end = f.ts = Timestamp::from_us(kBase + end_s * kSec);  // the meter's timestamp: the end
    f.src_ip = *IpAddr::parse("10.0.0.1");
    f.dest_ip = *IpAddr::parse("10.0.0.2");
    f.has_src_ip = f.has_dest_ip = true;
    f.src_port = static_cast<uint16_t>(sport);
    f.dest_port = 443;
    f.has_src_port = f.has_dest_port = true;
    f.proto = 6;
    f.has_proto = true;
    f.pkts_toserver = 1;
    return e;
}

struct Harness {
    explicit Harness(const std::string& yaml, std::vector<bool> progress_sources)
        : ctx{stats, clock, "s1"}, hctx{ctx, {0}}, section(yaml) {
        std::vector<std::unique_ptr<Handler>> hs;
        hs.push_back(
            std::make_unique<FlowAggregate>(parse_flow_aggregate_config(section.node), hctx));
        EXPECT_TRUE(section.errors().empty());
        dispatcher = std::make_unique<Dispatcher>(
            ctx, std::move(hs), std::vector<Channel<RecordBatch>*>{&out},
            std::vector<std::string>{"pcap"}, progress_sources);
    }
    /// One meter batch: its flows, then (when given) the bounds of the flows still open.
    void batch(std::vector<Event> flows, std::optional<std::pair<int64_t, int64_t>> open_s) {
        EventBatch b;
        b.source = kMeter;
        b.events = std::move(flows);
        if (open_s) {
            b.progress = SourceProgress{Timestamp::from_us(kBase + open_s->first * kSec),
                                        Timestamp::from_us(kBase + open_s->second * kSec)};
        }
        dispatcher->consume(b);
    }
    /// Records emitted so far, taken off the sink queue.
    std::vector<AggregateRecord> take() {
        std::vector<RecordBatch> got;
        out.pop_batch(got, 64, std::chrono::steady_clock::now());
        std::vector<AggregateRecord> recs;
        for (auto& b : got) {
            for (auto& r : b) recs.push_back(std::get<AggregateRecord>(r));
        }
        return recs;
    }
    Stats stats;
    FakeClock clock{0};
    Context ctx;
    HandlerContext hctx;
    eveflow::testing::Section section;
    Channel<RecordBatch> out{64};
    std::unique_ptr<Dispatcher> dispatcher;
};

// Short flows in windows 0, 1 and 2 are exported while a long flow that started in window 0
// (at 5 s) is still open, and one of window 3; the long flow ends at 185 s.
void feed_long_flow_case(Harness& h, bool with_progress) {
    auto bound = [&](int64_t first, int64_t last) {
        return with_progress ? std::optional(std::pair(first, last)) : std::nullopt;
    };
    h.batch({meter_flow(1001, 8, 10)}, bound(5, 10));
    h.batch({meter_flow(1002, 68, 70)}, bound(5, 70));
    h.batch({meter_flow(1003, 128, 130)}, bound(5, 130));
    h.batch({meter_flow(1004, 182, 184)}, bound(5, 184));
}

TEST(SourceProgress, LongFlowOpenAcrossWindowsHoldsThemUntilItEnds) {
    Harness h("{period: 60s, allowed_lateness: 30s, time_field: flow_start}", {true});
    feed_long_flow_case(h, true);
    EXPECT_TRUE(h.take().empty());  // every window from 10:00 on may still get the long flow
    h.batch({meter_flow(1000, 5, 185)}, std::pair(190, 190));
    auto recs = h.take();
    ASSERT_EQ(recs.size(), 3u);  // windows 0, 1, 2 end before 190 s; window 3 is still open
    for (size_t i = 0; i < recs.size(); ++i) {
        EXPECT_EQ(recs[i].window_start.us, kBase + static_cast<int64_t>(i) * 60 * kSec);
        EXPECT_FALSE(recs[i].late);
    }
    EXPECT_EQ(recs[0].flows, 2u);  // the short flow at 8 s and the long one at 5 s
    EXPECT_EQ(recs[1].flows, 1u);
    EXPECT_EQ(recs[2].flows, 1u);
    h.dispatcher->finish();
    recs = h.take();
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].window_start.us, kBase + 180 * kSec);
    EXPECT_EQ(h.stats.sum("eveflow_late_events_total"), 0);
}

// The same flows without progress follow the largest-time rule: window 0 closes at 130 s and
// the long flow becomes a late record (what a capture gave before the meter published bounds).
TEST(SourceProgress, WithoutProgressTheLongFlowIsLate) {
    Harness h("{period: 60s, allowed_lateness: 30s, time_field: flow_start}", {false});
    feed_long_flow_case(h, false);
    h.batch({meter_flow(1000, 5, 185)}, std::nullopt);
    h.dispatcher->finish();
    int late = 0;
    for (const auto& r : h.take()) late += r.late ? 1 : 0;
    EXPECT_EQ(late, 1);
    EXPECT_EQ(h.stats.sum("eveflow_late_events_total"), 1);
}

// Default time field (timestamp, the flow's end): a flow whose last packet was at 20 s stays in
// the table (idle) while later flows are exported; its window waits for it.
TEST(SourceProgress, IdleFlowHoldsItsWindowUnderTheTimestampField) {
    Harness h("{period: 60s, allowed_lateness: 30s}", {true});
    h.batch({meter_flow(1002, 65, 70)}, std::pair(0, 20));
    h.batch({meter_flow(1003, 125, 130)}, std::pair(0, 20));
    EXPECT_TRUE(h.take().empty());
    h.batch({meter_flow(1001, 0, 20)}, std::pair(150, 150));
    auto recs = h.take();
    ASSERT_EQ(recs.size(), 2u);  // windows 0 and 1 end before 150 s
    EXPECT_EQ(recs[0].window_start.us, kBase);
    EXPECT_EQ(recs[0].flows, 1u);
    EXPECT_FALSE(recs[0].late);
    EXPECT_EQ(recs[1].window_start.us, kBase + 60 * kSec);
}

// A declared progress source holds every window until it publishes its first bounds.
TEST(SourceProgress, DeclaredSourceHoldsWindowsBeforeItsFirstBounds) {
    Harness h("{period: 60s, allowed_lateness: 0s}", {true});
    h.batch({meter_flow(1001, 0, 10), meter_flow(1002, 300, 400)}, std::nullopt);
    EXPECT_TRUE(h.take().empty());
    h.batch({}, std::pair(500, 500));
    EXPECT_EQ(h.take().size(), 2u);
}

}  // namespace
}  // namespace eveflow::processing
