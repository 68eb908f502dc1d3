// SinkRunner: one thread per sink between its bounded queue and the sink.
#include "output/sink_runner.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "output/sink_metrics.h"
#include "util/log.h"
#include "util/thread_name.h"

namespace eveflow::output {
namespace {

constexpr auto kIdleInterval = std::chrono::milliseconds(200);

Labels sink_label(const Sink& s) { return {{"sink", std::string(s.name())}}; }

bool is_marker(const Record& r) { return std::holds_alternative<CheckpointMark>(r); }

// Takes the kWritten marks out of `batch` (no sink sees them), and the kStored ones too unless
// the sink stores offsets.
std::vector<std::shared_ptr<const Checkpoint>> take_marks(RecordBatch& batch, bool keep_stored) {
    std::vector<std::shared_ptr<const Checkpoint>> written;
    std::erase_if(batch, [&](const Record& r) {
        const auto* mark = std::get_if<CheckpointMark>(&r);
        if (!mark) return false;
        if (mark->checkpoint->until == Checkpoint::Until::kWritten) {
            written.push_back(mark->checkpoint);
            return true;
        }
        return !keep_stored;
    });
    return written;
}

}  // namespace

SinkRunner::SinkRunner(Context& ctx, std::unique_ptr<Sink> sink, size_t queue_batches)
    : ctx_(ctx),
      sink_(std::move(sink)),
      queue_(queue_batches),
      records_(SinkMetrics(ctx.stats, sink_->name()).records()),
      given_up_(SinkMetrics(ctx.stats, sink_->name()).dropped()),
      batch_seconds_(ctx.stats.histogram(
          "eveflow_sink_batch_seconds", "Time to write one batch", sink_label(*sink_),
          {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5})) {
    sink_->set_tally(records_, given_up_);
    ctx.stats.gauge_fn("eveflow_queue_length", "Items waiting in a queue",
                       {{"queue", "sink:" + std::string(sink_->name())}},
                       [this] { return static_cast<double>(queue_.size()); });
    ctx.stats.gauge_fn("eveflow_queue_capacity", "Capacity of a queue",
                       {{"queue", "sink:" + std::string(sink_->name())}},
                       [this] { return static_cast<double>(queue_.capacity()); });
}

SinkRunner::~SinkRunner() { join(); }

void SinkRunner::start() {
    thread_ = std::thread([this] {
        name_this_thread("out:" + std::string(sink_->name()));
        run();
    });
}

void SinkRunner::join() {
    if (thread_.joinable()) thread_.join();
}

void SinkRunner::write(RecordBatch& batch) {
    auto written = take_marks(batch, sink_->takes_checkpoints());
    size_t markers = static_cast<size_t>(std::count_if(batch.begin(), batch.end(), is_marker));
    Status st;
    if (!batch.empty()) {
        auto t0 = std::chrono::steady_clock::now();
        st = sink_->write(batch);
        batch_seconds_.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        const size_t records = batch.size() - markers;
        if (!st.ok()) {
            failed_.store(true);
            gave_up_since_mark_ = true;
        }
        if (sink_->counts_records()) {
            if (!st.ok()) log::error("{}: write failed: {}", sink_->name(), st.message());
        } else if (st.ok()) {
            records_.inc(records);
        } else {
            given_up_.inc(records);
            log::error("{}: gave up a batch records={}: {}", sink_->name(), records, st.message());
        }
    }
    if (written.empty()) return;
    // Everything before the marks is written once the sink has pushed out its buffers; a
    // batch given up since the last mark refuses them.
    Status synced = sink_->sync();
    const bool ok = st.ok() && synced.ok() && !gave_up_since_mark_;
    gave_up_since_mark_ = false;
    for (const auto& cp : written) cp->on_done(ok);
}

void SinkRunner::run() {
    std::vector<RecordBatch> batches;
    auto last_idle = std::chrono::steady_clock::now();
    for (;;) {
        batches.clear();
        size_t n = queue_.pop_batch(batches, 16, std::chrono::steady_clock::now() + kIdleInterval);
        if (reopen_.exchange(false)) sink_->reopen();
        for (size_t i = 0; i < n; ++i) write(batches[i]);
        auto now = std::chrono::steady_clock::now();
        if (n == 0 || now - last_idle >= kIdleInterval) {
            last_idle = now;
            sink_->idle();
        }
        if (n == 0 && queue_.drained()) break;
    }
    Status st = sink_->close();
    if (!st.ok()) {
        failed_.store(true);
        log::error("{}: close failed: {}", sink_->name(), st.message());
    }
}

}  // namespace eveflow::output
