// PostgreSQL live flow table against a real server: sequences of lifecycle operations, killed
// connections, several writer lanes, stale rows at start.
#include <unistd.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/output/postgres_live_util.h"

namespace eveflow::testing {
namespace {

using namespace std::chrono_literals;

/// Lifecycle operations of many flows, interleaved at random but in order per flow: an
/// insert, updates, and a remove for the flows `removed` picks; the reference model of what
/// the tables must hold.
struct Script {
    Script(int flows, int max_updates, double removed, uint32_t seed, int64_t t0) {
        std::mt19937 rng(seed);
        std::vector<std::vector<Record>> per_flow(static_cast<size_t>(flows));
        for (int i = 0; i < flows; ++i) {
            const uint64_t id = 1000 + static_cast<uint64_t>(i) * 7919;
            const int updates = static_cast<int>(rng() % static_cast<uint32_t>(max_updates + 1));
            auto& ops = per_flow[static_cast<size_t>(i)];
            ops.push_back(op(FlowOp::kInsert, id, 0, t0));
            for (int n = 1; n <= updates; ++n) ops.push_back(op(FlowOp::kUpdate, id, n, t0 + n));
            last[id] = updates;
            if (std::uniform_real_distribution<double>(0, 1)(rng) < removed) {
                ops.push_back(op(FlowOp::kRemove, id, updates, t0 + updates + 1));
                gone.insert(id);
            }
        }
        std::vector<size_t> next(per_flow.size(), 0);
        std::vector<size_t> open(per_flow.size());
        for (size_t i = 0; i < open.size(); ++i) open[i] = i;
        while (!open.empty()) {
            const size_t k = rng() % open.size();
            const size_t f = open[k];
            records.push_back(std::move(per_flow[f][next[f]++]));
            if (next[f] == per_flow[f].size()) open.erase(open.begin() + static_cast<long>(k));
        }
    }
    /// The flows still live: "flow_id, pkts_toserver, bytes_toserver, bytes_toclient".
    std::vector<std::string> live_rows() const {
        std::vector<std::string> out;
        for (const auto& [id, n] : last) {
            if (!gone.count(id)) out.push_back(row(id, n));
        }
        return out;
    }
    std::vector<std::string> removed_rows() const {
        std::vector<std::string> out;
        for (uint64_t id : gone) out.push_back(row(id, last.at(id)));
        return out;
    }
    static std::string row(uint64_t id, int n) {
        const Counters c = counters_after(id, n);
        return std::to_string(id) + "\t" + std::to_string(c.pkts_toserver) + "\t" +
               std::to_string(c.bytes_toserver) + "\t" + std::to_string(c.bytes_toclient);
    }
    std::vector<Record> records;
    std::map<uint64_t, int> last;  // flow_id -> its last report
    std::set<uint64_t> gone;
};

const char* kLiveColumns =
    "SELECT flow_id, pkts_toserver, bytes_toserver, bytes_toclient FROM flow_live ";
const char* kLogColumns =
    "SELECT flow_id, pkts_toserver, bytes_toserver, bytes_toclient FROM flow_log ";

// Writes `recs` in pieces of random sizes, as the sink runner hands batches over.
void write_in_pieces(output::Sink& sink, const std::vector<Record>& recs, uint32_t seed,
                     std::chrono::milliseconds pause = 0ms) {
    std::mt19937 rng(seed);
    for (size_t at = 0; at < recs.size();) {
        const size_t n = std::min<size_t>(1 + rng() % 40, recs.size() - at);
        EXPECT_TRUE(sink.write(std::span(recs).subspan(at, n)).ok());
        at += n;
        if (pause.count()) std::this_thread::sleep_for(pause);
    }
}

std::vector<Record> removes_of(const Script& s, int64_t at_us) {
    std::vector<Record> out;
    for (const auto& [id, n] : s.last) {
        if (!s.gone.count(id)) out.push_back(op(FlowOp::kRemove, id, n, at_us));
    }
    return out;
}

/// A schema, and a sink with the live table open on it (`keys` added to its section).
struct LiveRun {
    explicit LiveRun(const std::string& keys, const std::string& app = "")
        : h("{type: postgres, dsn: {dsn}, live_table: flow_live, flow_log: {retention: 36500d}, " +
                keys + "}",
            db.dsn + (app.empty() ? "" : " application_name=" + app)) {
        h.sink->open();
        t0 = h.ctx.clock.now_us();
    }
    PgSchema db;
    PgSinkHarness h;
    int64_t t0 = 0;
};

TEST(PostgresLive, TableHoldsTheLiveFlowsWithTheirLatestCounters) {
    EVEFLOW_REQUIRE_PG();
    LiveRun run("batch_size: 64, flush_interval: 20ms");
    auto& [db, h, t0] = run;
    Script s(600, 6, 0.4, 7, t0);
    write_in_pieces(*h.sink, s.records, 1);
    ASSERT_TRUE(wait_until([&] {
        return db.scalar("SELECT count(*) FROM eveflow_batches") > 0 &&
               h.metric("eveflow_postgres_buffer_bytes") == 0;
    }));
    EXPECT_EQ(db.rows(std::string(kLiveColumns) + "ORDER BY flow_id"), s.live_rows());
    EXPECT_EQ(db.rows(std::string(kLogColumns) + "ORDER BY flow_id"), s.removed_rows());
    EXPECT_EQ(h.metric("eveflow_postgres_live_flows"), static_cast<double>(s.live_rows().size()));

    // The analyst's query: the biggest live flows, as the reference orders them.
    std::vector<std::pair<uint64_t, uint64_t>> sizes;
    for (const auto& [id, n] : s.last) {
        const Counters c = counters_after(id, n);
        if (!s.gone.count(id)) sizes.push_back({c.bytes_toserver + c.bytes_toclient, id});
    }
    std::sort(sizes.begin(), sizes.end(), [](auto a, auto b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<std::string> top;
    for (size_t i = 0; i < 10; ++i) top.push_back(std::to_string(sizes[i].second));
    EXPECT_EQ(db.rows("SELECT flow_id FROM flow_live ORDER BY bytes_toserver + bytes_toclient "
                      "DESC, flow_id LIMIT 10"),
              top);
    // Typed columns from the record's fields and from its JSON.
    const uint64_t id = std::find_if(s.last.begin(), s.last.end(), [&](const auto& kv) {
                            return !s.gone.count(kv.first);
                        })->first;
    const std::string ip =
        "10.1." + std::to_string(id / 256 % 256) + "." + std::to_string(id % 256);
    EXPECT_EQ(db.rows("SELECT src_ip, src_port, dest_ip, dest_port, proto, community_id, "
                      "app_proto, flow->>'n', updated = last_seen FROM flow_live "
                      "WHERE flow_id = " +
                      std::to_string(id)),
              std::vector<std::string>{ip + "\t" + std::to_string(1024 + id % 60000) +
                                       "\t192.0.2.7\t443\tTCP\t1:c" + std::to_string(id) +
                                       "\ttls\t" + std::to_string(s.last.at(id)) + "\tt"});

    // Every flow removed: the live table is empty, flow_log holds each flow once.
    write_in_pieces(*h.sink, removes_of(s, t0 + 100), 2);
    ASSERT_TRUE(h.sink->close().ok());
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_live"), 0);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_log"), static_cast<int64_t>(s.last.size()));
    EXPECT_EQ(db.scalar("SELECT count(DISTINCT flow_id) FROM flow_log"),
              static_cast<int64_t>(s.last.size()));
    EXPECT_EQ(h.metric("eveflow_postgres_live_flows"), 0);
    size_t updates = 0;
    for (const auto& [fid, n] : s.last) updates += static_cast<size_t>(n);
    EXPECT_EQ(h.metric("eveflow_postgres_live_ops_total", {{"op", "insert"}}), s.last.size());
    EXPECT_EQ(h.metric("eveflow_postgres_live_ops_total", {{"op", "update"}}), updates);
    EXPECT_EQ(h.metric("eveflow_postgres_live_ops_total", {{"op", "remove"}}), s.last.size());
}

// Ends every session of application `app` each `every`, until `stop` or `most` ended;
// returns how many.
int terminate_repeatedly(const std::string& base_dsn, const std::string& app,
                         std::chrono::milliseconds every, const std::atomic<bool>& stop, int most) {
    pqxx::connection admin(base_dsn);
    int ended = 0;
    while (!stop && ended < most) {
        pqxx::nontransaction tx(admin);
        for (const auto& row : tx.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                       "WHERE application_name = " +
                                       tx.quote(app))) {
            ended += row[0].as<bool>() ? 1 : 0;
        }
        std::this_thread::sleep_for(every);
    }
    return ended;
}

TEST(PostgresLive, ConnectionsKilledMidRunDoubleNoFlowAndLoseNoRemove) {
    EVEFLOW_REQUIRE_PG();
    const std::string app = "eveflow_live_kill_" + std::to_string(getpid());
    LiveRun run("batch_size: 50, flush_interval: 10ms, reconnect_backoff_max: 200ms", app);
    auto& [db, h, t0] = run;
    Script s(1500, 4, 0.5, 11, t0);
    std::atomic<bool> stop{false};
    int ended = 0;
    std::thread killer([&] { ended = terminate_repeatedly(db.base_dsn, app, 200ms, stop, 8); });
    write_in_pieces(*h.sink, s.records, 3, 1ms);
    write_in_pieces(*h.sink, removes_of(s, t0 + 100), 4, 1ms);
    ASSERT_TRUE(wait_until([&] { return h.metric("eveflow_postgres_buffer_bytes") == 0; }, 60s));
    stop = true;
    killer.join();
    ASSERT_TRUE(h.sink->close().ok());
    EXPECT_GE(ended, 2);
    EXPECT_GE(h.metric("eveflow_postgres_live_errors_total"), 1);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_live"), 0);
    // Each flow once, with the counters of its last report.
    std::vector<std::string> all;
    for (const auto& [id, n] : s.last) all.push_back(Script::row(id, n));
    EXPECT_EQ(db.rows(std::string(kLogColumns) + "ORDER BY flow_id"), all);
}

TEST(PostgresLive, ServerStopAndStartMidRunLosesNoRemove) {
    EVEFLOW_REQUIRE_PG();
    PrivateServer server;
    ASSERT_TRUE(server.started());
    {
        PgSchema db(server.dsn());
        PgSinkHarness h(
            "{type: postgres, dsn: {dsn}, live_table: flow_live, batch_size: 50,"
            " flush_interval: 10ms, reconnect_backoff_max: 300ms, flow_log: {retention: 36500d}}",
            db.dsn);
        h.sink->open();
        const int64_t t0 = h.ctx.clock.now_us();
        Script s(1500, 4, 0.5, 17, t0);
        std::thread producer([&] {
            write_in_pieces(*h.sink, s.records, 7, 2ms);
            write_in_pieces(*h.sink, removes_of(s, t0 + 100), 8, 2ms);
        });
        std::this_thread::sleep_for(300ms);
        ASSERT_TRUE(server.stop_and_start(1000ms));
        producer.join();
        ASSERT_TRUE(h.sink->close().ok());
        EXPECT_GE(h.metric("eveflow_postgres_live_errors_total"), 1);
        EXPECT_EQ(h.metric("eveflow_sink_dropped_total"), 0);
        EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_live"), 0);
        std::vector<std::string> all;
        for (const auto& [id, n] : s.last) all.push_back(Script::row(id, n));
        EXPECT_EQ(db.rows(std::string(kLogColumns) + "ORDER BY flow_id"), all);
    }
}

TEST(PostgresLive, OperationsOfAFlowKeepTheirOrderWithSeveralLanes) {
    EVEFLOW_REQUIRE_PG();
    // Four lanes busy with raw events around small lifecycle batches.
    LiveRun run(
        "batch_size: 7, flush_interval: 10ms,"
        " raw_events: {types: [dns], connections: 4, retention: 36500d}");
    auto& [db, h, t0] = run;
    Script s(800, 8, 0.6, 13, t0);
    std::vector<Record> mixed;
    for (size_t i = 0; i < s.records.size(); ++i) {
        mixed.push_back(std::move(s.records[i]));
        if (i % 3 == 0) {
            mixed.push_back(raw_record("dns", "{\"i\":" + std::to_string(i) + "}", t0));
        }
    }
    write_in_pieces(*h.sink, mixed, 5);
    ASSERT_TRUE(wait_until([&] { return h.metric("eveflow_postgres_buffer_bytes") == 0; }, 60s));
    EXPECT_EQ(db.rows(std::string(kLiveColumns) + "ORDER BY flow_id"), s.live_rows());
    EXPECT_EQ(db.rows(std::string(kLogColumns) + "ORDER BY flow_id"), s.removed_rows());
    write_in_pieces(*h.sink, removes_of(s, t0 + 100), 6);
    ASSERT_TRUE(h.sink->close().ok());
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_live"), 0);
    EXPECT_EQ(db.scalar("SELECT count(DISTINCT flow_id) FROM flow_log"),
              static_cast<int64_t>(s.last.size()));
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eve_raw"),
              static_cast<int64_t>(mixed.size() - s.records.size()));
}

