// IpAddr: an IPv4 or IPv6 address in 16 bytes (IPv4 stored v4-mapped), printed per RFC 5952.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace eveflow {

class IpAddr {
public:
    IpAddr() = default;
    static IpAddr v4(uint32_t host_order);
    static IpAddr v6(const uint8_t bytes[16]);

    /// Dotted quad, or IPv6 in any valid text form (zero-padded groups as Suricata writes
    /// them, `::` compression, embedded IPv4). nullopt for anything else, "" included.
    static std::optional<IpAddr> parse(std::string_view text);

    /// IPv4 (and IPv4-mapped IPv6) addresses count as IPv4 and print dotted-quad.
    bool is_v4() const;
    uint32_t v4_host_order() const;
    const std::array<uint8_t, 16>& bytes() const { return bytes_; }

    /// Appends the RFC 5952 text form (lower case, longest zero run of 2+ groups as `::`).
    void append_to(std::string& out) const;
    std::string to_string() const;

    auto operator<=>(const IpAddr&) const = default;

private:
    std::array<uint8_t, 16> bytes_{};
};

}  // namespace eveflow
