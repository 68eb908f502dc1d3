// Tests of the eve_socket input over a real unix socket: concurrent writers, a writer killed
// mid-line, drain on stop, stale and live socket files, mode.
#include "input/eve_socket/eve_socket.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/input/source_harness.h"
#include "util/status.h"

namespace eveflow::input {
namespace {

namespace fs = std::filesystem;
using testing::flow_line;
using testing::SourceHarness;

int connect_to(const std::string& path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int listen_on(const std::string& path, bool do_listen) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    if (do_listen) {
        EXPECT_EQ(listen(fd, 4), 0);
    }
    return fd;
}

// Writes `text` in random small pieces, as a busy writer's syscalls would split it.
void write_chunked(int fd, const std::string& text, unsigned seed) {
    std::mt19937 rng(seed);
    for (size_t off = 0; off < text.size();) {
        size_t n = std::min<size_t>(text.size() - off, 1 + rng() % 3000);
        ssize_t w = write(fd, text.data() + off, n);
        if (w <= 0) return;
        off += static_cast<size_t>(w);
    }
}

std::string lines_for(const std::string& writer, int n) {
    std::string text;
    for (int i = 0; i < n; ++i) text += flow_line(writer + "-" + std::to_string(i)) + "\n";
    return text;
}

class EveSocketTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("eve_socket_test." + std::to_string(getpid()));
        fs::create_directories(dir_);
        path_ = (dir_ / "eve.sock").string();
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::unique_ptr<Source> make(SourceHarness& h, const std::string& extra = "") {
        auto node = testing::config("path: " + path_ + "\n" + extra);
        auto src = std::make_unique<EveSocket>(EveSocketConfig::parse(node), h.ctx);
        EXPECT_TRUE(node.diagnostics().ok())
            << ::testing::PrintToString(node.diagnostics().errors());
        return src;
    }
    fs::path dir_;
    std::string path_;
};

// Run with the default parse threads, with parsing on the reading thread and with three.
class EveSocketThreadsTest : public EveSocketTest,
                             public ::testing::WithParamInterface<const char*> {};
INSTANTIATE_TEST_SUITE_P(ParseThreads, EveSocketThreadsTest,
                         ::testing::Values("", "parse_threads: 1", "parse_threads: 3"));

// Polls `pred` until it holds or 10 s pass: the source's threads run at their own pace
// (much slower under TSan), so tests wait for states instead of sleeping fixed times.
template <typename Pred>
bool eventually(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

TEST_P(EveSocketThreadsTest, ConcurrentWritersOneKilledMidLineDrainOnStop) {
    SourceHarness h;
    auto src = make(h, GetParam());
    src->open();
    std::stop_source stop;
    auto done =
        std::async(std::launch::async, [&] { return src->run(stop.get_token(), h.publisher); });
    constexpr int kWriters = 4, kLines = 3000;
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&, w] {
            int fd = connect_to(path_);
            ASSERT_GE(fd, 0);
            write_chunked(fd, lines_for("w" + std::to_string(w), kLines), w);
            close(fd);
        });
    }
    // A writer process killed mid-line: its complete lines count, the torn one is partial.
    std::string killed = lines_for("k", 100) + flow_line("k-cut").substr(0, 50);
    pid_t child = fork();
    if (child == 0) {
        int fd = connect_to(path_);
        if (fd >= 0 && write(fd, killed.data(), killed.size()) > 0) pause();
        _exit(1);
    }
    for (auto& t : writers) t.join();
    ASSERT_TRUE(h.wait_for(kWriters * kLines + 100));
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    // A writer still connected (idle) when stop comes: what it wrote is read, then its
    // connection is shut, so its later writes fail instead of going unread. Stop comes once
    // the source has accepted it, which under TSan can take longer than any fixed wait.
    auto open_connections = [&] { return h.stats.sum("eveflow_input_connections"); };
    ASSERT_TRUE(eventually([&] { return open_connections() == 0; }));
    int late = connect_to(path_);
    ASSERT_GE(late, 0);
    write_chunked(late, lines_for("late", 500), 99);
    ASSERT_TRUE(eventually([&] { return open_connections() == 1; }));
    stop.request_stop();
    ASSERT_EQ(done.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_TRUE(done.get().ok());
    EXPECT_FALSE(fs::exists(path_));  // no longer accepting: the socket file is removed
    EXPECT_LT(connect_to(path_), 0);
    std::string more = flow_line("after-stop") + "\n";
    EXPECT_EQ(send(late, more.data(), more.size(), MSG_NOSIGNAL), -1);
    EXPECT_EQ(errno, EPIPE);
    close(late);
    ASSERT_TRUE(h.wait_for(kWriters * kLines + 600));
    auto lines = h.lines();
    std::set<std::string> unique(lines.begin(), lines.end());
    EXPECT_EQ(lines.size(), unique.size());  // exactly once
    EXPECT_EQ(lines.size(), static_cast<size_t>(kWriters * kLines + 600));
    EXPECT_TRUE(unique.count(flow_line("w3-2999")) && unique.count(flow_line("late-499")));
    // Each connection's lines leave in the order they were written, whichever parse worker
    // finished first.
    std::map<std::string, size_t> position;
    for (size_t i = 0; i < lines.size(); ++i) position[lines[i]] = i;
    for (int w = 0; w < kWriters; ++w) {
        for (int i = 1; i < kLines; ++i) {
            const std::string prefix = "w" + std::to_string(w) + "-";
            ASSERT_LT(position[flow_line(prefix + std::to_string(i - 1))],
                      position[flow_line(prefix + std::to_string(i))])
                << "writer " << w << " line " << i;
        }
    }
    EXPECT_EQ(h.malformed("partial"), 1u);
    EXPECT_EQ(h.stats.sum("eveflow_input_malformed_total"), 1);
    EXPECT_EQ(h.stats.sum("eveflow_input_connections"), 0);
    EXPECT_FALSE(fs::exists(path_));  // socket file removed
}

