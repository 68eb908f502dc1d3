// PostgreSQL sink against a real PostgreSQL 15 (scripts/start-postgres.sh): schema, merge,
// exactly-once batches, hostile values, partitions and retention.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <thread>

#include "output/postgres/batch_writer.h"
#include "output/postgres/copy_text.h"
#include "tests/output/postgres_test_util.h"

namespace eveflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr int64_t k20260110 = 1768003200LL * kUs;  // 2026-01-10T00:00:00Z
constexpr int64_t kHour = 3600 * kUs;

std::string sql_file(const std::string& path) { return read_file(path); }

TEST(PostgresSink, CreatesEveryTableAtStartLikeSchemaSql) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    {
        PgSinkHarness h(
            "{type: postgres, dsn: {dsn}, raw_events: {types: [alert]}, live_table: flow_live}",
            db.dsn);
        h.sink->open();
        EXPECT_EQ(h.metric("eveflow_sink_up"), 1);
        ASSERT_TRUE(h.sink->close().ok());
    }
    // Starting again on the same schema is a no-op for the migrations.
    PgSinkHarness again(
        "{type: postgres, dsn: {dsn}, raw_events: {types: [alert]}, live_table: flow_live}",
        db.dsn);
    again.sink->open();
    ASSERT_TRUE(again.sink->close().ok());
    // bookkeeping v1, kafka_offsets v1, file_positions v1, aggregate v1 to v6, raw v1 and v2,
    // live v1, flow_log v1, dns_aggregate v1, pdns v1.
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eveflow_schema_migrations"), 15);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_aggregate"), 0);
    EXPECT_EQ(db.rows("SELECT relkind FROM pg_class WHERE oid = 'eve_raw'::regclass"),
              std::vector<std::string>{"p"});

    // deploy/schema.sql gives the same tables, columns, types and indexes.
    PgSchema manual;
    PgSchema::exec(manual.dsn, sql_file(EVEFLOW_SOURCE_DIR "/deploy/schema.sql"));
    auto columns = [](const PgSchema& s) {
        return s.rows(
            "SELECT table_name, column_name, data_type, is_nullable FROM "
            "information_schema.columns WHERE table_schema = '" +
            s.name + "' AND table_name !~ '_p[0-9]+$' ORDER BY 1, ordinal_position");
    };
    auto indexes = [](const PgSchema& s) {
        return s.rows(
            "SELECT tablename, indexname, regexp_replace(indexdef, ' ON .*\\(', ' (') "
            "FROM pg_indexes WHERE schemaname = '" +
            s.name + "' AND tablename !~ '_p[0-9]+$' ORDER BY 1, 2");
    };
    EXPECT_EQ(columns(db), columns(manual));
    EXPECT_EQ(indexes(db), indexes(manual));
    EXPECT_FALSE(columns(db).empty());
}

TEST(PostgresSink, CloseWritesTheLastBatch) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    PgSinkHarness h("{type: postgres, dsn: {dsn}, flush_interval: 1h}", db.dsn);
    h.sink->open();
    std::vector<Record> recs = {aggregate(0, "10.0.0.1", 80, 1), aggregate(0, "10.0.0.2", 80, 2),
                                aggregate(0, "10.0.0.3", 80, 3)};
    ASSERT_TRUE(h.sink->write(recs).ok());
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_aggregate"), 0);  // still buffered
    ASSERT_TRUE(h.sink->close().ok());
    EXPECT_EQ(db.scalar("SELECT sum(flows) FROM flow_aggregate"), 6);
    EXPECT_EQ(db.rows("SELECT DISTINCT sensor_id FROM flow_aggregate"),
              std::vector<std::string>{"sensor-a"});
}

