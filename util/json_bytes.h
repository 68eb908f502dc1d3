// Byte-level helpers shared by the code that scans JSON text itself (the EVE parser's checks,
// the PostgreSQL sink's jsonb ordering).
#pragma once

#include <cstddef>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace eveflow::json_bytes {

inline bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// The first '"' or '\\' in [p, end), with `kControls` also the first control character
/// (below 0x20), or `end`: 16 bytes at a time, no read past `end`.
template <bool kControls>
inline const char* find_string_stop(const char* p, const char* end) {
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i below_space = _mm_set1_epi8(0x1F);
    for (; end - p >= 16; p += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
        if constexpr (kControls) {
            hit = _mm_or_si128(hit, _mm_cmpeq_epi8(_mm_min_epu8(v, below_space), v));
        }
        const int hits = _mm_movemask_epi8(hit);
        if (hits) return p + __builtin_ctz(static_cast<unsigned>(hits));
    }
#endif
    while (p < end && *p != '"' && *p != '\\' &&
           (!kControls || static_cast<unsigned char>(*p) >= 0x20)) {
        ++p;
    }
    return p;
}

/// The first '"' or '\\' in [p, end), or `end`.
inline const char* quote_or_backslash(const char* p, const char* end) {
    return find_string_stop<false>(p, end);
}

/// The first '"', '\\' or control character in [p, end), or `end`: what ends the plain run of
/// a JSON string.
inline const char* string_special(const char* p, const char* end) {
    return find_string_stop<true>(p, end);
}

}  // namespace eveflow::json_bytes
