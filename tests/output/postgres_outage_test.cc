// PostgreSQL sink when the connection or the server goes away: a session killed during COPY,
// the server stopped and started mid-run, a server down from the start, spill to disk.
#include <spdlog/sinks/ostream_sink.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "tests/output/postgres_test_util.h"

namespace eveflow::testing {
namespace {

using namespace std::chrono_literals;

TEST(PostgresSink, ConnectionKilledDuringCopyLandsOnce) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    const std::string dsn = db.dsn + " application_name=eveflow_kill_test";
    PgSinkHarness h(
        "{type: postgres, dsn: {dsn}, batch_size: 100000, flush_interval: 1h,"
        " reconnect_backoff_max: 200ms, raw_events: {types: [dns],"
        " retention: 36500d}}",
        dsn);
    h.sink->open();
    constexpr int kEvents = 100000;
    const std::string pad(200, 'x');
    std::vector<Record> recs;
    recs.reserve(kEvents);
    const int64_t ts = h.ctx.clock.now_us();
    for (int i = 1; i <= kEvents; ++i) {
        recs.push_back(raw_record(
            "dns",
            "{\"event_type\":\"dns\",\"i\":" + std::to_string(i) + ",\"pad\":\"" + pad + "\"}", ts,
            i));
    }
    ASSERT_TRUE(h.sink->write(recs).ok());
    std::thread closer([&] { EXPECT_TRUE(h.sink->close().ok()); });
    // A second connection ends the sink's session while its COPY runs.
    bool killed = kill_running_copy(db.base_dsn, "eveflow_kill_test");
    closer.join();
    ASSERT_TRUE(killed) << "the COPY was never seen running";
    EXPECT_GE(h.metric("eveflow_sink_retries_total"), 1);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eve_raw"), kEvents);
    EXPECT_EQ(db.scalar("SELECT count(DISTINCT flow_id) FROM eve_raw"), kEvents);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eveflow_batches"), 1);
}

TEST(PostgresSink, ServerStopAndStartMidRunLosesAndDoublesNothing) {
    EVEFLOW_REQUIRE_PG();
    PrivateServer server;
    ASSERT_TRUE(server.started());
    PgSchema db(server.dsn());
    {
        PgSinkHarness h(
            "{type: postgres, dsn: {dsn}, batch_size: 500, flush_interval: 20ms,"
            " reconnect_backoff_max: 300ms, raw_events: {types: [flow],"
            " retention: 36500d}}",
            db.dsn);
        h.sink->open();
        constexpr int kRounds = 300, kPerRound = 100;
        std::thread producer([&] {
            const int64_t ts = h.ctx.clock.now_us();
            for (int r = 0; r < kRounds; ++r) {
                std::vector<Record> recs;
                for (int i = 0; i < kPerRound; ++i) {
                    int n = r * kPerRound + i + 1;
                    recs.push_back(raw_record("flow", "{\"n\":" + std::to_string(n) + "}", ts, n));
                    recs.push_back(aggregate(0, "10.0.0.1", static_cast<uint16_t>(n % 50), 1));
                }
                EXPECT_TRUE(h.sink->write(recs).ok());
                std::this_thread::sleep_for(10ms);
            }
        });
        std::this_thread::sleep_for(700ms);
        ASSERT_TRUE(server.stop_and_start(1500ms));
        producer.join();
        ASSERT_TRUE(h.sink->close().ok());
        EXPECT_GE(h.metric("eveflow_sink_retries_total"), 1);
        EXPECT_EQ(h.metric("eveflow_sink_dropped_total"), 0);
        EXPECT_EQ(h.metric("eveflow_sink_up"), 1);
        const int64_t n = kRounds * kPerRound;
        // Every row once, counted when its transaction committed (a retry whose first commit
        // went through unacknowledged included).
        EXPECT_EQ(h.metric("eveflow_sink_records_total"), 2 * n);
        EXPECT_EQ(db.scalar("SELECT count(*) FROM eve_raw"), n);
        EXPECT_EQ(db.scalar("SELECT count(DISTINCT flow_id) FROM eve_raw"), n);
        EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_aggregate"), 50);
        EXPECT_EQ(db.scalar("SELECT sum(flows) FROM flow_aggregate"), n);
        EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_aggregate WHERE flows <> " +
                            std::to_string(n / 50)),
                  0);
    }
}

