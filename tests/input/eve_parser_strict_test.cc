// Tests of the EVE parser's strictness: protocols, counters and ports taken only when valid,
// JSON escapes decoded in every string field read.
#include <gtest/gtest.h>

#include <string>

#include "input/eve/eve_parser.h"
#include "tests/input/eve_line.h"

namespace eveflow::input {
namespace {

// A flow event, valid but for what `extra` (members, with a leading comma) adds or overrides.
std::string flow(const std::string& extra, const std::string& counters = "") {
    return R"({"timestamp":"2024-05-01T10:00:00.000000+0000","event_type":"flow",)"
           R"("src_ip":"10.0.0.1","dest_ip":"10.0.0.2","src_port":1234,"dest_port":80)" +
           extra + R"(,"flow":{"pkts_toserver":1,"pkts_toclient":2)" + counters + "}}";
}

Event parse(Line& line) {
    static EveParser parser;
    Event ev;
    EXPECT_EQ(line.parse(parser, ev), ParseResult::kOk) << std::string(line.begin(), line.end());
    return ev;
}

TEST(EveParserStrict, NumbersAndKnownNamesAreProtocols) {
    const std::pair<const char*, int> cases[] = {
        {"6", 6},
        {"\"6\"", 6},
        {"0", 0},
        {"\"0\"", 0},
        {"255", 255},
        {"47", 47},
        {"\"200\"", 200},
        {"\"TCP\"", 6},
        {"\"udp\"", 17},
        {"\"ICMPv6\"", 58},
        {"\"GRE\"", 47},
        {"\"HOPOPT\"", 0},
        {"\"IPv6-ICMP\"", 58},
    };
    for (const auto& [text, number] : cases) {
        Line line(flow(std::string(",\"proto\":") + text));
        Event ev = parse(line);
        EXPECT_TRUE(ev.aggregatable) << text;
        EXPECT_TRUE(ev.fields.has_proto) << text;
        EXPECT_EQ(ev.fields.proto, number) << text;
    }
}

TEST(EveParserStrict, UnknownOrMissingProtocolMakesFlowNotAggregatable) {
    const char* cases[] = {
        R"(,"proto":"FOO")", R"(,"proto":300)",
        R"(,"proto":-1)",    R"(,"proto":"300")",
        R"(,"proto":6.0)",   R"(,"proto":1e1)",
        R"(,"proto":null)",  R"(,"proto":true)",
        R"(,"proto":"")",    R"(,"proto":"-1")",
        R"(,"proto":[6])",   R"(,"proto":{})",
        R"(,"proto":"6 ")",  "",
    };
    for (const char* extra : cases) {
        Line line(flow(extra));
        Event ev = parse(line);
        EXPECT_EQ(ev.type, EventType::kFlow) << extra;
        EXPECT_FALSE(ev.fields.has_proto) << extra;
        EXPECT_FALSE(ev.aggregatable) << extra;
    }
}

TEST(EveParserStrict, NonFlowEventWithBadProtocolIsStillAnEvent) {
    EveParser parser;
    for (const char* proto : {R"("proto":"FOO",)", ""}) {
        Line line(std::string(R"({"timestamp":"2024-05-01T10:00:00Z","event_type":"dns",)") +
                  proto + R"("src_ip":"10.0.0.1","dest_ip":"10.0.0.2","dns":{}})");
        Event ev;
        ASSERT_EQ(line.parse(parser, ev), ParseResult::kOk);
        EXPECT_EQ(ev.type, EventType::kDns);
        EXPECT_EQ(ev.type_name, "dns");
        EXPECT_FALSE(ev.fields.has_proto);
    }
}

TEST(EveParserStrict, CountersMustBeUnsignedIntegerLiterals) {
    const char* bad[] = {
        "1e400", "-1", "18446744073709551616",   "1.5", "1e3", "1.0", "-0", "null", "\"5\"", "true",
        "[]",    "{}", "99999999999999999999999"};
    for (const char* name :
         {"pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient"}) {
        for (const char* value : bad) {
            Line line(flow(R"(,"proto":"TCP")", std::string(",\"") + name + "\":" + value));
            Event ev = parse(line);
            EXPECT_FALSE(ev.aggregatable) << name << ": " << value;
        }
    }
    Line max(flow(R"(,"proto":"TCP")", R"(,"bytes_toserver":18446744073709551615)"));
    Event ev = parse(max);
    EXPECT_TRUE(ev.aggregatable);
    EXPECT_EQ(ev.fields.bytes_toserver, UINT64_MAX);
    EXPECT_EQ(ev.fields.pkts_toclient, 2u);
}

TEST(EveParserStrict, PortsAndVlanMustBeIntegersInRange) {
    const char* bad[] = {
        R"(,"src_port":70000)", R"(,"dest_port":-1)",   R"(,"dest_port":80.0)",
        R"(,"src_port":"80")",  R"(,"dest_port":null)", R"(,"vlan":4096)",
        R"(,"vlan":[1e1])",     R"(,"vlan":"10")",      R"(,"vlan":[[10]])",
    };
    for (const char* extra : bad) {
        Line line(flow(std::string(R"(,"proto":"TCP")") + extra));
        EXPECT_FALSE(parse(line).aggregatable) << extra;
    }
    Line good(flow(R"(,"proto":"TCP","vlan":[4095,5000],"dest_port":65535)"));
    Event ev = parse(good);
    EXPECT_TRUE(ev.aggregatable);
    EXPECT_EQ(ev.fields.vlan, 4095);
    EXPECT_EQ(ev.fields.dest_port, 65535);
}

TEST(EveParserStrict, FlowIdStillTakesFloats) {
    Line line(flow(R"(,"proto":"TCP","flow_id":1.35e+15)"));
    Event ev = parse(line);
    EXPECT_TRUE(ev.aggregatable);
    EXPECT_EQ(ev.fields.flow_id, 1'350'000'000'000'000u);
}

TEST(EveParserStrict, EscapesAreDecodedInEveryStringRead) {
    Line line(R"({"timestamp":"2024-05-01T10:00:0\u0030.000000+0000","event_type":"\u0066low",)"
              R"("src_ip":"10.0.0.\u0031","dest_ip":"2001:db8::\u0032","proto":"\u0054CP",)"
              R"("app_proto":"\u0068ttp","in_iface":"eth\/0","host":"s\u00e9nsor\"1\\",)"
              R"("flow":{"start":"2024-05-01T09:59:5\u0039.000000+0000","pkts_toserver":3}})");
    Event ev = parse(line);
    EXPECT_EQ(ev.type, EventType::kFlow);
    EXPECT_EQ(ev.type_name, "flow");
    EXPECT_TRUE(ev.aggregatable);
    EXPECT_EQ(ev.fields.ts.us, parse_timestamp("2024-05-01T10:00:00Z")->us);
    EXPECT_EQ(ev.fields.start.us, parse_timestamp("2024-05-01T09:59:59Z")->us);
    EXPECT_EQ(ev.fields.src_ip.to_string(), "10.0.0.1");
    EXPECT_EQ(ev.fields.dest_ip.to_string(), "2001:db8::2");
    EXPECT_EQ(ev.fields.proto, 6);
    EXPECT_EQ(ev.fields.app_proto, "http");
    EXPECT_EQ(ev.fields.app_proto_words.size, 4u);
    EXPECT_EQ(ev.fields.in_iface, "eth/0");
    EXPECT_EQ(ev.fields.host, "s\xC3\xA9nsor\"1\\");
    EXPECT_EQ(ev.fields.pkts_toserver, 3u);
    // The line itself is left as received, for forwarding.
    EXPECT_EQ(ev.raw, std::string_view(line.begin(), line.end() - line.begin()));
}

TEST(EveParserStrict, EscapedKeysAreTheKeysTheyDecodeTo) {
    Line line(flow(R"(,"\u0070roto":"UDP","\u0061pp_proto":"dns")", R"(,"bytes_to\u0073erver":7)"));
    Event ev = parse(line);
    EXPECT_EQ(ev.fields.proto, 17);
    EXPECT_EQ(ev.fields.app_proto, "dns");
    EXPECT_EQ(ev.fields.bytes_toserver, 7u);
    // A long escaped key that decodes to nothing read, and one that only starts like one.
    Line other(flow(R"(,"proto":"TCP","\u0070roto_\u0078xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx":1)"
                    R"(,"\u0070rot":"UDP")"));
    Event ev2 = parse(other);
    EXPECT_EQ(ev2.fields.proto, 6);
}

TEST(EveParserStrict, SurrogatePairsAndLoneSurrogates) {
    Line line(R"({"event_type":"x","app_proto":"a\ud83d\ude00b","host":"\ud800-\udc00",)"
              R"("in_iface":"\u00e9\u20ac\u0000"})");
    Event ev = parse(line);
    EXPECT_EQ(ev.fields.app_proto,
              "a\xF0\x9F\x98\x80"
              "b");
    EXPECT_EQ(ev.fields.host, "\xEF\xBF\xBD-\xEF\xBF\xBD");
    EXPECT_EQ(ev.fields.in_iface, std::string_view("\xC3\xA9\xE2\x82\xAC\0", 6));
}

TEST(EveParserStrict, OnlyStringsWithEscapesAreCopied) {
    Line plain(flow(R"(,"proto":"TCP","app_proto":"tls")"));
    Event ev = parse(plain);
    EXPECT_EQ(plain.decoded_pieces(), 0u);
    EXPECT_GE(ev.fields.app_proto.data(), plain.begin());
    EXPECT_LE(ev.fields.app_proto.data() + ev.fields.app_proto.size(), plain.end());
    Line escaped(flow(R"(,"proto":"TCP","app_proto":"t\u006cs")"));
    ev = parse(escaped);
    EXPECT_EQ(escaped.decoded_pieces(), 1u);
    EXPECT_EQ(ev.fields.app_proto, "tls");
}

}  // namespace
}  // namespace eveflow::input
