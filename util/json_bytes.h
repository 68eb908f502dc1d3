// JSON's lexical layer (RFC 8259), shared by the code that scans JSON text itself (the EVE
// parser, the PostgreSQL sink's jsonb ordering): whitespace, strings, numbers and literals.
// Each scan takes the position of a token's first byte and gives the one after it, or nullptr
// if the token is not JSON; positions never pass `end`.
#pragma once

#include <cstddef>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace eveflow::json_bytes {

/// What a scan may read: only [p, end), or also kPadding bytes past `end` (text in a padded
/// buffer, such as the EVE parser's lines), which lets the string scan run in whole blocks.
enum class Bounds { kExact, kPadded };
inline constexpr size_t kPadding = 16;

inline bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

inline int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// The first '"', '\\' or control character (below 0x20) in [p, end), or `end`: what ends the
/// plain run of a JSON string. 16 bytes at a time, no read past `end`.
inline const char* string_special(const char* p, const char* end) {
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i below_space = _mm_set1_epi8(0x1F);
    for (; end - p >= 16; p += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(_mm_min_epu8(v, below_space), v));
        const int hits = _mm_movemask_epi8(hit);
        if (hits) return p + __builtin_ctz(static_cast<unsigned>(hits));
    }
#endif
    while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) ++p;
    return p;
}

/// The first byte at or after p that is not whitespace, or `end`.
template <Bounds kBounds>
inline const char* skip_ws(const char* p, const char* end) {
    // Whitespace is rare in EVE: one comparison tells most bytes from it (with padding the
    // byte at `end` is readable, so it comes before the bounds check).
    while ((kBounds == Bounds::kPadded || p < end) && static_cast<unsigned char>(*p) <= ' ' &&
           p < end && is_ws(*p)) {
        ++p;
    }
    return p;
}

/// The string whose opening quote is at p: no control character unescaped, only JSON's
/// escapes, any four hex digits after \u (JSON has no rule on surrogates). Sets `escaped` if
/// it holds an escape. With kPadded an escape may be read up to five bytes past `end`.
template <Bounds kBounds>
inline const char* string_end(const char* p, const char* end, bool& escaped) {
    for (++p;; p += 2) {
        // With padding the scan runs in whole blocks up to `end`; what it finds past `end` is
        // refused below.
        p = string_special(p, kBounds == Bounds::kPadded ? end + kPadding : end);
        if (p >= end) return nullptr;
        if (*p == '"') return p + 1;
        if (*p != '\\') return nullptr;  // a control character
        escaped = true;
        if (kBounds == Bounds::kExact && end - p < 2) return nullptr;
        if (p[1] == 'u') {
            if (kBounds == Bounds::kExact && end - p < 6) return nullptr;
            if ((hex_digit(p[2]) | hex_digit(p[3]) | hex_digit(p[4]) | hex_digit(p[5])) < 0) {
                return nullptr;
            }
            p += 4;
        } else if (!std::strchr("\"\\/bfnrt", p[1]) || p[1] == '\0') {
            return nullptr;
        }
    }
}

/// Appends code point `cp` (< 0x110000) to `out` as UTF-8; gives the byte after it.
inline char* put_utf8(char* out, unsigned cp) {
    if (cp < 0x80) {
        *out++ = static_cast<char>(cp);
    } else if (cp < 0x800) {
        *out++ = static_cast<char>(0xC0 | cp >> 6);
        *out++ = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *out++ = static_cast<char>(0xE0 | cp >> 12);
        *out++ = static_cast<char>(0x80 | (cp >> 6 & 0x3F));
        *out++ = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        *out++ = static_cast<char>(0xF0 | cp >> 18);
        *out++ = static_cast<char>(0x80 | (cp >> 12 & 0x3F));
        *out++ = static_cast<char>(0x80 | (cp >> 6 & 0x3F));
        *out++ = static_cast<char>(0x80 | (cp & 0x3F));
    }
    return out;
}

