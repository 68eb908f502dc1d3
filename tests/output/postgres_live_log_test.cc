// PostgreSQL flow_log against a real server: its key against a batch applied twice, its
// retention and partitions that follow the clock.
#include "output/postgres/batch_writer.h"
#include "output/postgres/live_table.h"
#include "output/postgres/schema.h"
#include "tests/output/postgres_live_util.h"

namespace eveflow::testing {
namespace {

using output::postgres::Chunk;

const char* kLogColumns =
    "SELECT flow_id, pkts_toserver, bytes_toserver, bytes_toclient FROM flow_log ";

std::string row(uint64_t id, int n) {
    const Counters c = counters_after(id, n);
    return std::to_string(id) + "\t" + std::to_string(c.pkts_toserver) + "\t" +
           std::to_string(c.bytes_toserver) + "\t" + std::to_string(c.bytes_toclient);
}

// The key of flow_log: a flow logged again with the same end (a batch applied a second time
// under another id) stays one row; the live table sees the remove once.
TEST(PostgresLive, FlowLogKeyKeepsARetriedRemoveOnce) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    output::postgres::PostgresConfig cfg;
    cfg.dsn = db.dsn;
    cfg.live.table = "flow_live";
    cfg.live.log.retention = std::chrono::hours(24 * 36500);
    Stats stats;
    Counter& c = stats.counter("c", "c");
    Gauge& g = stats.gauge("g", "g");
    output::postgres::BatchWriter w(cfg, db.dsn,
                                    {&c, &c, &c, &c, &c, &c, &c, &c, {&c, &c, &c}, &c, &g});
    const int64_t t0 = SystemClock::instance().now_us();
    auto chunk = [&](const std::string& id, const std::vector<Record>& recs) {
        Chunk ch;
        ch.batch_id = id;
        output::postgres::Sanitised fixed;
        uint64_t seq = 0;
        for (const Record& r : recs) {
            const auto& f = std::get<FlowLifecycle>(r);
            const bool remove = f.op == FlowOp::kRemove;
            const Timestamp end = remove ? output::postgres::log_time(f) : Timestamp::none();
            EXPECT_TRUE(output::postgres::append_live_row(ch.live, f, ++seq, "s1", end, fixed));
            ++ch.live_rows;
            if (remove) {
                ch.log_partitions.push_back(output::postgres::partition_start(
                    output::postgres::PartitionPeriod::kDay, end.us));
            }
        }
        return ch;
    };
    const std::vector<Record> recs = {op(FlowOp::kInsert, 9, 0, t0),
                                      op(FlowOp::kUpdate, 9, 3, t0 + 3),
                                      op(FlowOp::kRemove, 9, 3, t0 + 4, true)};
    using Outcome = output::postgres::BatchWriter::Outcome;
    EXPECT_EQ(w.deliver(chunk("b-0", recs)), Outcome::kCommitted);
    EXPECT_EQ(w.deliver(chunk("b-0", recs)), Outcome::kDuplicate);
    EXPECT_EQ(w.deliver(chunk("b-1", recs)), Outcome::kCommitted);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_live"), 0);
    EXPECT_EQ(db.rows(std::string(kLogColumns)), std::vector<std::string>{row(9, 3)});
    EXPECT_EQ(g.value(), 0);
}

// A remove whose flow ended before the flow_log retention still leaves the live table; the
// flow is not logged, and counted.
TEST(PostgresLive, RemovePastRetentionLeavesTheTableWithoutALogRow) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    PgSinkHarness h(
        "{type: postgres, dsn: {dsn}, live_table: flow_live, flow_log: {retention: 1d}}", db.dsn);
    h.sink->open();
    const int64_t old = h.ctx.clock.now_us() - 3 * 24 * 3600 * kUs;
    std::vector<Record> recs = {op(FlowOp::kInsert, 1, 0, old), op(FlowOp::kInsert, 2, 0, old),
                                op(FlowOp::kRemove, 1, 0, old + 1),
                                op(FlowOp::kRemove, 2, 0, h.ctx.clock.now_us())};
    ASSERT_TRUE(h.sink->write(recs).ok());
    ASSERT_TRUE(h.sink->close().ok());
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_live"), 0);
    EXPECT_EQ(db.rows("SELECT flow_id FROM flow_log"), std::vector<std::string>{"2"});
    EXPECT_EQ(h.metric("eveflow_postgres_flow_log_expired_total"), 1);
}

std::vector<std::string> log_partitions(const PgSchema& db) {
    return partitions_of(db, "flow_log");
}

TEST(PostgresLive, FlowLogPartitionsFollowTheClockAndExpire) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    constexpr int64_t k20260110 = 1768003200LL * kUs, kHour = 3600 * kUs;
    FakeClock clock(k20260110 + 12 * kHour);
    PgSinkHarness h(
        "{type: postgres, dsn: {dsn}, live_table: flow_live, batch_size: 2, flush_interval: 1h,"
        " flow_log: {retention: 2d, partitions_ahead: 1}}",
        db.dsn, clock);
    h.sink->open();
    using V = std::vector<std::string>;
    EXPECT_TRUE(wait_until([&] {
        return log_partitions(db) == V{"flow_log_p20260110", "flow_log_p20260111"};
    })) << ::testing::PrintToString(log_partitions(db));
    std::vector<Record> recs = {op(FlowOp::kInsert, 1, 0, k20260110 + 10 * kHour),
                                op(FlowOp::kRemove, 1, 0, k20260110 + 11 * kHour)};
    ASSERT_TRUE(h.sink->write(recs).ok());
    EXPECT_TRUE(wait_until([&] { return db.scalar("SELECT count(*) FROM flow_log") == 1; }));
    // 2026-01-13T00:30Z: the 10th expires; the 13th and the one ahead are made.
    clock.set(k20260110 + 72 * kHour + kHour / 2);
    EXPECT_TRUE(wait_until([&] {
        return log_partitions(db) ==
               V{"flow_log_p20260111", "flow_log_p20260113", "flow_log_p20260114"};
    })) << ::testing::PrintToString(log_partitions(db));
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flow_log"), 0);
    ASSERT_TRUE(h.sink->close().ok());
}

}  // namespace
}  // namespace eveflow::testing
