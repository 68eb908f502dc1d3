// Tests of the EVE line parser: every field rule, on small fixtures in tests/data/eve.
#include "input/eve/eve_parser.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tests/input/eve_line.h"
#include "tests/output/test_util.h"

namespace eveflow::input {
namespace {

std::vector<std::string> read_lines(const std::string& name) {
    std::ifstream in(std::string(EVEFLOW_SOURCE_DIR) + "/tests/data/eve/" + name);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

int64_t us(const char* iso_utc) { return parse_timestamp(iso_utc)->us; }

class EveParserTest : public ::testing::Test {
protected:
    Event parse_fixture(size_t index) {
        auto lines = read_lines("fields.jsonl");
        lines_.emplace_back(lines.at(index));
        Event ev;
        EXPECT_EQ(lines_.back().parse(parser_, ev), ParseResult::kOk) << lines.at(index);
        return ev;
    }
    bool inside_line(std::string_view v) const {
        const Line& l = lines_.back();
        return v.data() >= l.begin() && v.data() + v.size() <= l.end();
    }
    EveParser parser_;
    std::vector<Line> lines_;
};

TEST_F(EveParserTest, FlowEventAllFields) {
    Event ev = parse_fixture(0);
    EXPECT_EQ(ev.type, EventType::kFlow);
    EXPECT_EQ(ev.type_name, "flow");
    EXPECT_TRUE(ev.aggregatable);
    const FlowEntry& f = ev.fields;
    EXPECT_EQ(f.ts.us, us("2024-05-01T08:00:00.123456Z"));
    EXPECT_EQ(f.start.us, us("2024-05-01T07:59:50.000001Z"));
    EXPECT_EQ(f.end.us, us("2024-05-01T07:59:59.500000Z"));
    EXPECT_EQ(f.src_ip.to_string(), "10.0.0.1");
    EXPECT_EQ(f.dest_ip.to_string(), "10.0.0.2");
    EXPECT_EQ(f.src_port, 51000);
    EXPECT_EQ(f.dest_port, 443);
    EXPECT_TRUE(f.has_src_port && f.has_dest_port && f.has_proto);
    EXPECT_EQ(f.proto, 6);
    EXPECT_EQ(f.flow_id, 1234567890123456u);
    EXPECT_EQ(f.pkts_toserver, 10u);
    EXPECT_EQ(f.pkts_toclient, 8u);
    EXPECT_EQ(f.bytes_toserver, 1500u);
    EXPECT_EQ(f.bytes_toclient, 87000u);
    EXPECT_EQ(f.app_proto, "tls");
    EXPECT_EQ(f.in_iface, "eth0");
    EXPECT_EQ(f.vlan, 0);
}

TEST_F(EveParserTest, ViewsPointIntoTheLine) {
    Event ev = parse_fixture(0);
    EXPECT_TRUE(inside_line(ev.raw));
    EXPECT_EQ(ev.raw.size(), lines_.back().end() - lines_.back().begin());
    EXPECT_TRUE(inside_line(ev.type_name));
    EXPECT_TRUE(inside_line(ev.fields.app_proto));
    EXPECT_TRUE(inside_line(ev.fields.in_iface));
}

// Suricata's sensor-name is the top-level "host"; a nested one (here in "http") is not.
TEST(EveParser, HostIsTheTopLevelFieldOnly) {
    EveParser parser;
    Event ev;
    Line top(R"({"timestamp":"2024-05-01T08:00:00Z","event_type":"http","src_ip":"10.0.0.1",)"
             R"("dest_ip":"10.0.0.2","http":{"host":"example.org"},"host":"sensor-7"})");
    ASSERT_EQ(top.parse(parser, ev), ParseResult::kOk);
    EXPECT_EQ(ev.fields.host, "sensor-7");
    Line nested(R"({"timestamp":"2024-05-01T08:00:00Z","event_type":"http",)"
                R"("http":{"host":"example.org"}})");
    ASSERT_EQ(nested.parse(parser, ev), ParseResult::kOk);
    EXPECT_EQ(ev.fields.host, "");
    Line not_string(R"({"event_type":"flow","host":17})");
    ASSERT_EQ(not_string.parse(parser, ev), ParseResult::kOk);
    EXPECT_EQ(ev.fields.host, "");
}

TEST_F(EveParserTest, Ipv6PaddedNegativeOffsetIcmpWithoutPortsMissingCounters) {
    Event ev = parse_fixture(1);
    const FlowEntry& f = ev.fields;
    EXPECT_TRUE(ev.aggregatable);
    EXPECT_EQ(f.ts.us, us("2024-05-01T09:00:00.500000Z"));
    EXPECT_EQ(f.src_ip.to_string(), "fe80::200:ff:fe00:1");
    EXPECT_EQ(f.dest_ip.to_string(), "ff02::fb");
    EXPECT_EQ(f.proto, 58);
    EXPECT_FALSE(f.has_src_port);
    EXPECT_FALSE(f.has_dest_port);
    EXPECT_EQ(f.dest_port, 0);
    EXPECT_EQ(f.pkts_toserver, 1u);
    EXPECT_EQ(f.pkts_toclient, 0u);
    EXPECT_EQ(f.bytes_toserver, 90u);
    EXPECT_EQ(f.bytes_toclient, 0u);
    EXPECT_FALSE(f.start.valid());
    EXPECT_FALSE(f.end.valid());
}

TEST_F(EveParserTest, ShuffledKeysFloatFlowIdProtoNumberZulu) {
    Event ev = parse_fixture(2);
    const FlowEntry& f = ev.fields;
    EXPECT_TRUE(ev.aggregatable);
    EXPECT_EQ(f.ts.us, us("2024-05-01T09:00:01Z"));
    EXPECT_EQ(f.start.us, us("2024-05-01T09:00:00Z"));
    EXPECT_EQ(f.flow_id, 1350000000000000u);
    EXPECT_EQ(f.proto, 17);
    EXPECT_EQ(f.src_port, 40000);
    EXPECT_EQ(f.dest_port, 53);
    EXPECT_EQ(f.bytes_toclient, 7u);
}

TEST_F(EveParserTest, EmptyIpMakesFlowNotAggregatable) {
    Event ev = parse_fixture(3);
    EXPECT_EQ(ev.type, EventType::kFlow);
    EXPECT_FALSE(ev.fields.has_src_ip);
    EXPECT_TRUE(ev.fields.has_dest_ip);
    EXPECT_EQ(ev.fields.ts.us, us("2024-05-01T09:00:01Z"));  // nine fraction digits
    EXPECT_FALSE(ev.aggregatable);
}

TEST_F(EveParserTest, NullsAreAbsent) {
    Event ev = parse_fixture(4);
    EXPECT_FALSE(ev.fields.ts.valid());
    EXPECT_TRUE(ev.fields.app_proto.empty());
    EXPECT_EQ(ev.fields.vlan, 0);
    EXPECT_FALSE(ev.aggregatable);
}

TEST_F(EveParserTest, NonFlowEventKeepsCommonFieldsButNoCounters) {
    Event ev = parse_fixture(5);
    EXPECT_EQ(ev.type, EventType::kAlert);
    EXPECT_FALSE(ev.aggregatable);
    EXPECT_EQ(ev.fields.vlan, 100);
    EXPECT_EQ(ev.fields.proto, 17);
    EXPECT_EQ(ev.fields.ts.us, us("2017-03-01T12:00:00Z"));
    EXPECT_EQ(ev.fields.pkts_toserver, 0u);  // counters only for flow events
    EXPECT_EQ(ev.fields.src_ip.to_string(), "10.1.1.1");
}

TEST_F(EveParserTest, VlanArrayInvalidIpSctp) {
    Event ev = parse_fixture(6);
    EXPECT_EQ(ev.type, EventType::kDns);
    EXPECT_EQ(ev.fields.vlan, 200);
    EXPECT_FALSE(ev.fields.has_src_ip);  // 10.0.0.999
    EXPECT_TRUE(ev.fields.has_dest_ip);
    EXPECT_EQ(ev.fields.proto, 132);
}

TEST_F(EveParserTest, SpacedSeparatorsColonOffsetUnknownTypeTrailingSpaces) {
    Event ev = parse_fixture(7);
    EXPECT_EQ(ev.type, EventType::kOther);
    EXPECT_EQ(ev.type_name, "custom_thing");
    EXPECT_EQ(ev.fields.ts.us, us("2024-05-01T08:00:00Z"));
    EXPECT_EQ(ev.fields.proto, 0);
    EXPECT_TRUE(ev.fields.has_proto);
    EXPECT_TRUE(ev.fields.has_src_port);
    EXPECT_TRUE(inside_line(ev.type_name));
}

TEST(EveParser, BrokenLines) {
    auto lines = read_lines("broken.jsonl");
    ASSERT_EQ(lines.size(), 6u);
    const ParseResult expected[] = {ParseResult::kNotObject, ParseResult::kNotObject,
                                    ParseResult::kNotJson,   ParseResult::kNotJson,
                                    ParseResult::kNotJson,   ParseResult::kNotJson};
    EveParser parser;
    for (size_t i = 0; i < lines.size(); ++i) {
        Line line(lines[i]);
        Event ev;
        EXPECT_EQ(line.parse(parser, ev), expected[i]) << lines[i];
    }
}

// Not JSON anywhere in the line, also in values the parser does not read: malformed.
TEST(EveParser, InvalidJsonInsideValuesItSkips) {
    EveParser parser;
    for (std::string_view bad : {
             R"({"event_type":"dns","a":[1}})",
             R"({"event_type":"dns","a":{"b":1]})",
             R"({"event_type":"dns","a":tru})",
             R"({"event_type":"dns","a":nul})",
             R"({"event_type":"dns","a":01})",
             R"({"event_type":"dns","a":1.})",
             R"({"event_type":"dns","a":-})",
             R"({"event_type":"dns","a":1e})",
             R"({"event_type":"dns","a":NaN})",
             R"({"event_type":"dns","a":[1,,2]})",
             R"({"event_type":"dns","a":{"b" 1}})",
             R"({"event_type":"dns","a":{"b":1,}})",
             R"({"event_type":"dns","a":"\q"})",
             R"({"event_type":"dns","a":"\u12"})",
             R"({"event_type":"dns","\x":1})",
             R"({"event_type":"dns","dns":{"rrname":"a\!"}})",
             R"({"event_type":"flow","src_port":12x,"src_ip":"10.0.0.1"})",
             R"({"event_type":"flow","src_port":012})",
             R"({"event_type":"flow","proto":TCP})",
             R"({"event_type":"flow","vlan":[1,x]})",
             R"({"event_type":"flow","vlan":[1,{"a"}]})",
             R"({"event_type":"flow","flow":{"age":0x,"pkts_toserver":1}})",
             R"({"event_type":"flow","flow":{"pkts_toserver":1,"state":"a\z"}})",
             R"({"event_type":"flow","flow":[1}})",
             R"({"event_type":"alert","flow":{"start":tru}})",
             R"({"event_type":"flow","timestamp":2024-05-01})",
             R"({"event_type":"flow","src_ip":"10.0.0.\1"})",
         }) {
        Line line(bad);
        Event ev;
        EXPECT_EQ(line.parse(parser, ev), ParseResult::kNotJson) << bad;
    }
    // Well-formed values of other types than the field's are valid JSON: absent, not fatal.
    for (
        std::string_view good : {
            R"({"event_type":"dns","a":[1,{"b":[true,false,null]},-0.5e+3,"\"\\\/\b\f\n\r\t\u00e9"]})",
            R"({"event_type":"flow","src_port":70000,"dest_port":-1,"flow_id":"x","proto":null})",
            R"({"event_type":"flow","vlan":[1,[2],{"x":"y"}],"flow":{"age":1.5,"state":{}}})",
            R"({"event_type":"alert","flow":{"start":["2024"]},"src_ip":{"v":4}})",
            R"({"event_type":"flow","timestamp":1714557600,"in_iface":["eth0"],"host":1e400})",
            R"({"event_type":"dns","k\u0065y":"v\\\\"})",
        }) {
        Line line(good);
        Event ev;
        EXPECT_EQ(line.parse(parser, ev), ParseResult::kOk) << good;
    }
}

