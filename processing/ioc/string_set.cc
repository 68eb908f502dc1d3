// StringSet: open addressing over entry numbers, strings in one arena.
#include "processing/ioc/string_set.h"

#include <functional>

namespace eveflow::processing::ioc {

size_t StringSet::slot_of(std::string_view k) const {
    const size_t mask = slots_.size() - 1;
    size_t i = std::hash<std::string_view>{}(k)&mask;
    while (slots_[i] != 0 && key(entries_[slots_[i] - 1]) != k) i = (i + 1) & mask;
    return i;
}

void StringSet::rehash(size_t slots) {
    slots_.assign(slots, 0);
    for (uint32_t e = 0; e < entries_.size(); ++e) slots_[slot_of(key(entries_[e]))] = e + 1;
}

void StringSet::reserve(size_t n) {
    entries_.reserve(n);
    size_t slots = 16;
    while (slots < 2 * n) slots *= 2;
    if (slots > slots_.size()) rehash(slots);
}

bool StringSet::insert(std::string_view k, std::string_view original) {
    if (slots_.empty()) rehash(16);
    size_t slot = slot_of(k);
    if (slots_[slot] != 0) return false;
    const bool same = original == k;
    if (arena_.size() + k.size() + (same ? 0 : original.size()) >= UINT32_MAX ||
        entries_.size() >= UINT32_MAX - 1) {
        return false;
    }
    Entry e{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(k.size()), 0, kSame};
    arena_.append(k);
    if (!same) {
        e.orig_off = static_cast<uint32_t>(arena_.size());
        e.orig_len = static_cast<uint32_t>(original.size());
        arena_.append(original);
    }
    entries_.push_back(e);
    slots_[slot] = static_cast<uint32_t>(entries_.size());
    if (2 * entries_.size() > slots_.size()) rehash(slots_.size() * 2);
    return true;
}

std::optional<uint32_t> StringSet::find(std::string_view k) const {
    if (slots_.empty()) return std::nullopt;
    uint32_t s = slots_[slot_of(k)];
    if (s == 0) return std::nullopt;
    return s - 1;
}

std::string_view StringSet::original(uint32_t entry) const {
    const Entry& e = entries_[entry];
    if (e.orig_len == kSame) return key(e);
    return {arena_.data() + e.orig_off, e.orig_len};
}

size_t StringSet::memory_bytes() const {
    return arena_.capacity() + entries_.capacity() * sizeof(Entry) +
           slots_.capacity() * sizeof(uint32_t);
}

}  // namespace eveflow::processing::ioc
