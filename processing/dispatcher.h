// Dispatcher: the processing stage. Feeds each event to the handlers that asked for its type
// and hands the records they emit to the sink queues in batches.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "processing/enrich/enricher.h"
#include "processing/handler.h"
#include "util/channel.h"
#include "util/context.h"
#include "util/stats.h"

namespace eveflow::processing {

using RecordBatch = std::vector<Record>;

/// Runs on one thread. Owns the handlers; never owns the channels.
class Dispatcher final : public Emitter {
public:
    /// `progress_sources[i]`: source i publishes SourceProgress, so windows wait for it from
    /// the start (a source not listed counts from its first batch with progress).
    Dispatcher(Context& ctx, std::vector<std::unique_ptr<Handler>> handlers,
               std::vector<Channel<RecordBatch>*> sinks, std::vector<std::string> source_names,
               const std::vector<bool>& progress_sources = {});

    /// Consumes `in` until it is closed and drained, then flushes every handler with
    /// Timestamp::max(), hands everything over and closes every sink queue.
    void run(Channel<EventBatch>& in);

    /// Handles one batch (tests drive the dispatcher with this and finish()). A kConsumed
    /// checkpoint is done once the records so far are in the sink queues. A kStored one makes
    /// every handler emit its open state (Handler::checkpoint) and then puts a checkpoint
    /// record into every sink queue, behind those records. A kWritten one goes the same way;
    /// it is done once every sink's runner has acknowledged its mark.
    void consume(const EventBatch& batch);
    /// The enrichment stage run() applies to each batch before consume() (not owned; null:
    /// none). Its tick() runs with the handlers'.
    void set_enrich(EnrichStage* stage) { enrich_ = stage; }
    /// Enriches and consumes one batch, as run() does.
    void consume_enriched(EventBatch& batch);
    void tick();
    void finish();

    void emit(SinkId sink, Record&& record) override;
    /// Feeds a handler's event to the other handlers of its type at once (nested calls are
    /// bounded: the plan refuses cycles).
    void emit_event(const Event& e) override;

private:
    /// Calls `f(h)` for each of `hs` but the handler whose event is being passed on, noting
    /// which handler runs so its own events skip it.
    template <typename F>
    void run_handlers(const std::vector<Handler*>& hs, F&& f);
    void hand_over();
    /// Hands sink `sink`'s pending records to its queue.
    void hand_over(SinkId sink);
    /// Records a sink's pending batch reaches before it is handed over mid-emission.
    static constexpr size_t kPieceRecords = 2048;
    /// Tells the handlers whether `batch` comes from a progress source (when that changes).
    void note_source(const EventBatch& batch);
    /// Counts, hands to the handlers and finds the latest time of the batch's events.
    void consume_events(const EventBatch& batch, std::array<uint64_t, kEventTypeCount>& counts,
                        int64_t& max_us);
    /// Records the batch's progress and hands the handlers the new minimum over the sources.
    void apply_progress(SourceId source, const SourceProgress& p);
    void pass_checkpoint(const std::shared_ptr<const Checkpoint>& cp);
    std::shared_ptr<const Checkpoint> all_sinks_acknowledge(
        const std::shared_ptr<const Checkpoint>& cp);
    Counter& events_counter(SourceId source, EventType type);
    Counter& other_counter(SourceId source, std::string_view type_name);

    Context& ctx_;
    std::vector<std::unique_ptr<Handler>> handlers_;
    std::vector<Handler*> all_;
    std::array<std::vector<Handler*>, kEventTypeCount> by_type_;
    EnrichStage* enrich_ = nullptr;
    Handler* running_ = nullptr;  // the handler being called, for emit_event
    std::vector<Channel<RecordBatch>*> sinks_;
    std::vector<RecordBatch> pending_;
    std::vector<std::string> source_names_;
    std::vector<std::array<Counter*, kEventTypeCount>> events_;
    // Types outside EventType are counted under their exact name: the label is the type as
    // written (a sensor emitting many invented types makes many series; that is its choice).
    std::map<SourceId, std::map<std::string, Counter*, std::less<>>> other_types_;
    Gauge& lag_;
    Counter& records_emitted_;
    int64_t max_event_us_ = Timestamp::kNone;
    // Latest progress of each source that publishes it (indexed by SourceId).
    std::vector<std::optional<SourceProgress>> progress_;
    bool from_progress_source_ = false;  // the handlers were last told this
    size_t markers_pending_ = 0;         // checkpoint records in each pending_ batch (not counted)
    std::chrono::steady_clock::time_point last_tick_{};
};

}  // namespace eveflow::processing
