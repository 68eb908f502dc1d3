// Timestamp: EVE's forms against values computed independently with timegm(3).
#include "types/timestamp.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <random>
#include <vector>

namespace eveflow {
namespace {

int64_t reference_us(int y, int mo, int d, int h, int mi, int s, int64_t frac_us, int off_s) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (static_cast<int64_t>(timegm(&tm)) - off_s) * 1000000 + frac_us;
}

TEST(Timestamp, ParsesOffsetsAndFractions) {
    EXPECT_EQ(parse_timestamp("2024-05-01T10:00:00.123456+0200")->us,
              reference_us(2024, 5, 1, 10, 0, 0, 123456, 7200));
    EXPECT_EQ(parse_timestamp("2024-05-01T10:00:00.1-0800")->us,
              reference_us(2024, 5, 1, 10, 0, 0, 100000, -8 * 3600));
    EXPECT_EQ(parse_timestamp("2024-05-01T10:00:00Z")->us,
              reference_us(2024, 5, 1, 10, 0, 0, 0, 0));
    EXPECT_EQ(parse_timestamp("2024-05-01T10:00:00.123456789+02:00")->us,
              reference_us(2024, 5, 1, 10, 0, 0, 123456, 7200));
    EXPECT_EQ(parse_timestamp("2024-05-01T10:00:00")->us, reference_us(2024, 5, 1, 10, 0, 0, 0, 0));
    // Suricata reading a capture without timestamps: before the epoch.
    EXPECT_EQ(parse_timestamp("1969-12-31T16:00:00.000003-0800")->us, 3);
}

TEST(Timestamp, RejectsMalformed) {
    for (const char* bad :
         {"", "2024-05-01", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-05-01T24:00:00Z",
          "2024-05-01T10:00:00.Z", "2024-05-01T10:00:00+2", "2024-05-01T10:00:00 junk",
          "2024-05-01T10:00:00.1234567890Z", "yesterday"}) {
        EXPECT_FALSE(parse_timestamp(bad)) << bad;
    }
}

TEST(Timestamp, FormatsAndRoundTripsRandomInstants) {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<int64_t> dist(-2'000'000'000'000'000, 4'000'000'000'000'000);
    for (int i = 0; i < 10000; ++i) {
        Timestamp t{dist(rng)};
        std::string s = format_timestamp(t);
        ASSERT_EQ(parse_timestamp(s)->us, t.us) << s;
    }
    EXPECT_EQ(format_timestamp({0}), "1970-01-01T00:00:00.000000Z");
    EXPECT_EQ(format_timestamp({-1}), "1969-12-31T23:59:59.999999Z");
}

TEST(Timestamp, RepeatedSecondsFormatAsGmtimeDoes) {
    // A few seconds printed over and over with other fractions, mixed with fresh ones (the
    // pattern of aggregate records), each against gmtime_r and strftime.
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int64_t> secs(0, 4'102'444'799);  // 1970 to 2099
    std::uniform_int_distribution<int64_t> frac(0, 999'999);
    std::vector<int64_t> few = {secs(rng), secs(rng), secs(rng), 0, 60, 86'399};
    for (int i = 0; i < 20000; ++i) {
        int64_t s = i % 3 == 0 ? secs(rng) : few[static_cast<size_t>(i) % few.size()];
        int64_t us = frac(rng);
        std::time_t tt = static_cast<std::time_t>(s);
        std::tm tm{};
        gmtime_r(&tt, &tm);
        char want[40];
        size_t n = std::strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
        std::snprintf(want + n, sizeof want - n, ".%06lldZ", static_cast<long long>(us));
        ASSERT_EQ(format_timestamp({s * 1'000'000 + us}), want) << s;
    }
    // Year -1 (before what the format can hold): the year prints as 0000.
    EXPECT_EQ(format_timestamp({-62'198'755'200'000'000}), "0000-01-01T00:00:00.000000Z");
}

TEST(Timestamp, FloorBinsNegativeTimesDown) {
    EXPECT_EQ(floor_to(59'999'999, 60'000'000), 0);
    EXPECT_EQ(floor_to(-1, 60'000'000), -60'000'000);
    EXPECT_EQ(floor_to(-60'000'000, 60'000'000), -60'000'000);
    EXPECT_EQ(floor_to(120'000'001, 60'000'000), 120'000'000);
}

}  // namespace
}  // namespace eveflow