// Inside strings JSON wants valid UTF-8 and no raw control character; numbers and \u escapes
// have no limit (simdjson's DOM would refuse 1e400, 2^64 and unpaired surrogates).
TEST(EveParser, StringBytesAndUnboundedNumbers) {
    EveParser parser;
    const std::string bad[] = {
        std::string("{\"event_type\":\"dns\",\"a\":\"x\ty\"}"),
        std::string("{\"event_type\":\"dns\",\"a\":\"x\0y\"}", 30),
        std::string("{\"event_type\":\"dns\",\"a\":\"x\x1f\"}"),
        "{\"event_type\":\"dns\",\"a\":\"\xff\"}",          // not UTF-8
        "{\"event_type\":\"dns\",\"a\":\"\xc0\xaf\"}",      // overlong
        "{\"event_type\":\"dns\",\"a\":\"\xed\xa0\x80\"}",  // a surrogate in UTF-8
        "{\"event_type\":\"dns\",\"a\":\"\xe2\x82\"}",      // truncated sequence
        "{\"event_type\":\"dns\"}\xc3\xa9",                 // text after the object
        R"({"event_type":"dns","a":[1,2)",
        R"({"event_type":"dns","a":"abc)",
    };
    for (const std::string& text : bad) {
        Line line(text);
        Event ev;
        EXPECT_EQ(line.parse(parser, ev), ParseResult::kNotJson) << text;
        EXPECT_TRUE(ev.type_name.empty()) << text;
    }
    for (std::string_view good : {
             "{\"event_type\":\"dns\",\"a\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\",\"b\":\"\\ud800\"}",
             R"({"event_type":"dns","a":123456789012345678901234567890,"b":-1e400,"c":1e-400})",
             R"({"event_type":"dns","a":"\udc00\ud800","b":"tab\tok"})",
         }) {
        Line line(good);
        Event ev;
        EXPECT_EQ(line.parse(parser, ev), ParseResult::kOk) << good;
        EXPECT_EQ(ev.type_name, "dns");
    }
}

