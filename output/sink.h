// Sink: an output stage. One thread per sink pulls batches of records from its queue.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "types/record.h"
#include "util/config_node.h"
#include "util/context.h"
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
};

using SinkFactory = std::unique_ptr<Sink> (*)(const ConfigNode& node, Context& ctx);

struct SinkType {
    std::string_view name;
    SinkFactory create;
};

std::span<const SinkType> sink_types();
/// Builds the sink `node.type` names; unknown types are errors (nullptr returned).
std::unique_ptr<Sink> make_sink(const ConfigNode& node, Context& ctx);

}  // namespace eveflow::output
