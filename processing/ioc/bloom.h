// BloomFilter: set membership with false positives at a chosen rate and no false negatives,
// for domain lists too large to keep as strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace eveflow::processing::ioc {

/// Sized for `expected` keys at false-positive rate `rate` per lookup:
/// m = -n ln(p) / ln(2)^2 bits, k = round(m/n ln 2) probes (Kirsch-Mitzenmacher double
/// hashing). Once more keys than `expected` are added the rate rises.
class BloomFilter {
public:
    BloomFilter(size_t expected, double rate);
    void add(std::string_view key);
    bool maybe_contains(std::string_view key) const;
    size_t bits() const { return words_.size() * 64; }
    unsigned probes() const { return probes_; }
    size_t memory_bytes() const { return words_.capacity() * sizeof(uint64_t); }

private:
    std::vector<uint64_t> words_;
    unsigned probes_ = 1;
};

}  // namespace eveflow::processing::ioc
