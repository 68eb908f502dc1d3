// Handler: a processing stage (aggregation, forwarding) fed by the dispatcher.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "processing/enrich/host_names.h"
#include "types/event.h"
#include "types/record.h"
#include "util/config_node.h"
#include "util/context.h"
#include "util/registry.h"

namespace eveflow::processing {

/// Index of a sink queue in the pipeline.
using SinkId = uint32_t;

/// Where handlers put records. Implemented by the dispatcher, which batches records per sink
/// and hands them to the sink queues after each input batch. Single-threaded.
class Emitter {
public:
    virtual ~Emitter() = default;
    virtual void emit(SinkId sink, Record&& record) = 0;
    /// An event the handler made (an indicator match's alert), of a type it lists in
    /// produced_types(): handed at once, within the batch being processed, to the other
    /// handlers that take its type (the plan routes it). `e` and the bytes its views point to
    /// need to live only for the call.
    virtual void emit_event(const Event& /*e*/) {}
};

/// A handler sees the event types it asks for. Each runs on the processing thread, which owns
/// its state, so it needs no lock. Call order: consume()* with tick() and flush() in between;
/// flush(Timestamp::max()) exactly once at shutdown or end of input, then nothing.
class Handler {
public:
    virtual ~Handler() = default;
    virtual std::string_view name() const = 0;
    /// The types this handler consumes; empty means every type.
    virtual std::span<const EventType> event_types() const = 0;
    /// The types of the events this handler makes through Emitter::emit_event; none by
    /// default. The plan refuses a cycle (a handler fed, through others, by its own events).
    virtual std::span<const EventType> produced_types() const { return {}; }
    /// The enriched fields this handler reads (KeyField bits among home_direction and the
    /// countries and ASNs): the plan refuses them when their enricher is not configured.
    virtual uint32_t enriched_fields() const { return 0; }
    /// The event types whose raw line this handler reads (forwarding); none by default.
    virtual EventTypeSet raw_types() const { return {}; }
    /// Hot path: no I/O, no throw, no allocation per event where it can be avoided.
    virtual void consume(const Event& e, Emitter& out) = 0;
    /// `e` will be consumed within a few events of this batch: a handler may start loading
    /// what consume(e) reads (no state change that consume would not make). None by default.
    virtual void prefetch(const Event& /*e*/) {}
    /// Emits every window ending at or before `watermark`; Timestamp::max() emits all.
    virtual void flush(Timestamp watermark, Emitter& out) = 0;
    /// Event-time progress of the inputs that publish it (the pcap meter): the smallest, over
    /// those inputs, of the latest SourceProgress each published. Called after each of their
    /// batches (and once at start, with none, when such an input exists); their events then
    /// move windows only through these bounds, not through their own times.
    virtual void progress(const SourceProgress& /*bound*/, Emitter& /*out*/) {}
    /// Whether the events that follow come from an input that publishes progress (told before
    /// a batch when it differs from the previous batch's input; false until told).
    virtual void events_from_progress_source(bool /*yes*/) {}
    /// Wall-clock timer, called a few times a second (idle flush of a quiet sensor).
    virtual void tick(std::chrono::steady_clock::time_point /*now*/, Emitter& /*out*/) {}
    /// A consumer checkpoint follows: emit every piece of open state now, so the records of
    /// all events consumed so far precede it. Windows stay open; later events for the same
    /// window and key give further partial records (sinks that merge add them up). Handlers
    /// that keep no state emit nothing.
    virtual void checkpoint(Emitter& /*out*/) {}
};

/// What handler factories get besides their config section. The plan builds the sinks of the
/// section's own `outputs` (or takes the top-level ones) and owns that key.
struct HandlerContext {
    Context& ctx;
    /// Where this handler's records go.
    std::vector<SinkId> outputs;
    /// Reverse DNS names (enrich.rdns) for records; null when not configured.
    HostNames* host_names = nullptr;
};

using HandlerType = ComponentType<Handler, HandlerContext>;

std::span<const HandlerType> handler_types();
/// Builds the handler `node.type` names (default flow_aggregate); unknown types are errors.
inline std::unique_ptr<Handler> make_handler(const ConfigNode& node, HandlerContext& hctx) {
    return make_component(handler_types(), node, hctx, "handler", "flow_aggregate");
}

}  // namespace eveflow::processing
