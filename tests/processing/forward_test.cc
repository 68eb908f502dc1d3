// Tests of the forward handler: selection, exact bytes of spliced lines, sinks, config errors.
#include "processing/forward/forward.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/processing/test_util.h"

namespace eveflow::processing {
namespace {

using eveflow::testing::RecordingEmitter;
using eveflow::testing::Section;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Fixture {
    explicit Fixture(const std::string& yaml, bool sensor_id_from_host = true)
        : ctx{stats, clock, "s1"}, section(yaml, "forward[0]") {
        ctx.sensor_id_from_host = sensor_id_from_host;
        // As the plan does: it builds the rule's outputs and hands their ids over.
        HandlerContext hctx{ctx, {}};
        for (const auto& n : section.node.items("outputs")) {
            n.touch("type");
            output_paths.push_back(n.str("path", ""));
            hctx.outputs.push_back(static_cast<SinkId>(10 + output_paths.size()));
        }
        handler = Forward::create(section.node, hctx);
    }
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        for (const auto& [sink, r] : emitter.records) out.push_back(std::get<RawEvent>(r).line);
        return out;
    }
    Stats stats;
    FakeClock clock{0};
    Context ctx;
    Section section;
    std::vector<std::string> output_paths;
    std::unique_ptr<Handler> handler;
    RecordingEmitter emitter;
};

Event event(std::string_view type, std::string_view line) {
    Event e;
    e.type = event_type_from_name(type);
    e.type_name = type;
    e.raw = line;
    e.fields.app_proto = "tls";
    e.fields.in_iface = "eth0";
    e.fields.src_port = 4242;
    return e;
}

TEST(Forward, SplicesFieldsBeforeFinalBraceByteExact) {
    Fixture fx(
        "{outputs: [{type: jsonl, path: a}],\n"
        " add_fields: {sensor_id: s1, n: 42, f: -1.5e3, t: true, z: null, q: \"7\",\n"
        "              esc: \"a\\\"b\\\\c\\n\", ip: 10.0.0.1}}");
    EXPECT_TRUE(fx.section.errors().empty());
    std::string line =
        R"({"timestamp":"2024-05-01T10:00:00.000000+0000","event_type":"alert","alert":{"x":{}}})";
    fx.handler->consume(event("alert", line), fx.emitter);
    ASSERT_EQ(fx.lines().size(), 1u);
    EXPECT_EQ(
        fx.lines()[0],
        R"({"timestamp":"2024-05-01T10:00:00.000000+0000","event_type":"alert","alert":{"x":{}})"
        R"(,"sensor_id":"s1","n":42,"f":-1.5e3,"t":true,"z":null,"q":"7","esc":"a\"b\\c\n")"
        R"(,"ip":"10.0.0.1"})");
}

TEST(Forward, TrailingWhitespaceAndEmptyObject) {
    Fixture fx("{outputs: [{type: jsonl, path: a}], add_fields: {k: v}}");
    fx.handler->consume(event("dns", "{\"a\":1}  "), fx.emitter);
    fx.handler->consume(event("dns", "{ }"), fx.emitter);
    EXPECT_THAT(fx.lines(), ElementsAre("{\"a\":1,\"k\":\"v\"}  ", "{ \"k\":\"v\"}"));
}

// A top-level key the event already has gets the added value in place (at the start, the
// middle and the end); the same key nested is left alone; the others are appended.
TEST(Forward, AddedFieldReplacesTopLevelKeyByteExact) {
    Fixture fx("{outputs: [{type: jsonl, path: a}], add_fields: {host: s1, n: 7, tag: x}}");
    const std::pair<std::string, std::string> cases[] = {
        {R"({"host":"old","a":{"host":"in","n":[1,{"n":2}]},"b":"host"})",
         R"({"host":"s1","a":{"host":"in","n":[1,{"n":2}]},"b":"host","n":7,"tag":"x"})"},
        {R"({"a":1, "n" : {"deep":[1,2]} ,"b":"}"})",
         R"({"a":1, "n" : 7 ,"b":"}","host":"s1","tag":"x"})"},
        {R"({"a":"\"tag\":1","tag":null} )", R"({"a":"\"tag\":1","tag":"x","host":"s1","n":7} )"},
        {R"({"ho\u0073t":"old","n":1,"tag":"y"})", R"({"ho\u0073t":"s1","n":7,"tag":"x"})"},
        {R"({"x":{"host":1}})", R"({"x":{"host":1},"host":"s1","n":7,"tag":"x"})"},
    };
    for (const auto& [in, want] : cases) {
        fx.emitter.records.clear();
        fx.handler->consume(event("alert", in), fx.emitter);
        ASSERT_EQ(fx.lines().size(), 1u);
        EXPECT_EQ(fx.lines()[0], want) << in;
    }
}