/// The four hex digits at p, already checked by string_end.
inline unsigned hex4(const char* p) {
    return static_cast<unsigned>(hex_digit(p[0]) << 12 | hex_digit(p[1]) << 8 |
                                 hex_digit(p[2]) << 4 | hex_digit(p[3]));
}

/// Decodes the contents [p, end) of a string that string_end accepted (without its quotes)
/// into `out`, which has room for end - p bytes (decoding never lengthens: an escape of n
/// bytes gives at most n bytes). \uXXXX becomes UTF-8; a surrogate pair one code point, a
/// lone surrogate U+FFFD. Gives the byte after the last one written.
inline char* decode_string(const char* p, const char* end, char* out) {
    while (p < end) {
        const char* b =
            static_cast<const char*>(std::memchr(p, '\\', static_cast<size_t>(end - p)));
        if (b == nullptr) b = end;
        std::memcpy(out, p, static_cast<size_t>(b - p));
        out += b - p;
        if (b == end) break;
        const char c = b[1];
        p = b + 2;
        if (c != 'u') {
            constexpr const char* kFrom = "bfnrt";
            constexpr const char* kTo = "\b\f\n\r\t";
            const char* known = std::strchr(kFrom, c);
            *out++ = known ? kTo[known - kFrom] : c;  // \" \\ \/ stand for themselves
            continue;
        }
        unsigned cp = hex4(p);
        p += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
            const unsigned low = hex4(p + 2);
            if (low >= 0xDC00 && low < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                p += 6;
            }
        }
        if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;  // a surrogate left alone
        out = put_utf8(out, cp);
    }
    return out;
}

/// `word` (true, false, null), `n` bytes, at p.
inline const char* literal_end(const char* p, const char* end, const char* word, size_t n) {
    return static_cast<size_t>(end - p) >= n && std::memcmp(p, word, n) == 0 ? p + n : nullptr;
}

inline const char* digits_end(const char* p, const char* end) {
    while (p < end && is_digit(*p)) ++p;
    return p;
}

/// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, of any size, at p (< end); what follows is
/// the caller's.
inline const char* number_end(const char* p, const char* end) {
    if (*p == '-') ++p;
    if (p >= end || !is_digit(*p)) return nullptr;
    p = *p == '0' ? p + 1 : digits_end(p + 1, end);
    if (p < end && *p == '.') {
        if (++p >= end || !is_digit(*p)) return nullptr;
        p = digits_end(p, end);
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        if (++p < end && (*p == '+' || *p == '-')) ++p;
        if (p >= end || !is_digit(*p)) return nullptr;
        p = digits_end(p, end);
    }
    return p;
}

/// The scalar at p (< end; not an object or array): a string, true, false, null or a number.
/// `escaped` as for string_end.
template <Bounds kBounds>
inline const char* scalar_end(const char* p, const char* end, bool& escaped) {
    switch (*p) {
        case '"':
            return string_end<kBounds>(p, end, escaped);
        case 't':
            return literal_end(p, end, "true", 4);
        case 'f':
            return literal_end(p, end, "false", 5);
        case 'n':
            return literal_end(p, end, "null", 4);
        default:
            return number_end(p, end);
    }
}

/// The value at p (< end), objects and arrays included: their strings are scanned as such
/// and their brackets counted, their other bytes not checked (for text known to be JSON).
inline const char* value_end(const char* p, const char* end) {
    if (*p != '{' && *p != '[') {
        bool escaped = false;
        return scalar_end<Bounds::kExact>(p, end, escaped);
    }
    size_t depth = 0;
    while (p < end) {
        const char c = *p;
        if (c == '"') {
            bool escaped = false;
            if (!(p = string_end<Bounds::kExact>(p, end, escaped))) return nullptr;
            continue;
        }
        ++p;
        if (c == '{' || c == '[') {
            ++depth;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return p;
        }
    }
    return nullptr;
}

}  // namespace eveflow::json_bytes
