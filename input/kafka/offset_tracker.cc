// OffsetTracker: cycles of published messages, committed in order once processed.
#include "input/kafka/offset_tracker.h"

#include <algorithm>

namespace eveflow::input {

uint64_t OffsetTracker::open(Offsets offsets) {
    std::lock_guard lock(mu_);
    const uint64_t seq = next_seq_++;
    cycles_.push_back({seq, std::move(offsets)});
    return seq;
}

void OffsetTracker::complete(uint64_t seq, bool ok) {
    {
        std::lock_guard lock(mu_);
        // A cycle forgotten by reset() is not found: its partitions went to another owner.
        for (auto& c : cycles_) {
            if (c.seq == seq) {
                c.done = true;
                if (!ok) c.offsets.clear();
                failed_ = failed_ || !ok;
                break;
            }
        }
    }
    cv_.notify_all();
}

bool OffsetTracker::failed() const {
    std::lock_guard lock(mu_);
    return failed_;
}

Offsets OffsetTracker::take_done() {
    std::lock_guard lock(mu_);
    Offsets out;
    while (!cycles_.empty() && cycles_.front().done) {
        for (auto& [tp, off] : cycles_.front().offsets) {
            auto [it, fresh] = out.emplace(tp, off);
            if (!fresh) it->second = std::max(it->second, off);
        }
        cycles_.pop_front();
    }
    return out;
}

bool OffsetTracker::wait_all_done(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
        return std::all_of(cycles_.begin(), cycles_.end(), [](const Cycle& c) { return c.done; });
    });
}

void OffsetTracker::reset() {
    std::lock_guard lock(mu_);
    cycles_.clear();
}

size_t OffsetTracker::pending() const {
    std::lock_guard lock(mu_);
    return cycles_.size();
}

}  // namespace eveflow::input
