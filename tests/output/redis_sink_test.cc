// Redis sink against a real redis-server (scripts/start-redis.sh): the order of HSET and HDEL
// seen by MONITOR, an empty hash after every flow was removed, and a server restart mid-run
// that loses no remove. The sink is built through the output registry, as the pipeline does.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "output/sink.h"
#include "tests/config_section.h"
#include "util/log.h"
#include "util/redis/redis_client.h"

extern char** environ;

namespace eveflow::output {
namespace {

using namespace std::chrono_literals;

// The server of the test run, or empty (the test skips, or fails under
// EVEFLOW_REQUIRE_SERVICES=1).
std::string server() {
    const char* a = std::getenv("EVEFLOW_TEST_REDIS");
    return a ? a : "";
}

#define REQUIRE_REDIS()                                                                        \
    do {                                                                                       \
        if (server().empty()) {                                                                \
            if (std::getenv("EVEFLOW_REQUIRE_SERVICES")) FAIL() << "EVEFLOW_TEST_REDIS unset"; \
            GTEST_SKIP() << "EVEFLOW_TEST_REDIS not set (scripts/start-redis.sh)";             \
        }                                                                                      \
    } while (0)

redis::RedisEndpoint endpoint() {
    redis::RedisEndpoint e;
    const std::string a = server();
    e.host = a.substr(0, a.rfind(':'));
    e.port = static_cast<uint16_t>(std::stoi(a.substr(a.rfind(':') + 1)));
    return e;
}

// A plain client of the test's own, to look at what the sink left.
struct Probe {
    Probe() : conn(endpoint(), "probe", SystemClock::instance()) {}
    redis::Reply command(const redis::Command& cmd) {
        conn.get();
        return conn.command(cmd);
    }
    long long integer(const redis::Command& cmd) {
        redis::Reply r = command(cmd);
        return r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    }
    std::string str(const redis::Command& cmd) {
        redis::Reply r = command(cmd);
        return r && r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : "";
    }
    redis::RedisConnection conn;
};

// `redis-cli MONITOR` writing to a file, stopped by its pid.
class Monitor {
public:
    explicit Monitor(const std::string& path) : path_(path) {
        const std::string a = server();
        const std::string host = a.substr(0, a.rfind(':')), port = a.substr(a.rfind(':') + 1);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const char* argv[] = {"redis-cli",  "-h",      host.c_str(), "-p",
                              port.c_str(), "MONITOR", nullptr};
        posix_spawnp(&pid_, "redis-cli", &fa, nullptr, const_cast<char**>(argv), environ);
        posix_spawn_file_actions_destroy(&fa);
        for (int i = 0; i < 100 && read().find("OK") == std::string::npos; ++i) {
            std::this_thread::sleep_for(20ms);
        }
    }
    ~Monitor() { stop(); }
    void stop() {
        if (pid_ <= 0) return;
        std::this_thread::sleep_for(200ms);  // the last commands reach the monitor
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);
        pid_ = 0;
    }
    std::string read() const {
        std::ifstream in(path_);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

private:
    std::string path_;
    pid_t pid_ = 0;
};

// The command and first arguments of each MONITOR line about `key`: {"HSET", key, field}.
std::vector<std::vector<std::string>> commands_on(const std::string& text, const std::string& key) {
    std::vector<std::vector<std::string>> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> args;
        for (size_t p = line.find('"', line.find(']')); p != std::string::npos && args.size() < 3;
             p = line.find('"', p + 1)) {
            size_t e = p + 1;
            while (e < line.size() && line[e] != '"') e += line[e] == '\\' ? 2 : 1;
            args.push_back(line.substr(p + 1, e - p - 1));
            p = e;
        }
        if (args.size() == 3 && args[1] == key) out.push_back(args);
    }
    return out;
}

FlowLifecycle op(FlowOp kind, uint64_t id, uint64_t bytes) {
    FlowLifecycle f;
    f.op = kind;
    f.flow_id = id;
    if (kind != FlowOp::kRemove) {
        f.json = "{\"flow_id\":" + std::to_string(id) + ",\"bytes\":" + std::to_string(bytes) + "}";
    }
    f.fields.bytes_toserver = bytes;
    return f;
}

struct Fixture {
    explicit Fixture(const std::string& extra)
        : ctx{stats, SystemClock::instance(), "s1"},
          section("{type: redis, address: \"" + server() + "\", " + extra + "}", "outputs[0]") {
        static const bool logging = log::init("warn");
        (void)logging;
        sink = make_sink(section.node, ctx);
        errors = section.errors();
        if (sink) sink->set_tally(written, dropped);
    }
    void write(std::vector<Record> batch) { ASSERT_TRUE(sink->write(batch).ok()); }
    double ops(const char* kind) {
        return stats.sum("eveflow_redis_flow_ops_total", {{"op", kind}});
    }
    Stats stats;
    Context ctx;
    testing::ConfigSection section;
    Counter written, dropped;
    std::unique_ptr<Sink> sink;
    std::vector<std::string> errors;
};

// Flows overlap: flow i is inserted at step i, updated at i+1 and i+2, removed at i+3.
std::vector<Record> lifecycle_steps(uint64_t first, int flows) {
    std::vector<Record> out;
    for (int step = 0; step < flows + 3; ++step) {
        for (int back = 0; back <= 3; ++back) {
            const int i = step - back;
            if (i < 0 || i >= flows) continue;
            const FlowOp kind = back == 0  ? FlowOp::kInsert
                                : back < 3 ? FlowOp::kUpdate
                                           : FlowOp::kRemove;
            out.push_back(op(kind, first + i, 100 * (i + 1) + back));
        }
    }
    return out;
}

TEST(RedisSink, HsetThenHdelPerFlowInOrderAndHashEmptyAfterwards) {
    REQUIRE_REDIS();
    const std::string tmp = ::testing::TempDir() + "redis_monitor.txt";
    Probe probe;
    probe.integer({"DEL", "t1:s1", "t1top:s1"});
    Fixture f("key: \"t1:{sensor_id}\", top_key: \"t1top:{sensor_id}\"");
    ASSERT_TRUE(f.errors.empty()) << f.errors.front();
    ASSERT_NE(f.sink, nullptr);
    Monitor monitor(tmp);
    f.sink->open();
    f.sink->begin();
    const int kFlows = 300;
    std::vector<Record> all = lifecycle_steps(9007199254740000ULL, kFlows);
    // Records of other kinds go to a lifecycle output too when misrouted: ignored.
    all.insert(all.begin() + 5, AggregateRecord{});
    all.insert(all.begin() + 9, RawEvent{EventType::kFlow, "flow", "{}", {}, ""});
    for (size_t i = 0; i < all.size(); i += 64) {
        f.write({all.begin() + i, all.begin() + std::min(all.size(), i + 64)});
    }
    ASSERT_TRUE(f.sink->close().ok());
    monitor.stop();
    EXPECT_EQ(probe.integer({"HLEN", "t1:s1"}), 0);
    EXPECT_EQ(probe.integer({"ZCARD", "t1top:s1"}), 0);
    EXPECT_EQ(f.ops("insert"), kFlows);
    EXPECT_EQ(f.ops("update"), 2 * kFlows);
    EXPECT_EQ(f.ops("remove"), kFlows);
    EXPECT_EQ(f.written.value(), 4u * kFlows);
    // What MONITOR saw: per flow HSET, HSET, HSET, HDEL; in the order written overall.
    auto seen = commands_on(monitor.read(), "t1:s1");
    ASSERT_EQ(seen.size(), 4u * kFlows);
    std::map<std::string, std::string> per_flow;
    size_t k = 0;
    for (const Record& r : all) {
        const auto* fl = std::get_if<FlowLifecycle>(&r);
        if (!fl) continue;
        EXPECT_EQ(seen[k][0], fl->op == FlowOp::kRemove ? "HDEL" : "HSET") << k;
        EXPECT_EQ(seen[k][2], std::to_string(fl->flow_id)) << k;
        per_flow[seen[k][2]] += seen[k][0][1];  // S or D
        ++k;
    }
    for (const auto& [id, ops] : per_flow) EXPECT_EQ(ops, "SSSD") << id;
    EXPECT_EQ(commands_on(monitor.read(), "t1top:s1").size(), 4u * kFlows);
}

TEST(RedisSink, LiveFlowsReadableWithTheirJsonAndBytes) {
    REQUIRE_REDIS();
    Probe probe;
    probe.integer({"DEL", "t2:s1", "t2top"});
    Fixture f("key: \"t2:{sensor_id}\", top_key: t2top");
    f.sink->open();
    f.write({op(FlowOp::kInsert, 7, 10), op(FlowOp::kInsert, 8, 20), op(FlowOp::kUpdate, 7, 50)});
    // sync() returns once Redis holds them (a kWritten checkpoint may follow).
    ASSERT_TRUE(f.sink->sync().ok());
    EXPECT_EQ(probe.str({"HGET", "t2:s1", "7"}), "{\"flow_id\":7,\"bytes\":50}");
    EXPECT_EQ(probe.str({"HGET", "t2:s1", "8"}), "{\"flow_id\":8,\"bytes\":20}");
    ASSERT_TRUE(f.sink->close().ok());
    redis::Reply top = probe.command({"ZREVRANGE", "t2top", "0", "-1"});
    ASSERT_TRUE(top && top->type == REDIS_REPLY_ARRAY && top->elements == 2);
    EXPECT_EQ(std::string(top->element[0]->str), "7");  // the bigger flow first
    probe.integer({"DEL", "t2:s1", "t2top"});
}

// The server stops after the inserts were acknowledged (its append-only file keeps them) and
// starts again while removes wait: every remove is sent after the reconnect.
TEST(RedisSink, ServerRestartMidRunLosesNoRemove) {
    REQUIRE_REDIS();
    const char* ctl = std::getenv("EVEFLOW_TEST_REDIS_CTL");
    if (!ctl) GTEST_SKIP() << "EVEFLOW_TEST_REDIS_CTL not set";
    Probe probe;
    probe.integer({"DEL", "t3:s1"});
    Fixture f("key: \"t3:{sensor_id}\"");
    f.sink->open();
    const int kFlows = 200;
    std::vector<Record> inserts, removes;
    for (int i = 0; i < kFlows; ++i) {
        inserts.push_back(op(FlowOp::kInsert, 1000 + i, i));
        removes.push_back(op(FlowOp::kRemove, 1000 + i, i));
    }
    f.write(inserts);
    for (int i = 0; i < 100 && probe.integer({"HLEN", "t3:s1"}) != kFlows; ++i) {
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_EQ(probe.integer({"HLEN", "t3:s1"}), kFlows);
    ASSERT_EQ(std::system((std::string(ctl) + " stop").c_str()), 0);
    f.write({removes.begin(), removes.begin() + kFlows / 2});
    std::this_thread::sleep_for(300ms);  // the writer finds the server gone
    f.write({removes.begin() + kFlows / 2, removes.end()});
    ASSERT_EQ(std::system((std::string(ctl) + " start").c_str()), 0);
    ASSERT_TRUE(f.sink->close().ok());
    Probe after;
    EXPECT_EQ(after.integer({"HLEN", "t3:s1"}), 0);
    EXPECT_EQ(f.ops("remove"), kFlows);
    EXPECT_EQ(f.dropped.value(), 0u);
    EXPECT_GE(f.stats.sum("eveflow_sink_errors_total", {{"kind", "connection"}}), 1);
}

// A run that crashed left flows in the hash: the next start clears them (its own sensor only).
TEST(RedisSink, StaleFlowsOfTheSensorClearedAtStart) {
    REQUIRE_REDIS();
    Probe probe;
    probe.integer({"HSET", "t4:s1", "123", "{}"});
    probe.integer({"ZADD", "t4top:s1", "5", "123"});
    probe.integer({"HSET", "t4:other", "9", "{}"});
    Fixture f("key: \"t4:{sensor_id}\", top_key: \"t4top:{sensor_id}\"");
    f.sink->open();
    f.write({op(FlowOp::kInsert, 77, 1)});
    ASSERT_TRUE(f.sink->close().ok());
    EXPECT_EQ(probe.str({"HGET", "t4:s1", "123"}), "");
    EXPECT_EQ(probe.integer({"HLEN", "t4:s1"}), 1);  // flow 77 only
    EXPECT_EQ(probe.integer({"ZCARD", "t4top:s1"}), 1);
    EXPECT_EQ(probe.integer({"HLEN", "t4:other"}), 1);
    EXPECT_EQ(f.written.value(), 1u);
    probe.integer({"DEL", "t4:s1", "t4top:s1", "t4:other"});

    probe.integer({"HSET", "t5:s1", "123", "{}"});
    Fixture keep("key: \"t5:{sensor_id}\", clear_at_start: false");
    keep.sink->open();
    ASSERT_TRUE(keep.sink->close().ok());
    EXPECT_EQ(probe.integer({"HLEN", "t5:s1"}), 1);
    probe.integer({"DEL", "t5:s1"});
}

TEST(RedisSink, OnFullDropCountsWhileTheServerIsDown) {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s1"};
    // Nothing listens on port 1: every operation beyond the buffer is dropped and counted.
    testing::ConfigSection s(
        "{type: redis, address: \"127.0.0.1:1\", on_full: drop, max_buffer: 10}", "outputs[0]");
    auto sink = make_sink(s.node, ctx);
    ASSERT_TRUE(s.errors().empty());
    Counter written, dropped;
    sink->set_tally(written, dropped);
    sink->open();
    std::vector<Record> batch;
    for (int i = 0; i < 100; ++i) batch.push_back(op(FlowOp::kInsert, i, i));
    ASSERT_TRUE(sink->write(batch).ok());
    EXPECT_GE(dropped.value(), 80u);  // at most the buffer and one pipeline of it are kept
    ctx.aborting.store(true);
    ASSERT_TRUE(sink->close().ok());
    EXPECT_EQ(written.value(), 0u);
    EXPECT_EQ(dropped.value(), 100u);
}

}  // namespace
}  // namespace eveflow::output
