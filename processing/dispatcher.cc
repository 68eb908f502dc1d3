// Dispatcher: routes events by type, batches records per sink, drives handler timers.
#include "processing/dispatcher.h"

#include <algorithm>
#include <atomic>

namespace eveflow::processing {
namespace {

constexpr auto kTickInterval = std::chrono::milliseconds(100);
// How many events ahead handlers are told of the events to come (their table entries are
// in cache by the time they get there).
constexpr size_t kPrefetchAhead = 4;
}  // namespace

Dispatcher::Dispatcher(Context& ctx, std::vector<std::unique_ptr<Handler>> handlers,
                       std::vector<Channel<RecordBatch>*> sinks,
                       std::vector<std::string> source_names,
                       const std::vector<bool>& progress_sources)
    : ctx_(ctx),
      handlers_(std::move(handlers)),
      sinks_(std::move(sinks)),
      pending_(sinks_.size()),
      source_names_(std::move(source_names)),
      events_(source_names_.size()),
      lag_(ctx.stats.gauge("eveflow_event_lag_seconds",
                           "Wall clock minus the event time of the latest event")),
      records_emitted_(
          ctx.stats.counter("eveflow_records_emitted_total", "Records handed to sink queues")) {
    for (auto& h : handlers_) {
        all_.push_back(h.get());
        auto types = h->event_types();
        for (size_t t = 0; t < kEventTypeCount; ++t) {
            bool wanted = types.empty() || std::find(types.begin(), types.end(),
                                                     static_cast<EventType>(t)) != types.end();
            if (wanted) by_type_[t].push_back(h.get());
        }
    }
    for (auto& row : events_) row.fill(nullptr);
    progress_.resize(progress_sources.size());
    bool any = false;
    for (size_t i = 0; i < progress_sources.size(); ++i) {
        if (progress_sources[i]) progress_[i] = SourceProgress{};  // holds every window
        any = any || progress_sources[i];
    }
    if (any) run_handlers(all_, [&](Handler* h) { h->progress(SourceProgress{}, *this); });
}

void Dispatcher::note_source(const EventBatch& batch) {
    if (batch.progress && batch.source >= progress_.size()) progress_.resize(batch.source + 1);
    bool from = batch.source < progress_.size() &&
                (progress_[batch.source].has_value() || batch.progress.has_value());
    if (from == from_progress_source_) return;
    from_progress_source_ = from;
    run_handlers(all_, [&](Handler* h) { h->events_from_progress_source(from); });
}

void Dispatcher::apply_progress(SourceId source, const SourceProgress& p) {
    progress_[source] = p;
    SourceProgress low = SourceProgress::ended();
    for (const auto& s : progress_) {
        if (!s) continue;
        low.first = std::min(low.first, s->first);
        low.last = std::min(low.last, s->last);
    }
    run_handlers(all_, [&](Handler* h) { h->progress(low, *this); });
}

template <typename F>
void Dispatcher::run_handlers(const std::vector<Handler*>& hs, F&& f) {
    Handler* outer = running_;
    for (Handler* h : hs) {
        if (h == outer) continue;
        running_ = h;
        f(h);
    }
    running_ = outer;
}

Counter& Dispatcher::events_counter(SourceId source, EventType type) {
    if (source >= events_.size()) {
        events_.resize(source + 1);
        events_.back().fill(nullptr);
        source_names_.resize(source + 1, "unknown");
    }
    Counter*& c = events_[source][static_cast<size_t>(type)];
    if (!c) {
        c = &ctx_.stats.counter(
            "eveflow_input_events_total", "Events read, by input and type",
            {{"input", source_names_[source]}, {"event_type", std::string(event_type_name(type))}});
    }
    return *c;
}

Counter& Dispatcher::other_counter(SourceId source, std::string_view type_name) {
    if (type_name.empty()) return events_counter(source, EventType::kOther);
    auto& names = other_types_[source];
    auto it = names.find(type_name);
    if (it != names.end()) return *it->second;
    if (source >= source_names_.size()) source_names_.resize(source + 1, "unknown");
    Counter& c = ctx_.stats.counter(
        "eveflow_input_events_total", "Events read, by input and type",
        {{"input", source_names_[source]}, {"event_type", std::string(type_name)}});
    names.emplace(std::string(type_name), &c);
    return c;
}

// Handlers hear of each event kPrefetchAhead events before they consume it, in event order
// (a handler's prefetch may assign ids in the order it sees events, as consume would).
void Dispatcher::consume_events(const EventBatch& batch,
                                std::array<uint64_t, kEventTypeCount>& counts, int64_t& max_us) {
    const std::vector<Event>& events = batch.events;
    auto tell = [&](const Event& ahead) {
        for (Handler* h : by_type_[static_cast<size_t>(ahead.type)]) h->prefetch(ahead);
    };
    for (size_t i = 0; i < std::min(events.size(), kPrefetchAhead); ++i) tell(events[i]);
    for (size_t i = 0; i < events.size(); ++i) {
        const Event& e = events[i];
        if (i + kPrefetchAhead < events.size()) tell(events[i + kPrefetchAhead]);
        if (e.type == EventType::kOther) {
            other_counter(batch.source, e.type_name).inc();
        } else if (e.fields.report != FlowReport::kInsert) {  // a signal, not an event read
            ++counts[static_cast<size_t>(e.type)];
        }
        if (e.fields.ts.valid() && e.fields.ts.us > max_us) max_us = e.fields.ts.us;
        run_handlers(by_type_[static_cast<size_t>(e.type)],
                     [&](Handler* h) { h->consume(e, *this); });
    }
}

void Dispatcher::consume(const EventBatch& batch) {
    std::array<uint64_t, kEventTypeCount> counts{};
    int64_t max_us = max_event_us_;
    note_source(batch);
    consume_events(batch, counts, max_us);
    for (size_t t = 0; t < kEventTypeCount; ++t) {
        if (counts[t]) events_counter(batch.source, static_cast<EventType>(t)).inc(counts[t]);
    }
    if (batch.progress) apply_progress(batch.source, *batch.progress);
    if (max_us != Timestamp::kNone && max_us != max_event_us_) {
        max_event_us_ = max_us;
        lag_.set(static_cast<double>(ctx_.clock.now_us() - max_us) / 1e6);
    }
    if (!batch.checkpoint) {
        hand_over();
    } else if (batch.checkpoint->until == Checkpoint::Until::kStored) {
        pass_checkpoint(batch.checkpoint);
        hand_over();
    } else if (batch.checkpoint->until == Checkpoint::Until::kWritten) {
        pass_checkpoint(all_sinks_acknowledge(batch.checkpoint));
        hand_over();
    } else {
        hand_over();
        if (batch.checkpoint->on_done) batch.checkpoint->on_done(true);
    }
}

// The handlers emit all they hold first, then every sink gets the checkpoint behind those
// records (one queue per sink keeps the order).
void Dispatcher::pass_checkpoint(const std::shared_ptr<const Checkpoint>& cp) {
    run_handlers(all_, [&](Handler* h) { h->checkpoint(*this); });
    for (SinkId i = 0; i < pending_.size(); ++i) {
        emit(i, Record(CheckpointMark{cp}));
    }
    ++markers_pending_;
}

// A kWritten checkpoint is done when the last sink acknowledges it: each sink's runner calls
// the returned checkpoint's on_done once; the first refusal makes the result false.
std::shared_ptr<const Checkpoint> Dispatcher::all_sinks_acknowledge(
    const std::shared_ptr<const Checkpoint>& cp) {
    struct Count {
        std::atomic<size_t> left;
        std::atomic<bool> ok{true};
    };
    auto count = std::make_shared<Count>();
    count->left = pending_.size();
    auto each = std::make_shared<Checkpoint>(*cp);
    each->on_done = [count, cp](bool ok) {
        if (!ok) count->ok = false;
        if (count->left.fetch_sub(1) == 1 && cp->on_done) cp->on_done(count->ok.load());
    };
    if (pending_.empty() && cp->on_done) cp->on_done(true);
    return each;
}

void Dispatcher::consume_enriched(EventBatch& batch) {
    if (enrich_) enrich_->enrich(batch);
    consume(batch);
}

void Dispatcher::tick() {
    auto now = ctx_.clock.steady_now();
    if (enrich_) enrich_->tick();
    run_handlers(all_, [&](Handler* h) { h->tick(now, *this); });
    if (max_event_us_ != Timestamp::kNone) {
        lag_.set(static_cast<double>(ctx_.clock.now_us() - max_event_us_) / 1e6);
    }
    hand_over();
}

void Dispatcher::finish() {
    run_handlers(all_, [&](Handler* h) { h->flush(Timestamp::max(), *this); });
    hand_over();
    for (auto* s : sinks_) s->close();
}

void Dispatcher::emit_event(const Event& e) {
    run_handlers(by_type_[static_cast<size_t>(e.type)], [&](Handler* h) { h->consume(e, *this); });
}

void Dispatcher::emit(SinkId sink, Record&& record) {
    if (sink >= pending_.size()) return;
    RecordBatch& batch = pending_[sink];
    batch.push_back(std::move(record));
    // A large emission (a whole window's records) goes out in pieces, in order: the sink
    // starts on it sooner, and the pieces' memory is reused rather than one vector as large as
    // the window faulted in afresh and copied as it doubles. Never with a checkpoint pending.
    if (batch.size() >= kPieceRecords && markers_pending_ == 0) {
        hand_over(sink);
        pending_[sink].reserve(kPieceRecords);
    }
}

void Dispatcher::hand_over(SinkId sink) {
    records_emitted_.inc(pending_[sink].size() - markers_pending_);
    // Blocking push: a slow sink slows processing, which slows the inputs (backpressure).
    sinks_[sink]->push(std::move(pending_[sink]));
    pending_[sink] = RecordBatch();
}

void Dispatcher::hand_over() {
    for (SinkId i = 0; i < pending_.size(); ++i) {
        if (!pending_[i].empty()) hand_over(i);
    }
    markers_pending_ = 0;
}

void Dispatcher::run(Channel<EventBatch>& in) {
    std::vector<EventBatch> batches;
    batches.reserve(8);
    last_tick_ = ctx_.clock.steady_now();
    for (;;) {
        batches.clear();
        size_t n = in.pop_batch(batches, 8, std::chrono::steady_clock::now() + kTickInterval);
        for (size_t i = 0; i < n; ++i) consume_enriched(batches[i]);
        batches.clear();  // releases buffers promptly
        auto now = ctx_.clock.steady_now();
        if (now - last_tick_ >= kTickInterval) {
            last_tick_ = now;
            tick();
        }
        if (n == 0 && in.drained()) break;
    }
    finish();
}

}  // namespace eveflow::processing