// Opens the source, runs it on a thread of its own and connects a writer (`fd`); stop()
// requests the stop and waits for run() to return, giving how long that took.
class RunningSource {
public:
    RunningSource(std::unique_ptr<Source> src, SourceHarness& h, const std::string& path)
        : src_(std::move(src)) {
        src_->open();
        done_ = std::async(std::launch::async, [&, token = stop_.get_token()] {
            return src_->run(token, h.publisher);
        });
        fd = connect_to(path);
        EXPECT_GE(fd, 0);
    }
    ~RunningSource() {
        stop_.request_stop();  // when a test ended early: done_ waits for run() to return
        close(fd);
    }
    std::chrono::milliseconds stop() {
        auto t0 = std::chrono::steady_clock::now();
        stop_.request_stop();
        if (done_.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
            ADD_FAILURE() << "run() did not return 10 s after stop";
            return std::chrono::seconds(10);
        }
        EXPECT_TRUE(done_.get().ok());
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - t0);
    }

    int fd = -1;

private:
    std::unique_ptr<Source> src_;
    std::stop_source stop_;
    std::future<Status> done_;
};

// Suricata keeps its connection open between records: a stop must not wait for it to close.
TEST_P(EveSocketThreadsTest, StopWithIdleWriterIsPromptAndLosesNothing) {
    SourceHarness h;
    RunningSource run(make(h, GetParam()), h, path_);
    const int fd = run.fd;
    write_chunked(fd, lines_for("idle", 2000), 7);
    auto took = run.stop();
    EXPECT_LT(took.count(), 1000);
    EXPECT_TRUE(h.wait_for(2000));
    auto lines = h.lines();
    EXPECT_EQ(std::set<std::string>(lines.begin(), lines.end()).size(), 2000u);
    EXPECT_EQ(lines.size(), 2000u);
    EXPECT_EQ(h.stats.sum("eveflow_input_malformed_total"), 0);
}

// A writer in the middle of a line when the stop comes may finish it within the grace.
TEST_F(EveSocketTest, StopLetsABegunLineFinish) {
    SourceHarness h;
    RunningSource run(make(h), h, path_);
    const int fd = run.fd;
    std::string text = lines_for("a", 1) + flow_line("b");
    ASSERT_EQ(write(fd, text.data(), 70), 70);
    ASSERT_TRUE(eventually([&] { return h.stats.sum("eveflow_input_bytes_total") == 70; }));
    std::thread finisher([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::string rest = text.substr(70) + "\n";
        EXPECT_EQ(write(fd, rest.data(), rest.size()), static_cast<ssize_t>(rest.size()));
    });
    run.stop();
    finisher.join();
    ASSERT_TRUE(h.wait_for(2));
    EXPECT_EQ(h.lines()[1], flow_line("b"));
    EXPECT_EQ(h.stats.sum("eveflow_input_malformed_total"), 0);
}