// Real lines with one byte deleted, inserted or replaced: the parser's verdict equals that of
// Python's json (tests/input/json_verdict.py) on every one.
TEST(EveParser, AgreesWithPythonJsonOnMutatedRealLines) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(EVEFLOW_SHARED_DATA) / "eve";
    if (!fs::exists(dir)) GTEST_SKIP() << "no test data at " << dir;
    std::vector<std::string> real;
    for (const auto& f : fs::recursive_directory_iterator(dir)) {
        if (!f.is_regular_file() || f.path().extension() != ".json") continue;
        std::ifstream in(f.path());
        for (std::string line; std::getline(in, line);) {
            if (line.size() > 2 && line.size() < 4096 && line.front() == '{') real.push_back(line);
        }
    }
    ASSERT_GT(real.size(), 1000u);
    // JSON's structural characters, the bytes of its scalars and escapes, whitespace and a
    // control character (allowed between tokens, not inside strings).
    const std::string alphabet = "{}[],:\"\\/tfnrue0123456789.-+Ebux \t\x01";
    std::mt19937 rng(12345);
    std::vector<std::string> lines;
    for (int i = 0; i < 30000; ++i) {
        std::string s = real[rng() % real.size()];
        const size_t at = rng() % s.size();
        const char c = alphabet[rng() % alphabet.size()];
        switch (rng() % 3) {
            case 0:
                s.erase(at, 1);
                break;
            case 1:
                s.insert(at, 1, c);
                break;
            default:
                s[at] = c;
        }
        lines.push_back(s);
    }
    testing::TempDir tmp;
    const std::string path = tmp / "mutated.jsonl";
    {
        std::ofstream out(path, std::ios::binary);
        for (const auto& s : lines) out << s << '\n';
    }
    const std::string cmd =
        "/usr/bin/python3 " EVEFLOW_SOURCE_DIR "/tests/input/json_verdict.py < '" + path + "'";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::vector<std::string> verdicts;
    char buf[64];
    while (fgets(buf, sizeof buf, p)) verdicts.emplace_back(buf, std::strcspn(buf, "\n"));
    ASSERT_EQ(pclose(p), 0);
    ASSERT_EQ(verdicts.size(), lines.size());
    EveParser parser;
    size_t bad = 0, disagree = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
        Line line(lines[i]);
        Event ev;
        const ParseResult r = line.parse(parser, ev);
        const char* ours = r == ParseResult::kOk          ? "object"
                           : r == ParseResult::kNotObject ? "other"
                                                          : "bad";
        bad += verdicts[i] == "bad";
        if (verdicts[i] != ours && ++disagree <= 10) {
            ADD_FAILURE() << "ours " << ours << ", Python " << verdicts[i] << ": " << lines[i];
        }
    }
    EXPECT_EQ(disagree, 0u);
    // The mutations make both kinds, each in numbers.
    EXPECT_GT(bad, lines.size() / 10);
    EXPECT_LT(bad, lines.size() * 9 / 10);
}

