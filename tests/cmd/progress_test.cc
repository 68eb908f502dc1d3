// Tests of the terminal progress line: formatting, a pseudo-terminal, and silence on a pipe.
#include "cmd/eveflow/progress.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace eveflow {
namespace {

TEST(Progress, FormatsBytesRatesFlowsAndEta) {
    ProgressFigures prev{1 << 20, 4 << 20, 1000, 0, 10, 1.0};
    ProgressFigures now{2 << 20, 4 << 20, 3000, 0, 25, 2.0};
    EXPECT_EQ(format_progress(now, prev),
              "bytes 2.0 MiB / 4.0 MiB (50%)  events 2000/s  flows 25  ETA 0:02");
}

TEST(Progress, ShowsPacketsWhenThereAreNoEvents) {
    ProgressFigures prev{0, 0, 0, 0, 0, 0.0};
    ProgressFigures now{1500, 0, 0, 50000, 40, 0.5};
    EXPECT_EQ(format_progress(now, prev), "bytes 1.5 KiB  packets 100.0k/s  flows 40");
}

TEST(Progress, SummaryLine) {
    ProgressFigures end{3ull << 30, 3ull << 30, 4'000'000, 0, 12345, 2.0};
    EXPECT_EQ(format_summary(end),
              "eveflow: done in 2.0s: 3.0 GiB read, 4.0M events (2.0M/s), 0 packets, 12.3k flows");
}

std::string drain(int fd) {
    std::string out;
    char buf[4096];
    while (true) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) break;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

TEST(ProgressLine, RedrawsOnATerminalAndClearsAtStop) {
    int master = -1, slave = -1;
    ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
    Stats stats;
    auto& events = stats.counter("eveflow_input_events_total", "", {{"event_type", "flow"}});
    stats.counter("eveflow_aggregate_flows_total", "").inc(7);
    std::atomic<uint64_t> done{0};
    ProgressLine line(
        stats,
        [&] {
            return std::pair<uint64_t, uint64_t>{done.load(), 1000};
        },
        slave);
    line.start(std::chrono::milliseconds(20));
    for (int i = 0; i < 10; ++i) {
        events.inc(100);
        done += 50;
        std::this_thread::sleep_for(std::chrono::milliseconds(15));
    }
    line.stop();
    std::string out = drain(master);
    EXPECT_NE(out.find("\rbytes "), std::string::npos) << out;
    EXPECT_NE(out.find(" / 1000 B ("), std::string::npos) << out;
    EXPECT_NE(out.find("flows 7"), std::string::npos) << out;
    EXPECT_NE(out.find("events "), std::string::npos) << out;
    EXPECT_GE(out.size(), 4u);
    EXPECT_EQ(out.substr(out.size() - 4), "\r\x1b[K") << "stop() leaves a cleared line";
    close(master);
    close(slave);
}

TEST(ProgressLine, SilentOnAPipeButPrintsTheSummary) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    Stats stats;
    stats.counter("eveflow_input_events_total", "", {{"event_type", "dns"}}).inc(5);
    ProgressLine line(
        stats,
        [] {
            return std::pair<uint64_t, uint64_t>{10, 10};
        },
        fds[1]);
    line.start(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    line.stop();
    EXPECT_EQ(drain(fds[0]), "");
    line.print_summary();
    std::string out = drain(fds[0]);
    EXPECT_EQ(out.rfind("eveflow: done in ", 0), 0u) << out;
    EXPECT_NE(out.find(": 10 B read, 5 events"), std::string::npos) << out;
    EXPECT_EQ(out.back(), '\n');
    close(fds[0]);
    close(fds[1]);
}

}  // namespace
}  // namespace eveflow