int closed_port() {
    int port = 0;
    FILE* p = popen(
        "/usr/bin/python3 -c 'import socket\ns=socket.socket();"
        "s.bind((\"127.0.0.1\",0));print(s.getsockname()[1])'",
        "r");
    if (p && fscanf(p, "%d", &port) != 1) port = 0;
    if (p) pclose(p);
    return port;
}

TEST(PostgresSink, DownServerBuffersToTheBoundThenDropsAndNeverLogsThePassword) {
    EVEFLOW_REQUIRE_PG();
    auto log_text = std::make_shared<std::ostringstream>();
    auto capture = std::make_shared<spdlog::sinks::ostream_sink_mt>(*log_text);
    spdlog::default_logger()->sinks().push_back(capture);
    const std::string dsn = "host=127.0.0.1 port=" + std::to_string(closed_port()) +
                            " dbname=x user=u password=topsecret connect_timeout=2";
    PgSinkHarness h(
        "{type: postgres, dsn: {dsn}, batch_size: 5, max_buffer: 10 records,"
        " on_full: drop}",
        dsn);
    h.ctx.shutdown_timeout = 300ms;
    h.sink->open();  // a server that is down is not a start-up error
    std::vector<Record> recs;
    for (int i = 0; i < 30; ++i) recs.push_back(aggregate(0, "10.0.0.1", 80, 1));
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(h.sink->write(recs).ok());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);  // dropping, not blocking
    EXPECT_EQ(h.metric("eveflow_sink_dropped_total"), 20);
    EXPECT_EQ(h.metric("eveflow_sink_up"), 0);
    EXPECT_GE(h.metric("eveflow_sink_errors_total", {{"kind", "connect"}}), 1);
    EXPECT_FALSE(h.sink->close().ok());  // 10 rows never written
    EXPECT_EQ(h.metric("eveflow_sink_dropped_total"), 30);
    EXPECT_EQ(h.metric("eveflow_sink_records_total"), 0);
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), capture), sinks.end());
    const std::string logs = log_text->str();
    EXPECT_NE(logs.find("password='***'"), std::string::npos) << logs;
    EXPECT_EQ(logs.find("topsecret"), std::string::npos) << logs;
}

TEST(PostgresSink, SpilledBatchesSurviveARestartAndLandOnce) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    TempDir spill;
    const std::string down = "host=127.0.0.1 port=" + std::to_string(closed_port()) +
                             " dbname=x user=u connect_timeout=2";
    const std::string yaml =
        "{type: postgres, dsn: {dsn}, batch_size: 5, max_buffer: 5 records,"
        " on_full: drop, spill_dir: " +
        spill.path + "}";
    {
        PgSinkHarness h(yaml, down);
        h.ctx.shutdown_timeout = 300ms;
        h.sink->open();
        std::vector<Record> recs;
        for (int i = 0; i < 30; ++i) {
            recs.push_back(aggregate(0, "10.0.0.1", static_cast<uint16_t>(i), 1));
        }
        ASSERT_TRUE(h.sink->write(recs).ok());
        EXPECT_EQ(h.metric("eveflow_sink_dropped_total"), 0);
        EXPECT_EQ(h.metric("eveflow_postgres_spilled_rows_total"), 25);
        EXPECT_FALSE(h.sink->close().ok());  // the 5 rows in memory are lost at shutdown
    }
    // The next start, with the database up, writes the spilled batches and removes them.
    PgSinkHarness h(yaml, db.dsn);
    h.sink->open();
    ASSERT_TRUE(h.sink->close().ok());
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_aggregate"), 25);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eveflow_batches"), 5);
    EXPECT_TRUE(std::filesystem::is_empty(spill.path));
}

}  // namespace
}  // namespace eveflow::testing
