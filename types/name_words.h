// NameWords: a short name's identity in two machine words, taken while its bytes are in cache.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace eveflow {

/// The first and last 8 bytes of a name and its size. The words overlap when the name is
/// shorter than 16 bytes and are zero-extended below 8, so they tell apart names of up to 16
/// bytes (Suricata's and nDPI's app_protos) without their text; longer names need a compare.
/// Fixed-size loads only: no call, no byte loop.
struct NameWords {
    uint64_t head = 0, tail = 0;
    uint32_t size = 0;

    bool operator==(const NameWords&) const = default;

    static NameWords of(std::string_view s) {
        const char* p = s.data();
        const size_t n = s.size();
        const auto size = static_cast<uint32_t>(n);
        if (n >= 8) return {load<uint64_t>(p), load<uint64_t>(p + n - 8), size};
        uint64_t v = 0;
        if (n >= 4) {
            v = load<uint32_t>(p) | (uint64_t{load<uint32_t>(p + n - 4)} << ((n - 4) * 8));
        } else if (n >= 2) {
            v = load<uint16_t>(p) | (uint64_t{load<uint16_t>(p + n - 2)} << ((n - 2) * 8));
        } else if (n == 1) {
            v = static_cast<unsigned char>(*p);
        }
        return {v, v, size};
    }

private:
    template <class T>
    static T load(const char* p) {
        T v;
        std::memcpy(&v, p, sizeof v);
        return v;
    }
};

}  // namespace eveflow
