// Payloads rewritten into jsonb's key order: same value (by simdjson's DOM), sorted objects.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "output/postgres/jsonb_order.h"
#include "tests/output/test_util.h"

namespace eveflow::output::postgres {
namespace {

namespace fs = std::filesystem;

// A canonical text of a JSON value: objects as a map (the last duplicate wins, as in jsonb),
// scalars as simdjson prints them. Two texts with the same jsonb value give the same string.
std::string canonical(simdjson::dom::element e) {
    if (e.is_object()) {
        std::map<std::string, std::string> members;
        for (auto field : e.get_object()) members[std::string(field.key)] = canonical(field.value);
        std::string out = "{";
        for (const auto& [k, v] : members) out += "\"" + k + "\":" + v + ",";
        return out + "}";
    }
    if (e.is_array()) {
        std::string out = "[";
        for (auto v : e.get_array()) out += canonical(v) + ",";
        return out + "]";
    }
    return simdjson::minify(e);
}

// Every object's keys in jsonb's order (length, then bytes); keys as simdjson decodes them.
bool sorted_for_jsonb(simdjson::dom::element e) {
    if (e.is_array()) {
        for (auto v : e.get_array()) {
            if (!sorted_for_jsonb(v)) return false;
        }
    }
    if (!e.is_object()) return true;
    std::string_view prev;
    bool first = true;
    for (auto field : e.get_object()) {
        const std::string_view k = field.key;
        if (!first && (k.size() < prev.size() || (k.size() == prev.size() && k < prev))) {
            return false;
        }
        if (!sorted_for_jsonb(field.value)) return false;
        prev = k;
        first = false;
    }
    return true;
}

std::string reordered(std::string_view json) {
    std::string out = "keep:";
    EXPECT_TRUE(append_in_jsonb_order(out, json)) << json;
    EXPECT_EQ(out.substr(0, 5), "keep:");
    return out.substr(5);
}

TEST(PostgresJsonbOrder, SortsEveryObjectByLengthThenBytes) {
    EXPECT_EQ(reordered(R"({"timestamp":"t","flow":{"start":1,"age":2,"end":3},"proto":"TCP",)"
                        R"("b":[{"zz":1,"y":2},[],{}],"a":null})"),
              R"({"a":null,"b":[{"y":2,"zz":1},[],{}],"flow":{"age":2,"end":3,"start":1},)"
              R"("proto":"TCP","timestamp":"t"})");
    // Whitespace between tokens goes, whitespace in strings stays; scalars are copied as sent.
    EXPECT_EQ(reordered(" {\n\"bb\" : \"x , }\" ,\t\"a\": -1.50e+3 } \n"),
              R"({"a":-1.50e+3,"bb":"x , }"})");
    EXPECT_EQ(reordered(R"(["b",{"c":true,"a":false}])"), R"(["b",{"a":false,"c":true}])");
    EXPECT_EQ(reordered("42"), "42");
    EXPECT_EQ(reordered(R"("s")"), R"("s")");
}

TEST(PostgresJsonbOrder, StringsWithQuotesBracesAndEscapes) {
    EXPECT_EQ(reordered(R"({"zz":"a\"}{[","y":"\\","x":"\u00e9\n"})"),
              R"({"x":"\u00e9\n","y":"\\","zz":"a\"}{["})");
}

TEST(PostgresJsonbOrder, EscapedKeysAndDuplicatesKeepTheirOrder) {
    // The server compares unescaped keys: an object with an escaped key is left for it to sort.
    EXPECT_EQ(reordered(R"({"zz":1,"\u0061":2,"inner":{"d":1,"c":2}})"),
              R"({"zz":1,"\u0061":2,"inner":{"c":2,"d":1}})");
    // Duplicates keep their order among themselves (jsonb keeps the last one).
    EXPECT_EQ(reordered(R"({"k":1,"aa":0,"k":2})"), R"({"k":1,"k":2,"aa":0})");
}

TEST(PostgresJsonbOrder, MalformedTextIsLeftAlone) {
    for (std::string_view bad :
         {"", "  ", "{", "}", "{\"a\":1", "{\"a\" 1}", "{\"a\":}", "{\"a\":1,}", "{a:1}", "[1,2",
          "[1 2]", "{\"a\":1}x", "{\"a\":1} {}", "\"open", "{\"a\":\"x}", "[,]", "{\"a\":1,,}",
          // Scalars and strings are checked against JSON's grammar too.
          "{\"a\":tru}", "[01]", "[1.]", "[-]", "[\"a\tb\"]", "[\"\\x\"]", "[\"\\u12\"]",
          "[\"\\"}) {
        std::string out = "keep";
        EXPECT_FALSE(append_in_jsonb_order(out, bad)) << bad;
        EXPECT_EQ(out, "keep") << bad;
        EXPECT_EQ(in_jsonb_order(bad), bad);
    }
    // Past 64 levels the text goes as it is; at 64 it is rewritten.
    const std::string deep = std::string(65, '[') + std::string(65, ']');
    std::string out;
    EXPECT_FALSE(append_in_jsonb_order(out, deep));
    const std::string ok = std::string(64, '[') + std::string(64, ']');
    EXPECT_EQ(reordered(ok), ok);
}

// A line bigger than the buffers keep between lines (1 MiB), then small ones again.
TEST(PostgresJsonbOrder, HugeLineThenSmallOnes) {
    std::string in = "[", want = "[";
    for (int i = 0; i < 100000; ++i) {
        if (i) in += ',', want += ',';
        in += R"({"bb":1,"a":{"zz":[2],"y":3}})";
        want += R"({"a":{"y":3,"zz":[2]},"bb":1})";
    }
    in += ']', want += ']';
    ASSERT_GT(in.size(), size_t{2} << 20);
    EXPECT_EQ(in_jsonb_order(in), want);
    EXPECT_EQ(in_jsonb_order(R"({"bb":1,"a":2})"), R"({"a":2,"bb":1})");
    EXPECT_EQ(in_jsonb_order(in), want);
}

// Every valid line of the real EVE files: the rewrite has the same value and sorted objects.
TEST(PostgresJsonbOrder, RealEveLinesKeepTheirValue) {
    const fs::path dir = fs::path(EVEFLOW_SHARED_DATA) / "eve";
    if (!fs::exists(dir)) GTEST_SKIP() << "no test data at " << dir;
    simdjson::dom::parser parser;
    size_t checked = 0;
    for (const auto& f : fs::recursive_directory_iterator(dir)) {
        if (!f.is_regular_file() || f.path().extension() != ".json") continue;
        std::ifstream in(f.path());
        for (std::string line; std::getline(in, line);) {
            simdjson::dom::element original;
            if (parser.parse(line).get(original) != simdjson::SUCCESS) {
                EXPECT_EQ(in_jsonb_order(line), line);
                continue;
            }
            const std::string want = canonical(original);
            const std::string got = std::string(in_jsonb_order(line));
            simdjson::dom::element rewritten;
            ASSERT_EQ(parser.parse(got).get(rewritten), simdjson::SUCCESS) << got;
            EXPECT_EQ(canonical(rewritten), want) << line;
            EXPECT_TRUE(sorted_for_jsonb(rewritten)) << got;
            ++checked;
        }
    }
    EXPECT_GT(checked, 1000u);
}

}  // namespace
}  // namespace eveflow::output::postgres
