// OffsetTracker: which consumed Kafka offsets may be committed, in consumption order.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "types/checkpoint.h"

namespace eveflow::input {

/// One cycle per Checkpoint the source published (the messages polled together, or the
/// positions since the last stored checkpoint); the checkpoint's on_done completes it.
/// Offsets become committable only once their cycle and every earlier cycle are done, so a
/// commit never covers an event still in flight. Thread-safe: cycles are completed on the
/// processing thread (kConsumed) or the storing sink's (kStored), the rest is called from the
/// consumer thread.
class OffsetTracker {
public:
    /// Starts a cycle covering `offsets` that is done when complete() is called with the
    /// returned sequence number.
    uint64_t open(Offsets offsets);
    /// Marks cycle `seq` done. `ok` false: its offsets were refused; they are never handed
    /// out, and failed() turns true.
    void complete(uint64_t seq, bool ok);
    bool failed() const;
    /// Removes the done cycles at the front and returns their offsets merged (highest wins).
    Offsets take_done();
    /// Waits until every cycle begun is done, or `timeout`; true if all are done.
    bool wait_all_done(std::chrono::milliseconds timeout);
    /// Forgets every cycle (partitions revoked before their events were done: the next owner
    /// reads them again). Tokens released later are ignored.
    void reset();
    size_t pending() const;

private:
    struct Cycle {
        uint64_t seq;
        Offsets offsets;
        bool done = false;
    };
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Cycle> cycles_;
    uint64_t next_seq_ = 0;
    bool failed_ = false;
};

}  // namespace eveflow::input
