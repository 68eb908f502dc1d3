// WindowTable growth and reuse.
#include "processing/flow_aggregate/window_table.h"

#include <bit>
#include <utility>

namespace eveflow::processing {

void WindowTable::grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_t mask = slots_.size() - 1;
    for (Slot& s : old) {
        if (!s.used) continue;
        size_t i = hash_key(s.key) & mask;
        while (slots_[i].used) i = (i + 1) & mask;
        slots_[i] = std::move(s);
    }
}

void WindowTable::clear() {
    size_t held = size_;
    size_ = 0;
    size_t want = std::bit_ceil(std::max(kMinCapacity, held * 4));
    if (slots_.size() > want * 4) {
        std::vector<Slot>(want).swap(slots_);
        return;
    }
    for (Slot& s : slots_) {
        if (!s.used) continue;
        s.used = false;
        s.acc = Accum{};
    }
}

}  // namespace eveflow::processing
