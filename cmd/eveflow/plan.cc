// Plan: the configuration normalised into stages and routes.
#include "cmd/eveflow/plan.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>

#include "input/registry.h"
#include "processing/flow_lifecycle/flow_lifecycle.h"
#include "processing/forward/forward.h"
#include "processing/traffic_metrics/traffic_metrics.h"

namespace eveflow::cmd {
namespace {

// Output sections anywhere in the tree (outputs, handlers[*].outputs, forward[*].outputs) share
// one namespace of sink names; repeated types without a `name` get `jsonl-1`, `jsonl-2`, ...
void name_repeated(const std::vector<YAML::Node>& nodes) {
    std::map<std::string, int> count, seen;
    auto type_of = [](const YAML::Node& n) {
        return n.IsMap() && n["type"] && n["type"].IsScalar() ? n["type"].Scalar() : std::string();
    };
    for (const auto& n : nodes) ++count[type_of(n)];
    for (auto n : nodes) {
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
    for (const char* section : {"handlers", "forward"}) {
        for (const auto& stage : list_items(root[section])) {
            if (!stage.IsMap()) continue;
            for (const auto& o : list_items(stage["outputs"])) outputs.push_back(o);
        }
    }
    name_repeated(outputs);
}

// One file or directory however it is named: its device and inode when it exists, else its
// absolute path with `.`, `..` and symbolic links resolved as far as they exist.
std::string identity_of(const std::string& path) {
    struct stat sb {};
    if (::stat(path.c_str(), &sb) == 0) {
        return "inode " + std::to_string(sb.st_dev) + ":" + std::to_string(sb.st_ino);
    }
    std::error_code ec;
    auto abs = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
    return "path " + abs.lexically_normal().string();
}

// `key` (a full key path) relative to the section at `node`.
std::string relative_key(const ConfigNode& node, const std::string& key) {
    const std::string& base = node.path();
    if (!base.empty() && key.size() > base.size() && key.compare(0, base.size(), base) == 0 &&
        key[base.size()] == '.')
        return key.substr(base.size() + 1);
    return key;
}

class Planner {
public:
    Planner(const ConfigNode& root, Context& ctx) : root_(root), ctx_(ctx) {}

    Plan run() {
        name_repeated_stages(root_.yaml());
        ConfigNode queue = root_.child("queue");
        plan_.queue_events =
            static_cast<size_t>(queue.integer("capacity", 65536, 1024, int64_t{1} << 26));
        plan_.sink_queue_batches =
            static_cast<size_t>(queue.integer("sink_capacity", 1024, 1, int64_t{1} << 20));
        for (const auto& out : root_.items("outputs")) add_output(out, top_outputs_);
        enrich_ = processing::parse_enrich_config(root_);
        plan_.enrich = processing::EnrichStage::create(enrich_, ctx_);
        plan_handlers();
        plan_raw_events();
        plan_lifecycle();
        plan_inputs();
        plan_services();
        for (const auto& h : plan_.handlers) plan_.raw_types.add(h.handler->raw_types());
        if (plan_.enrich) plan_.enrich->set_raw_types(plan_.raw_types);
        check_event_cycles();
        return std::move(plan_);
    }

private:
    void add_output(const ConfigNode& node, std::vector<processing::SinkId>& ids) {
        auto sink = output::make_sink(node, ctx_);
        if (!sink) return;
        claim_paths(node, sink->paths());
        std::string label = node.str("type", "") + "[" + std::to_string(plan_.outputs.size()) + "]";
        auto id = static_cast<processing::SinkId>(plan_.outputs.size());
        auto route = output::takes_lifecycle(node.str("type", ""), node);
        if (route != output::LifecycleRoute::kOnly) ids.push_back(id);
        if (route != output::LifecycleRoute::kNone) lifecycle_outputs_.push_back(id);
        plan_.outputs.push_back({std::move(sink), std::move(label)});
    }

    // Live flow tables: the meter's reports become lifecycle records, routed to the outputs
    // that keep such tables and to no other. The handler comes after every other one, so an
    // output that takes a flow's final record too gets it before the flow's remove.
    void plan_lifecycle() {
        if (lifecycle_outputs_.empty()) return;
        plan_.lifecycle = true;
        add_handler(std::make_unique<processing::FlowLifecycleHandler>(lifecycle_outputs_, ctx_),
                    lifecycle_outputs_);
    }

    // Records what the component at `node` writes; a file another component writes already
    // is an error (their lines would interleave).
    void claim_paths(const ConfigNode& node, std::vector<OwnedPath> paths) {
        for (auto& p : paths) {
            std::string id = identity_of(p.path);
            auto other = std::find(owned_ids_.begin(), owned_ids_.end(), id);
            if (other != owned_ids_.end()) {
                const OwnedPath& first =
                    plan_.owned[static_cast<size_t>(other - owned_ids_.begin())];
                node.error(relative_key(node, p.key),
                           p.path + " is written by " + first.key + " (" + first.path +
                               ") too; two components cannot share one file");
                continue;
            }
            owned_ids_.push_back(std::move(id));
            plan_.owned.push_back(std::move(p));
        }
    }

    // The section's own `outputs`, else (`required` false) the top-level ones.
    std::vector<processing::SinkId> outputs_of(const ConfigNode& node, bool required) {
        std::vector<processing::SinkId> ids;
        if (!node.has("outputs")) return required ? ids : top_outputs_;
        for (const auto& out : node.items("outputs")) add_output(out, ids);
        return ids;
    }

    void add_handler(std::unique_ptr<processing::Handler> h, std::vector<processing::SinkId> to) {
        if (h) plan_.handlers.push_back({std::move(h), std::move(to)});
    }

    processing::HostNames* host_names() {
        return plan_.enrich ? plan_.enrich->host_names() : nullptr;
    }

    // Enriched fields a handler reads need their enricher configured.
    void check_enriched(const ConfigNode& node, std::string_view key,
                        const processing::Handler* h) {
        const uint32_t used = h ? h->enriched_fields() : 0;
        for (size_t i = 0; i < std::size(kKeyFieldNames); ++i) {
            const uint32_t bit = 1u << i;
            if (!(used & bit)) continue;
            const std::string name(kKeyFieldNames[i]);
            if (bit == kKeyHomeDirection && enrich_.home_net.empty()) {
                node.error(key, name + " needs home_net (top level, or --home-net)");
            } else if ((bit & kGeoKeyFields) && !enrich_.geo) {
                node.error(key, name + " needs a geo database (enrich.geo, or --geo-db)");
            }
        }
    }

    void plan_handlers() {
        if (root_.has("handlers")) {
            for (const auto& node : root_.items("handlers")) {
                processing::HandlerContext hctx{ctx_, outputs_of(node, false), host_names()};
                auto h = processing::make_handler(node, hctx);
                check_enriched(node, "key", h.get());
                add_handler(std::move(h), hctx.outputs);
            }
        } else {
            ConfigNode def(YAML::Node(YAML::NodeType::Map), "handlers[0]",
                           root_.shared_diagnostics());
            processing::HandlerContext hctx{ctx_, top_outputs_, host_names()};
            add_handler(processing::make_handler(def, hctx), hctx.outputs);
        }
        // Forwarding rules are handlers of their own section; they need outputs of their own.
        for (const auto& rule : root_.items("forward")) {
            processing::HandlerContext hctx{ctx_, outputs_of(rule, true)};
            add_handler(processing::Forward::create(rule, hctx), hctx.outputs);
        }
    }

    // Outputs that store raw events besides aggregates (PostgreSQL's raw_events) get a route of
    // their own: a forwarding rule without added fields.
    void plan_raw_events() {
        for (size_t i = 0; i < plan_.outputs.size(); ++i) {
            const output::Sink& sink = *plan_.outputs[i].sink;
            auto wanted = sink.raw_event_types();
            if (wanted.empty()) continue;
            processing::ForwardConfig fc;
            fc.name = "raw:" + std::string(sink.name());
            fc.all_types = std::find(wanted.begin(), wanted.end(), "all") != wanted.end();
            fc.type_names = std::move(wanted);
            std::vector<processing::SinkId> to{static_cast<processing::SinkId>(i)};
            add_handler(std::make_unique<processing::Forward>(std::move(fc), to, ctx_), to);
        }
    }

    void plan_inputs() {
        auto inputs = root_.items("inputs");
        if (inputs.empty()) {
            root_.error("inputs",
                        "at least one input is required (--eve-socket, --eve-file, --pcap, "
                        "--interface, --kafka-input, or inputs: in the configuration)");
        }
        for (const auto& in : inputs) {
            std::optional<OnFull> on_full;
            if (in.has("on_full")) on_full = parse_on_full(in, OnFull::kBlock);
            auto source = input::make_source(in, ctx_);
            if (!source) continue;
            claim_paths(in, source->paths());
            PlannedInput p;
            p.name = std::string(source->name());
            p.on_full = on_full.value_or(source->default_on_full());
            p.source = std::move(source);
            plan_.inputs.push_back(std::move(p));
        }
    }

    // A service is enabled by its top-level key. The traffic counters of `metrics` come from a
    // handler, which owns `metrics.traffic_labels`; the exporter owns the rest of the section.
    void plan_services() {
        for (const auto& st : output::service_types()) {
            if (!root_.has(st.name)) continue;
            ConfigNode node = root_.child(st.name);
            if (auto svc = st.create(node, ctx_)) plan_.services.push_back(std::move(svc));
            if (st.name != "metrics") continue;
            processing::HandlerContext hctx{ctx_, {}};
            auto h = processing::TrafficMetrics::create(node.child("traffic_labels"), hctx);
            check_enriched(node, "traffic_labels", h.get());
            add_handler(std::move(h), {});
        }
    }

    // Events a handler makes go to the other handlers of their type: that must not lead back.
    void check_event_cycles() {
        const auto& hs = plan_.handlers;
        auto feeds = [&](size_t a, size_t b) {
            if (a == b) return false;
            auto takes = hs[b].handler->event_types();
            for (EventType t : hs[a].handler->produced_types()) {
                if (takes.empty() || std::find(takes.begin(), takes.end(), t) != takes.end())
                    return true;
            }
            return false;
        };
        std::vector<int> state(hs.size(), 0);  // 0 new, 1 on the path, 2 done
        std::function<bool(size_t)> cyclic = [&](size_t a) {
            state[a] = 1;
            for (size_t b = 0; b < hs.size(); ++b) {
                if (!feeds(a, b)) continue;
                if (state[b] == 1 || (state[b] == 0 && cyclic(b))) return true;
            }
            state[a] = 2;
            return false;
        };
        for (size_t a = 0; a < hs.size(); ++a) {
            if (state[a] == 0 && cyclic(a)) {
                root_.error("handlers", "handler '" + std::string(hs[a].handler->name()) +
                                            "' is fed, through other handlers, by the events it "
                                            "makes");
                return;
            }
        }
    }

    const ConfigNode& root_;
    Context& ctx_;
    Plan plan_;
    processing::EnrichConfig enrich_;
    std::vector<processing::SinkId> top_outputs_;
    std::vector<processing::SinkId> lifecycle_outputs_;
    std::vector<std::string> owned_ids_;  // identity_of() each of plan_.owned
};

std::string joined(const EventTypeSet& types) {
    if (types.all) return "all";
    std::string out;
    for (const auto& n : types.names) out += (out.empty() ? "" : ",") + n;
    return out;
}

}  // namespace

Plan make_plan(const ConfigNode& root, Context& ctx) { return Planner(root, ctx).run(); }

std::vector<std::string> Plan::describe() const {
    std::vector<std::string> lines;
    for (const auto& in : inputs) {
        for (const auto& h : handlers) {
            lines.push_back("input " + in.name + " -> handler " + std::string(h.handler->name()));
        }
        if (!raw_types.empty()) lines.push_back("input " + in.name + " raw " + joined(raw_types));
    }
    for (const auto& h : handlers) {
        EventTypeSet raw = h.handler->raw_types();
        for (auto sink : h.outputs) {
            const std::string& to = outputs[sink].label;
            if (raw.empty()) {
                lines.push_back("handler " + std::string(h.handler->name()) + " -> output " + to);
                continue;
            }
            if (raw.all) raw.names = {"all"};
            for (const auto& t : raw.names) lines.push_back("raw " + t + " -> output " + to);
        }
        for (EventType t : h.handler->produced_types()) {
            for (const auto& other : handlers) {
                auto takes = other.handler->event_types();
                if (&other == &h ||
                    (!takes.empty() && std::find(takes.begin(), takes.end(), t) == takes.end()))
                    continue;
                lines.push_back("handler " + std::string(h.handler->name()) + " -> handler " +
                                std::string(other.handler->name()) + " (" +
                                std::string(event_type_name(t)) + ")");
            }
        }
    }
    return lines;
}

}  // namespace eveflow::cmd
