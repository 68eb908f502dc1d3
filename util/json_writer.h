// JSON text output: strings (escaped, UTF-8 repaired), integers and keys, appended to a string.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace eveflow::json {

/// The UTF-8 encoding of U+FFFD, written for each byte that is not valid UTF-8.
inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

/// The length (1 to 4) of the well-formed UTF-8 sequence at s[i] (Unicode 15, table 3-7: no
/// overlong forms, no surrogates, nothing beyond U+10FFFF), or 0 if the bytes there are not one.
size_t utf8_length(std::string_view s, size_t i);

/// Appends `s` as a JSON string literal, quotes included. '"' and '\\' are escaped, control
/// characters (below 0x20) too (\n, \r, \t, the others \u00XX); valid UTF-8 is copied as it is
/// and each byte that is not part of a valid sequence becomes U+FFFD. Returns the number of
/// bytes replaced, for callers that count them.
size_t append_string(std::string& out, std::string_view s);

// Inline: renderers call these dozens of times per record.
inline void append_uint(std::string& out, uint64_t v) {
    char buf[20];  // UINT64_MAX has 20 digits
    out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

inline void append_int(std::string& out, int64_t v) {
    char buf[20];  // INT64_MIN: a sign and 19 digits
    out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

/// Appends `"name":`. `name` is written as it is: a field name of plain ASCII (a name from
/// elsewhere goes through append_string).
inline void append_key(std::string& out, std::string_view name) {
    out += '"';
    out += name;
    out += "\":";
}

}  // namespace eveflow::json
