// Tests of the eve_file input on real files in a temp dir: EOF, stdin, follow, rotation.
#include "input/eve_file/eve_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "tests/input/source_harness.h"
#include "util/status.h"

namespace eveflow::input {
namespace {

namespace fs = std::filesystem;
using testing::flow_line;
using testing::SourceHarness;

class EveFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("eve_file_test." + std::to_string(getpid()) + "." +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    static void append(const std::string& p, const std::string& text) {
        std::ofstream out(p, std::ios::app | std::ios::binary);
        out << text;
    }
    std::unique_ptr<Source> make(SourceHarness& h, const std::string& yaml) {
        auto node = testing::config(yaml);
        auto src = std::make_unique<EveFile>(EveFileConfig::parse(node), h.ctx);
        EXPECT_TRUE(node.diagnostics().ok());
        src->open();
        return src;
    }
    fs::path dir_;
};

TEST_F(EveFileTest, ReadsToEndAndReturns) {
    std::string text;
    for (int i = 0; i < 3000; ++i) text += flow_line(std::to_string(i)) + "\n";
    text += "garbage\n" + flow_line("last");  // no newline at the end
    append(path("eve.json"), text);
    SourceHarness h;
    auto src = make(h, "path: " + path("eve.json"));
    EXPECT_TRUE(src->finite());
    EXPECT_EQ(src->name(), "eve_file");
    std::stop_source stop;
    ASSERT_TRUE(src->run(stop.get_token(), h.publisher).ok());
    ASSERT_TRUE(h.wait_for(3001));
    auto lines = h.lines();
    EXPECT_EQ(lines.front(), flow_line("0"));
    EXPECT_EQ(lines.back(), flow_line("last"));
    EXPECT_EQ(h.malformed("not_json"), 1u);
    EXPECT_EQ(src->progress().done_bytes, text.size());
    EXPECT_EQ(src->progress().total_bytes, text.size());
    EXPECT_EQ(h.stats.sum("eveflow_input_bytes_total", {{"input", "eve_file"}}), text.size());
}

TEST_F(EveFileTest, MissingFileIsAStartupError) {
    SourceHarness h;
    auto node = testing::config("path: /nonexistent/eve.json\nname: in1");
    auto src = std::make_unique<EveFile>(EveFileConfig::parse(node), h.ctx);
    try {
        src->open();
        FAIL() << "no error";
    } catch (const StartupError& e) {
        EXPECT_STREQ(e.what(),
                     "eve_file: cannot open /nonexistent/eve.json: No such file or directory");
    }
}

TEST_F(EveFileTest, ConfigErrors) {
    SourceHarness h;
    auto node = testing::config("name: x\npoll_interval: 0s\nmax_line: 10\nfollow: maybe");
    std::make_unique<EveFile>(EveFileConfig::parse(node), h.ctx);
    const auto& errors = node.diagnostics().errors();
    ASSERT_EQ(errors.size(), 4u) << ::testing::PrintToString(errors);
    EXPECT_NE(errors[0].find("inputs[0].path"), std::string::npos) << errors[0];
}

// The lines of a file of many batches, with malformed lines among them and a last line cut
// short: the same events in file order and the same counts whether the reading thread parses
// (parse_threads: 1) or a pool of three does.
TEST_F(EveFileTest, ParseThreadsKeepOrderAndCounts) {
    std::string text;
    std::vector<std::string> want;
    for (int i = 0; i < 20000; ++i) {
        if (i % 1000 == 999) {
            text += "not json " + std::to_string(i) + "\n";
            continue;
        }
        want.push_back(flow_line(std::to_string(i)));
        text += want.back() + "\n";
    }
    text += flow_line("cut").substr(0, 40);
    append(path("eve.json"), text);
    for (int threads : {1, 3}) {
        SourceHarness h;
        auto src =
            make(h, "path: " + path("eve.json") + "\nparse_threads: " + std::to_string(threads));
        std::stop_source stop;
        ASSERT_TRUE(src->run(stop.get_token(), h.publisher).ok());
        ASSERT_TRUE(h.wait_for(want.size())) << threads;
        EXPECT_EQ(h.lines(), want) << threads;
        EXPECT_EQ(h.malformed("not_json"), 20u) << threads;
        EXPECT_EQ(h.malformed("partial"), 1u) << threads;
    }
}

TEST_F(EveFileTest, ParseThreadsOutOfRangeIsAConfigError) {
    SourceHarness h;
    auto node = testing::config("path: /x\nparse_threads: 65");
    EveFileConfig::parse(node);
    const auto& errors = node.diagnostics().errors();
    ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    EXPECT_NE(errors[0].find("inputs[0].parse_threads"), std::string::npos) << errors[0];
}

// With a slow pipeline the parse pool still holds batches when a checkpoint falls due: the
// checkpoint must arrive behind every event of the lines before its offset, never ahead of
// them (its position would be saved before those events were written).
TEST_F(EveFileTest, CheckpointsFollowTheEventsTheyCover) {
    const std::string p = path("eve.json");
    std::string text;
    std::vector<uint64_t> line_ends;  // byte offset after each line
    for (int i = 0; i < 150000; ++i) {
        text += flow_line(std::to_string(i)) + "\n";
        line_ends.push_back(text.size());
    }
    append(p, text);
    SourceHarness h;
    h.consume_delay_ms = 3;  // ~150 batches: the channel (64) and the pool (12) fill up
    h.ctx.state_dir = path("state");
    auto src = make(h, "path: " + p +
                           "\nfollow: true\npoll_interval: 10ms\ncheckpoint_interval: 100ms"
                           "\nparse_threads: 3");
    std::stop_source stop;
    auto done =
        std::async(std::launch::async, [&] { return src->run(stop.get_token(), h.publisher); });
    ASSERT_TRUE(h.wait_for(line_ends.size(), std::chrono::seconds(120)));  // TSan: ~16 s
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.request_stop();
    ASSERT_TRUE(done.get().ok());
    auto cps = h.checkpoints();
    ASSERT_GE(cps.size(), 1u);
    for (const auto& [lines_before, cp] : cps) {
        ASSERT_EQ(cp->offsets.size(), 1u);
        auto offset = static_cast<uint64_t>(cp->offsets.begin()->second);
        size_t covered = static_cast<size_t>(
            std::upper_bound(line_ends.begin(), line_ends.end(), offset) - line_ends.begin());
        EXPECT_EQ(lines_before, covered) << "checkpoint at offset " << offset;
    }
    EXPECT_EQ(cps.back().first, line_ends.size());
    EXPECT_EQ(h.lines().size(), line_ends.size());
}

TEST_F(EveFileTest, ReadsStdin) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    int saved = dup(STDIN_FILENO);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    std::thread writer([w = fds[1]] {
        for (int i = 0; i < 500; ++i) {
            std::string l = flow_line(std::to_string(i)) + "\n";
            [[maybe_unused]] ssize_t n = write(w, l.data(), l.size());
        }
        close(w);
    });
    SourceHarness h;
    auto src = make(h, "path: '-'\nfollow: true");
    EXPECT_TRUE(src->finite());  // a pipe ends: follow does not apply
    std::stop_source stop;
    Status st = src->run(stop.get_token(), h.publisher);
    writer.join();
    dup2(saved, STDIN_FILENO);
    close(saved);
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(h.wait_for(500));
    EXPECT_EQ(h.lines()[499], flow_line("499"));
}

// Growth, rename rotation (with lines written to the old file after the rename) and
// truncation: every line arrives exactly once, in order.
TEST_F(EveFileTest, FollowsGrowthRotationAndTruncation) {
    std::string p = path("eve.json");
    append(p, flow_line("a0") + "\n");
    SourceHarness h;
    auto src = make(h, "path: " + p + "\nfollow: true\npoll_interval: 10ms");
    EXPECT_FALSE(src->finite());
    std::stop_source stop;
    auto done =
        std::async(std::launch::async, [&] { return src->run(stop.get_token(), h.publisher); });
    ASSERT_TRUE(h.wait_for(1));
    append(p, flow_line("a1") + "\n" + flow_line("a2").substr(0, 20));
    ASSERT_TRUE(h.wait_for(2));
    append(p, flow_line("a2").substr(20) + "\n");
    ASSERT_TRUE(h.wait_for(3));
    fs::rename(p, p + ".1");
    append(p + ".1", flow_line("a3") + "\n");  // still written to the renamed file
    append(p, flow_line("b0") + "\n");
    ASSERT_TRUE(h.wait_for(5));
    append(p, flow_line("b1") + "\n");
    ASSERT_TRUE(h.wait_for(6));
    fs::resize_file(p, 0);
    append(p, flow_line("c0") + "\n");
    ASSERT_TRUE(h.wait_for(7));
    stop.request_stop();
    ASSERT_EQ(done.wait_for(std::chrono::seconds(2)), std::future_status::ready);
    EXPECT_TRUE(done.get().ok());
    std::vector<std::string> want;
    for (const char* id : {"a0", "a1", "a2", "a3", "b0", "b1", "c0"}) want.push_back(flow_line(id));
    EXPECT_EQ(h.lines(), want);
    EXPECT_EQ(h.stats.sum("eveflow_input_malformed_total"), 0);
}

TEST_F(EveFileTest, FollowStopsPromptly) {
    std::string p = path("eve.json");
    append(p, "");
    SourceHarness h;
    auto src = make(h, "path: " + p + "\nfollow: true\npoll_interval: 10s");
    std::stop_source stop;
    auto done =
        std::async(std::launch::async, [&] { return src->run(stop.get_token(), h.publisher); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto t0 = std::chrono::steady_clock::now();
    stop.request_stop();
    ASSERT_EQ(done.wait_for(std::chrono::seconds(1)), std::future_status::ready);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
}

// Rotated twice while stopped (eve.json -> .1 -> .2, then the next file -> .1): the file the
// saved position is in is found by its inode and read to its end, the file rotated after it
// is not read and counted as a lost rotation; an older rotation is not counted.
TEST_F(EveFileTest, SeveralRotationsWhileStoppedCountTheFilesNotRead) {
    using namespace std::chrono_literals;
    const std::string p = path("eve.json");
    const auto now = fs::file_time_type::clock::now();
    append(p + ".3", flow_line("old") + "\n");
    fs::last_write_time(p + ".3", now - 60s);
    append(p, flow_line("a0") + "\n");
    const uint64_t a0_end = fs::file_size(p);
    append(p, flow_line("a1") + "\n");
    FilePosition pos;  // the position a stopped run saved: after a0
    {
        int fd = ::open(p.c_str(), O_RDONLY);
        struct stat st {};
        ASSERT_EQ(fstat(fd, &st), 0);
        pos = {st.st_dev, st.st_ino, a0_end, a0_end, *fingerprint(fd, a0_end)};
        ::close(fd);
    }
    fs::rename(p, p + ".2");
    fs::last_write_time(p + ".2", now - 30s);
    append(p + ".1", flow_line("b0") + "\n");
    fs::last_write_time(p + ".1", now - 20s);
    append(p, flow_line("c0") + "\n");
    SourceHarness h;
    h.ctx.state_dir = path("state");
    auto src = make(h, "path: " + p + "\nfollow: true\npoll_interval: 10ms");
    PositionFile(h.ctx.state_dir, std::string(src->name()), p).save(1, pos);
    std::stop_source stop;
    auto done =
        std::async(std::launch::async, [&] { return src->run(stop.get_token(), h.publisher); });
    ASSERT_TRUE(h.wait_for(2));
    std::this_thread::sleep_for(100ms);
    stop.request_stop();
    ASSERT_EQ(done.wait_for(std::chrono::seconds(2)), std::future_status::ready);
    EXPECT_TRUE(done.get().ok());
    EXPECT_EQ(h.lines(), (std::vector<std::string>{flow_line("a1"), flow_line("c0")}));
    EXPECT_EQ(h.stats.sum("eveflow_input_rotations_lost_total"), 1);
}

}  // namespace
}  // namespace eveflow::input
