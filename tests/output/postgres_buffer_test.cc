// BatchQueue: sealing by size, time and checkpoint, what each lane takes, the buffer bound.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "output/postgres/batch_queue.h"

namespace eveflow::output::postgres {
namespace {

using ::testing::ElementsAre;

/// `n` raw rows of `bytes_each` bytes, all in partition `partition`.
Chunk raw_piece(uint32_t n, size_t bytes_each = 10, int64_t partition = 0) {
    Chunk c;
    c.raw.assign(n * bytes_each, 'r');
    c.raw_rows = n;
    c.partitions = {partition};
    return c;
}

Chunk aggregate_piece(uint32_t n, size_t bytes_each = 10) {
    Chunk c;
    c.aggregates.assign(n * bytes_each, 'a');
    c.aggregate_rows = n;
    return c;
}

struct Fixture {
    explicit Fixture(size_t batch_size = 10) {
        cfg.batch_size = batch_size;
        cfg.flush_interval = std::chrono::seconds(1);
        cfg.max_buffer_bytes = 1000;
    }
    PostgresConfig cfg;
    FakeClock clock{1'000'000};
    bool checkpointing = false;
    BatchQueue q{cfg, clock, [this] { return checkpointing; }, "run"};

    /// Takes every batch lane `lane` may take: their ids, and releases each.
    std::vector<std::string> drain(size_t lane, size_t* rows = nullptr) {
        std::vector<std::string> ids;
        for (Chunk c; q.take(lane, c);) {
            ids.push_back(c.batch_id);
            if (rows) *rows += c.rows();
            q.release(c);
        }
        return ids;
    }
};

TEST(PostgresBuffer, RawRowsAreSealedAtBatchSizeAndAllComeOutInOrder) {
    Fixture f(10);
    for (int i = 0; i < 25; ++i) {
        Chunk p = raw_piece(1);
        f.q.add(p);
        EXPECT_EQ(p.rows(), 0u);  // moved into the buffer
    }
    EXPECT_EQ(f.q.sealed(), 2u);  // 10 + 10; 5 still open
    EXPECT_EQ(f.q.rows(), 25u);
    EXPECT_EQ(f.q.bytes(), 250u);
    f.q.seal_all();
    size_t rows = 0;
    EXPECT_THAT(f.drain(0, &rows), ElementsAre("run-0", "run-1", "run-2"));
    EXPECT_EQ(rows, 25u);
    EXPECT_EQ(f.q.rows(), 0u);
    EXPECT_EQ(f.q.bytes(), 0u);
}

TEST(PostgresBuffer, APieceThatWouldPassBatchSizeSealsTheOpenBatchFirst) {
    Fixture f(10);
    Chunk a = raw_piece(7), b = raw_piece(6);
    f.q.add(a);
    f.q.add(b);  // 7 + 6 > 10: the 7 go alone, the 6 stay open
    ASSERT_EQ(f.q.sealed(), 1u);
    Chunk c;
    ASSERT_TRUE(f.q.take(0, c));
    EXPECT_EQ(c.raw_rows, 7u);
    f.q.seal_all();
    ASSERT_TRUE(f.q.take(0, c));
    EXPECT_EQ(c.raw_rows, 6u);
}

TEST(PostgresBuffer, OtherLanesTakeOnlyRawBatchesLaneZeroTakesTheOldest) {
    Fixture f(100);
    Chunk agg = aggregate_piece(3);
    f.q.add(agg);
    f.q.seal_all();  // run-0: aggregates
    Chunk raw = raw_piece(4);
    f.q.add(raw);
    f.q.seal_all();  // run-1: raw
    EXPECT_TRUE(f.q.has_work(1));
    EXPECT_THAT(f.drain(1), ElementsAre("run-1"));
    EXPECT_FALSE(f.q.has_work(1));
    EXPECT_TRUE(f.q.has_work(0));
    EXPECT_THAT(f.drain(0), ElementsAre("run-0"));
}

TEST(PostgresBuffer, AggregateAndRawRowsOfOnePieceGoToSeparateBatches) {
    Fixture f(100);
    Chunk p = aggregate_piece(2);
    p.raw = raw_piece(5).raw;
    p.raw_rows = 5;
    f.q.add(p);
    f.q.seal_all();
    std::vector<std::pair<uint32_t, uint32_t>> got;  // aggregate rows, raw rows
    for (Chunk c; f.q.take(0, c);) got.emplace_back(c.aggregate_rows, c.raw_rows);
    EXPECT_THAT(
        got, ElementsAre(std::pair<uint32_t, uint32_t>{2, 0}, std::pair<uint32_t, uint32_t>{0, 5}));
}

TEST(PostgresBuffer, WhileCheckpointingOnlyACheckpointSealsAggregates) {
    Fixture f(10);
    f.checkpointing = true;
    for (int i = 0; i < 3; ++i) {
        Chunk p = aggregate_piece(8);
        f.q.add(p);
    }
    f.q.seal_all();
    EXPECT_EQ(f.q.sealed(), 0u);  // 24 rows, past batch_size, still one open batch
    auto cp = std::make_shared<Checkpoint>();
    f.q.seal_checkpoint(cp);
    ASSERT_EQ(f.q.sealed(), 1u);
    EXPECT_FALSE(f.q.has_work(1));  // a checkpoint stays with lane 0
    Chunk c;
    ASSERT_TRUE(f.q.take(0, c));
    EXPECT_EQ(c.aggregate_rows, 24u);
    EXPECT_EQ(c.checkpoint, cp);
}

TEST(PostgresBuffer, ACheckpointWithNoRowsIsStillABatch) {
    Fixture f;
    f.checkpointing = true;
    f.q.seal_checkpoint(std::make_shared<Checkpoint>());
    Chunk c;
    ASSERT_TRUE(f.q.take(0, c));
    EXPECT_EQ(c.rows(), 0u);
    EXPECT_TRUE(c.checkpoint);
}

TEST(PostgresBuffer, UncoveredAggregatesAreDroppedAtCloseAndFreeTheirSpace) {
    Fixture f(10);
    f.checkpointing = true;
    Chunk a = aggregate_piece(4, 20), r = raw_piece(3, 10);
    f.q.add(a);
    f.q.add(r);
    EXPECT_EQ(f.q.drop_uncovered(), 4u);
    EXPECT_EQ(f.q.rows(), 3u);
    EXPECT_EQ(f.q.bytes(), 30u);
    f.q.seal_all();
    size_t rows = 0;
    f.drain(0, &rows);
    EXPECT_EQ(rows, 3u);
    f.checkpointing = false;
    Chunk b = aggregate_piece(2);
    f.q.add(b);
    EXPECT_EQ(f.q.drop_uncovered(), 0u);  // no checkpoint in play: they are written
}

TEST(PostgresBuffer, OpenBatchesAreDueAfterTheFlushInterval) {
    Fixture f(100);
    EXPECT_FALSE(f.q.flush_due());  // nothing open
    Chunk p = raw_piece(1);
    f.q.add(p);
    f.clock.advance(std::chrono::milliseconds(999));
    EXPECT_FALSE(f.q.flush_due());
    f.clock.advance(std::chrono::milliseconds(1));
    EXPECT_TRUE(f.q.flush_due());
    f.q.seal_all();
    EXPECT_FALSE(f.q.flush_due());
}

TEST(PostgresBuffer, OpenAggregatesAreNotDueWhileCheckpointing) {
    Fixture f(100);
    f.checkpointing = true;
    Chunk p = aggregate_piece(1);
    f.q.add(p);
    f.clock.advance(std::chrono::seconds(5));
    EXPECT_FALSE(f.q.flush_due());
}

TEST(PostgresBuffer, SpaceIsCountedInBytesAndRecordsUntilReleased) {
    Fixture f(5);
    f.cfg.max_buffer_records = 8;  // and 1000 bytes
    Chunk big = raw_piece(1, 2000);
    EXPECT_TRUE(f.q.fits(big));  // an empty buffer takes anything
    Chunk five = raw_piece(5, 10), four = raw_piece(4, 10), three = raw_piece(3, 10);
    f.q.add(five);
    EXPECT_FALSE(f.q.fits(four));  // 9 > 8 rows
    EXPECT_TRUE(f.q.fits(three));
    EXPECT_FALSE(f.q.fits(big));     // 2050 > 1000 bytes
    EXPECT_FALSE(f.q.below_half());  // 5 > 4 rows
    Chunk c;
    ASSERT_TRUE(f.q.take(0, c));   // the five were sealed at batch_size
    EXPECT_FALSE(f.q.fits(four));  // taken is not yet delivered
    f.q.release(c);
    EXPECT_TRUE(f.q.fits(four));
    EXPECT_TRUE(f.q.below_half());
}

TEST(PostgresBuffer, OnlyTheOpenAggregateBatchAlwaysLetsPiecesInWhileCheckpointing) {
    Fixture f(5);
    f.cfg.max_buffer_records = 4;
    f.checkpointing = true;
    Chunk agg = aggregate_piece(4);
    f.q.add(agg);
    Chunk more = raw_piece(3);
    EXPECT_TRUE(f.q.fits(more));  // else nothing could reach the next checkpoint
    f.q.add(more);
    Chunk again = raw_piece(3);
    EXPECT_FALSE(f.q.fits(again));  // raw rows in the buffer: they drain on their own
}

TEST(PostgresBuffer, BatchIdsOfSpilledPiecesShareTheSequence) {
    Fixture f(2);
    Chunk p = raw_piece(2);
    f.q.add(p);  // run-0
    EXPECT_EQ(f.q.next_batch_id(), "run-1");
    Chunk q = raw_piece(2);
    f.q.add(q);  // run-2
    EXPECT_THAT(f.drain(0), ElementsAre("run-0", "run-2"));
}

TEST(PostgresBuffer, PartitionsOfASealedBatchAreSortedAndUnique) {
    Fixture f(100);
    for (int64_t part : {30, 10, 30, 20, 10}) {
        Chunk p = raw_piece(1, 10, part);
        f.q.add(p);
    }
    f.q.seal_all();
    Chunk c;
    ASSERT_TRUE(f.q.take(0, c));
    EXPECT_THAT(c.partitions, ElementsAre(10, 20, 30));
}

}  // namespace
}  // namespace eveflow::output::postgres
