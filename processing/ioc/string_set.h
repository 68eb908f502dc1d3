// StringSet: a compact hash set of strings (one byte arena, 4-byte slots), each with the text
// it was written as.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eveflow::processing::ioc {

/// Keys and their original texts live in one arena; the table holds entry numbers (open
/// addressing, linear probing, at most half full). About 24 bytes per entry besides the
/// bytes of the strings. Not thread-safe; read-only sets may be shared.
class StringSet {
public:
    /// Adds `key`, written as `original`; false (and nothing added) if the key is there, or if
    /// the arena would pass 4 GiB.
    bool insert(std::string_view key, std::string_view original);
    /// The entry of `key`, if present.
    std::optional<uint32_t> find(std::string_view key) const;
    std::string_view original(uint32_t entry) const;
    size_t size() const { return entries_.size(); }
    size_t memory_bytes() const;
    void reserve(size_t n);

private:
    struct Entry {
        uint32_t off, len;            // the key in arena_
        uint32_t orig_off, orig_len;  // the original; orig_len == kSame: equal to the key
    };
    static constexpr uint32_t kSame = UINT32_MAX;

    std::string_view key(const Entry& e) const { return {arena_.data() + e.off, e.len}; }
    size_t slot_of(std::string_view key) const;
    void rehash(size_t slots);

    std::string arena_;
    std::vector<Entry> entries_;
    std::vector<uint32_t> slots_;  // entry + 1; 0 is empty; size a power of two
};

}  // namespace eveflow::processing::ioc