TEST(PostgresSink, LatePartialIsMergedIntoItsRow) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    PgSinkHarness h("{type: postgres, dsn: {dsn}, batch_size: 2}", db.dsn);
    h.sink->open();
    // Two partials of one key in one batch, a third in a later batch (late), another key. The
    // partials' port sets overlap; the other key's producer gives no set (src_ports only).
    const std::vector<std::vector<uint16_t>> sets = {
        {1000, 1001, 1002}, {1001, 40000}, {0, 1002, 1003, 1004, 40000, 65535}};
    std::vector<Record> first = {aggregate(0, "10.0.0.1", 443, 3, 1000),
                                 aggregate(0, "10.0.0.1", 443, 2, 10)};
    std::vector<Record> late = {aggregate(0, "10.0.0.1", 443, 5, 1),
                                aggregate(0, "10.0.0.9", 443, 1, 7)};
    std::get<AggregateRecord>(late[0]).late = true;
    AggregateRecord* partials[] = {&std::get<AggregateRecord>(first[0]),
                                   &std::get<AggregateRecord>(first[1]),
                                   &std::get<AggregateRecord>(late[0])};
    std::set<uint16_t> distinct;
    for (size_t i = 0; i < sets.size(); ++i) {
        partials[i]->src_port_list = sets[i];
        partials[i]->src_ports = sets[i].size();
        distinct.insert(sets[i].begin(), sets[i].end());
    }
    std::string distinct_text;
    for (uint16_t p : distinct) {
        distinct_text += (distinct_text.empty() ? "" : ",") + std::to_string(p);
    }
    ASSERT_TRUE(h.sink->write(first).ok());
    ASSERT_TRUE(h.sink->write(late).ok());
    ASSERT_TRUE(h.sink->close().ok());
    // Counters add up, first_seen is the least, last_seen the greatest, src_ports is the size
    // of the union of the partials' sets (the sets overlap: a sum would count ports twice).
    EXPECT_EQ(db.rows("SELECT host(src_ip), flows, src_ports, pkts_toserver, bytes_toserver, "
                      "extract(epoch FROM first_seen)::int, extract(epoch FROM last_seen)::int, "
                      "array_to_string(src_port_set, ',') FROM flow_aggregate ORDER BY 1"),
              (std::vector<std::string>{"10.0.0.1\t10\t" + std::to_string(distinct.size()) +
                                            "\t10\t1011\t2\t10\t" + distinct_text,
                                        "10.0.0.9\t1\t1\t1\t7\t1\t2\t\\N"}));
}

// Process names are key columns: partials of one (window, key, process) merge, another
// program on the same key gets a row of its own.
TEST(PostgresSink, ProcessNamesAreKeyColumns) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    PgSinkHarness h("{type: postgres, dsn: {dsn}}", db.dsn);
    h.sink->open();
    std::vector<Record> batch;
    for (const char* name : {"curl", "curl", "firefox-esr"}) {
        batch.push_back(aggregate(0, "10.0.0.1", 443, 2, 100));
        auto& a = std::get<AggregateRecord>(batch.back());
        a.key_fields = kDefaultKeyFields | kKeySrcProcessName | kKeyDestProcessName;
        a.src_process_name = name;
    }
    ASSERT_TRUE(h.sink->write(batch).ok());
    ASSERT_TRUE(h.sink->close().ok());
    EXPECT_EQ(db.rows("SELECT src_process_name, coalesce(dest_process_name, 'null'), flows, "
                      "bytes_toserver FROM flow_aggregate ORDER BY 1"),
              (std::vector<std::string>{"curl\tnull\t4\t200", "firefox-esr\tnull\t2\t100"}));
}

TEST(PostgresSink, RetriedCommittedBatchIsNotAppliedTwice) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    output::postgres::PostgresConfig cfg;
    cfg.dsn = db.dsn;
    Stats stats;
    Counter& c = stats.counter("c", "c");
    Gauge& g = stats.gauge("g", "g");
    output::postgres::BatchWriter w(cfg, db.dsn,
                                    {&c, &c, &c, &c, &c, &c, &c, &c, {&c, &c, &c}, &c, &g});
    output::postgres::Chunk chunk;
    chunk.batch_id = "run1-0";
    output::postgres::Sanitised fixed;
    ASSERT_TRUE(append_aggregate_row(
        chunk.aggregates, std::get<AggregateRecord>(aggregate(0, "10.0.0.1", 80, 4)), "s", fixed));
    chunk.aggregate_rows = 1;
    using Outcome = output::postgres::BatchWriter::Outcome;
    // The second delivery is what follows a COMMIT whose answer was lost.
    EXPECT_EQ(w.deliver(chunk), Outcome::kCommitted);
    EXPECT_EQ(w.deliver(chunk), Outcome::kDuplicate);
    EXPECT_EQ(db.scalar("SELECT sum(flows) FROM flow_aggregate"), 4);
    chunk.batch_id = "run1-1";
    EXPECT_EQ(w.deliver(chunk), Outcome::kCommitted);
    EXPECT_EQ(db.scalar("SELECT sum(flows) FROM flow_aggregate"), 8);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eveflow_batches"), 2);
}