// Keys spelt with escapes in the line (a slash, a quote, \u) are still found and replaced.
TEST(Forward, EscapedSpellingsOfAnAddedKeyAreReplaced) {
    Fixture fx("{outputs: [{type: jsonl, path: a}], add_fields: {\"a/b\": 1, \"q\\\"k\": 2}}");
    EXPECT_TRUE(fx.section.errors().empty());
    fx.handler->consume(event("dns", R"({"a\/b":0,"q\"k":0,"c":"a/b"})"), fx.emitter);
    fx.handler->consume(event("dns", R"({"\u0061/b":0,"x":"q\"k"})"), fx.emitter);
    EXPECT_THAT(fx.lines(), ElementsAre(R"({"a\/b":1,"q\"k":2,"c":"a/b"})",
                                        R"({"\u0061/b":1,"x":"q\"k","q\"k":2})"));
}

// Each key of the event given twice is replaced both times (no key added twice).
TEST(Forward, EveryOccurrenceOfAnAddedKeyIsReplaced) {
    Fixture fx("{outputs: [{type: jsonl, path: a}], add_fields: {k: 1}}");
    fx.handler->consume(event("dns", R"({"k":"a","b":2,"k":[3]})"), fx.emitter);
    EXPECT_THAT(fx.lines(), ElementsAre(R"({"k":1,"b":2,"k":1})"));
}

TEST(Forward, WithoutAddFieldsLineIsUnchanged) {
    Fixture fx("{outputs: [{type: jsonl, path: a}]}");
    std::string line = R"({"event_type":"dns","dns":{"rrname":"a.b"}})";
    fx.handler->consume(event("dns", line), fx.emitter);
    EXPECT_THAT(fx.lines(), ElementsAre(line));
}

TEST(Forward, SelectsListedTypesIncludingUnknownNames) {
    Fixture fx("{types: [alert, stats, my_custom], outputs: [{type: jsonl, path: a}]}");
    for (auto t : {"alert", "dns", "stats", "flow", "my_custom", "my_other"}) {
        std::string line = std::string("{\"event_type\":\"") + t + "\"}";
        Event e = event(t, line);
        if (fx.handler->event_types().empty() ||
            std::find(fx.handler->event_types().begin(), fx.handler->event_types().end(), e.type) !=
                fx.handler->event_types().end()) {
            fx.handler->consume(e, fx.emitter);
        }
    }
    EXPECT_THAT(fx.lines(), ElementsAre(R"({"event_type":"alert"})", R"({"event_type":"stats"})",
                                        R"({"event_type":"my_custom"})"));
}

TEST(Forward, AllSelectsEveryType) {
    for (const char* yaml : {"{types: all, outputs: [{type: jsonl, path: a}]}",
                             "{outputs: [{type: jsonl, path: a}]}"}) {
        Fixture fx(yaml);
        EXPECT_TRUE(fx.handler->event_types().empty());
        for (auto t : {"alert", "dns", "flow", "whatever"})
            fx.handler->consume(event(t, "{}"), fx.emitter);
        EXPECT_EQ(fx.emitter.records.size(), 4u);
    }
}

