// PostgreSQL sink, raw events: binary COPY rows read back as the server reads their COPY text,
// and several connections writing raw batches at once, each batch exactly once.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <thread>

#include "output/postgres/batch_writer.h"
#include "output/postgres/copy_text.h"
#include "output/postgres/schema.h"
#include "tests/output/postgres_test_util.h"

namespace eveflow::testing {
namespace {

using namespace std::chrono_literals;
using output::postgres::Chunk;
using output::postgres::PostgresConfig;

constexpr int64_t kYear1000 = -30610224000LL * kUs;     // 1000-01-01T00:00:00Z
constexpr int64_t kBefore2000 = 946684800LL * kUs - 1;  // 1999-12-31T23:59:59.999999Z
constexpr int64_t kYear8999End = 221845392000LL * kUs - 1;

RawEvent event(uint64_t flow_id, std::string type, std::string line) {
    RawEvent e;
    e.type_name = std::move(type);
    e.line = std::move(line);
    e.fields.flow_id = flow_id;
    return e;
}

void set_ips(RawEvent& e, const char* src, const char* dest) {
    e.fields.src_ip = *IpAddr::parse(src);
    e.fields.dest_ip = *IpAddr::parse(dest);
    e.fields.has_src_ip = e.fields.has_dest_ip = true;
}

void set_ports(RawEvent& e, uint16_t src, uint16_t dest, uint8_t proto) {
    e.fields.src_port = src;
    e.fields.dest_port = dest;
    e.fields.proto = proto;
    e.fields.has_src_port = e.fields.has_dest_port = e.fields.has_proto = true;
}

// Events covering every column's edge: both address families (and a v4-mapped one), absent
// fields, flow ids 0 and beyond bigint, hostile text, JSON escapes jsonb refuses, raw UTF-8
// and invalid bytes, timestamps before 2000 and at the ends of the storable range.
std::vector<std::pair<RawEvent, int64_t>> edge_events(int64_t now) {
    std::vector<std::pair<RawEvent, int64_t>> out;
    RawEvent a = event(1, "dns", R"({"event_type":"dns","dns":{"rrname":"example.com"}})");
    set_ips(a, "10.0.0.5", "192.0.2.1");
    set_ports(a, 53124, 53, 17);
    out.emplace_back(a, now);
    RawEvent b = event(2, "alert", R"({"s":"\u0000 \ud83d\ude00 \udc00 \\ \t \"q\" é€😀"})");
    set_ips(b, "2001:db8::ff00:42:8329", "::ffff:198.51.100.7");
    set_ports(b, 0, 65535, 6);
    b.sensor_id = "own\tsensor\\with\nnewline 'q' \"dq\";";
    out.emplace_back(b, kBefore2000);
    using namespace std::string_literals;
    RawEvent c = event(0, "x\ty\\z", "{\"bad\":\"\xff\xfe\",\"nul\":\"a\0b\"}"s);
    out.emplace_back(c, kYear1000);
    RawEvent d = event(std::numeric_limits<uint64_t>::max(), "flow", "");
    set_ips(d, "::1", "0.0.0.0");
    set_ports(d, 1, 2, 250);
    out.emplace_back(d, kYear8999End);
    RawEvent e = event(5, "tls", R"({"n":[1,2.5,-3e10,true,null,{}]})");
    set_ports(e, 443, 8443, 1);
    out.emplace_back(e, now + 1);
    return out;
}

std::string raw_columns(const std::string& table) {
    return "SELECT ts, event_type, sensor_id, src_ip, src_port, dest_ip, dest_port, proto, "
           "flow_id, payload::text FROM " +
           table + " ORDER BY flow_id NULLS LAST, ts";
}

// The binary rows must store exactly what the server makes of the same rows in COPY text
// (its own parser of timestamptz, inet, integers and jsonb is the reference).
TEST(PostgresBinaryCopy, RowsEqualTheServersReadingOfCopyText) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    Stats stats;
    Counter& n = stats.counter("c", "c");
    Counter& bad = stats.counter("bad", "rejected rows and failed writes");
    Gauge& g = stats.gauge("g", "g");
    const auto events = edge_events(SystemClock::instance().now_us());
    auto deliver = [&](const std::string& table, bool text) {
        PostgresConfig cfg;
        cfg.name = table;
        cfg.raw.types = {"all"};
        cfg.raw.table = table;
        output::postgres::BatchWriter w(
            cfg, db.dsn, {&bad, &bad, &bad, &bad, &n, &n, &n, &bad, {&n, &n, &n}, &bad, &g});
        Chunk chunk;
        chunk.batch_id = table;
        chunk.raw_text = text;
        output::postgres::Sanitised fixed;
        for (const auto& [e, ts] : events) {
            if (text) {
                append_raw_row(chunk.raw, e, Timestamp::from_us(ts), "conf", fixed);
            } else {
                append_raw_row_binary(chunk.raw, e, Timestamp::from_us(ts), "conf", fixed);
            }
            ++chunk.raw_rows;
            chunk.partitions.push_back(output::postgres::partition_start(cfg.raw.partition, ts));
        }
        std::sort(chunk.partitions.begin(), chunk.partitions.end());
        EXPECT_EQ(w.deliver(chunk), output::postgres::BatchWriter::Outcome::kCommitted);
        return std::vector<uint64_t>{fixed.nul, fixed.invalid_utf8, fixed.bad_escape,
                                     fixed.out_of_range};
    };
    const auto fixed_text = deliver("raw_text", true);
    const auto fixed_binary = deliver("raw_bin", false);
    EXPECT_EQ(fixed_binary, fixed_text);
    EXPECT_EQ(fixed_binary, (std::vector<uint64_t>{2, 2, 1, 1}));
    const auto want = db.rows(raw_columns("raw_text"));
    ASSERT_EQ(want.size(), 5u);
    EXPECT_EQ(db.rows(raw_columns("raw_bin")), want);
    EXPECT_EQ(bad.value(), 0);  // nothing rejected, no errors
}

