// WindowTable: the open (key -> running sums) entries of one window, open addressing.
#pragma once

#include <cstdint>
#include <vector>

#include "processing/flow_aggregate/flow_key.h"
#include "processing/flow_aggregate/port_set.h"

namespace eveflow::processing {

/// Running sums of one (window, key).
struct Accum {
    uint64_t flows = 0;
    uint64_t flows_active = 0;
    bool has_active = false;  // fed by a record with a delta (interim updates on)
    uint64_t pkts_toserver = 0, pkts_toclient = 0, bytes_toserver = 0, bytes_toclient = 0;
    int64_t first_seen = 0, last_seen = 0;
    PortSet src_ports;
};

/// Linear probing over a power-of-two array of slots, load factor at most 1/2. No erase:
/// a window is emitted whole and the table cleared, keeping its capacity for the next window
/// (so a steady stream allocates nothing), unless a burst left it far too large.
class WindowTable {
public:
    struct Slot {
        FlowKey key;
        Accum acc;
        bool used = false;
    };

    WindowTable() { slots_.resize(kMinCapacity); }

    /// The entry of `key` (hash `h`), created zeroed if absent (`inserted` set then).
    Accum& find_or_insert(const FlowKey& key, uint64_t h, bool& inserted) {
        size_t mask = slots_.size() - 1;
        for (size_t i = h & mask;; i = (i + 1) & mask) {
            Slot& s = slots_[i];
            if (!s.used) {
                if ((size_ + 1) * 2 > slots_.size()) {
                    grow();
                    return find_or_insert(key, h, inserted);
                }
                s.used = true;
                s.key = key;
                ++size_;
                inserted = true;
                return s.acc;
            }
            if (s.key == key) {
                inserted = false;
                return s.acc;
            }
        }
    }

    /// Starts loading the first slot a key of hash `h` probes.
    void prefetch(uint64_t h) const {
        const Slot& s = slots_[h & (slots_.size() - 1)];
        __builtin_prefetch(&s);
        __builtin_prefetch(&s.used);
    }

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    template <typename F>
    void for_each(F&& f) {
        for (Slot& s : slots_) {
            if (s.used) f(s.key, s.acc);
        }
    }

    /// Empties the table; shrinks it when it is far larger than what it held.
    void clear();

private:
    static constexpr size_t kMinCapacity = 64;
    void grow();

    std::vector<Slot> slots_;
    size_t size_ = 0;
};

}  // namespace eveflow::processing
