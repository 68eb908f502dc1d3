// OffsetTracker: which consumed Kafka offsets may be committed, in consumption order.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace eveflow::input {

/// Next offset to read per (topic, partition): what a commit stores.
using Offsets = std::map<std::pair<std::string, int32_t>, int64_t>;

/// The source hands out one token per group of messages it published (a "cycle"); the
/// processing stage releases a batch's token (EventBatch::on_consumed) when it is done with
/// it. Offsets become committable only once their cycle and every earlier cycle are done,
/// so a commit never covers an event still in flight. Thread-safe: tokens are released on
/// the processing threads, the rest is called from the consumer thread.
class OffsetTracker : public std::enable_shared_from_this<OffsetTracker> {
public:
    /// Starts a cycle covering `offsets`; it is done when the returned token's last copy goes.
    std::shared_ptr<void> begin(Offsets offsets);
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
    void done(uint64_t seq);

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Cycle> cycles_;
    uint64_t next_seq_ = 0;
};

}  // namespace eveflow::input
