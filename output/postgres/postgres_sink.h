// PostgreSQL sink: aggregates merged into a typed table, raw events COPYed into a partitioned
// one, each batch exactly once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "output/postgres/batch_writer.h"
#include "output/postgres/config.h"
#include "output/postgres/copy_text.h"
#include "output/postgres/offset_store.h"
#include "output/postgres/spill.h"
#include "output/sink.h"
#include "util/backoff.h"

namespace eveflow::output::postgres {

/// Threading: write(), idle() and close() run on the sink's thread; writer threads of their
/// own ("lanes", one connection each) deliver. write() renders the records to COPY data and
/// appends them to a bounded buffer, then returns: PostgreSQL being slow or down must not stall
/// the pipeline until the buffer (`max_buffer`) is full, and then `on_full` decides (block, or
/// drop and count). Aggregate rows and raw events gather in separate open batches; each is
/// sealed at `batch_size` rows (or what `flush_interval` gathered) with an id of its own and
/// retried with capped backoff until it is committed. Lane 0 takes the oldest sealed batch,
/// whatever it holds, so aggregate batches are applied in order; the other lanes
/// (`raw_events.connections` - 1) take raw-only batches, so the server parses and indexes raw
/// events on several cores. With `spill_dir`, batches that do not fit in memory go to disk
/// first (on_full applies when that is full too) and lane 0 writes them when the memory queue
/// is empty. close() seals the last rows and waits for the lanes to deliver everything, at
/// most the context's shutdown bound (spilled batches then stay on disk for the next start).
///
/// Consumer offsets (Kafka input): the first PostgreSQL sink registers an offset store in the
/// Context at open(). Once a consumer attaches, aggregate rows are sealed only at checkpoint
/// records: all rows between two checkpoints and the offsets of the second are one
/// transaction, so after a crash the stored offsets say exactly which events the table holds.
/// Aggregate rows still open at close() are not covered by a checkpoint and are not written
/// (their events are read again from the stored offsets). Raw events stay at-least-once.
class PostgresSink final : public Sink {
public:
    static std::unique_ptr<Sink> create(const ConfigNode& node, Context& ctx);

    PostgresSink(PostgresConfig cfg, Context& ctx);
    ~PostgresSink() override;

    std::string_view name() const override { return cfg_.name; }
    void open() override;
    Status write(std::span<const Record> batch) override;
    void idle() override;
    Status close() override;
    std::vector<std::string> raw_event_types() const override { return cfg_.raw.types; }
    bool takes_checkpoints() const override { return checkpointing(); }

private:
    struct Metrics {
        Counter* dropped;
        Counter* retries;
        Counter* expired;
        Counter* unstorable;
        Counter* spilled;
        Gauge* up;
        Gauge* buffer_bytes;
        Gauge* spill_bytes;
        Counter* sanitised[5];
    };

    /// One writer thread and its connection.
    struct Lane {
        Lane(int i, std::chrono::microseconds cap, const Clock& clock)
            : index(i), backoff(cap, clock) {}
        int index = 0;
        std::unique_ptr<BatchWriter> writer;
        Backoff backoff;  // between failed attempts; its next_attempt() is the reconnect time
        bool up = true;
        std::thread thread;
    };
    enum Part { kAggregatePart = 0, kRawPart = 1 };

    bool checkpointing() const { return offsets_ && offsets_->attached(); }
    void render(const Record& r, Chunk& piece, int64_t now_us, int64_t cutoff_us);
    void seal_checkpoint(std::shared_ptr<const Checkpoint> cp);
    void drop_uncovered_locked();
    bool can_spill(const Chunk& piece) const;
    void commit_piece(Chunk& piece);
    void append_locked(Part part, Chunk& piece);
    bool wait_for_space(std::unique_lock<std::mutex>& lock, const Chunk& piece);
    void seal_locked(Part part);
    void seal_all_locked();
    bool flush_due_locked() const;
    bool take_locked(const Lane& lane, Chunk& c);
    void count(const Sanitised& fixed);
    void run(Lane& lane);
    void delivered(const Chunk& c, bool ok);
    void report(const Chunk& c, BatchWriter::Outcome o);
    bool deliver(Lane& lane, Chunk& c);
    bool spill(Chunk& piece);
    bool deliver_spilled(Lane& lane);
    void set_up(Lane& lane, bool up, const std::string& error);
    bool reconnect_due(Lane& lane);
    void maybe_maintain(Lane& lane);
    bool backoff_wait(std::chrono::milliseconds d);

    PostgresConfig cfg_;
    Context& ctx_;
    Metrics m_{};
    WriterMetrics wm_{};
    std::string masked_dsn_;
    std::vector<std::unique_ptr<Lane>> lanes_;  // [0] also keeps partitions and spill
    std::unique_ptr<SpillDir> spill_;           // null without spill_dir
    std::unique_ptr<PgOffsetStore> offsets_;    // null unless this sink is the offset store

    std::mutex mu_;
    std::condition_variable work_cv_;   // lanes: sealed batches, stop
    std::condition_variable space_cv_;  // write(): buffer space freed
    Chunk open_[2];                     // by Part
    std::chrono::steady_clock::time_point open_since_[2]{};
    std::deque<Chunk> sealed_;
    uint64_t buffered_bytes_ = 0, buffered_rows_ = 0;
    uint64_t given_up_rows_ = 0;  // rows dropped at shutdown (close() reports them)
    bool stopping_ = false;       // close() called: drain, then exit
    bool give_up_ = false;        // shutdown bound passed: drop what is left
    size_t lanes_done_ = 0;
    bool full_logged_ = false;

    std::string run_id_;
    uint64_t next_batch_ = 0;

    std::mutex state_mu_;                    // the up/down state the lanes share
    StateLog state_;                         // up while every lane is; logged once per change
    std::atomic<bool> need_maintain_{true};  // set by any lane, read by lane 0
    int64_t last_maintain_us_ = 0;
    int64_t maintained_partition_ = 0;
};

}  // namespace eveflow::output::postgres
