// Tests of the unix_socket sink against a real listening test server on a temp path.
#include "output/unix_socket/unix_socket_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include "output/aggregate_json.h"
#include "tests/output/test_util.h"
#include "util/log.h"

namespace eveflow::output {
namespace {

using eveflow::testing::OutputSection;
using eveflow::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

/// Listens on `path`, accepts connections one after another and keeps every byte received.
class TestServer {
public:
    explicit TestServer(const std::string& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        ::unlink(path.c_str());
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(::listen(fd_, 8), 0);
        thread_ = std::thread([this] { run(); });
    }
    ~TestServer() { stop(); }
    void stop() {
        if (!thread_.joinable()) return;
        stop_ = true;
        thread_.join();
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    std::string received() {
        std::lock_guard lock(mu_);
        return data_;
    }
    int connections() const { return connections_.load(); }
    /// Waits (real time, bounded) until `n` bytes have arrived.
    bool wait_for(size_t n, Sink* sink = nullptr) {
        for (int i = 0; i < 500; ++i) {
            if (received().size() >= n) return true;
            if (sink) sink->idle();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }

private:
    void run() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) continue;
            ++connections_;
            char buf[65536];
            while (!stop_) {
                pollfd q{c, POLLIN, 0};
                if (::poll(&q, 1, 20) <= 0) continue;
                ssize_t n = ::read(c, buf, sizeof buf);
                if (n <= 0) break;
                std::lock_guard lock(mu_);
                data_.append(buf, static_cast<size_t>(n));
            }
            ::close(c);
        }
    }
    std::string path_;
    int fd_ = -1;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::mutex mu_;
    std::string data_;
    std::thread thread_;
};

struct Fixture {
    explicit Fixture(const std::string& yaml)
        : ctx{stats, SystemClock::instance(), "s1"}, section(yaml) {
        static const bool logging = log::init("info");  // once per process
        (void)logging;
        sink = std::make_unique<UnixSocketSink>(parse_unix_socket_config(section.node), ctx);
        if (sink) sink->set_tally(written, given_up);
        errors = section.errors();
    }
    double dropped() { return stats.sum("eveflow_sink_dropped_total"); }
    Stats stats;
    Context ctx;
    OutputSection section;
    Counter written, given_up;  // declared before the sink, which points at them
    std::unique_ptr<Sink> sink;
    std::vector<std::string> errors;
};

std::vector<Record> lines(int from, int to, size_t pad = 0) {
    std::vector<Record> out;
    for (int i = from; i < to; ++i) {
        Record r;
        r = RawEvent{};
        std::get<RawEvent>(r).line = "{\"event_type\":\"alert\",\"n\":" + std::to_string(i) +
                                     ",\"p\":\"" + std::string(pad, 'x') + "\"}";
        out.push_back(std::move(r));
    }
    return out;
}

std::string joined(const std::vector<Record>& recs) {
    std::string s;
    for (const auto& r : recs) s += std::get<RawEvent>(r).line + "\n";
    return s;
}

TEST(UnixSocketSink, ReceiverGetsExactBytes) {
    TempDir dir;
    TestServer server(dir / "fwd.sock");
    Fixture fx("{type: unix_socket, name: fwd, path: " + (dir / "fwd.sock") + "}");
    fx.sink->open();
    EXPECT_EQ(fx.stats.sum("eveflow_sink_up", {{"sink", "fwd"}}), 1);
    auto a = lines(0, 5000, 100);
    AggregateRecord agg;
    agg.flows = 3;
    agg.window_start = agg.first_seen = Timestamp::from_us(1714557600'000'000);
    agg.window_end = agg.last_seen = Timestamp::from_us(1714557660'000'000);
    a.push_back(agg);
    ASSERT_TRUE(fx.sink->write(a).ok());
    ASSERT_TRUE(fx.sink->close().ok());
    std::string expected = joined(lines(0, 5000, 100));
    append_aggregate_json(expected, agg, "s1");
    expected += '\n';
    ASSERT_TRUE(server.wait_for(expected.size()));
    EXPECT_EQ(server.received(), expected);
    EXPECT_EQ(fx.dropped(), 0);
}

TEST(UnixSocketSink, RestartedReceiverGetsEventsAfterComingBack) {
    TempDir dir;
    std::string path = dir / "fwd.sock";
    Fixture fx("{type: unix_socket, path: " + path + "}");
    auto first = lines(0, 100), during = lines(100, 200), after = lines(200, 300);
    {
        TestServer server(path);
        fx.sink->open();
        ASSERT_TRUE(fx.sink->write(first).ok());
        ASSERT_TRUE(server.wait_for(joined(first).size(), fx.sink.get()));
        EXPECT_EQ(server.received(), joined(first));
    }  // receiver gone
    ASSERT_TRUE(fx.sink->write(during).ok());
    EXPECT_EQ(fx.stats.sum("eveflow_sink_up"), 0);
    TestServer server(path);
    ASSERT_TRUE(fx.sink->write(after).ok());
    std::string want = joined(during) + joined(after);
    ASSERT_TRUE(server.wait_for(want.size(), fx.sink.get()));
    ASSERT_TRUE(fx.sink->close().ok());
    EXPECT_EQ(server.received(), want);
    EXPECT_EQ(fx.dropped(), 0);
}

TEST(UnixSocketSink, DropsAtBufferBoundEqualWhatIsMissing) {
    TempDir dir;
    std::string path = dir / "fwd.sock";
    Fixture fx("{type: unix_socket, max_buffer: 4KiB, path: " + path + "}");
    fx.sink->open();  // nobody listens yet
    auto all = lines(0, 500, 20);
    for (size_t i = 0; i < all.size(); i += 50) {
        ASSERT_TRUE(fx.sink->write(std::span(all).subspan(i, 50)).ok());
    }
    EXPECT_GT(fx.dropped(), 0);
    TestServer server(path);
    for (int i = 0; i < 300 && fx.stats.sum("eveflow_sink_up") == 0; ++i) {
        fx.sink->idle();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(fx.sink->close().ok());
    server.stop();
    std::string got = server.received();
    auto received = static_cast<size_t>(std::count(got.begin(), got.end(), '\n'));
    EXPECT_LE(received * 45, 4096u);
    EXPECT_EQ(received + static_cast<size_t>(fx.dropped()), all.size());
    EXPECT_EQ(fx.written.value(), received) << "written counts the lines that were sent";
    // What arrived is the head of the stream, byte-identical.
    EXPECT_EQ(got, joined(lines(0, static_cast<int>(received), 20)));
}

TEST(UnixSocketSink, CloseGivesUpWithinShutdownTimeout) {
    TempDir dir;
    Fixture fx("{type: unix_socket, path: " + (dir / "nobody.sock") + "}");
    fx.ctx.shutdown_timeout = std::chrono::milliseconds(300);
    fx.sink->open();
    ASSERT_TRUE(fx.sink->write(lines(0, 7)).ok());
    auto t0 = std::chrono::steady_clock::now();
    Status st = fx.sink->close();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(fx.dropped(), 7);
    EXPECT_EQ(fx.written.value(), 0u);
    EXPECT_GT(fx.stats.sum("eveflow_sink_errors_total", {{"kind", "connect"}}), 0);
}

TEST(UnixSocketSink, CloseDeliversToLateReceiver) {
    TempDir dir;
    std::string path = dir / "late.sock";
    Fixture fx("{type: unix_socket, path: " + path + "}");
    fx.sink->open();
    ASSERT_TRUE(fx.sink->write(lines(0, 10)).ok());
    std::unique_ptr<TestServer> server;
    std::thread starter([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        server = std::make_unique<TestServer>(path);
    });
    starter.join();
    ASSERT_TRUE(fx.sink->close().ok());
    ASSERT_TRUE(server->wait_for(joined(lines(0, 10)).size()));
    EXPECT_EQ(server->received(), joined(lines(0, 10)));
}

TEST(UnixSocketSinkConfig, Errors) {
    Fixture missing("{type: unix_socket}");
    EXPECT_THAT(missing.errors, ElementsAre("eveflow.yaml:1: outputs[0].path: missing"));
    Fixture bad("{type: unix_socket, path: /" + std::string(120, 'a') +
                ", max_buffer: 0, reconnect_backoff_max: 10ms, nme: x}");
    EXPECT_THAT(bad.errors,
                ElementsAre(HasSubstr("outputs[0].path: must be at most 107 bytes long (got 121)"),
                            HasSubstr("outputs[0].max_buffer: must be in [1, "),
                            HasSubstr("outputs[0].reconnect_backoff_max: must be >= 100ms (got "
                                      "\"10ms\")"),
                            HasSubstr("outputs[0].nme: unknown key")));
}

TEST(UnixSocketSinkConfig, DeploySnippetParses) {
    YAML::Node root = YAML::LoadFile(EVEFLOW_SOURCE_DIR "/deploy/snippets/unix_socket.yaml");
    auto diag = std::make_shared<ConfigDiagnostics>("unix_socket.yaml");
    UnixSocketConfig c =
        parse_unix_socket_config(ConfigNode(root["outputs"][0], "outputs[0]", diag));
    diag->report_unknown();
    EXPECT_TRUE(diag->errors().empty());
    EXPECT_EQ(c.max_buffer, UnixSocketConfig{}.max_buffer);
    EXPECT_EQ(c.reconnect_backoff_max, UnixSocketConfig{}.reconnect_backoff_max);
}

}  // namespace
}  // namespace eveflow::output
