// Timestamp parsing and formatting without the C library's locale- and TZ-dependent calls.
#include "types/timestamp.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace eveflow {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
constexpr int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

constexpr void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]) - '0';
        if (c > 9) return false;
        v = v * 10 + c;
    }
    out = v;
    return true;
}

constexpr unsigned days_in_month(int64_t y, unsigned m) {
    constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<Timestamp> parse_timestamp(std::string_view s) {
    int y, mo, d, h, mi, se;
    if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) ||
        s[7] != '-' || !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') ||
        !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
        !digits(s, 17, 2, se)) {
        return std::nullopt;
    }
    if (mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo) || h > 23 ||
        mi > 59 || se > 60) {
        return std::nullopt;
    }
    size_t pos = 19;
    int64_t frac_us = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        size_t start = pos;
        int64_t scale = 100000;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            frac_us += (s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start || pos - start > 9) return std::nullopt;
    }
    int64_t offset_s = 0;
    if (pos < s.size()) {
        char sign = s[pos];
        if (sign == 'Z' || sign == 'z') {
            ++pos;
        } else if (sign == '+' || sign == '-') {
            int oh, om;
            if (!digits(s, pos + 1, 2, oh)) return std::nullopt;
            size_t mpos = pos + 3;
            if (mpos < s.size() && s[mpos] == ':') ++mpos;
            if (!digits(s, mpos, 2, om) || oh > 23 || om > 59) return std::nullopt;
            offset_s = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
            pos = mpos + 2;
        } else {
            return std::nullopt;
        }
    }
    if (pos != s.size()) return std::nullopt;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset_s;
    return Timestamp{secs * 1'000'000 + frac_us};
}

namespace {

// Writes `width` decimal digits of v at p.
void put_digits(char* p, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
}

// Writes the two digits of v (0-99) at p.
void put_pair(char* p, uint32_t v) {
    static constexpr char kPairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    std::memcpy(p, kPairs + 2 * v, 2);
}

// "YYYY-MM-DDTHH:MM:SS" of one second since the epoch; a year outside 0-9999 prints as
// 0000 or 9999.
struct SecondText {
    int64_t secs = std::numeric_limits<int64_t>::min();
    std::array<char, 19> text{};

    void set(int64_t s) {
        secs = s;
        int64_t days = floor_to(s, 86400) / 86400;
        int64_t rem = s - days * 86400;
        int64_t y;
        unsigned m, d;
        civil_from_days(days, y, m, d);
        char* p = text.data();
        put_digits(p, y < 0 ? 0 : y > 9999 ? 9999 : y, 4);
        p[4] = '-';
        put_digits(p + 5, m, 2);
        p[7] = '-';
        put_digits(p + 8, d, 2);
        p[10] = 'T';
        put_digits(p + 11, rem / 3600, 2);
        p[13] = ':';
        put_digits(p + 14, rem / 60 % 60, 2);
        p[16] = ':';
        put_digits(p + 17, rem % 60, 2);
    }
};

}  // namespace

void append_timestamp(std::string& out, Timestamp t) {
    if (!t.valid()) t.us = 0;  // an unset time prints as the epoch rather than overflowing
    int64_t secs = floor_to(t.us, 1'000'000) / 1'000'000;
    int64_t frac = t.us - secs * 1'000'000;
    // Records print the same few seconds over and over (window bounds above all): the
    // calendar part of the last seconds seen is kept, by a hash of the second.
    thread_local std::array<SecondText, 8> seen;
    SecondText& c = seen[(static_cast<uint64_t>(secs) * 0x9e3779b97f4a7c15ULL) >> 61];
    if (c.secs != secs) c.set(secs);
    char buf[27];
    std::copy(c.text.begin(), c.text.end(), buf);
    buf[19] = '.';
    const auto f = static_cast<uint32_t>(frac);  // 0-999999: three pairs of digits
    put_pair(buf + 20, f / 10000);
    put_pair(buf + 22, f / 100 % 100);
    put_pair(buf + 24, f % 100);
    buf[26] = 'Z';
    out.append(buf, sizeof buf);
}

std::string format_timestamp(Timestamp t) {
    std::string s;
    append_timestamp(s, t);
    return s;
}

}  // namespace eveflow