// An unfinished line gets kLineGrace, no more, and then counts as partial.
TEST_F(EveSocketTest, StopCountsAnUnfinishedLinePartialAfterTheGrace) {
    SourceHarness h;
    RunningSource run(make(h), h, path_);
    const int fd = run.fd;
    std::string text = lines_for("a", 1) + flow_line("b").substr(0, 40);
    ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ASSERT_TRUE(eventually([&] { return h.count() == 1; }));
    auto took = run.stop();
    EXPECT_GE(took, EveSocket::kLineGrace);
    EXPECT_LT(took.count(), 1000);
    EXPECT_EQ(h.malformed("partial"), 1u);
    EXPECT_EQ(h.count(), 1u);
}

TEST_F(EveSocketTest, LastLineWithoutNewlineAcceptedOnClose) {
    SourceHarness h;
    auto src = make(h);
    src->open();
    std::stop_source stop;
    auto done =
        std::async(std::launch::async, [&] { return src->run(stop.get_token(), h.publisher); });
    int fd = connect_to(path_);
    std::string l = flow_line("x");
    ASSERT_EQ(write(fd, l.data(), l.size()), static_cast<ssize_t>(l.size()));
    ASSERT_TRUE(eventually([&] { return h.stats.sum("eveflow_input_connections") == 1; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_EQ(h.count(), 0u);  // not before the writer is done
    close(fd);
    ASSERT_TRUE(h.wait_for(1));
    stop.request_stop();
    EXPECT_TRUE(done.get().ok());
    EXPECT_EQ(h.malformed("partial"), 0u);
}

TEST_F(EveSocketTest, StaleSocketFileReplaced) {
    close(listen_on(path_, false));  // a socket file nobody listens on
    ASSERT_TRUE(fs::is_socket(path_));
    SourceHarness h;
    auto src = make(h);
    src->open();
    int fd = connect_to(path_);
    EXPECT_GE(fd, 0);
    close(fd);
}

TEST_F(EveSocketTest, LiveSocketRefused) {
    int other = listen_on(path_, true);
    SourceHarness h;
    auto src = make(h);
    try {
        src->open();
        FAIL() << "no error";
    } catch (const StartupError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "eve_socket: " + path_ + " is in use: another process is listening on it");
    }
    EXPECT_TRUE(fs::is_socket(path_));  // left alone
    close(other);
}

TEST_F(EveSocketTest, RegularFileRefused) {
    { std::ofstream(path_) << "x"; }
    SourceHarness h;
    auto src = make(h);
    EXPECT_THROW(src->open(), StartupError);
    EXPECT_TRUE(fs::is_regular_file(path_));
}

TEST_F(EveSocketTest, ModeApplied) {
    SourceHarness h;
    auto src = make(h, "mode: \"0600\"");
    src->open();
    struct stat st {};
    ASSERT_EQ(stat(path_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto src2 = std::make_unique<EveSocket>(
        EveSocketConfig::parse(testing::config("path: " + path_ + "2")), h.ctx);
    src2->open();
    ASSERT_EQ(stat((path_ + "2").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0660u);  // the default
}

TEST_F(EveSocketTest, ConfigErrors) {
    SourceHarness h;
    auto node = testing::config("mode: \"0968\"\nmax_line: 1KiB\nparse_threads: 0");
    std::make_unique<EveSocket>(EveSocketConfig::parse(node), h.ctx);
    const auto& errors = node.diagnostics().errors();
    ASSERT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
    EXPECT_NE(errors[2].find("inputs[0].parse_threads"), std::string::npos) << errors[2];
    EXPECT_NE(errors[0].find("inputs[0].path"), std::string::npos) << errors[0];
    EXPECT_NE(errors[1].find("inputs[0].mode: must be an octal file mode 0000-0777 such as "
                             "\"0660\" (got \"0968\")"),
              std::string::npos)
        << errors[1];
}

}  // namespace
}  // namespace eveflow::input
