// Plan: the pipeline's graph, decided once from the configuration. Which inputs, handlers,
// outputs and services exist, and where each one's events and records go.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "input/source.h"
#include "output/sink.h"
#include "processing/enrich/enricher.h"
#include "processing/handler.h"
#include "util/config_node.h"
#include "util/context.h"

namespace eveflow::cmd {

struct PlannedInput {
    std::unique_ptr<input::Source> source;
    std::string name;  // instance name: metric label and plan line
    OnFull on_full = OnFull::kBlock;
};

struct PlannedOutput {
    std::unique_ptr<output::Sink> sink;
    std::string label;  // `jsonl[0]`: its type and its index among all outputs
};

struct PlannedHandler {
    std::unique_ptr<processing::Handler> handler;
    /// Where its records go: the section's own `outputs`, else the top-level ones.
    std::vector<processing::SinkId> outputs;
};

/// The stages in the order they are built, with their routes:
///   inputs -> enrichment (home_net, enrich:) -> every handler that takes the event's type;
///   a handler's records -> its outputs; a handler's events -> the other handlers of their type;
///   flow reports -> the flow_lifecycle handler, last -> the lifecycle outputs (which take no
///   other records when output::takes_lifecycle() says kOnly).
/// Built by make_plan() with no side effects (--check-config builds it too); the pipeline takes
/// its components and reads nothing else.
struct Plan {
    std::vector<PlannedInput> inputs;
    std::vector<PlannedHandler> handlers;
    std::vector<PlannedOutput> outputs;
    std::vector<std::unique_ptr<output::Service>> services;
    /// The enrichment stage (top-level home_net and enrich:); null when nothing is enabled.
    std::unique_ptr<processing::EnrichStage> enrich;
    /// What no other process may use at the same time: the inputs' and outputs' paths()
    /// (each at most once: two components on one file are a configuration error). The pipeline
    /// locks them all before anything opens.
    std::vector<OwnedPath> owned;
    /// The raw lines some handler reads (forwarding, PostgreSQL raw events); every input is
    /// told, so a source that renders its lines (the meter) renders only these.
    EventTypeSet raw_types;
    /// Some output keeps live flow tables: inputs that meter flows signal inserts.
    bool lifecycle = false;
    size_t queue_events = 65536;       // queue.capacity
    size_t sink_queue_batches = 1024;  // queue.sink_capacity

    /// One line per route, as `--print-plan` prints them:
    /// `input eve_socket -> handler flow_aggregate`, `handler flow_aggregate -> output jsonl[0]`,
    /// `raw alert -> output unix_socket[1]`, `handler ioc -> handler forward[0] (alert)`.
    std::vector<std::string> describe() const;
};

/// Normalises the configuration into the plan. Problems are recorded in root's diagnostics;
/// the plan is then incomplete and must not run.
Plan make_plan(const ConfigNode& root, Context& ctx);

}  // namespace eveflow::cmd
