// The environment every GoogleTest test runs in under ctest (tests/CMakeLists.txt): UTC and the
// C locale, so that no test depends on the machine's time zone or language. Run outside ctest
// (the binary by hand) these fail unless TZ=UTC LC_ALL=C are set there too.
#include <gtest/gtest.h>

#include <clocale>
#include <cstdlib>
#include <ctime>
#include <string>

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "(unset)";
}

TEST(TestEnvironment, TimeZoneIsUtc) {
    EXPECT_EQ(env("TZ"), "UTC");
    tzset();
    EXPECT_EQ(timezone, 0);  // seconds west of UTC
}

TEST(TestEnvironment, LocaleIsC) {
    EXPECT_EQ(env("LC_ALL"), "C");
    // What a program that calls setlocale(LC_ALL, "") gets: LC_ALL wins over LANG and LC_*.
    const char* chosen = std::setlocale(LC_ALL, "");
    ASSERT_NE(chosen, nullptr);
    EXPECT_EQ(std::string(chosen), "C");
    std::setlocale(LC_ALL, "C");
}

}  // namespace
