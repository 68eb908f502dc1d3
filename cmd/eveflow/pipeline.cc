// Pipeline: builds the stages from configuration, runs them, and shuts them down in order.
#include "cmd/eveflow/pipeline.h"

#include <algorithm>

#include "util/listen_fds.h"
#include "util/log.h"
#include "util/thread_name.h"

namespace eveflow::cmd {
namespace {

constexpr size_t kEventsPerBatch = 1024;  // the batch size sources aim for

}  // namespace

Pipeline::Pipeline(Context& ctx) : ctx_(ctx) {}

Pipeline::~Pipeline() {
    {
        std::lock_guard lock(mu_);
        finished_ = true;
    }
    cv_.notify_all();
    if (watchdog_.joinable()) watchdog_.join();
    for (auto& s : sources_) {
        if (s.thread.joinable()) {
            s.thread.request_stop();
            s.thread.join();
        }
    }
}

void Pipeline::build(Plan plan) {
    queue_events_ = plan.queue_events;
    sink_queue_batches_ = plan.sink_queue_batches;
    for (auto& out : plan.outputs) {
        sinks_.push_back(
            std::make_unique<output::SinkRunner>(ctx_, std::move(out.sink), sink_queue_batches_));
    }
    for (auto& h : plan.handlers) handlers_.push_back(std::move(h.handler));
    for (auto& in : plan.inputs) {
        in.source->set_raw_types(plan.raw_types);
        in.source->set_lifecycle(plan.lifecycle);
        SourceSlot slot;
        slot.name = std::move(in.name);
        slot.on_full = in.on_full;
        slot.source = std::move(in.source);
        sources_.push_back(std::move(slot));
    }
    services_ = std::move(plan.services);
    enrich_ = std::move(plan.enrich);
    owned_ = std::move(plan.owned);
}

std::pair<uint64_t, uint64_t> Pipeline::progress() const {
    uint64_t done = 0, total = 0;
    for (const auto& s : sources_) {
        if (!s.source->finite()) continue;
        auto p = s.source->progress();
        done += p.done_bytes;
        total += p.total_bytes;
    }
    return {done, total};
}

void Pipeline::start_sources() {
    sources_running_ = sources_.size();
    for (size_t i = 0; i < sources_.size(); ++i) {
        SourceSlot& slot = sources_[i];
        Counter& dropped =
            ctx_.stats.counter("eveflow_input_dropped_total",
                               "Events dropped because the queue was full", {{"input", slot.name}});
        slot.publisher = std::make_unique<input::Publisher>(*events_, slot.on_full,
                                                            static_cast<SourceId>(i), dropped);
        slot.thread = std::jthread([this, &slot](std::stop_token stop) {
            name_this_thread("in:" + slot.name);
            Status st = slot.source->run(stop, *slot.publisher);
            if (!st.ok()) {
                slot.failed = true;
                log::error("{}: {}", slot.name, st.message());
            }
            std::lock_guard lock(mu_);
            --sources_running_;
            cv_.notify_all();
        });
    }
}

void Pipeline::wait_for_sources() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return sources_running_ == 0; });
    lock.unlock();
    for (auto& s : sources_) s.thread.join();
}

void Pipeline::request_stop() {
    {
        std::lock_guard lock(mu_);
        if (stop_requested_) {
            // A second signal: stop waiting for anything.
            ctx_.aborting.store(true);
            return;
        }
        stop_requested_ = true;
        watchdog_ = std::thread([this] {
            name_this_thread("watchdog");
            watchdog();
        });
    }
    log::info("pipeline: stopping: draining inputs, flushing windows and sinks");
    for (auto& s : sources_) s.thread.request_stop();
}

void Pipeline::watchdog() {
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, ctx_.shutdown_timeout, [&] { return finished_; })) return;
    log::warn("pipeline: shutdown bound of {} ms passed: abandoning what is still pending",
              ctx_.shutdown_timeout.count());
    ctx_.aborting.store(true);
    if (cv_.wait_for(lock, std::chrono::seconds(5), [&] { return finished_; })) return;
    log::error("pipeline: still not finished 5 s after the shutdown bound; exiting");
    spdlog::shutdown();
    std::_Exit(1);
}

void Pipeline::request_reopen() {
    ctx_.reload_requests.fetch_add(1);
    for (auto& s : sinks_) s->request_reopen();
    if (enrich_) enrich_->request_reopen();
}

int Pipeline::run() {
    // A start that fails leaves every file as it was: nothing opens before every lock is
    // held, and nothing is discarded (truncated) before everything has opened.
    locks_ = lock_all(owned_);
    for (auto& s : services_) s->open();
    if (enrich_) enrich_->open();
    for (auto& s : sinks_) s->sink().open();  // before the inputs: offset stores
    for (auto& s : sources_) s.source->open();
    for (auto& s : sinks_) s->sink().begin();
    listen_fds::release_unclaimed();

    events_ =
        std::make_unique<Channel<EventBatch>>(std::max<size_t>(4, queue_events_ / kEventsPerBatch));
    ctx_.stats.gauge_fn("eveflow_queue_length", "Items waiting in a queue", {{"queue", "events"}},
                        [this] { return static_cast<double>(events_->size() * kEventsPerBatch); });
    ctx_.stats.gauge_fn(
        "eveflow_queue_capacity", "Capacity of a queue", {{"queue", "events"}},
        [this] { return static_cast<double>(events_->capacity() * kEventsPerBatch); });

    std::vector<Channel<processing::RecordBatch>*> queues;
    for (auto& s : sinks_) queues.push_back(&s->queue());
    std::vector<std::string> names;
    std::vector<bool> progress;
    for (auto& s : sources_) {
        names.push_back(s.name);
        progress.push_back(s.source->publishes_progress());
    }
    processing::Dispatcher dispatcher(ctx_, std::move(handlers_), queues, names, progress);
    dispatcher.set_enrich(enrich_.get());

    for (auto& s : sinks_) s->start();
    std::thread processing([&] {
        name_this_thread("processing");
        dispatcher.run(*events_);
    });
    start_sources();
    wait_for_sources();
    events_->close();
    processing.join();
    for (auto& s : sinks_) s->join();
    for (auto& s : services_) s->stop();
    {
        std::lock_guard lock(mu_);
        finished_ = true;
    }
    cv_.notify_all();

    bool failed =
        std::any_of(sources_.begin(), sources_.end(), [](const auto& s) { return s.failed; }) ||
        std::any_of(sinks_.begin(), sinks_.end(), [](const auto& s) { return s->failed(); });
    return failed ? 1 : 0;
}

}  // namespace eveflow::cmd
