// Backoff and StateLog: the delay sequence, reset, due times on a fake clock, one line per change.
#include "util/backoff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "tests/log_capture.h"

namespace eveflow {
namespace {

using eveflow::testing::LogCapture;
using std::chrono::milliseconds;
using ::testing::ElementsAre;

std::vector<int64_t> delays(Backoff& b, int n) {
    std::vector<int64_t> out;
    for (int i = 0; i < n; ++i) out.push_back(b.failed().count());
    return out;
}

TEST(Backoff, DoublesFromOneHundredMillisecondsUpToTheCap) {
    FakeClock clock;
    Backoff b(std::chrono::seconds(5), clock);
    EXPECT_THAT(delays(b, 9), ElementsAre(100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000));
    EXPECT_EQ(b.failures(), 9u);
}

TEST(Backoff, CapBetweenTwoStepsIsReachedExactly) {
    FakeClock clock;
    Backoff b(milliseconds(300), clock);
    EXPECT_THAT(delays(b, 4), ElementsAre(100, 200, 300, 300));
}

TEST(Backoff, CapInMicrosecondsAsConfigsGiveIt) {
    FakeClock clock;
    Backoff b(std::chrono::microseconds(30'000'000), clock);
    EXPECT_THAT(delays(b, 11),
                ElementsAre(100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000));
}

TEST(Backoff, ResetStartsAgainAtTheFirstDelay) {
    FakeClock clock;
    Backoff b(std::chrono::seconds(30), clock);
    EXPECT_THAT(delays(b, 4), ElementsAre(100, 200, 400, 800));
    b.reset();
    EXPECT_EQ(b.failures(), 0u);
    EXPECT_EQ(b.delay(), milliseconds(0));
    EXPECT_TRUE(b.due());
    EXPECT_THAT(delays(b, 3), ElementsAre(100, 200, 400));
}

TEST(Backoff, NextAttemptIsDueOnlyAfterTheDelayOnTheClock) {
    FakeClock clock(1'000'000);
    Backoff b(std::chrono::seconds(1), clock);
    EXPECT_TRUE(b.due());  // nothing failed yet
    b.failed();            // 100 ms
    EXPECT_FALSE(b.due());
    clock.advance(milliseconds(99));
    EXPECT_FALSE(b.due());
    clock.advance(milliseconds(1));
    EXPECT_TRUE(b.due());
    b.failed();
    EXPECT_EQ(b.delay(), milliseconds(200));
    EXPECT_EQ(b.next_attempt() - clock.steady_now(), milliseconds(200));
    clock.advance(milliseconds(150));
    EXPECT_FALSE(b.due());
    b.retry_now();
    EXPECT_TRUE(b.due());
    EXPECT_EQ(b.failed().count(), 400);  // retry_now keeps the sequence
}

TEST(StateLog, LogsDownOnceAndUpOnceWithTheFailedAttempts) {
    LogCapture log;
    StateLog s("postgres: main");
    EXPECT_TRUE(s.up());
    EXPECT_TRUE(s.failed("connection refused"));
    EXPECT_FALSE(s.failed("connection refused"));
    EXPECT_FALSE(s.failed("timeout"));
    EXPECT_FALSE(s.up());
    EXPECT_EQ(s.attempts(), 3u);
    EXPECT_TRUE(s.succeeded());
    EXPECT_FALSE(s.succeeded());
    EXPECT_TRUE(s.up());
    EXPECT_THAT(log.lines(),
                ElementsAre("warning postgres: main: down, retrying: connection refused",
                            "info postgres: main: up again attempts=3"));
}

TEST(StateLog, EachOutageIsLoggedWithItsOwnCount) {
    LogCapture log;
    StateLog s("kafka: offset store");
    EXPECT_FALSE(s.succeeded());  // up from the start: nothing to say
    s.failed("a");
    s.succeeded();
    s.failed("b");
    s.failed("c");
    s.succeeded();
    EXPECT_THAT(log.lines(), ElementsAre("warning kafka: offset store: down, retrying: a",
                                         "info kafka: offset store: up again attempts=1",
                                         "warning kafka: offset store: down, retrying: b",
                                         "info kafka: offset store: up again attempts=2"));
}

}  // namespace
}  // namespace eveflow
