// PostgreSQL sink as the Kafka offset store: aggregates sealed only at checkpoints, offsets in
// the same transaction, loaded back, and refused when another consumer moved them on.
#include <gtest/gtest.h>

#include <atomic>

#include "tests/output/postgres_test_util.h"

namespace eveflow {
namespace {

using namespace testing;
using namespace std::chrono_literals;

// A checkpoint record for group "g" with the given offsets of topic "eve" (partition -> next
// offset, and what the previous checkpoint stored); `answers` counts the store's answers.
struct Answers {
    std::atomic<int> ok{0}, refused{0};
};
Record checkpoint(std::map<int32_t, std::pair<int64_t, int64_t>> offsets, Answers& answers) {
    auto cp = std::make_shared<Checkpoint>();
    cp->group = "g";
    for (auto [p, next_expected] : offsets) {
        cp->offsets[{"eve", p}] = next_expected.first;
        cp->expected[{"eve", p}] = next_expected.second;
    }
    cp->until = Checkpoint::Until::kStored;
    cp->on_done = [&answers](bool ok) { ++(ok ? answers.ok : answers.refused); };
    return CheckpointMark{std::move(cp)};
}

struct Store {
    PgSchema db;
    PgSinkHarness h{"{type: postgres, dsn: {dsn}, batch_size: 2, flush_interval: 100ms}", db.dsn};
    Store() {
        h.sink->open();
        EXPECT_NE(h.ctx.offset_store, nullptr);
        h.ctx.offset_store->attach("g");
        EXPECT_TRUE(h.sink->takes_checkpoints());
    }
    int64_t count(const std::string& sql) { return db.scalar(sql); }
    /// Writes `records` and waits until the store has answered `ok` and `refused` times.
    void write_and_wait(std::vector<Record> records, int ok, int refused = 0) {
        ASSERT_TRUE(h.sink->write(records).ok());
        ASSERT_TRUE(wait_until(
            [&] { return answers.ok.load() == ok && answers.refused.load() == refused; }));
    }
    Answers answers;
    Offsets load(std::vector<TopicPartition> parts) {
        Offsets out;
        Status st = h.ctx.offset_store->load("g", parts, out);
        EXPECT_TRUE(st.ok()) << st.message();
        return out;
    }
};

TEST(PostgresOffsets, AggregatesWaitForTheCheckpointAndCommitWithItsOffsets) {
    EVEFLOW_REQUIRE_PG();
    Store s;
    std::vector<Record> batch;
    for (int i = 0; i < 7; ++i) batch.push_back(aggregate(0, "10.0.0.1", 1000 + i, 1));
    ASSERT_TRUE(s.h.sink->write(batch).ok());
    // Well past batch_size and several flush intervals: nothing may land without offsets.
    std::this_thread::sleep_for(600ms);
    EXPECT_EQ(s.count("SELECT count(*) FROM flow_aggregate"), 0);
    std::vector<Record> marker;
    marker.push_back(checkpoint({{0, {40, -1}}, {3, {12, -1}}}, s.answers));
    s.write_and_wait(std::move(marker), 1);
    EXPECT_EQ(s.count("SELECT count(*) FROM flow_aggregate"), 7);
    // One transaction: one batch id holding all 7 rows, with the offsets.
    EXPECT_EQ(s.count("SELECT count(*) FROM eveflow_batches"), 1);
    EXPECT_EQ(s.count("SELECT aggregate_rows FROM eveflow_batches"), 7);
    EXPECT_EQ(s.load({{"eve", 0}, {"eve", 1}, {"eve", 3}}),
              (Offsets{{{"eve", 0}, 40}, {{"eve", 3}, 12}}));
    EXPECT_TRUE(s.load({{"other", 0}}).empty());
    ASSERT_TRUE(s.h.sink->close().ok());
}

TEST(PostgresOffsets, ACheckpointFollowingOtherOffsetsIsRefusedWithItsRows) {
    EVEFLOW_REQUIRE_PG();
    Store s;
    s.write_and_wait({aggregate(0, "10.0.0.1", 80, 2), checkpoint({{0, {10, -1}}}, s.answers)}, 1);
    // A consumer that still believes partition 0 has no stored offset (it lost it meanwhile):
    // its rows must not land, and the stored offset stays.
    s.write_and_wait({aggregate(0, "10.0.0.1", 80, 5), checkpoint({{0, {30, -1}}}, s.answers)}, 1,
                     1);
    EXPECT_EQ(s.count("SELECT flows FROM flow_aggregate"), 2);
    EXPECT_EQ(s.load({{"eve", 0}}), (Offsets{{{"eve", 0}, 10}}));
    // The rightful successor (expects 10) goes through, merging into the row.
    s.write_and_wait({aggregate(0, "10.0.0.1", 80, 3), checkpoint({{0, {25, 10}}}, s.answers)}, 2,
                     1);
    EXPECT_EQ(s.count("SELECT flows FROM flow_aggregate"), 5);
    EXPECT_EQ(s.load({{"eve", 0}}), (Offsets{{{"eve", 0}, 25}}));
    EXPECT_EQ(s.h.metric("eveflow_sink_dropped_total"), 1);
    ASSERT_TRUE(s.h.sink->close().ok());
}

TEST(PostgresOffsets, RowsAfterTheLastCheckpointAreNotWrittenAtClose) {
    EVEFLOW_REQUIRE_PG();
    Store s;
    std::vector<Record> batch = {aggregate(0, "10.0.0.1", 80, 2),
                                 checkpoint({{0, {10, -1}}}, s.answers),
                                 aggregate(0, "10.0.0.2", 80, 4)};
    ASSERT_TRUE(s.h.sink->write(batch).ok());
    ASSERT_TRUE(s.h.sink->close().ok());
    EXPECT_EQ(s.answers.ok.load(), 1);
    // The second row's events are read again from offset 10 by the next consumer.
    EXPECT_EQ(s.count("SELECT count(*) FROM flow_aggregate"), 1);
    EXPECT_EQ(s.count("SELECT flows FROM flow_aggregate"), 2);
}

TEST(PostgresOffsets, WithoutAConsumerBatchesSealBySizeAsBefore) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    PgSinkHarness h("{type: postgres, dsn: {dsn}, batch_size: 2, flush_interval: 100ms}", db.dsn);
    h.sink->open();
    EXPECT_FALSE(h.sink->takes_checkpoints());
    std::vector<Record> batch;
    for (int i = 0; i < 5; ++i) batch.push_back(aggregate(0, "10.0.0.1", 1000 + i, 1));
    ASSERT_TRUE(h.sink->write(batch).ok());
    ASSERT_TRUE(wait_until([&] { return db.scalar("SELECT count(*) FROM flow_aggregate") == 5; }));
    EXPECT_EQ(db.scalar("SELECT count(*) FROM eveflow_batches"), 3);
    ASSERT_TRUE(h.sink->close().ok());
}

TEST(PostgresOffsets, LoadFailsWhileTheServerIsUnreachable) {
    EVEFLOW_REQUIRE_PG();
    PgSinkHarness h("{type: postgres, dsn: {dsn}}", "host=127.0.0.1 port=1 connect_timeout=1");
    h.sink->open();
    ASSERT_NE(h.ctx.offset_store, nullptr);
    Offsets out;
    Status st = h.ctx.offset_store->load("g", {{"eve", 0}}, out);
    EXPECT_FALSE(st.ok());
    EXPECT_TRUE(out.empty());
    ASSERT_TRUE(h.sink->close().ok());
}

}  // namespace
}  // namespace eveflow
