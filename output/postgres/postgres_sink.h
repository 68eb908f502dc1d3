// PostgreSQL sink: aggregates merged into a typed table, raw events COPYed into a partitioned
// one, each batch exactly once.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "output/postgres/config.h"
#include "output/postgres/copy_text.h"
#include "output/postgres/offset_store.h"
#include "output/postgres/writer_pool.h"
#include "output/sink.h"

namespace eveflow::output::postgres {

/// Threading: write(), idle() and close() run on the sink's thread; writer threads of their
/// own ("lanes", one connection each, WriterPool) deliver. write() renders the records to COPY data
/// and appends them to a bounded buffer (BatchQueue), then returns: PostgreSQL being slow or down
/// must not stall the pipeline until the buffer (`max_buffer`) is full, and then `on_full` decides
/// (block, or drop and count). Aggregate rows and raw events gather in separate open batches; each
/// is sealed at `batch_size` rows (or what `flush_interval` gathered) with an id of its own and
/// retried with capped backoff until it is committed. Lane 0 takes the oldest sealed batch,
/// whatever it holds, so aggregate batches are applied in order; the other lanes
/// (`raw_events.connections` - 1) take raw-only batches, so the server parses and indexes raw
/// events on several cores. With `spill_dir`, batches that do not fit in memory go to disk
/// first (on_full applies when that is full too) and lane 0 writes them when the memory queue
/// is empty. With `live_table`, flow lifecycle operations gather in a third kind of batch,
/// which lane 0 alone applies, in order, and which never spills (live_table.h). close() seals the
/// last rows and waits for the lanes to deliver everything, at most the context's shutdown bound
/// (spilled batches then stay on disk for the next start).
///
/// Consumer offsets (Kafka input): the first PostgreSQL sink registers an offset store in the
/// Context at open(). Once a consumer attaches, aggregate rows are sealed only at checkpoint
/// records: all rows between two checkpoints and the offsets of the second are one
/// transaction, so after a crash the stored offsets say exactly which events the table holds.
/// Aggregate rows still open at close() are not covered by a checkpoint and are not written
/// (their events are read again from the stored offsets). Raw events stay at-least-once.
class PostgresSink final : public Sink {
public:
    PostgresSink(PostgresConfig cfg, Context& ctx);
    ~PostgresSink() override;

    std::string_view name() const override { return cfg_.name; }
    std::vector<OwnedPath> paths() const override {
        if (cfg_.spill_dir.empty()) return {};
        return {{cfg_.spill_dir_key, cfg_.spill_dir, true}};
    }
    void open() override;
    Status write(std::span<const Record> batch) override;
    void idle() override;
    Status close() override;
    std::vector<std::string> raw_event_types() const override { return cfg_.raw.types; }
    bool takes_checkpoints() const override { return checkpointing(); }
    /// Rows count as written when their transaction commits; as dropped when they are given
    /// up (on_full: drop, the shutdown bound, refused by the server, unstorable, expired).
    bool counts_records() const override { return true; }
    /// True with `live_table`: the sink is a lifecycle output (it takes FlowLifecycle records
    /// besides its aggregates and raw events, and ignores them without it).
    bool takes_flow_lifecycle() const { return cfg_.live.enabled(); }

private:
    bool checkpointing() const { return offsets_ && offsets_->attached(); }
    void render(const Record& r, Chunk& piece, int64_t now_us, int64_t cutoff_us);
    void render_live(const FlowLifecycle& f, Chunk& piece, int64_t now_us, Sanitised& fixed);
    void count(const Sanitised& fixed);
    bool can_spill(const Chunk& piece) const;
    void commit_piece(Chunk& piece);
    void set_full(bool full, const Fill& fill);

    PostgresConfig cfg_;
    Context& ctx_;
    Counter* dropped_;
    Counter* expired_;
    Counter* unstorable_;
    Counter* log_expired_;
    uint64_t live_seq_ = 0;  // orders the lifecycle operations within a batch
    Counter* sanitised_[5];
    bool full_ = false;  // the buffer was full: logged once until it is below half again
    uint64_t dropped_in_state_ = 0;
    std::unique_ptr<PgOffsetStore> offsets_;  // null unless this sink is the offset store
    WriterPool pool_;                         // declared last: its lanes stop first
};

}  // namespace eveflow::output::postgres
