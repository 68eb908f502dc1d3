// Kafka source against librdkafka's mock cluster over TCP; kcat produces real EVE lines.
#include "input/kafka/kafka_source.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include "tests/output/postgres_test_util.h"
#include "tests/tools/kafka_cluster.h"
#include "util/clock.h"

namespace eveflow::input {
namespace {

using namespace std::chrono_literals;
using test::KafkaCluster;

const std::string kSlips = "/eve/stratosphereips-slips/test6-malicious.suricata.json";
const std::string kAarchies = "/eve/aarchies-suricata/eve.json";

std::string shared(const std::string& rel) { return std::string(EVEFLOW_SHARED_DATA) + rel; }

std::vector<std::string> file_lines(const std::string& path) {
    std::vector<std::string> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

void require_tools(const std::vector<std::string>& files) {
    for (const auto& f : files) {
        if (!std::ifstream(f)) GTEST_SKIP() << "shared test data absent: " << f;
    }
    if (test::have_kcat()) return;
    if (getenv("EVEFLOW_REQUIRE_SERVICES")) FAIL() << "kcat is not installed";
    GTEST_SKIP() << "kcat is not installed (apt-get install kcat)";
}

/// Produces `path` line by line (kcat -l: one message per line) to `topic`.
void produce_lines(const KafkaCluster& kafka, const std::string& topic, const std::string& path,
                   const std::string& delimiter = "") {
    int rc = -1;
    test::run_output("kcat -q -b '" + kafka.bootstrap() + "' -P -t " + topic + " -l " +
                         (delimiter.empty() ? "" : "-D '" + delimiter + "' ") + "'" + path + "'",
                     &rc);
    ASSERT_EQ(rc, 0);
}

/// Produces the lines of `path` round-robin to partitions 0..n-1 of `topic` (a producer
/// without keys may put them all in one partition).
void produce_spread(const KafkaCluster& kafka, const std::string& topic, const std::string& path,
                    int n) {
    std::vector<std::string> lines = file_lines(path);
    for (int p = 0; p < n; ++p) {
        std::string part = ::testing::TempDir() + "kafka_part_" + std::to_string(p) + ".txt";
        std::ofstream out(part);
        for (size_t i = static_cast<size_t>(p); i < lines.size(); i += static_cast<size_t>(n)) {
            out << lines[i] << "\n";
        }
        out.close();
        int rc = -1;
        test::run_output("kcat -q -b '" + kafka.bootstrap() + "' -P -t " + topic + " -p " +
                             std::to_string(p) + " -l '" + part + "'",
                         &rc);
        ASSERT_EQ(rc, 0);
    }
}

/// A source in a thread with its event channel; collects the raw lines of what it publishes.
struct Running {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s1"};
    std::shared_ptr<ConfigDiagnostics> diag = std::make_shared<ConfigDiagnostics>("test.yaml");
    Channel<EventBatch> channel{64};
    Counter dropped;
    Publisher publisher{channel, OnFull::kBlock, 0, dropped};
    std::unique_ptr<Source> source;
    std::jthread thread;
    /// A batch the test holds as the processing stage would: dropping it consumes it, which
    /// completes the kConsumed checkpoint it carries.
    struct Held {
        EventBatch batch;
        std::shared_ptr<void> consumed;
    };
    std::vector<Held> held;  // batches not yet released (offsets not committable)
    std::vector<std::shared_ptr<const Checkpoint>> checkpoints;  // in arrival order
    Status result;  // what run() returned (read once `finished`)
    std::atomic<bool> finished{false};

    Running(const std::string& yaml, std::chrono::milliseconds shutdown = 10s) {
        ctx.shutdown_timeout = shutdown;
        ConfigNode node(YAML::Load(yaml), "inputs[0]", diag);
        node.touch("type");
        source = std::make_unique<KafkaSource>(parse_kafka_source_config(node), ctx);
        diag->report_unknown();
    }
    void start() {
        source->open();
        thread = std::jthread([this](std::stop_token st) {
            result = source->run(st, publisher);
            finished = true;
        });
    }
    /// Reads until `want` lines arrived or `timeout`; `hold` keeps the batches unreleased.
    std::vector<std::string> read(size_t want, std::chrono::seconds timeout, bool hold = false) {
        std::vector<std::string> lines;
        auto end = std::chrono::steady_clock::now() + timeout;
        std::vector<EventBatch> batches;
        while (lines.size() < want && std::chrono::steady_clock::now() < end) {
            batches.clear();
            channel.pop_batch(batches, 16, std::chrono::steady_clock::now() + 100ms);
            for (auto& b : batches) {
                for (const Event& e : b.events) lines.emplace_back(e.raw);
                std::shared_ptr<void> consumed;
                if (b.checkpoint && b.checkpoint->until == Checkpoint::Until::kStored) {
                    checkpoints.push_back(b.checkpoint);
                } else if (b.checkpoint) {
                    consumed = std::shared_ptr<void>(nullptr, [cp = b.checkpoint](void*) {
                        if (cp->on_done) cp->on_done(true);
                    });
                }
                if (hold) held.push_back({std::move(b), std::move(consumed)});
            }
        }
        return lines;
    }
    void stop() {
        thread.request_stop();
        // Keep draining so the source never blocks on a full channel while stopping.
        while (thread.joinable()) {
            std::vector<EventBatch> b;
            channel.pop_batch(b, 16, std::chrono::steady_clock::now() + 50ms);
            for (const auto& batch : b) {
                const auto& cp = batch.checkpoint;
                if (cp && cp->until == Checkpoint::Until::kConsumed && cp->on_done)
                    cp->on_done(true);
            }
            if (channel.size() == 0 && !held.empty()) held.clear();
            if (b.empty()) {
                thread.request_stop();
                break;
            }
        }
        thread = std::jthread();
    }
};

std::string yaml_for(const KafkaCluster& k, const std::string& topic, const std::string& group) {
    return "{type: kafka, brokers: '" + k.bootstrap() + "', topics: [" + topic +
           "], group: " + group + ", commit_interval: 100ms}";
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

/// Equal as multisets; on failure says how many lines differ instead of printing them all.
::testing::AssertionResult same_lines(std::vector<std::string> got, std::vector<std::string> want) {
    got = sorted(std::move(got));
    want = sorted(std::move(want));
    if (got == want) return ::testing::AssertionSuccess();
    std::vector<std::string> extra, missing;
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                        std::back_inserter(extra));
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                        std::back_inserter(missing));
    return ::testing::AssertionFailure()
           << "got " << got.size() << " lines, want " << want.size() << ": " << extra.size()
           << " unexpected, " << missing.size() << " missing";
}

TEST(KafkaSourceConfig, ErrorsNameKeyAndRange) {
    Running r(
        "{type: kafka, group: '', commit_interval: 0s, checkpoint_interval: 2h,"
        " properties: {group.id: g, no.such.thing: 1}}");
    std::string all;
    for (const auto& e : r.diag->errors()) all += e + "\n";
    EXPECT_NE(all.find("inputs[0].brokers: "), std::string::npos) << all;
    EXPECT_NE(all.find("inputs[0].topics: missing"), std::string::npos) << all;
    EXPECT_NE(all.find("inputs[0].group: must not be empty"), std::string::npos) << all;
    EXPECT_NE(all.find("inputs[0].commit_interval: "), std::string::npos) << all;
    EXPECT_NE(all.find("inputs[0].checkpoint_interval: must be at most 1h (got \"2h\")"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("properties.group.id: set by eveflow: use key 'group'"), std::string::npos)
        << all;
    EXPECT_NE(all.find("properties.no.such.thing: No such configuration"), std::string::npos)
        << all;
}

TEST(KafkaSource, DeliversEveryProducedLineOnce) {
    require_tools({shared(kAarchies)});
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    ASSERT_TRUE(kafka.command("topic eve 6"));
    produce_lines(kafka, "eve", shared(kAarchies));
    auto want = file_lines(shared(kAarchies));
    Running r(yaml_for(kafka, "eve", "g1"));
    ASSERT_TRUE(r.diag->ok()) << r.diag->errors()[0];
    r.start();
    auto got = r.read(want.size(), 30s);
    auto extra = r.read(want.size() + 1, 2s);  // nothing more may come
    r.stop();
    EXPECT_TRUE(same_lines(got, want));
    EXPECT_TRUE(extra.empty());
    EXPECT_EQ(r.stats.sum("eveflow_kafka_messages_total"), static_cast<double>(want.size()));
    EXPECT_EQ(r.stats.sum("eveflow_input_malformed_total"), 0);
}

TEST(KafkaSource, MessagesHoldingSeveralLinesAndBadLines) {
    require_tools({shared(kAarchies)});
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    auto want = file_lines(shared(kAarchies));
    // Messages of 1 to 4 lines separated by 0x1e; every fifth message also holds a bad line.
    std::string path = ::testing::TempDir() + "kafka_multi.txt";
    {
        std::ofstream out(path, std::ios::binary);
        size_t i = 0, m = 0;
        while (i < want.size()) {
            size_t n = std::min<size_t>(m % 4 + 1, want.size() - i);
            for (size_t j = 0; j < n; ++j) out << want[i++] << '\n';
            if (m % 5 == 0) out << "not json\n";
            out << '\x1e';
            ++m;
        }
    }
    produce_lines(kafka, "multi", path, "\\x1e");
    Running r(yaml_for(kafka, "multi", "g1"));
    r.start();
    auto got = r.read(want.size(), 30s);
    r.stop();
    EXPECT_TRUE(same_lines(got, want));
    EXPECT_EQ(r.stats.sum("eveflow_input_malformed_total"), std::ceil(want.size() / 2.5 / 5));
}

/// The group's committed offset per partition, read by a separate client (OffsetFetch).
std::map<int32_t, int64_t> committed(const KafkaCluster& kafka, const std::string& group,
                                     const std::string& topic, int partitions) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", kafka.bootstrap().c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
    std::map<int32_t, int64_t> out;
    if (rd_kafka_committed(rk, list, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < list->cnt; ++i) out[list->elems[i].partition] = list->elems[i].offset;
    }
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_destroy(rk);
    return out;
}

/// Where kcat finds each line: line -> (partition, offset).
std::map<std::string, std::pair<int32_t, int64_t>> placement(const KafkaCluster& kafka,
                                                             const std::string& topic) {
    std::map<std::string, std::pair<int32_t, int64_t>> out;
    for (const auto& l : test::kcat_read(kafka.bootstrap(), topic, "%p %o %s\\n")) {
        size_t a = l.find(' '), b = l.find(' ', a + 1);
        out[l.substr(b + 1)] = {std::stoi(l.substr(0, a)), std::stoll(l.substr(a + 1, b - a - 1))};
    }
    return out;
}

/// Lines below a committed offset that are not in `handed_on`: what a restart would lose.
size_t lost_below_commit(const std::map<int32_t, int64_t>& commit,
                         const std::map<std::string, std::pair<int32_t, int64_t>>& where,
                         const std::vector<std::string>& handed_on) {
    std::set<std::string> seen(handed_on.begin(), handed_on.end());
    size_t lost = 0;
    for (const auto& [line, po] : where) {
        auto it = commit.find(po.first);
        if (it != commit.end() && po.second < it->second && !seen.count(line)) ++lost;
    }
    return lost;
}

TEST(KafkaSource, CommitsOnlyWhatWasReleasedInOrder) {
    require_tools({shared(kAarchies)});
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    ASSERT_TRUE(kafka.command("topic eve 3"));
    produce_lines(kafka, "eve", shared(kAarchies));
    auto want = sorted(file_lines(shared(kAarchies)));
    auto where = placement(kafka, "eve");
    ASSERT_EQ(where.size(), want.size());

    Running a(yaml_for(kafka, "eve", "g2"));
    a.start();
    auto got = a.read(want.size(), 30s, /*hold=*/true);
    EXPECT_TRUE(same_lines(got, want));
    std::this_thread::sleep_for(500ms);  // several commit intervals
    for (auto [p, off] : committed(kafka, "g2", "eve", 3)) {
        EXPECT_LT(off, 0) << "partition " << p << " committed while nothing was released";
    }
    // Release the first half of the batches: commits may cover only released events.
    std::vector<std::string> released;
    size_t half = a.held.size() / 2;
    for (size_t i = 0; i < half; ++i) {
        for (const Event& e : a.held[i].batch.events) released.emplace_back(e.raw);
    }
    a.held.erase(a.held.begin(), a.held.begin() + static_cast<long>(half));
    std::this_thread::sleep_for(500ms);
    auto mid = committed(kafka, "g2", "eve", 3);
    EXPECT_EQ(lost_below_commit(mid, where, released), 0u);
    a.held.clear();  // all released: the commit reaches the end of every partition
    std::this_thread::sleep_for(500ms);
    auto end = committed(kafka, "g2", "eve", 3);
    // Offsets start at 0, so the end offset is the message count; an empty partition has
    // no commit (RD_KAFKA_OFFSET_INVALID).
    std::map<int32_t, int64_t> counts = {{0, 0}, {1, 0}, {2, 0}};
    for (const auto& [line, po] : where) ++counts[po.first];
    for (auto& [p, n] : counts) n = n ? n : RD_KAFKA_OFFSET_INVALID;
    EXPECT_EQ(end, counts);
    a.stop();
}

TEST(KafkaSource, ConsumerKilledAndRestartedLosesNothing) {
    require_tools({shared(kSlips)});
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    ASSERT_TRUE(kafka.command("topic eve 6"));
    produce_lines(kafka, "eve", shared(kSlips));
    auto want = file_lines(shared(kSlips));
    auto where = placement(kafka, "eve");
    std::string yaml = "{type: kafka, brokers: '" + kafka.bootstrap() +
                       "', topics: [eve], group: g3, commit_interval: 100ms, properties: "
                       "{session.timeout.ms: 6000, heartbeat.interval.ms: 500}}";
    std::string path = ::testing::TempDir() + "kafka_killed.txt";
    std::remove(path.c_str());
    pid_t child = fork();
    if (child == 0) {
        // The consumer process: writes each event out, then releases its batch (slowly).
        Running r(yaml);
        r.start();
        FILE* out = fopen(path.c_str(), "w");
        for (;;) {
            std::vector<EventBatch> batches;
            r.channel.pop_batch(batches, 1, std::chrono::steady_clock::now() + 100ms);
            for (auto& b : batches) {
                for (const Event& e : b.events)
                    fprintf(out, "%.*s\n", int(e.raw.size()), e.raw.data());
                fflush(out);
                std::this_thread::sleep_for(20ms);
            }
        }
    }
    ASSERT_GT(child, 0);
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (file_lines(path).size() < want.size() / 3 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    auto before = file_lines(path);
    ASSERT_GE(before.size(), want.size() / 3);
    ASSERT_LT(before.size(), want.size()) << "killed too late to test anything";
    auto commit = committed(kafka, "g3", "eve", 6);
    EXPECT_EQ(lost_below_commit(commit, where, before), 0u);

    // The restarted member resumes from the committed offsets (once the killed member's
    // session has expired): together they handed on every line at least once.
    Running again(yaml);
    again.start();
    std::multiset<std::string> all(before.begin(), before.end());
    size_t missing_before = 0;
    for (const auto& l : want) missing_before += all.count(l) ? 0 : 1;
    size_t missing = missing_before, after = 0;
    for (auto end = std::chrono::steady_clock::now() + 60s;
         missing > 0 && std::chrono::steady_clock::now() < end;) {
        auto part = again.read(want.size(), 1s);
        after += part.size();
        all.insert(part.begin(), part.end());
        missing = 0;
        for (const auto& l : want) missing += all.count(l) ? 0 : 1;
    }
    again.stop();
    EXPECT_EQ(missing, 0u) << "missing before restart: " << missing_before;
    EXPECT_LE(after, want.size());
}

// With the PostgreSQL sink as offset store: the consumer starts where the stored offsets say,
// publishes checkpoints behind the events, and commits to Kafka only what the store has
// committed.
TEST(KafkaSource, WithAnOffsetStoreResumesFromItAndCommitsOnlyStoredCheckpoints) {
    require_tools({shared(kAarchies)});
    EVEFLOW_REQUIRE_PG();
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    ASSERT_TRUE(kafka.command("topic eve 3"));
    produce_spread(kafka, "eve", shared(kAarchies), 3);
    auto where = placement(kafka, "eve");
    eveflow::testing::PgSchema db;
    eveflow::testing::PgSinkHarness pg("{type: postgres, dsn: {dsn}}", db.dsn);
    pg.sink->open();
    ASSERT_NE(pg.ctx.offset_store, nullptr);
    // Partition 0 was stored up to offset 5 by an earlier consumer of the group.
    eveflow::testing::PgSchema::exec(
        db.dsn,
        "INSERT INTO eveflow_kafka_offsets (group_id, topic, partition, "
        "next_offset) VALUES ('g5', 'eve', 0, 5)");
    std::vector<std::string> want;
    std::map<int32_t, int64_t> ends;
    for (const auto& [line, po] : where) {
        if (po.first != 0 || po.second >= 5) want.push_back(line);
        ends[po.first] = std::max(ends[po.first], po.second + 1);
    }

    Running a("{type: kafka, brokers: '" + kafka.bootstrap() +
              "', topics: [eve], group: g5, commit_interval: 100ms, checkpoint_interval: 200ms}");
    a.ctx.offset_store = pg.ctx.offset_store;
    a.start();
    auto got = a.read(want.size(), 30s);
    EXPECT_TRUE(same_lines(got, want));
    // A checkpoint names the partitions that moved since the one before; together they reach
    // the end of every partition, each chained to the offset stored before it.
    Offsets last, first_expected;
    auto merge = [&] {
        for (const auto& cp : a.checkpoints) {
            EXPECT_EQ(cp->group, "g5");
            for (const auto& [tp, off] : cp->offsets) {
                EXPECT_EQ(cp->expected.at(tp), last.count(tp) ? last[tp] : (tp.second ? -1 : 5));
                first_expected.emplace(tp, cp->expected.at(tp));
                last[tp] = off;
            }
        }
    };
    ASSERT_TRUE(eveflow::testing::wait_until([&] {
        a.read(std::numeric_limits<size_t>::max(), 1s);
        last.clear();
        first_expected.clear();
        merge();
        return last.size() == ends.size();
    }));
    for (auto [p, end] : ends) EXPECT_EQ(last.at({"eve", p}), end) << "partition " << p;
    EXPECT_EQ(first_expected.at({"eve", 0}), 5);
    EXPECT_EQ(first_expected.at({"eve", 1}), -1);
    std::this_thread::sleep_for(500ms);  // several commit intervals: nothing is stored yet
    for (auto [p, off] : committed(kafka, "g5", "eve", 3)) {
        EXPECT_LT(off, 0) << "partition " << p << " committed before the store had it";
    }
    // The sink stores the checkpoints (each its transaction); then Kafka gets the offsets.
    std::vector<Record> markers;
    for (const auto& cp : a.checkpoints) markers.emplace_back(CheckpointMark{cp});
    ASSERT_TRUE(pg.sink->write(markers).ok());
    ASSERT_TRUE(
        eveflow::testing::wait_until([&] { return committed(kafka, "g5", "eve", 3) == ends; }));
    Offsets stored;
    ASSERT_TRUE(pg.ctx.offset_store->load("g5", {{"eve", 0}, {"eve", 1}, {"eve", 2}}, stored).ok());
    EXPECT_EQ(stored, last);
    a.stop();
    ASSERT_TRUE(pg.sink->close().ok());
}

// PostgreSQL down when partitions are assigned: the consumer reads nothing (it does not guess
// a start), retries, and once the server is back starts at the stored offsets.
TEST(KafkaSource, WaitsForTheOffsetStoreBeforeReading) {
    require_tools({shared(kAarchies)});
    EVEFLOW_REQUIRE_PG();
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    ASSERT_TRUE(kafka.command("topic eve 2"));
    produce_spread(kafka, "eve", shared(kAarchies), 2);
    auto where = placement(kafka, "eve");
    eveflow::testing::TempDir dir;
    auto env = eveflow::testing::start_private_server(dir);
    ASSERT_TRUE(env.count("EVEFLOW_TEST_PG_DSN") && env.count("EVEFLOW_TEST_PG_CTL"));
    const std::string ctl = env["EVEFLOW_TEST_PG_CTL"];
    {
        eveflow::testing::PgSchema db(env["EVEFLOW_TEST_PG_DSN"]);
        eveflow::testing::PgSinkHarness pg("{type: postgres, dsn: {dsn}}", db.dsn);
        pg.sink->open();
        eveflow::testing::PgSchema::exec(db.dsn,
                                         "INSERT INTO eveflow_kafka_offsets (group_id, topic, "
                                         "partition, next_offset) VALUES ('g6', 'eve', 1, 7)");
        ASSERT_EQ(std::system((ctl + " stop").c_str()), 0);
        Running a("{type: kafka, brokers: '" + kafka.bootstrap() +
                      "', topics: [eve], group: g6, checkpoint_interval: 200ms}",
                  1s);  // nothing stores the checkpoints here: do not wait for them at the end
        a.ctx.offset_store = pg.ctx.offset_store;
        a.start();
        EXPECT_TRUE(a.read(1, 6s).empty()) << "read before the stored offsets were known";
        EXPECT_GE(a.stats.sum("eveflow_kafka_consumer_errors_total"), 2);
        ASSERT_EQ(std::system((ctl + " start").c_str()), 0);
        std::vector<std::string> want;
        for (const auto& [line, po] : where) {
            if (po.first != 1 || po.second >= 7) want.push_back(line);
        }
        EXPECT_TRUE(same_lines(a.read(want.size(), 30s), want));
        a.stop();
        ASSERT_TRUE(pg.sink->close().ok());
    }
    std::system((EVEFLOW_SOURCE_DIR "/scripts/stop-postgres.sh '" + (dir / "pg") + "'").c_str());
}

// Another consumer stored an offset of our partition meanwhile: the store refuses our
// checkpoint (and its aggregates), and the consumer stops with an error instead of going on
// with state that overlaps the other's.
TEST(KafkaSource, StopsWhenItsStoredOffsetsWereMovedByAnotherConsumer) {
    require_tools({shared(kAarchies)});
    EVEFLOW_REQUIRE_PG();
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    ASSERT_TRUE(kafka.command("topic eve 1"));
    produce_spread(kafka, "eve", shared(kAarchies), 1);
    const size_t lines = file_lines(shared(kAarchies)).size();
    eveflow::testing::PgSchema db;
    eveflow::testing::PgSinkHarness pg("{type: postgres, dsn: {dsn}}", db.dsn);
    pg.sink->open();
    Running a("{type: kafka, brokers: '" + kafka.bootstrap() +
                  "', topics: [eve], group: g7, checkpoint_interval: 200ms}",
              1s);
    a.ctx.offset_store = pg.ctx.offset_store;
    a.start();
    ASSERT_EQ(a.read(lines, 30s).size(), lines);
    ASSERT_TRUE(eveflow::testing::wait_until([&] {
        a.read(std::numeric_limits<size_t>::max(), 1s);
        return !a.checkpoints.empty();
    }));
    eveflow::testing::PgSchema::exec(db.dsn,
                                     "INSERT INTO eveflow_kafka_offsets (group_id, topic, "
                                     "partition, next_offset) VALUES ('g7', 'eve', 0, 3)");
    std::vector<Record> batch{eveflow::testing::aggregate(0, "10.0.0.1", 80, 4),
                              CheckpointMark{a.checkpoints.front()}};
    ASSERT_TRUE(pg.sink->write(batch).ok());
    ASSERT_TRUE(eveflow::testing::wait_until([&] {
        a.read(std::numeric_limits<size_t>::max(), 1s);
        return a.finished.load();
    }));
    EXPECT_NE(a.result.message().find("moved on by another consumer"), std::string::npos)
        << a.result.message();
    EXPECT_EQ(db.scalar("SELECT next_offset FROM eveflow_kafka_offsets"), 3);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_aggregate"), 0);
    a.stop();
    ASSERT_TRUE(pg.sink->close().ok());
}

}  // namespace
}  // namespace eveflow::input
