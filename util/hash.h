// Hash helpers shared by the hash tables of the flow meter and the aggregation.
#pragma once

#include <cstdint>
#include <cstring>

namespace eveflow {

/// MurmurHash3's 64-bit finaliser: every input bit affects every output bit.
inline uint64_t mix64(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/// Eight bytes at `p` as one word (any alignment, host byte order).
inline uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

}  // namespace eveflow
