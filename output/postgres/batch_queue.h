// BatchQueue: the PostgreSQL sink's buffer of rendered rows, open batches and sealed batches.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "output/postgres/batch_writer.h"
#include "output/postgres/config.h"
#include "util/clock.h"

namespace eveflow::output::postgres {

/// Aggregate rows, raw events and flow lifecycle operations gather in three open batches; a batch
/// is sealed (given the next id of the run's sequence) when it reaches `batch_size` rows, when
/// `flush_interval` has passed since its first row, or, for aggregates, at a checkpoint. While
/// `checkpointing()` holds, aggregate rows are sealed only by checkpoints: the rows between two
/// checkpoints and the offsets of the second go in one transaction. Lane 0 takes the oldest sealed
/// batch, whatever it holds; the other lanes take the oldest raw-only one. So lifecycle batches are
/// applied by lane 0 alone, in the order they were sealed: an operation on a flow is never
/// overtaken by an earlier one. Space counts every row added and not yet released, open or sealed,
/// against `max_buffer`.
///
/// Threading: none of its own and no lock inside; the owner serialises every call.
class BatchQueue {
public:
    BatchQueue(const PostgresConfig& cfg, const Clock& clock, std::function<bool()> checkpointing,
               std::string run_id);

    /// True if `piece` may be added within max_buffer. An empty buffer takes any piece, so one
    /// oversized write cannot deadlock; so does a buffer that holds only the open aggregate
    /// batch while checkpointing, which drains only once the next checkpoint seals it.
    bool fits(const Chunk& piece) const;
    /// True while at most half of max_buffer is used (bytes, and rows when bounded).
    bool below_half() const;
    /// Moves `piece`'s rows into the open batches, sealing each before it would pass
    /// batch_size and when it reaches it; `piece` is left empty. Call fits() first.
    void add(Chunk& piece);
    /// Seals the open aggregate batch, whatever it holds (possibly nothing), carrying `cp`.
    void seal_checkpoint(std::shared_ptr<const Checkpoint> cp);
    /// Seals the open batches; while checkpointing, the aggregate one stays open.
    void seal_all();
    /// True when an open batch that seal_all() would seal is older than flush_interval.
    bool flush_due() const;
    /// At close: aggregate rows after the last checkpoint are not covered by stored offsets;
    /// drops them and frees their space. Returns how many rows it dropped.
    size_t drop_uncovered();

    /// True if lane `lane` has a sealed batch to take.
    bool has_work(size_t lane) const;
    /// Moves the next sealed batch for `lane` to `c`; false if there is none. Its space stays
    /// used until release().
    bool take(size_t lane, Chunk& c);
    /// Frees the space of a batch taken with take().
    void release(const Chunk& c);
    /// The next batch id of the sequence (for a batch that goes elsewhere, as to a spill file).
    std::string next_batch_id();

    uint64_t bytes() const { return bytes_; }
    uint64_t rows() const { return rows_; }
    size_t sealed() const { return sealed_.size(); }

private:
    enum Part { kAggregatePart = 0, kRawPart = 1, kLivePart = 2 };
    static constexpr Part kParts[] = {kAggregatePart, kRawPart, kLivePart};
    void append(Part part, Chunk& piece);
    void seal(Part part);

    const PostgresConfig& cfg_;
    const Clock& clock_;
    std::function<bool()> checkpointing_;
    std::string run_id_;
    uint64_t next_batch_ = 0;
    Chunk open_[3];  // by Part
    std::chrono::steady_clock::time_point open_since_[3]{};
    std::deque<Chunk> sealed_;
    uint64_t bytes_ = 0, rows_ = 0;
};

}  // namespace eveflow::output::postgres
