// Pipeline: builds the stages from configuration, runs them, and shuts them down in order.
#include "cmd/eveflow/pipeline.h"

#include <algorithm>
#include <map>

#include "input/registry.h"
#include "util/log.h"

namespace eveflow::cmd {
namespace {

constexpr processing::SinkId kNoSink = ~processing::SinkId{0};
constexpr size_t kEventsPerBatch = 1024;  // the batch size sources aim for

// Output sections anywhere in the tree (outputs, forward[*].outputs) share one namespace of
// sink names; repeated types without a `name` get `jsonl-1`, `jsonl-2`, ...
void name_repeated(std::vector<YAML::Node> nodes) {
    std::map<std::string, int> count, seen;
    auto type_of = [](const YAML::Node& n) {
        return n.IsMap() && n["type"] && n["type"].IsScalar() ? n["type"].Scalar() : std::string();
    };
    for (const auto& n : nodes) ++count[type_of(n)];
    for (auto& n : nodes) {
        std::string t = type_of(n);
        if (t.empty() || count[t] < 2 || n["name"]) continue;
        n["name"] = t + "-" + std::to_string(++seen[t]);
    }
}

std::vector<YAML::Node> list_items(const YAML::Node& list) {
    std::vector<YAML::Node> out;
    if (list && list.IsSequence()) {
        for (size_t i = 0; i < list.size(); ++i) out.push_back(list[i]);
    }
    return out;
}

void name_repeated_stages(const YAML::Node& root) {
    if (!root.IsMap()) return;
    name_repeated(list_items(root["inputs"]));
    std::vector<YAML::Node> outputs = list_items(root["outputs"]);
    for (const auto& rule : list_items(root["forward"])) {
        if (!rule.IsMap()) continue;
        for (const auto& o : list_items(rule["outputs"])) outputs.push_back(o);
    }
    name_repeated(outputs);
}

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

processing::SinkId Pipeline::add_sink(const ConfigNode& node) {
    auto sink = output::make_sink(node, ctx_);
    if (!sink) return kNoSink;
    sinks_.push_back(
        std::make_unique<output::SinkRunner>(ctx_, std::move(sink), sink_queue_batches_));
    return static_cast<processing::SinkId>(sinks_.size() - 1);
}

void Pipeline::build(const ConfigNode& root) {
    name_repeated_stages(root.yaml());
    ConfigNode queue = root.child("queue");
    queue_events_ = static_cast<size_t>(queue.integer("capacity", 65536, 1024, int64_t{1} << 26));
    sink_queue_batches_ =
        static_cast<size_t>(queue.integer("sink_capacity", 1024, 1, int64_t{1} << 20));
    for (const auto& out : root.items("outputs")) {
        processing::SinkId id = add_sink(out);
        if (id != kNoSink) aggregate_sinks_.push_back(id);
    }
    build_handlers(root);
    build_raw_routes();
    build_inputs(root);
    build_services(root);
}

void Pipeline::build_handlers(const ConfigNode& root) {
    processing::HandlerContext hctx{ctx_, aggregate_sinks_,
                                    [this](const ConfigNode& n) { return add_sink(n); }};
    if (root.yaml()["handlers"]) {
        for (const auto& h : root.items("handlers")) {
            if (auto handler = processing::make_handler(h, hctx))
                handlers_.push_back(std::move(handler));
        }
    } else {
        ConfigNode def(YAML::Node(YAML::NodeType::Map), "handlers[0]", root.shared_diagnostics());
        if (auto handler = processing::make_handler(def, hctx))
            handlers_.push_back(std::move(handler));
    }
    auto types = processing::handler_types();
    auto fwd =
        std::find_if(types.begin(), types.end(), [](const auto& t) { return t.name == "forward"; });
    for (const auto& rule : root.items("forward")) {
        if (fwd == types.end()) {
            rule.error("", "forwarding is not available in this build");
            continue;
        }
        if (auto handler = fwd->create(rule, hctx)) handlers_.push_back(std::move(handler));
    }
}

// Sinks that want raw events besides aggregates (PostgreSQL's raw_events) get a forward rule
// of their own that delivers to them.
void Pipeline::build_raw_routes() {
    auto types = processing::handler_types();
    auto fwd =
        std::find_if(types.begin(), types.end(), [](const auto& t) { return t.name == "forward"; });
    for (size_t i = 0; i < sinks_.size(); ++i) {
        auto wanted = sinks_[i]->sink().raw_event_types();
        if (wanted.empty() || fwd == types.end()) continue;
        YAML::Node rule(YAML::NodeType::Map);
        for (const auto& t : wanted) rule["types"].push_back(t);
        rule["outputs"].push_back(YAML::Node(YAML::NodeType::Map));
        rule["name"] = "raw:" + std::string(sinks_[i]->sink().name());
        auto diag = std::make_shared<ConfigDiagnostics>("(raw event route)");
        processing::HandlerContext hctx{
            ctx_, {}, [i](const ConfigNode&) { return static_cast<processing::SinkId>(i); }};
        if (auto handler = fwd->create(ConfigNode(rule, "", diag), hctx)) {
            handlers_.push_back(std::move(handler));
        }
    }
}

void Pipeline::build_inputs(const ConfigNode& root) {
    auto inputs = root.items("inputs");
    if (inputs.empty()) {
        root.error("inputs",
                   "at least one input is required (--eve-socket, --eve-file, --pcap, "
                   "--interface, --kafka-input, or inputs: in the configuration)");
    }
    for (const auto& in : inputs) {
        std::string on_full = in.choice("on_full", "", {"block", "drop"});
        auto source = input::make_source(in, ctx_);
        if (!source) continue;
        SourceSlot slot;
        slot.name = std::string(source->name());
        slot.on_full = on_full.empty()     ? source->default_on_full()
                       : on_full == "drop" ? input::OnFull::kDrop
                                           : input::OnFull::kBlock;
        slot.source = std::move(source);
        sources_.push_back(std::move(slot));
    }
}

void Pipeline::build_services(const ConfigNode& root) {
    for (const auto& st : output::service_types()) {
        if (!root.has(st.key)) continue;
        ConfigNode node = root.child(st.key);
        if (auto svc = st.create(node, ctx_)) services_.push_back(std::move(svc));
        if (st.key != "metrics") continue;
        // The traffic panels' counters come from a handler that shares the `metrics` section.
        for (const auto& ht : processing::handler_types()) {
            if (ht.name != "traffic_metrics") continue;
            processing::HandlerContext hctx{ctx_, {}, [](const ConfigNode&) { return kNoSink; }};
            if (auto h = ht.create(node, hctx)) handlers_.push_back(std::move(h));
        }
    }
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
        watchdog_ = std::thread([this] { watchdog(); });
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
    for (auto& s : sinks_) s->request_reopen();
}

int Pipeline::run() {
    for (auto& s : services_) s->open();
    for (auto& s : sinks_) s->sink().open();
    for (auto& s : sources_) s.source->open();

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
    for (auto& s : sources_) names.push_back(s.name);
    processing::Dispatcher dispatcher(ctx_, std::move(handlers_), queues, names);

    for (auto& s : sinks_) s->start();
    std::thread processing([&] { dispatcher.run(*events_); });
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
