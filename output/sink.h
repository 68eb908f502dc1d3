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
#include "util/path_lock.h"
#include "util/registry.h"
#include "util/stats.h"
#include "util/status.h"

namespace eveflow::output {

/// Lifecycle, so that a start that fails destroys nothing:
///  1. constructed from config (no side effects; --check-config builds it too);
///  2. the pipeline locks every path of paths() (util/path_lock.h), before anything opens;
///  3. open() on the main thread: may throw StartupError for what must work at start (a
///     directory that does not exist); a server that is down is not a start-up error (the
///     sink retries). open() creates what it needs but discards nothing: a file is opened
///     without O_TRUNC, since an input or another sink may still fail to open after it;
///  4. begin() on the main thread once every service, sink and input has opened: the sink
///     may now discard old content (a jsonl file without `append` is truncated here);
///  5. write()* and idle() from the sink's own thread, then close() once.
/// write() retries transient failures itself, within its policy; an error status means the
/// batch, or part of it, is given up.
///
/// Accounting: eveflow_sink_records_total counts records that reached their destination,
/// eveflow_sink_dropped_total the ones given up. A sink that writes before write() returns
/// leaves the counting to the runner (the batch is written when write() returns ok, dropped
/// otherwise). A sink that buffers or delivers later returns true from counts_records() and
/// counts into written_records() / dropped_records() when it knows.
class Sink {
public:
    virtual ~Sink() = default;
    /// Instance name for logs and metric labels.
    virtual std::string_view name() const = 0;
    /// What the sink writes and no other process or sink may: regular files (not stdout,
    /// devices or pipes) and directories. Locked at start; two sinks of one configuration
    /// with the same file are a configuration error.
    virtual std::vector<OwnedPath> paths() const { return {}; }
    virtual void open() {}
    virtual void begin() {}
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
    /// True if the sink counts its records itself (see Accounting above).
    virtual bool counts_records() const { return false; }
    /// The runner's counters for this sink; set before open(). Until then the sink counts
    /// into counters of its own.
    void set_tally(Counter& written, Counter& dropped) {
        written_ = &written;
        dropped_ = &dropped;
    }

protected:
    Counter& written_records() { return *written_; }
    Counter& dropped_records() { return *dropped_; }

private:
    Counter own_written_, own_dropped_;
    Counter* written_ = &own_written_;
    Counter* dropped_ = &own_dropped_;
};

using SinkType = ComponentType<Sink, Context>;

std::span<const SinkType> sink_types();

/// Whether an output receives flow lifecycle records (insert / update / remove of live flows):
/// not at all, only them (never aggregates nor raw events), or them besides its usual records.
enum class LifecycleRoute : uint8_t { kNone, kOnly, kAlso };
/// The one place that decides it, from the output's type and section: `redis` takes only
/// lifecycle records, `postgres` with a `live_table` key takes both.
LifecycleRoute takes_lifecycle(std::string_view type, const ConfigNode& node);
/// Adds a sink type to the table make_sink() reads, after the built-in ones (a sink linked in
/// by a test). Call before any plan is made; not thread-safe.
void register_sink_type(const SinkType& type, LifecycleRoute route = LifecycleRoute::kNone);
/// Builds the sink `node.type` names; unknown types are errors (nullptr returned).
inline std::unique_ptr<Sink> make_sink(const ConfigNode& node, Context& ctx) {
    return make_component(sink_types(), node, ctx, "output");
}

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
