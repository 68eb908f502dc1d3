// WindowTable growth, entry storage and reuse.
#include "processing/flow_aggregate/window_table.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <new>
#include <utility>

namespace eveflow::processing {

void WindowTable::FreeChunk::operator()(Entry* p) const {
    ::operator delete (p, std::align_val_t{alignof(Entry)});
}

WindowTable::~WindowTable() { destroy_entries(); }

WindowTable::Entry& WindowTable::new_entry(const FlowKey& key) {
    const size_t n = size_;
    if ((n >> kChunkShift) == chunks_.size()) {
        // Raw storage: an entry is written once, when its key arrives, never zeroed before.
        void* p = ::operator new (kChunkEntries * sizeof(Entry), std::align_val_t{alignof(Entry)});
        chunks_.emplace_back(static_cast<Entry*>(p));
    }
    Entry* e = &chunks_[n >> kChunkShift].get()[n & (kChunkEntries - 1)];
    ::new (e) Entry{key, Accum{}};
    ++size_;
    return *e;
}

void WindowTable::destroy_entries() {
    for (size_t n = 0; n < size_; ++n) entry(n).~Entry();
    size_ = 0;
}

void WindowTable::grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    // The tag is the hash's low 32 bits: the whole place while the mask fits in them.
    const bool tag_places = mask <= std::numeric_limits<uint32_t>::max();
    for (const Slot& s : old) {
        if (s.entry == 0) continue;
        size_t i = (tag_places ? s.tag : hash_key(entry(s.entry - 1).key)) & mask;
        while (slots_[i].entry != 0) i = (i + 1) & mask;
        slots_[i] = s;
    }
}

void WindowTable::clear() {
    const size_t held = size_;
    destroy_entries();
    const size_t want = std::bit_ceil(std::max(kMinCapacity, held * 4));
    if (slots_.size() > want * 4) {
        std::vector<Slot>(want).swap(slots_);
        // Keep the chunks for the entries the smaller table holds before it grows.
        const size_t keep = (want / 2 + kChunkEntries - 1) >> kChunkShift;
        if (chunks_.size() > keep)
            chunks_.erase(chunks_.begin() + static_cast<ptrdiff_t>(keep), chunks_.end());
        return;
    }
    std::fill(slots_.begin(), slots_.end(), Slot{});
}

}  // namespace eveflow::processing
