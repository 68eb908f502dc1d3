// Source: an input stage. It reads bytes or packets and publishes EventBatches.
#pragma once

#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "types/event.h"
#include "util/channel.h"
#include "util/config_node.h"
#include "util/context.h"
#include "util/on_full.h"
#include "util/path_lock.h"
#include "util/stats.h"
#include "util/status.h"

namespace eveflow::input {

using eveflow::OnFull;

/// A source's handle on the pipeline's event channel: applies its `on_full` policy and counts
/// what it drops (eveflow_input_dropped_total{input}). One per source; used by its threads.
class Publisher {
public:
    Publisher(Channel<EventBatch>& channel, OnFull on_full, SourceId id, Counter& dropped)
        : channel_(channel), on_full_(on_full), id_(id), dropped_(dropped) {}

    /// Hands the batch on. With `block` waits while the channel is full; with `drop` counts
    /// the batch's events as dropped instead. A checkpoint batch always waits: dropping it
    /// would hold back the offsets of everything before it. Returns false only once the
    /// channel is closed.
    bool publish(EventBatch&& batch) {
        batch.source = id_;
        size_t n = batch.events.size();
        if (batch.checkpoint) return channel_.push(std::move(batch));
        if (n == 0 && !batch.progress) return !channel_.closed();
        if (on_full_ == OnFull::kBlock) return channel_.push(std::move(batch));
        if (!channel_.try_push(std::move(batch))) {
            if (channel_.closed()) return false;
            dropped_.inc(n);
        }
        return true;
    }
    SourceId id() const { return id_; }

private:
    Channel<EventBatch>& channel_;
    OnFull on_full_;
    SourceId id_;
    Counter& dropped_;
};

inline constexpr std::chrono::milliseconds kDefaultCheckpointInterval{5000};

/// An input's `checkpoint_interval` (how often it publishes a checkpoint of its position):
/// 100ms to 1h; problems go to the node's diagnostics.
inline std::chrono::milliseconds parse_checkpoint_interval(const ConfigNode& node) {
    auto d = node.duration("checkpoint_interval", kDefaultCheckpointInterval,
                           std::chrono::milliseconds(100), false);
    if (d > std::chrono::hours(1)) {
        node.error("checkpoint_interval",
                   "must be at most 1h (got \"" + format_duration(d) + "\")");
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

/// Progress of a finite source, for the terminal progress line.
struct Progress {
    uint64_t done_bytes = 0;
    uint64_t total_bytes = 0;  // 0 when unknown (stdin, sockets)
};

/// An input. Lifecycle: constructed by its factory from config (no side effects, so
/// --check-config can build it), then open() once on the main thread (binds sockets, opens
/// files: throws StartupError with a clear message), then run() once on a thread of its own.
/// Bad input is counted and skipped; run() returns an error only when it cannot go on.
class Source {
public:
    virtual ~Source() = default;
    /// Instance name for logs and metric labels (`eve_socket`, `eve_file`, `pcap`...).
    virtual std::string_view name() const = 0;
    /// True if the source ends by itself (a file read to EOF); the pipeline then exits when
    /// every source has ended.
    virtual bool finite() const = 0;
    /// What a full event queue does when the input's config has no `on_full`: files wait,
    /// live captures drop (and count) rather than stall the capture.
    virtual OnFull default_on_full() const { return OnFull::kBlock; }
    /// Paths no other process may use at the same time (a listening socket's path); locked
    /// (util/path_lock.h) before anything opens.
    virtual std::vector<OwnedPath> paths() const { return {}; }
    virtual void open() {}
    /// The event types whose raw line some handler reads, told once before open(). A source
    /// that renders its lines (the meter) may skip the others; sources that receive lines
    /// keep them anyway.
    virtual void set_raw_types(const EventTypeSet& /*types*/) {}
    /// Told once before open() when some output keeps live flow tables: a source that meters
    /// flows (the pcap meter) then publishes kInsert flow events and `live` flags.
    virtual void set_lifecycle(bool /*wanted*/) {}
    /// Runs until end of input or until `stop` is requested; then drains what it accepted
    /// (reads accepted connections to EOF) unless ctx.aborting is set.
    virtual Status run(std::stop_token stop, Publisher& out) = 0;
    /// True for a source whose batches carry SourceProgress (EventBatch::progress): windows
    /// then wait for its bounds instead of its largest event time minus allowed_lateness.
    virtual bool publishes_progress() const { return false; }
    virtual Progress progress() const { return {}; }
};

}  // namespace eveflow::input
