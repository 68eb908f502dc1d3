// Enrichment: what the enrichment stage adds to a flow (direction, country, AS, Community ID).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "types/ip_addr.h"

namespace eveflow {

/// Where a flow runs relative to the configured home networks (Elastic ECS
/// `network.direction` words). kUnknown: no home_net configured, or an address is missing.
enum class HomeDirection : uint8_t { kUnknown, kOutbound, kInbound, kInternal, kExternal };

/// "outbound", "inbound", "internal", "external"; "" for kUnknown.
std::string_view home_direction_name(HomeDirection d);

/// An ISO 3166 alpha-2 code, two upper-case letters; all zero when unknown.
struct CountryCode {
    std::array<char, 2> c{};
    bool known() const { return c[0] != 0; }
    std::string_view text() const { return known() ? std::string_view(c.data(), 2) : ""; }
    bool operator==(const CountryCode&) const = default;
};

/// A Community ID as text ("1:" and 28 base64 characters), or empty.
struct CommunityIdText {
    static constexpr size_t kSize = 30;
    std::array<char, kSize> c{};
    bool known() const { return c[0] != 0; }
    std::string_view text() const { return known() ? std::string_view(c.data(), kSize) : ""; }
};

/// Filled by the enrichment stage (processing/enrich) before any handler sees the event; each
/// part stays unknown when its enricher is not configured.
struct Enrichment {
    HomeDirection home_direction = HomeDirection::kUnknown;
    CountryCode src_country, dest_country;
    uint32_t src_asn = 0, dest_asn = 0;  // 0: unknown (AS 0 is reserved)
    /// Computed for an event that has a 5-tuple but carried no community_id of its own (only
    /// when enrich.community_id is on).
    CommunityIdText community_id;
};

/// The network of `ip` with `prefix_v4` (IPv4) or `prefix_v6` (IPv6) leading bits kept; the
/// prefix length used is stored in `prefix` (in IPv4 terms for an IPv4 address).
IpAddr network_of(const IpAddr& ip, uint8_t prefix_v4, uint8_t prefix_v6, uint8_t& prefix);
/// The address's 16 bytes as two 8-byte words, in memory order.
inline std::array<uint64_t, 2> address_words(const IpAddr& ip) {
    std::array<uint64_t, 2> w;
    std::memcpy(w.data(), ip.bytes().data(), sizeof w);
    return w;
}
/// The mask that keeps the first `bits` (at most 128) bits of address_words().
std::array<uint64_t, 2> prefix_mask(unsigned bits);
/// Appends `10.1.2.0/24` or `2001:db8:1::/64`.
void append_cidr(std::string& out, const IpAddr& net, uint8_t prefix);

}  // namespace eveflow
