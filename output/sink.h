// Sink: an output stage. One thread per sink pulls batches of records from its queue.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "types/record.h"
#include "util/config_node.h"
#include "util/context.h"
#include "util/registry.h"
#include "util/status.h"

namespace eveflow::output {

/// Lifecycle: constructed from config (no side effects), open() on the main thread (may throw
/// StartupError for what must work at start, e.g. a path that cannot be created; a server that
/// is down is not a start-up error: the sink retries), then write()* from its own thread, then
/// close() once. write() retries transient failures itself, within its policy; an error status
/// means the batch is given up (the runner counts it).
class Sink {
public:
    virtual ~Sink() = default;
    /// Instance name for logs and metric labels.
    virtual std::string_view name() const = 0;
    virtual void open() {}
    virtual Status write(std::span<const Record> batch) = 0;
    /// Called from the sink's thread when its queue stays empty for a while (flush timers).
    virtual void idle() {}
    /// SIGHUP: reopen files (logrotate). Called from the sink's thread.
    virtual void reopen() {}
    virtual Status close() { return {}; }
    /// Called from the sink's thread after a write() whose batch was followed by a kWritten
    /// checkpoint: pushes out what the sink buffers, so the checkpoint's events are written.
    virtual Status sync() { return {}; }
    /// Raw event types this sink wants besides aggregates (a PostgreSQL sink's
    /// `raw_events.types`); "all" for every type. The pipeline routes them to it as forwarded
    /// RawEvent records. Empty: aggregates only.
    virtual std::vector<std::string> raw_event_types() const { return {}; }
    /// True if write() wants checkpoint records (the sink stores consumer offsets); the runner
    /// takes them out of the batches of every other sink.
    virtual bool takes_checkpoints() const { return false; }
};

using SinkType = ComponentType<Sink, Context>;

std::span<const SinkType> sink_types();
/// Builds the sink `node.type` names; unknown types are errors (nullptr returned).
std::unique_ptr<Sink> make_sink(const ConfigNode& node, Context& ctx);

/// A process-wide service configured by a top-level key (`metrics:`). Built after the
/// pipeline's stages; open() before the first event is read (may throw StartupError, e.g. a
/// port in use); stop() after the pipeline has drained and the sinks have closed.
class Service {
public:
    virtual ~Service() = default;
    virtual void open() {}
    virtual void stop() {}
};

/// A service's name is the top-level config key that enables it.
using ServiceType = ComponentType<Service, Context>;

std::span<const ServiceType> service_types();

}  // namespace eveflow::output