// Counts the COPY statements of `app` running now.
int active_copies(pqxx::connection& admin, const std::string& app) {
    pqxx::nontransaction tx(admin);
    return tx
        .exec1("SELECT count(*) FROM pg_stat_activity WHERE application_name = " + tx.quote(app) +
               " AND state = 'active' AND query LIKE 'COPY%'")[0]
        .as<int>();
}

std::vector<Record> numbered_events(int n, int64_t now, int days) {
    const std::string pad(200, 'x');
    std::vector<Record> recs;
    recs.reserve(static_cast<size_t>(n));
    for (int i = 1; i <= n; ++i) {
        // Spread over `days` past days, so every batch needs the same partitions, created on
        // demand by whichever connection comes first.
        const int64_t ts = now - (i % days) * 86400 * kUs;
        recs.push_back(raw_record(
            "dns",
            "{\"event_type\":\"dns\",\"i\":" + std::to_string(i) + ",\"pad\":\"" + pad + "\"}", ts,
            static_cast<uint64_t>(i)));
    }
    return recs;
}

TEST(PostgresSink, SeveralConnectionsWriteEveryRawRowOnce) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    const std::string app = "eveflow_parallel_" + db.name;
    PgSinkHarness h(
        "{type: postgres, dsn: {dsn}, batch_size: 10000, flush_interval: 1h,"
        " raw_events: {types: [dns], retention: 36500d, connections: 3}}",
        db.dsn + " application_name=" + app);
    h.sink->open();
    constexpr int kEvents = 120000;
    auto recs = numbered_events(kEvents, h.ctx.clock.now_us(), 6);
    std::atomic<int> most{0};
    std::atomic<bool> done{false};
    std::thread watcher([&] {
        pqxx::connection admin(db.base_dsn);
        while (!done) most = std::max(most.load(), active_copies(admin, app));
    });
    ASSERT_TRUE(h.sink->write(recs).ok());
    ASSERT_TRUE(h.sink->close().ok());
    done = true;
    watcher.join();
    EXPECT_GE(most.load(), 2) << "never two COPYs at once";
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eve_raw"), kEvents);
    EXPECT_EQ(db.scalar("SELECT count(DISTINCT flow_id) FROM eve_raw"), kEvents);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eve_raw WHERE (payload->>'i')::bigint = flow_id"),
              kEvents);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eveflow_batches"), kEvents / 10000);
    EXPECT_EQ(db.scalar("SELECT sum(raw_rows) FROM eveflow_batches"), kEvents);
    // The connections created the same partitions at once without tripping over each other.
    EXPECT_EQ(h.metric("eveflow_sink_errors_total", {{"kind", "write"}}), 0);
    EXPECT_EQ(h.metric("eveflow_sink_retries_total"), 0);
    EXPECT_EQ(h.metric("eveflow_sink_dropped_total"), 0);
}

TEST(PostgresSink, ConnectionKilledDuringCopyAmongSeveralLandsOnce) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    const std::string app = "eveflow_kill_one_" + db.name;
    PgSinkHarness h(
        "{type: postgres, dsn: {dsn}, batch_size: 25000, flush_interval: 1h,"
        " reconnect_backoff_max: 200ms, raw_events: {types: [dns], retention: 36500d,"
        " connections: 2}}",
        db.dsn + " application_name=" + app);
    h.sink->open();
    constexpr int kEvents = 200000;
    auto recs = numbered_events(kEvents, h.ctx.clock.now_us(), 2);
    ASSERT_TRUE(h.sink->write(recs).ok());
    std::thread closer([&] { EXPECT_TRUE(h.sink->close().ok()); });
    // While both connections COPY, a second session ends one of them.
    bool killed = kill_running_copy(db.base_dsn, app, 2);
    closer.join();
    ASSERT_TRUE(killed) << "two COPYs were never seen running at once";
    EXPECT_GE(h.metric("eveflow_sink_retries_total"), 1);
    EXPECT_EQ(h.metric("eveflow_sink_dropped_total"), 0);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eve_raw"), kEvents);
    EXPECT_EQ(db.scalar("SELECT count(DISTINCT flow_id) FROM eve_raw"), kEvents);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eveflow_batches"), kEvents / 25000);
}

}  // namespace
}  // namespace eveflow::testing
