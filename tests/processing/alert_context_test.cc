// Tests of the alert_context handler: what a record holds, its bounds, when it is emitted, and
// the alerts of the ioc handler collected through the dispatcher.
#include "processing/alert_context/alert_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <deque>
#include <filesystem>
#include <fstream>

#include "input/eve/eve_parser.h"
#include "processing/dispatcher.h"
#include "tests/input/eve_line.h"
#include "tests/processing/test_util.h"

namespace eveflow::processing {
namespace {

using eveflow::testing::RecordingEmitter;
using eveflow::testing::Section;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// EVE lines parsed into events that live as long as the holder.
struct Events {
    Event make(const std::string& line) {
        lines.emplace_back(line);
        Event e;
        EXPECT_EQ(lines.back().parse(parser, e), input::ParseResult::kOk) << line;
        return e;
    }
    std::deque<input::Line> lines;
    input::EveParser parser;
};

std::string line(const std::string& type, int flow, int second, const std::string& body = "") {
    char ts[64];
    std::snprintf(ts, sizeof ts, "2024-05-01T10:%02d:%02d.000000Z", second / 60, second % 60);
    return std::string(R"({"timestamp":")") + ts + R"(","flow_id":)" + std::to_string(flow) +
           R"(,"event_type":")" + type +
           R"(","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","proto":"TCP")" +
           (body.empty() ? "" : "," + body) + "}";
}

struct Fixture {
    explicit Fixture(const std::string& yaml) : ctx{stats, clock, "s1"}, section(yaml) {
        HandlerContext hctx{ctx, {3}};
        handler = make_handler(section.node, hctx);
        EXPECT_THAT(section.errors(), ElementsAre());
    }
    void feed(const std::string& l) { handler->consume(events.make(l), out); }
    // The records emitted so far, parsed.
    std::vector<simdjson::dom::element> records() {
        std::vector<simdjson::dom::element> got;
        for (const auto& [sink, r] : out.records) {
            EXPECT_EQ(sink, 3u);
            const auto& raw = std::get<RawEvent>(r);
            EXPECT_EQ(raw.type_name, "alert_context");
            texts.push_back(raw.line);
        }
        out.records.clear();
        for (const auto& t : texts) got.push_back(parsers.emplace_back().parse(t).value());
        return got;
    }
    Stats stats;
    FakeClock clock{0};
    Context ctx;
    Section section;
    std::unique_ptr<Handler> handler;
    RecordingEmitter out;
    Events events;
    std::deque<std::string> texts;
    std::deque<simdjson::dom::parser> parsers;
};

TEST(AlertContext, OneRecordAtFlowEndWithTheEventsBeforeAndAfterTheAlert) {
    Fixture fx("{type: alert_context}");
    fx.feed(line("dns", 1, 0, R"("dns":{"rrname":"a.test"})"));
    fx.feed(line("http", 2, 1, R"("http":{"hostname":"other-flow.test"})"));
    fx.feed(line("tls", 1, 2, R"("tls":{"sni":"a.test"})"));
    fx.feed(line("alert", 1, 3, R"("alert":{"signature_id":1})"));
    fx.feed(line("fileinfo", 1, 4, R"("fileinfo":{"size":3})"));
    EXPECT_TRUE(fx.records().empty());
    fx.feed(line("flow", 2, 5));  // a flow without alerts ends: nothing
    fx.feed(line("flow", 1, 6));
    auto rs = fx.records();
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0]["flow_id"].get_uint64().value(), 1u);
    EXPECT_EQ(rs[0]["reason"].get_string().value(), "flow_end");
    EXPECT_EQ(rs[0]["timestamp"].get_string().value(), "2024-05-01T10:00:03.000000Z");
    std::vector<std::string_view> types;
    for (auto e : rs[0]["events"].get_array())
        types.push_back(e["event_type"].get_string().value());
    EXPECT_THAT(types, ElementsAre("dns", "tls", "fileinfo"));
    EXPECT_EQ(rs[0]["alerts"].get_array().size(), 1u);
    EXPECT_EQ(rs[0]["events_dropped"].get_uint64().value(), 0u);
    EXPECT_EQ(fx.stats.sum("eveflow_alert_context_flows"), 0);
}

TEST(AlertContext, SameFlowIdOnTwoSensorsIsTwoFlows) {
    Fixture fx("{type: alert_context}");
    fx.feed(line("alert", 1, 0, R"("host":"a")"));
    fx.feed(line("dns", 1, 1, R"("host":"b")"));
    fx.feed(line("flow", 1, 2, R"("host":"b")"));
    EXPECT_TRUE(fx.records().empty());
    fx.feed(line("flow", 1, 3, R"("host":"a")"));
    auto rs = fx.records();
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0]["host"].get_string().value(), "a");
    EXPECT_EQ(rs[0]["events"].get_array().size(), 0u);
}

TEST(AlertContext, PerFlowBoundAlertsPushOutTheOldestEvents) {
    Fixture fx("{type: alert_context, max_events_per_flow: 3}");
    for (int i = 0; i < 5; ++i)
        fx.feed(line("dns", 1, i, R"("dns":{"id":)" + std::to_string(i) + "}"));
    fx.feed(line("alert", 1, 6));
    fx.feed(line("flow", 1, 7));
    auto rs = fx.records();
    ASSERT_EQ(rs.size(), 1u);
    std::vector<int64_t> ids;
    for (auto e : rs[0]["events"].get_array()) ids.push_back(e["dns"]["id"].get_int64().value());
    EXPECT_THAT(ids, ElementsAre(1, 2));  // 3 and 4 did not fit, 0 gave way to the alert
    EXPECT_EQ(rs[0]["events_dropped"].get_uint64().value(), 3u);
    EXPECT_EQ(fx.stats.sum("eveflow_alert_context_events_dropped_total"), 3);
}

