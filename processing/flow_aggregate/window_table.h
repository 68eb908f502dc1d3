// WindowTable: the open (key -> running sums) entries of one window, open addressing.
#pragma once

#include <cstdint>
#include <memory>
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

/// Linear probing over a power-of-two array of small slots (an entry number and 32 bits of
/// the key's hash), load factor at most 1/2; the entries themselves sit densely in chunks that
/// never move, so growing copies slots only. No erase: a window is emitted whole and the table
/// cleared, keeping its slots and chunks (already faulted in) for the next window, so a steady
/// stream allocates nothing, unless a burst left it far too large. Entries are visited in slot
/// order, the order of the keys' places in the slot array.
class WindowTable {
public:
    WindowTable() : slots_(kMinCapacity) {}
    ~WindowTable();
    WindowTable(const WindowTable&) = delete;
    WindowTable& operator=(const WindowTable&) = delete;

    /// The entry of `key` (hash `h`), created zeroed if absent (`inserted` set then).
    Accum& find_or_insert(const FlowKey& key, uint64_t h, bool& inserted) {
        size_t mask = slots_.size() - 1;
        const auto tag = static_cast<uint32_t>(h);
        for (size_t i = h & mask;; i = (i + 1) & mask) {
            const Slot s = slots_[i];
            if (s.entry == 0) {
                if ((size_ + 1) * 2 > slots_.size()) {
                    grow();
                    return find_or_insert(key, h, inserted);
                }
                Entry& e = new_entry(key);
                slots_[i] = Slot{static_cast<uint32_t>(size_), tag};  // entry size_ - 1, plus 1
                inserted = true;
                return e.acc;
            }
            if (s.tag == tag) {
                Entry& e = entry(s.entry - 1);
                if (e.key == key) {
                    inserted = false;
                    return e.acc;
                }
            }
        }
    }

    /// Starts loading the first slot a key of hash `h` probes.
    void prefetch(uint64_t h) const { __builtin_prefetch(&slots_[h & (slots_.size() - 1)]); }

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    template <typename F>
    void for_each(F&& f) {
        constexpr size_t kAhead = 8;  // entries are scattered: load a few slots ahead
        const size_t n = slots_.size();
        for (size_t i = 0; i < n; ++i) {
            if (i + kAhead < n && slots_[i + kAhead].entry != 0)
                __builtin_prefetch(&entry(slots_[i + kAhead].entry - 1));
            if (slots_[i].entry == 0) continue;
            Entry& e = entry(slots_[i].entry - 1);
            f(e.key, e.acc);
        }
    }

    /// Empties the table; shrinks it when it is far larger than what it held.
    void clear();

private:
    struct Slot {
        uint32_t entry = 0;  // 1 + the entry's number; 0: free
        uint32_t tag = 0;    // the low 32 bits of the key's hash
    };
    struct Entry {
        FlowKey key;
        Accum acc;
    };
    static constexpr size_t kMinCapacity = 64;
    static constexpr size_t kChunkShift = 12;  // 4096 entries (672 KiB) a chunk
    static constexpr size_t kChunkEntries = size_t{1} << kChunkShift;
    struct FreeChunk {
        void operator()(Entry* p) const;
    };
    using Chunk = std::unique_ptr<Entry, FreeChunk>;

    Entry& entry(size_t n) { return chunks_[n >> kChunkShift].get()[n & (kChunkEntries - 1)]; }
    /// Constructs entry size_ (key, zeroed sums) and counts it.
    Entry& new_entry(const FlowKey& key);
    void grow();
    /// Destroys entries [0, size_).
    void destroy_entries();

    std::vector<Slot> slots_;
    std::vector<Chunk> chunks_;  // storage of entries; the first size_ are constructed
    size_t size_ = 0;
};

}  // namespace eveflow::processing