TEST(Forward, EveryOutputGetsTheEventAsRaw) {
    Fixture fx("{name: r1, outputs: [{type: jsonl, path: a}, {type: unix_socket, path: b}]}");
    EXPECT_THAT(fx.output_paths, ElementsAre("a", "b"));
    fx.handler->consume(event("tls", "{\"x\":1}"), fx.emitter);
    ASSERT_EQ(fx.emitter.records.size(), 2u);
    EXPECT_EQ(fx.emitter.records[0].first, 11u);
    EXPECT_EQ(fx.emitter.records[1].first, 12u);
    for (const auto& [sink, r] : fx.emitter.records) {
        ASSERT_TRUE(std::holds_alternative<RawEvent>(r));
        const auto& raw = std::get<RawEvent>(r);
        EXPECT_EQ(raw.type, EventType::kTls);
        EXPECT_EQ(raw.type_name, "tls");
        EXPECT_EQ(raw.line, "{\"x\":1}");
        EXPECT_TRUE(raw.fields.app_proto.empty());
        EXPECT_TRUE(raw.fields.in_iface.empty());
        EXPECT_EQ(raw.fields.src_port, 4242);
    }
    fx.handler->tick(fx.clock.steady_now(), fx.emitter);
    EXPECT_EQ(fx.stats.sum("eveflow_forward_events_total", {{"rule", "r1"}}), 1);
}

// The raw event keeps its EVE `host` as an owned sensor_id (the event's views die with its
// batch); without a host, or with sensor_id_from_host off, it has none of its own.
TEST(Forward, RawEventCarriesItsHostAsSensorId) {
    Fixture fx("{outputs: [{type: jsonl, path: a}]}");
    std::string host = "sensor-7";
    auto e = event("dns", "{\"host\":\"sensor-7\"}");
    e.fields.host = host;
    fx.handler->consume(e, fx.emitter);
    host.assign(host.size(), 'x');
    fx.handler->consume(event("dns", "{}"), fx.emitter);
    ASSERT_EQ(fx.emitter.records.size(), 2u);
    EXPECT_EQ(std::get<RawEvent>(fx.emitter.records[0].second).sensor_id, "sensor-7");
    EXPECT_TRUE(std::get<RawEvent>(fx.emitter.records[0].second).fields.host.empty());
    EXPECT_EQ(std::get<RawEvent>(fx.emitter.records[1].second).sensor_id, "");

    Fixture off("{outputs: [{type: jsonl, path: a}]}", /*sensor_id_from_host=*/false);
    e.fields.host = "sensor-7";
    off.handler->consume(e, off.emitter);
    ASSERT_EQ(off.emitter.records.size(), 1u);
    EXPECT_EQ(std::get<RawEvent>(off.emitter.records[0].second).sensor_id, "");
}

TEST(Forward, NameDefaultsToSectionPath) {
    Fixture fx("{outputs: [{type: jsonl, path: a}]}");
    EXPECT_EQ(fx.handler->name(), "forward[0]");
}

TEST(Forward, MissingOutputsIsAnError) {
    Fixture fx("{types: [alert]}");
    EXPECT_THAT(fx.section.errors(),
                ElementsAre("eveflow.yaml:1: forward[0].outputs: must list at least one output"));
}

TEST(Forward, EmptyTypesIsAnError) {
    Fixture fx("{types: [], outputs: [{type: jsonl, path: a}]}");
    EXPECT_THAT(fx.section.errors(),
                ElementsAre(HasSubstr("forward[0].types: must list event types or be \"all\"")));
}

TEST(Forward, AddFieldsMustBeScalars) {
    Fixture fx("{outputs: [{type: jsonl, path: a}], add_fields: {a: [1]}}");
    EXPECT_THAT(fx.section.errors(),
                ElementsAre(HasSubstr("forward[0].add_fields.a: must be a scalar value")));
}

TEST(Forward, UnknownKeyIsAnError) {
    Fixture fx("{outputs: [{type: jsonl, path: a}], add_field: {a: b}}");
    EXPECT_THAT(fx.section.errors(), ElementsAre(HasSubstr("forward[0].add_field: unknown key")));
}

}  // namespace
}  // namespace eveflow::processing
