// BloomFilter: two 64-bit hashes of the key make the k probe positions.
#include "processing/ioc/bloom.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "util/hash.h"

namespace eveflow::processing::ioc {

BloomFilter::BloomFilter(size_t expected, double rate) {
    const double n = static_cast<double>(std::max<size_t>(expected, 1));
    const double ln2 = std::log(2.0);
    const double m = std::ceil(-n * std::log(rate) / (ln2 * ln2));
    words_.assign(static_cast<size_t>(m / 64) + 1, 0);
    probes_ = static_cast<unsigned>(std::max(1.0, std::round(m / n * ln2)));
}

namespace {

struct Probe {
    uint64_t h1, h2, bits;
    uint64_t at(unsigned i) const { return (h1 + i * h2) % bits; }
};

Probe probe_of(std::string_view key, size_t bits) {
    const uint64_t h = std::hash<std::string_view>{}(key);
    return {h, mix64(h ^ 0x9e3779b97f4a7c15ULL) | 1, bits};
}

}  // namespace

void BloomFilter::add(std::string_view key) {
    const Probe p = probe_of(key, bits());
    for (unsigned i = 0; i < probes_; ++i) {
        const uint64_t b = p.at(i);
        words_[b / 64] |= uint64_t{1} << (b % 64);
    }
}

bool BloomFilter::maybe_contains(std::string_view key) const {
    const Probe p = probe_of(key, bits());
    for (unsigned i = 0; i < probes_; ++i) {
        const uint64_t b = p.at(i);
        if (!(words_[b / 64] >> (b % 64) & 1)) return false;
    }
    return true;
}

}  // namespace eveflow::processing::ioc
