// SinkRunner: one thread per sink between its bounded queue and the sink.
#include "output/sink_runner.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "output/sink_metrics.h"
#include "util/log.h"

namespace eveflow::output {
namespace {

constexpr auto kIdleInterval = std::chrono::milliseconds(200);

Labels sink_label(const Sink& s) { return {{"sink", std::string(s.name())}}; }

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
    thread_ = std::thread([this] { run(); });
}

void SinkRunner::join() {
    if (thread_.joinable()) thread_.join();
}

void SinkRunner::write(RecordBatch& batch) {
    auto is_marker = [](const Record& r) { return std::holds_alternative<CheckpointMark>(r); };
    size_t markers = static_cast<size_t>(std::count_if(batch.begin(), batch.end(), is_marker));
    if (markers && !sink_->takes_checkpoints()) {
        std::erase_if(batch, is_marker);
        markers = 0;
        if (batch.empty()) return;
    }
    auto t0 = std::chrono::steady_clock::now();
    Status st = sink_->write(batch);
    batch_seconds_.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    size_t records = batch.size() - markers;
    if (sink_->counts_records()) {
        if (!st.ok()) {
            failed_.store(true);
            log::error("{}: write failed: {}", sink_->name(), st.message());
        }
    } else if (st.ok()) {
        records_.inc(records);
    } else {
        given_up_.inc(records);
        failed_.store(true);
        log::error("{}: gave up a batch records={}: {}", sink_->name(), records, st.message());
    }
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
