// FlowIds: flow_id values for the meter, unique per sensor across threads and restarts.
#pragma once

#include <cstdint>

namespace eveflow::input::pcap {

/// An id is a random 21-bit prefix (never 0) above a 32-bit counter, so every id is below
/// 2^53 (exact as a JSON number and in a PostgreSQL bigint). Each meter draws its own prefix,
/// distinct from those of the other meters of the process, and a new one when its counter
/// wraps; two runs share a prefix with probability about 1 in 2 million per pair of prefixes.
/// Single-threaded (one per meter); drawing a prefix takes a process-wide lock.
class FlowIds {
public:
    static constexpr int kCounterBits = 32;
    static constexpr int kPrefixBits = 21;

    FlowIds() { draw(); }
    FlowIds(const FlowIds&) = delete;
    FlowIds& operator=(const FlowIds&) = delete;

    uint64_t next() {
        if (counter_ == kCounterEnd) draw();
        return prefix_ << kCounterBits | counter_++;
    }

private:
    static constexpr uint64_t kCounterEnd = uint64_t{1} << kCounterBits;
    void draw();

    uint64_t prefix_ = 0;
    uint64_t counter_ = 0;
};

}  // namespace eveflow::input::pcap