TEST(PostgresSink, HostileValuesAreHandledPerEvent) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    PgSinkHarness h(
        "{type: postgres, dsn: {dsn}, batch_size: 100, flush_interval: 1h,"
        " raw_events: {types: [alert], retention: 36500d}}",
        db.dsn);
    const std::string hostile_sensor = "it's \"s1\"; DROP TABLE flow_aggregate; --\\";
    h.ctx.sensor_id = hostile_sensor;
    h.sink->open();
    const int64_t ts = h.ctx.clock.now_us();
    std::vector<Record> raw = {
        raw_record("alert", R"({"event_type":"alert","p":"a\u0000b"})", ts, 1),
        raw_record("alert", "{\"event_type\":\"alert\",\"p\":\"\xff\xfe ok\"}", ts, 2),
        raw_record("alert", R"({"event_type":"alert","p":"\ud800"})", ts, 3),
        raw_record("alert", R"({"event_type":"alert","p":)", ts, 4),           // not JSON
        raw_record("alert", R"({"event_type":"alert","n":1e999999})", ts, 5),  // beyond numeric
        raw_record("alert", "{\"event_type\":\"alert\",\"tab\":\"a\tb\"}", ts, 6),
        raw_record("alert", R"({"event_type":"alert"})", ts, 7),
        raw_record("alert", R"({"event_type":"alert"})", -62135596800LL * kUs, 8)};  // year 1
    std::vector<Record> aggs = {aggregate(0, "10.0.0.1", 80, 1, ~0ull)};
    ASSERT_TRUE(h.sink->write(raw).ok());
    ASSERT_TRUE(h.sink->write(aggs).ok());
    ASSERT_TRUE(h.sink->close().ok());

    // Rows 4 and 5 are refused by the server and left out; 6 (a raw tab inside a string) is
    // not valid JSON either. The rest land, made safe.
    EXPECT_EQ(db.rows("SELECT flow_id FROM eve_raw ORDER BY 1"),
              (std::vector<std::string>{"1", "2", "3", "7", "8"}));
    // The year-1 event keeps its row, stamped with its arrival time.
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eve_raw WHERE flow_id = 8 AND ts > now() - "
                        "interval '1 hour'"),
              1);
    EXPECT_EQ(db.rows("SELECT payload->>'p' FROM eve_raw WHERE flow_id IN (1, 2, 3) ORDER BY "
                      "flow_id"),
              (std::vector<std::string>{"a\xEF\xBF\xBD"
                                        "b",
                                        "\xEF\xBF\xBD\xEF\xBF\xBD ok", "\xEF\xBF\xBD"}));
    EXPECT_EQ(db.rows("SELECT DISTINCT sensor_id FROM eve_raw"),
              std::vector<std::string>{hostile_sensor});
    EXPECT_EQ(db.rows("SELECT sensor_id, bytes_toserver FROM flow_aggregate"),
              std::vector<std::string>{hostile_sensor + "\t9223372036854775807"});
    EXPECT_EQ(h.metric("eveflow_postgres_rows_rejected_total", {{"table", "raw"}}), 3);
    EXPECT_EQ(h.metric("eveflow_postgres_values_sanitised_total", {{"kind", "nul"}}), 1);
    EXPECT_EQ(h.metric("eveflow_postgres_values_sanitised_total", {{"kind", "invalid_utf8"}}), 2);
    EXPECT_EQ(h.metric("eveflow_postgres_values_sanitised_total", {{"kind", "bad_escape"}}), 1);
    EXPECT_EQ(h.metric("eveflow_postgres_values_sanitised_total", {{"kind", "out_of_range"}}), 1);
    EXPECT_EQ(h.metric("eveflow_postgres_values_sanitised_total", {{"kind", "timestamp"}}), 1);
}