TEST(AlertContext, ARecordStaysWithinMaxBytes) {
    Fixture fx("{type: alert_context, max_bytes: 8KiB}");
    const std::string pad(700, 'x');
    fx.feed(line("alert", 1, 0));
    for (int i = 0; i < 30; ++i) fx.feed(line("http", 1, 1, R"("http":{"url":")" + pad + "\"}"));
    fx.feed(line("flow", 1, 2));
    fx.records();
    ASSERT_EQ(fx.texts.size(), 1u);
    EXPECT_LE(fx.texts[0].size(), 8192u);
    EXPECT_GT(fx.texts[0].size(), 8192u - 512 - 800);  // filled up to the bound
}

TEST(AlertContext, TtlInEventTimeEndsAFlowAndForgetsFlowsWithoutAlerts) {
    Fixture fx("{type: alert_context, ttl: 60s}");
    fx.feed(line("dns", 1, 0));
    fx.feed(line("alert", 1, 10));
    fx.feed(line("dns", 2, 30));
    fx.feed(line("dns", 3, 60));  // 1 is 60 s old: not yet
    EXPECT_TRUE(fx.records().empty());
    fx.feed(line("dns", 3, 61));
    auto rs = fx.records();
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0]["reason"].get_string().value(), "ttl");
    fx.feed(line("dns", 3, 200));    // 2 (no alert) expires silently
    fx.feed(line("alert", 2, 201));  // a new flow 2 from here
    fx.handler->flush(Timestamp::max(), fx.out);
    rs = fx.records();
    ASSERT_EQ(rs.size(), 2u);
    EXPECT_EQ(rs[1]["reason"].get_string().value(), "shutdown");
    EXPECT_EQ(rs[1]["events"].get_array().size(), 0u);
}

TEST(AlertContext, TheTotalBoundEndsTheOldestFlowsFirst) {
    Fixture fx("{type: alert_context, max_total_bytes: 1MiB}");
    const std::string pad(1000, 'y');
    fx.feed(line("alert", 1, 0));
    for (int f = 2; f < 1200; ++f) fx.feed(line("http", f, 1, R"("http":{"url":")" + pad + "\"}"));
    auto rs = fx.records();
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0]["flow_id"].get_uint64().value(), 1u);
    EXPECT_EQ(rs[0]["reason"].get_string().value(), "memory");
    EXPECT_LE(fx.stats.sum("eveflow_alert_context_bytes"), 1 << 20);
}

TEST(AlertContext, ConfigErrors) {
    EXPECT_THAT(testing::handler_config_errors("{type: alert_context, max_bytes: 2MiB}"),
                ElementsAre(HasSubstr("handlers[0].max_bytes: must be in [4096, 1000000] bytes")));
    EXPECT_THAT(testing::handler_config_errors("{type: alert_context, ttl: 0s}"),
                ElementsAre(HasSubstr("handlers[0].ttl: must be")));
    EXPECT_THAT(testing::handler_config_errors("{type: alert_context, max_events_per_flow: 0}"),
                ElementsAre(HasSubstr("handlers[0].max_events_per_flow: must be in [1, 100000]")));
    EXPECT_THAT(testing::handler_config_errors("{type: alert_context, ttl_s: 3}"),
                ElementsAre(HasSubstr("handlers[0].ttl_s")));
}

// The ioc handler's alerts reach alert_context through the dispatcher, in the same batch,
// when alert_context comes after ioc: the flow event that matched is then its end.
TEST(AlertContext, CollectsTheAlertsOfTheIocHandler) {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s1"};
    std::string list = ::testing::TempDir() + "/actx_ioc_list";
    std::ofstream(list) << "evil.test\n10.0.0.2\n";
    Section ioc_cfg("{type: ioc, lists: [{name: d, kind: domain, path: " + list +
                    "}, {name: i, kind: ip, path: " + list + "}]}");
    Section ctx_cfg("{type: alert_context}", "handlers[1]");
    HandlerContext h0{ctx, {}}, h1{ctx, {0}};
    std::vector<std::unique_ptr<Handler>> hs;
    hs.push_back(make_handler(ioc_cfg.node, h0));
    hs.push_back(make_handler(ctx_cfg.node, h1));
    Channel<RecordBatch> sink(16);
    Dispatcher d(ctx, std::move(hs), {&sink}, {"in"});
    Events ev;
    EventBatch b;
    b.events.push_back(ev.make(line("dns", 7, 0, R"("dns":{"rrname":"www.evil.test"})")));
    b.events.push_back(ev.make(line("http", 7, 1, R"("http":{"hostname":"x"})")));
    b.events.push_back(ev.make(line("flow", 7, 2)));
    d.consume(b);
    std::vector<RecordBatch> got;
    ASSERT_EQ(sink.pop_batch(got, 16, std::chrono::steady_clock::now()), 1u);
    ASSERT_EQ(got[0].size(), 1u);
    simdjson::dom::parser p;
    auto r = p.parse(std::get<RawEvent>(got[0][0]).line).value();
    std::vector<std::string_view> fields;
    for (auto a : r["alerts"].get_array()) fields.push_back(a["ioc"]["field"].get_string().value());
    EXPECT_THAT(fields, ElementsAre("dns.rrname", "dest_ip"));
    EXPECT_EQ(r["events"].get_array().size(), 2u);
    EXPECT_EQ(r["reason"].get_string().value(), "flow_end");
}

}  // namespace
}  // namespace eveflow::processing