TEST(PostgresLive, StaleRowsOfTheSensorAreClearedAtStartOthersKept) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    const std::string yaml =
        "{type: postgres, dsn: {dsn}, live_table: flow_live, flush_interval: 10ms,"
        " flow_log: {retention: 36500d}}";
    const int64_t t0 = SystemClock::instance().now_us();
    {
        // A run that ends without removing its flows (as after a crash), for two sensors.
        PgSinkHarness h(yaml, db.dsn);
        h.sink->open();
        std::vector<Record> recs;
        for (uint64_t id = 1; id <= 20; ++id) {
            recs.push_back(op(FlowOp::kInsert, id, 0, t0, false, id <= 5 ? "sensor-b" : ""));
        }
        ASSERT_TRUE(h.sink->write(recs).ok());
        ASSERT_TRUE(h.sink->close().ok());
    }
    ASSERT_EQ(db.rows("SELECT sensor_id, count(*) FROM flow_live GROUP BY 1 ORDER BY 1"),
              (std::vector<std::string>{"sensor-a\t15", "sensor-b\t5"}));
    const std::string app = "eveflow_live_stale_" + db.name;
    PgSinkHarness again(yaml, db.dsn + " application_name=" + app);  // sensor-a
    again.sink->open();
    EXPECT_EQ(db.rows("SELECT sensor_id, count(*) FROM flow_live GROUP BY 1 ORDER BY 1"),
              std::vector<std::string>{"sensor-b\t5"});
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_log"), 0);
    EXPECT_EQ(again.metric("eveflow_postgres_live_flows"), 5);
    // Its new flows go in as usual; a reconnect later clears nothing.
    std::vector<Record> recs = {op(FlowOp::kInsert, 7, 0, t0), op(FlowOp::kUpdate, 7, 1, t0 + 1)};
    ASSERT_TRUE(again.sink->write(recs).ok());
    ASSERT_TRUE(wait_until([&] { return db.scalar("SELECT count(*) FROM flow_live") == 6; }));
    PgSchema::exec(db.base_dsn,
                   "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                   "application_name = '" +
                       app + "'");
    recs = {op(FlowOp::kUpdate, 7, 2, t0 + 2)};
    ASSERT_TRUE(again.sink->write(recs).ok());
    ASSERT_TRUE(again.sink->close().ok());
    EXPECT_EQ(db.rows(std::string(kLiveColumns) + "ORDER BY sensor_id, flow_id")[0],
              Script::row(7, 2));
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_live"), 6);
}

}  // namespace
}  // namespace eveflow::testing