TEST(PostgresSink, OverflowingMergeRejectsOnlyThatRow) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    PgSinkHarness h("{type: postgres, dsn: {dsn}, batch_size: 2}", db.dsn);
    h.sink->open();
    const uint64_t big = std::numeric_limits<int64_t>::max() - 1;
    std::vector<Record> first = {aggregate(0, "10.0.0.1", 80, 1, big)};
    std::vector<Record> second = {aggregate(0, "10.0.0.1", 80, 1, big),
                                  aggregate(0, "10.0.0.2", 80, 1, 5)};
    ASSERT_TRUE(h.sink->write(first).ok());
    ASSERT_TRUE(h.sink->close().ok());
    PgSinkHarness h2("{type: postgres, dsn: {dsn}, batch_size: 2}", db.dsn);
    h2.sink->open();
    ASSERT_TRUE(h2.sink->write(second).ok());
    ASSERT_TRUE(h2.sink->close().ok());
    EXPECT_EQ(db.rows("SELECT host(src_ip), bytes_toserver FROM flow_aggregate ORDER BY 1"),
              (std::vector<std::string>{"10.0.0.1\t" + std::to_string(big), "10.0.0.2\t5"}));
    EXPECT_EQ(h2.metric("eveflow_postgres_rows_rejected_total", {{"table", "aggregate"}}), 1);
}

std::vector<std::string> partitions(const PgSchema& db) { return partitions_of(db, "eve_raw"); }

TEST(PostgresSink, PartitionsRollOverAndExpireWithTheClock) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    FakeClock clock(k20260110 + 12 * kHour);
    PgSinkHarness h(
        "{type: postgres, dsn: {dsn}, batch_size: 2, flush_interval: 1h,"
        " raw_events: {types: [dns], retention: 2d, partitions_ahead: 1}}",
        db.dsn, clock);
    h.sink->open();
    using V = std::vector<std::string>;
    EXPECT_TRUE(wait_until([&] {
        return partitions(db) == V{"eve_raw_p20260110", "eve_raw_p20260111"};
    })) << partitions(db).size();
    std::vector<Record> day10 = {raw_record("dns", "{}", k20260110 + 10 * kHour),
                                 raw_record("dns", "{}", k20260110 + 11 * kHour)};
    ASSERT_TRUE(h.sink->write(day10).ok());
    EXPECT_TRUE(wait_until([&] { return db.scalar("SELECT count(*) FROM eve_raw") == 2; }));

    clock.set(k20260110 + 60 * kHour);  // 2026-01-12T12:00Z: nothing old enough yet
    EXPECT_TRUE(wait_until([&] {
        return partitions(db) == V{"eve_raw_p20260110", "eve_raw_p20260111", "eve_raw_p20260112",
                                   "eve_raw_p20260113"};
    }));
    clock.set(k20260110 + 72 * kHour + kHour / 2);  // 2026-01-13T00:30Z: the 10th expires
    EXPECT_TRUE(wait_until([&] {
        return partitions(db) == V{"eve_raw_p20260111", "eve_raw_p20260112", "eve_raw_p20260113",
                                   "eve_raw_p20260114"};
    })) << ::testing::PrintToString(partitions(db));
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eve_raw"), 0);
    EXPECT_EQ(h.metric("eveflow_postgres_partitions_dropped_total"), 1);

    // An event older than the retention is not written; new ones land in today's partition.
    std::vector<Record> more = {raw_record("dns", "{}", k20260110 + 23 * kHour),
                                raw_record("dns", "{}", k20260110 + 73 * kHour),
                                raw_record("dns", "{}", k20260110 + 74 * kHour)};
    ASSERT_TRUE(h.sink->write(more).ok());
    ASSERT_TRUE(h.sink->close().ok());
    EXPECT_EQ(h.metric("eveflow_postgres_raw_expired_total"), 1);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eve_raw_p20260113"), 2);
}

}  // namespace
}  // namespace eveflow::testing
