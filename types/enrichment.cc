// Enrichment helpers: direction names and network prefixes.
#include "types/enrichment.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>
#include <string>

namespace eveflow {

std::string_view home_direction_name(HomeDirection d) {
    constexpr std::string_view kNames[] = {"", "outbound", "inbound", "internal", "external"};
    const auto i = static_cast<size_t>(d);
    return i < std::size(kNames) ? kNames[i] : "";
}

std::array<uint64_t, 2> prefix_mask(unsigned bits) {
    bits = std::min(bits, 128u);
    // The first n bits of a word as the bytes lie in memory (big-endian order).
    auto word = [](unsigned n) {
        const uint64_t m = n == 0 ? 0 : ~uint64_t{0} << (64 - n);
        return std::endian::native == std::endian::little ? __builtin_bswap64(m) : m;
    };
    return {word(std::min(bits, 64u)), word(bits > 64 ? bits - 64 : 0)};
}

IpAddr network_of(const IpAddr& ip, uint8_t prefix_v4, uint8_t prefix_v6, uint8_t& prefix) {
    const bool v4 = ip.is_v4();
    prefix = v4 ? prefix_v4 : prefix_v6;
    // IPv4 is stored v4-mapped: its bits start after the first 96.
    const std::array<uint64_t, 2> mask = prefix_mask(v4 ? 96u + prefix : prefix);
    std::array<uint64_t, 2> w = address_words(ip);
    w[0] &= mask[0];
    w[1] &= mask[1];
    uint8_t b[16];
    std::memcpy(b, w.data(), sizeof b);
    return IpAddr::v6(b);
}

void append_cidr(std::string& out, const IpAddr& net, uint8_t prefix) {
    net.append_to(out);
    out += '/';
    out += std::to_string(prefix);
}

}  // namespace eveflow
