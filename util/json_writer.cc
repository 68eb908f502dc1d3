// JSON text output: one escaping and one UTF-8 repair for every writer of JSON.
#include "util/json_writer.h"

namespace eveflow::json {
namespace {

// Bytes copied as they are in bulk: printable ASCII except '"' and '\\' (0x7F, DEL, needs no
// escape in JSON).
bool plain(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void append_escape(std::string& out, unsigned char c) {
    static constexpr char kHex[] = "0123456789abcdef";
    switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default: {
            const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
            out.append(u, sizeof u);
        }
    }
}

}  // namespace

size_t utf8_length(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
    const unsigned char c = b(0);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
        if (c == 0xED && b(1) > 0x9F) return 0;  // UTF-16 surrogates
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
        if (c == 0xF4 && b(1) > 0x8F) return 0;  // beyond U+10FFFF
        return 4;
    }
    return 0;  // a continuation byte, C0, C1, F5 and above
}

size_t append_string(std::string& out, std::string_view s) {
    size_t replaced = 0;
    out += '"';
    for (size_t i = 0; i < s.size();) {
        size_t j = i;
        while (j < s.size() && plain(s[j])) ++j;
        out.append(s.data() + i, j - i);
        if (j == s.size()) break;
        const auto c = static_cast<unsigned char>(s[j]);
        if (c < 0x80) {
            append_escape(out, c);
            i = j + 1;
        } else if (size_t n = utf8_length(s, j)) {
            out.append(s.data() + j, n);
            i = j + n;
        } else {
            out += kReplacement;
            ++replaced;
            i = j + 1;
        }
    }
    out += '"';
    return replaced;
}

}  // namespace eveflow::json
