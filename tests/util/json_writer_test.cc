// JSON writer: escaping, UTF-8 pass-through and repair, integers. The UTF-8 cases are those of
// Markus Kuhn's decoder test (UTF-8-test.txt, sections 2 to 5), results worked out by hand.
#include "util/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace eveflow::json {
namespace {

constexpr std::string_view kFffd = "\xEF\xBF\xBD";

struct Written {
    std::string text;
    size_t replaced;
};

Written written(std::string_view s) {
    std::string out;
    const size_t replaced = append_string(out, s);
    return {out, replaced};
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string fffd(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += kFffd;
    return s;
}

TEST(JsonWriter, EveryControlCharacterIsEscaped) {
    static constexpr std::string_view kEscaped[32] = {
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\u0008", "\\t",     "\\n",     "\\u000b", "\\u000c", "\\r",     "\\u000e", "\\u000f",
        "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
        "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f"};
    for (int c = 0; c < 32; ++c) {
        const std::string in = "a" + std::string(1, static_cast<char>(c)) + "b";
        const Written w = written(in);
        EXPECT_EQ(w.text, "\"a" + std::string(kEscaped[c]) + "b\"") << c;
        EXPECT_EQ(w.replaced, 0u);
    }
}

TEST(JsonWriter, QuoteAndBackslashEscapedTheRestOfAsciiAsItIs) {
    EXPECT_EQ(written(R"(say "hi" \ bye)").text, R"("say \"hi\" \\ bye")");
    EXPECT_EQ(written("/ \x7F ~").text, "\"/ \x7F ~\"");
    EXPECT_EQ(written("").text, "\"\"");
}

TEST(JsonWriter, ValidUtf8PassesUnchanged) {
    for (std::string_view s : {
             "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5",  // 1: "kosme" in Greek
             "\xC2\x80",                                      // 2.1.2: U+0080
             "\xE0\xA0\x80",                                  // 2.1.3: U+0800
             "\xF0\x90\x80\x80",                              // 2.1.4: U+10000
             "\xDF\xBF",                                      // 2.2.2: U+07FF
             "\xEF\xBF\xBF",                                  // 2.2.3: U+FFFF
             "\xED\x9F\xBF",                                  // 2.3.1: U+D7FF
             "\xEE\x80\x80",                                  // 2.3.2: U+E000
             "\xEF\xBF\xBD",                                  // 2.3.3: U+FFFD
             "\xF4\x8F\xBF\xBF",                              // 2.3.4: U+10FFFF
             "m\xC3\xBCnchen.example",                        // a 2-byte name in ASCII
         }) {
        const Written w = written(s);
        EXPECT_EQ(w.text, in_quotes(s)) << s;
        EXPECT_EQ(w.replaced, 0u) << s;
    }
}

struct Invalid {
    std::string_view in;
    std::string want;  // between the quotes
    size_t replaced;
};

TEST(JsonWriter, EachInvalidByteBecomesOneReplacementCharacter) {
    const Invalid cases[] = {
        {"\x80", fffd(1), 1},                      // 3.1.1: first continuation byte
        {"\xBF", fffd(1), 1},                      // 3.1.2: last continuation byte
        {"\x80\xBF\x80", fffd(3), 3},              // 3.1.5: three continuation bytes
        {"\xC0 ", fffd(1) + " ", 1},               // 3.2.1: lonely start, then a space
        {"\xE0 ", fffd(1) + " ", 1},               // 3.2.2
        {"\xF0 ", fffd(1) + " ", 1},               // 3.2.3
        {"\xC0", fffd(1), 1},                      // 3.3.1: last byte missing
        {"\xE0\x80", fffd(2), 2},                  // 3.3.2
        {"\xF0\x80\x80", fffd(3), 3},              // 3.3.3
        {"\xDF", fffd(1), 1},                      // 3.3.6
        {"\xEF\xBF", fffd(2), 2},                  // 3.3.7
        {"\xF7\xBF\xBF", fffd(3), 3},              // 3.3.8
        {"\xFE", fffd(1), 1},                      // 3.5.1: impossible bytes
        {"\xFF", fffd(1), 1},                      // 3.5.2
        {"\xFE\xFE\xFF\xFF", fffd(4), 4},          // 3.5.3
        {"\xC0\xAF", fffd(2), 2},                  // 4.1.1: overlong '/'
        {"\xE0\x80\xAF", fffd(3), 3},              // 4.1.2
        {"\xF0\x80\x80\xAF", fffd(4), 4},          // 4.1.3
        {"\xC1\xBF", fffd(2), 2},                  // 4.2.1: largest overlong
        {"\xE0\x9F\xBF", fffd(3), 3},              // 4.2.2
        {"\xF0\x8F\xBF\xBF", fffd(4), 4},          // 4.2.3
        {"\xC0\x80", fffd(2), 2},                  // 4.3.1: overlong NUL
        {"\xED\xA0\x80", fffd(3), 3},              // 5.1.1: U+D800
        {"\xED\xBF\xBF", fffd(3), 3},              // 5.1.7: U+DFFF
        {"\xED\xA0\x80\xED\xB0\x80", fffd(6), 6},  // 5.2.1: a surrogate pair
        {"\xF4\x90\x80\x80", fffd(4), 4},          // beyond U+10FFFF
        {"\xF5\x80\x80\x80", fffd(4), 4},          // F5 and above start nothing
        {"\xF8\x88\x80\x80\x80", fffd(5), 5},      // 3.3.4-like: old 5-byte form
        {"a\xFF"
         "b",
         "a" + fffd(1) + "b", 1},                       // between ASCII
        {"\xCE\xBA\xE1\xBD", "\xCE\xBA" + fffd(2), 2},  // valid, then truncated at the end
        {"\xE1\xBD\"", fffd(2) + "\\\"", 2},            // truncated before a quote
    };
    for (const Invalid& c : cases) {
        const Written w = written(c.in);
        EXPECT_EQ(w.text, in_quotes(c.want)) << c.in;
        EXPECT_EQ(w.replaced, c.replaced) << c.in;
    }
}

TEST(JsonWriter, Utf8LengthOfEachSequence) {
    EXPECT_EQ(utf8_length("a", 0), 1u);
    EXPECT_EQ(utf8_length("\xC2\x80", 0), 2u);
    EXPECT_EQ(utf8_length("\xE0\xA0\x80", 0), 3u);
    EXPECT_EQ(utf8_length("\xF4\x8F\xBF\xBF", 0), 4u);
    EXPECT_EQ(utf8_length("x\xF0\x90\x80", 1), 0u);  // truncated by the end of the text
    EXPECT_EQ(utf8_length("\xC2\x80", 1), 0u);       // a continuation byte
}

TEST(JsonWriter, Integers) {
    std::string out;
    append_uint(out, 0);
    out += ',';
    append_uint(out, std::numeric_limits<uint64_t>::max());
    out += ',';
    append_int(out, 0);
    out += ',';
    append_int(out, -1);
    out += ',';
    append_int(out, std::numeric_limits<int64_t>::min());
    out += ',';
    append_int(out, std::numeric_limits<int64_t>::max());
    EXPECT_EQ(out, "0,18446744073709551615,0,-1,-9223372036854775808,9223372036854775807");
}

TEST(JsonWriter, KeyIsWrittenQuotedWithItsColon) {
    std::string out = "{";
    append_key(out, "flow_id");
    append_uint(out, 7);
    EXPECT_EQ(out, "{\"flow_id\":7");
}

}  // namespace
}  // namespace eveflow::json
