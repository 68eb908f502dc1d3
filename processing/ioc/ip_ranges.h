// IpRanges: addresses and CIDR ranges (IPv4 and IPv6) as sorted disjoint ranges, each pointing
// at the most specific entry that covers it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "types/ip_addr.h"

namespace eveflow::processing::ioc {

/// Build with add() then build(); lookups are a binary search. Nested ranges (10.0.0.0/8 and
/// 10.1.2.3) give the innermost entry for the addresses it covers.
class IpRanges {
public:
    /// `bits` counts over the 16-byte form (an IPv4 /24 is 120). Of entries for the same
    /// range, build() keeps the first one added.
    void add(const IpAddr& network, uint8_t bits, std::string_view original);
    void build();
    /// The original text of the entry covering `ip`.
    std::optional<std::string_view> find(const IpAddr& ip) const;
    size_t size() const { return nets_.size(); }
    size_t memory_bytes() const;

    /// 128-bit address arithmetic.
    struct U128 {
        uint64_t hi = 0, lo = 0;
        auto operator<=>(const U128&) const = default;
    };

private:
    struct Net {
        U128 lo, hi;
        uint8_t bits;
        uint32_t off, len;  // original text in arena_
    };
    struct Segment {
        U128 lo, hi;
        uint32_t net;
    };
    void emit(const U128& lo, const U128& hi, uint32_t net);

    std::vector<Net> nets_;
    std::vector<Segment> segments_;
    std::string arena_;
};

}  // namespace eveflow::processing::ioc
