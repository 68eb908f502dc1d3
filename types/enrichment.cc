// Enrichment helpers: direction names and network prefixes.
#include "types/enrichment.h"

#include <iterator>
#include <string>

namespace eveflow {

std::string_view home_direction_name(HomeDirection d) {
    constexpr std::string_view kNames[] = {"", "outbound", "inbound", "internal", "external"};
    const auto i = static_cast<size_t>(d);
    return i < std::size(kNames) ? kNames[i] : "";
}

IpAddr network_of(const IpAddr& ip, uint8_t prefix_v4, uint8_t prefix_v6, uint8_t& prefix) {
    const bool v4 = ip.is_v4();
    prefix = v4 ? prefix_v4 : prefix_v6;
    // IPv4 is stored v4-mapped: its bits start after the first 96.
    const unsigned keep = v4 ? 96u + prefix : prefix;
    std::array<uint8_t, 16> b = ip.bytes();
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned bit = i * 8;
        if (bit >= keep) {
            b[i] = 0;
        } else if (keep - bit < 8) {
            b[i] = static_cast<uint8_t>(b[i] & (0xffu << (8 - (keep - bit))));
        }
    }
    return IpAddr::v6(b.data());
}

void append_cidr(std::string& out, const IpAddr& net, uint8_t prefix) {
    net.append_to(out);
    out += '/';
    out += std::to_string(prefix);
}

}  // namespace eveflow
