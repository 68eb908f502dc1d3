// WriterPool: the PostgreSQL sink's writer lanes, each a thread with a connection of its own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "output/postgres/batch_queue.h"
#include "output/postgres/batch_writer.h"
#include "output/postgres/config.h"
#include "output/postgres/spill.h"
#include "util/backoff.h"
#include "util/context.h"
#include "util/stats.h"

namespace eveflow::output::postgres {

struct PoolMetrics {
    Counter* written;  // rows committed (eveflow_sink_records_total)
    Counter* dropped;  // rows given up at shutdown, fenced checkpoints, refused by the server
    Counter* retries;
    Counter* spilled;
    Gauge* up;
    Gauge* buffer_bytes;
    Gauge* spill_bytes;
    WriterMetrics writer;
};

/// How full the buffer was when a piece was offered.
struct Fill {
    uint64_t bytes = 0, rows = 0;
    bool below_half = false;
};

/// Owns the BatchQueue and the lock around it. Lane 0 delivers the oldest sealed batch (so
/// aggregate batches and their checkpoints apply in order), seals what flush_interval gathered,
/// writes spilled batches back when memory is empty and keeps the partitions; lanes 1.. take
/// raw-only batches. A batch is retried with util/backoff.h until it commits; the sink is up
/// while every lane is, and that state is logged once per change.
///
/// Threading: start(), close() and the destructor come from the sink's thread, as do the
/// buffer calls (try_add, add_waiting, spill, seal_checkpoint, flush_if_due); they lock.
class WriterPool {
public:
    WriterPool(const PostgresConfig& cfg, Context& ctx, PoolMetrics m,
               std::function<bool()> checkpointing, std::string masked_dsn);
    /// Stops the lanes without draining (close() drains).
    ~WriterPool();
    WriterPool(const WriterPool&) = delete;
    WriterPool& operator=(const WriterPool&) = delete;

    /// Makes `lanes` connections to `dsn`, connects lane 0 once (a server that is down is no
    /// error: the lanes keep trying) and starts the threads. `spill` may be null.
    void start(const std::string& dsn, int lanes, std::unique_ptr<SpillDir> spill);
    bool started() const { return !lanes_.empty() && lanes_[0]->thread.joinable(); }

    /// Adds `piece` if it fits in the buffer now; `fill` tells how full the buffer is.
    bool try_add(Chunk& piece, Fill& fill);
    /// Waits until `piece` fits and adds it; false if shutdown gave up first.
    bool add_waiting(Chunk& piece);
    /// Writes `piece` as a batch of its own to the spill directory; false without one or
    /// when it is full.
    bool spill(Chunk& piece);
    /// Seals the open aggregate batch with the consumer offsets of `cp`.
    void seal_checkpoint(std::shared_ptr<const Checkpoint> cp);
    /// Seals the open batches when flush_interval has passed.
    void flush_if_due();
    /// Seals the last rows and lets the lanes deliver them, within the context's shutdown
    /// bound; returns the rows not written.
    uint64_t close();

private:
    /// One writer thread and its connection.
    struct Lane {
        Lane(size_t i, std::chrono::microseconds cap, const Clock& clock)
            : index(i), backoff(cap, clock) {}
        size_t index = 0;
        std::unique_ptr<BatchWriter> writer;
        Backoff backoff;  // between failed attempts; its next_attempt() is the reconnect time
        bool up = true;
        std::thread thread;
    };

    void run(Lane& lane);
    bool next_batch(Lane& lane, Chunk& c, bool& stopping);
    void delivered(const Chunk& c, bool ok);
    bool deliver(Lane& lane, Chunk& c);
    void report(const Chunk& c, BatchWriter::Outcome o, uint64_t rejected);
    bool deliver_spilled(Lane& lane);
    void set_up(Lane& lane, bool up, const std::string& error);
    bool reconnect_due(Lane& lane);
    void maybe_maintain(Lane& lane);
    bool backoff_wait(std::chrono::milliseconds d);
    bool giving_up() const { return give_up_ || ctx_.aborting.load(); }
    void set_buffer_gauge() { m_.buffer_bytes->set(static_cast<double>(queue_.bytes())); }

    const PostgresConfig& cfg_;
    Context& ctx_;
    PoolMetrics m_;
    std::string masked_dsn_;
    std::vector<std::unique_ptr<Lane>> lanes_;  // [0] also keeps partitions and spill
    std::unique_ptr<SpillDir> spill_;           // null without spill_dir

    std::mutex mu_;
    std::condition_variable work_cv_;   // lanes: sealed batches, stop
    std::condition_variable space_cv_;  // buffer space freed, a lane done
    BatchQueue queue_;
    uint64_t given_up_rows_ = 0;  // rows dropped at shutdown (close() reports them)
    bool stopping_ = false;       // close() called: drain, then exit
    bool give_up_ = false;        // shutdown bound passed: drop what is left
    size_t lanes_done_ = 0;

    std::mutex state_mu_;                    // the up/down state the lanes share
    StateLog state_;                         // up while every lane is
    std::atomic<bool> need_maintain_{true};  // set by any lane, read by lane 0
    int64_t last_maintain_us_ = 0;
    int64_t maintained_partition_ = 0;
};

}  // namespace eveflow::output::postgres