TEST(EveParser, TimestampFractionLengthsAndOffsets) {
    struct Case {
        const char* text;
        const char* utc;
    } cases[] = {
        {"2024-05-01T10:00:00+0200", "2024-05-01T08:00:00Z"},
        {"2024-05-01T10:00:00.1+0200", "2024-05-01T08:00:00.100000Z"},
        {"2024-05-01T10:00:00.123-0800", "2024-05-01T18:00:00.123000Z"},
        {"1969-12-31T16:00:00.000003-0800", "1970-01-01T00:00:00.000003Z"},
        {"1970-01-01T08:00:00+0800", "1970-01-01T00:00:00Z"},
    };
    EveParser parser;
    for (const auto& c : cases) {
        Line line(std::string(R"({"event_type":"flow","timestamp":")") + c.text + "\"}");
        Event ev;
        ASSERT_EQ(line.parse(parser, ev), ParseResult::kOk);
        EXPECT_EQ(ev.fields.ts.us, us(c.utc)) << c.text;
    }
}

TEST(EveParser, BadValuesAreAbsentNotFatal) {
    EveParser parser;
    Line line(R"({"event_type":"flow","src_port":70000,"dest_port":-1,"proto":"NOPE",)"
              R"("timestamp":"2024-13-01T00:00:00Z","flow_id":"x","flow":7})");
    Event ev;
    ASSERT_EQ(line.parse(parser, ev), ParseResult::kOk);
    EXPECT_FALSE(ev.fields.has_src_port);
    EXPECT_FALSE(ev.fields.has_dest_port);
    EXPECT_FALSE(ev.fields.has_proto);
    EXPECT_FALSE(ev.fields.ts.valid());
    EXPECT_EQ(ev.fields.flow_id, 0u);
}

TEST(EveParser, ReusedParserDoesNotLeakFieldsBetweenLines) {
    EveParser parser;
    Line a(
        R"({"event_type":"flow","src_ip":"1.2.3.4","app_proto":"http","flow":{"pkts_toserver":5}})");
    Line b(R"({"event_type":"flow"})");
    Event ev;
    ASSERT_EQ(a.parse(parser, ev), ParseResult::kOk);
    ASSERT_EQ(b.parse(parser, ev), ParseResult::kOk);
    EXPECT_FALSE(ev.fields.has_src_ip);
    EXPECT_TRUE(ev.fields.app_proto.empty());
    EXPECT_EQ(ev.fields.pkts_toserver, 0u);
}

}  // namespace
}  // namespace eveflow::input
