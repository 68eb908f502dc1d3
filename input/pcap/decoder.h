// Packet decoder: link layer, VLAN/MPLS/PPPoE, IPv4/IPv6 and tunnels down to the flow key.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace eveflow::input::pcap {

/// Why a frame did not make it into a flow; the metric label is skip_reason_name().
enum class SkipReason : uint8_t {
    kNone,
    kTooShort,   // under 28 captured bytes, or shorter than its link header
    kNonIp,      // ARP, STP, FabricPath, ... anything that is not IPv4/IPv6
    kTruncated,  // IP total/payload length beyond the captured bytes (capture files only)
    kFragment,   // a non-first IP fragment (not reassembled)
    kBadHeader,  // IP header length below the minimum, IPv6 "no next header" and the like
    kCount,
};
std::string_view skip_reason_name(SkipReason r);

/// Link-layer types the decoder reads (pcap DLT_* values as libpcap reports them).
bool datalink_supported(int dlt);

constexpr int kMaxVlans = 4;

/// One decoded frame. `l3` points into the caller's frame buffer (the innermost IP header,
/// which is what nDPI gets); it stays valid only as long as that buffer.
struct DecodedPacket {
    const uint8_t* l3 = nullptr;
    uint32_t l3_caplen = 0;                // captured bytes from l3 to the end of the frame
    uint8_t ip_version = 0;                // 4 or 6
    uint8_t proto = 0;                     // innermost L4 protocol (after IPv6 extension headers)
    std::array<uint8_t, 16> src{}, dst{};  // IPv4 as v4-mapped IPv6
    uint16_t sport = 0, dport = 0;         // 0 when the L4 header is short or has no ports
    uint8_t tcp_flags = 0;                 // TCP only; 0 otherwise
    bool has_tcp_header = false;
    uint8_t vlan_count = 0;
    std::array<uint16_t, kMaxVlans> vlans{};  // outermost first (only the first kMaxVlans)
    uint16_t inner_vlan = 0;                  // innermost id: part of the flow key
    uint32_t ip_bytes = 0;                    // innermost IP datagram length (header + payload)
    uint32_t transport_bytes = 0;             // L4 header + payload
    uint32_t payload_bytes = 0;               // L4 payload
    uint8_t icmp_type = 0, icmp_code = 0;     // ICMP / ICMPv6 with 2+ header bytes
    bool has_icmp = false;

    /// UDP: the captured payload (names seen in DNS); null otherwise.
    const uint8_t* udp_payload = nullptr;
    uint32_t udp_payload_caplen = 0;
};

/// Decodes frames of one datalink. Stateless apart from its settings; cheap to copy.
/// Never reads outside [frame, frame + caplen).
class Decoder {
public:
    /// `strict_length`: skip packets whose IP length exceeds the captured bytes (files);
    /// live captures with a short snaplen pass false and count what they captured.
    Decoder(int dlt, bool decapsulate, bool strict_length)
        : dlt_(dlt), decapsulate_(decapsulate), strict_length_(strict_length) {}

    /// `wire_len`: the frame's length on the wire when the capture cut it (live, snaplen);
    /// the IP, transport and payload lengths then come from the headers, not the cut frame.
    SkipReason decode(const uint8_t* frame, uint32_t caplen, DecodedPacket& out,
                      uint32_t wire_len = 0) const;

private:
    struct Cursor;
    static void reset(DecodedPacket& out);
    SkipReason link(Cursor& c, DecodedPacket& out) const;
    SkipReason ethertype(Cursor& c, uint16_t type, DecodedPacket& out) const;
    SkipReason ip(Cursor& c, DecodedPacket& out, int depth) const;
    SkipReason ipv4(Cursor& c, DecodedPacket& out, int depth) const;
    SkipReason ipv6(Cursor& c, DecodedPacket& out, int depth) const;
    SkipReason l4(Cursor& c, uint32_t l4_len, uint32_t l4_wire, DecodedPacket& out,
                  int depth) const;
    SkipReason udp_tunnel(Cursor& c, uint32_t payload_off, DecodedPacket& out, int depth,
                          bool& taken) const;
    static bool gtp_u(const Cursor& c, uint32_t at, uint32_t& inner);
    static bool tzsp(const Cursor& c, uint32_t at, uint32_t& inner);
    static bool capwap(const Cursor& c, uint32_t at, uint32_t& inner, uint16_t& type);

    int dlt_;
    bool decapsulate_;
    bool strict_length_;
};

}  // namespace eveflow::input::pcap
