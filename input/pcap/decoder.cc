// Packet decoder: every read is bounds-checked against the captured length.
#include "input/pcap/decoder.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace eveflow::input::pcap {
namespace {

// pcap DLT_* values (Linux numbering) and LINKTYPE_* where libpcap passes them through.
constexpr int kDltNull = 0, kDltEthernet = 1, kDltPpp = 9, kDltRaw = 12, kDltRawBsd = 14;
constexpr int kDltPppSerial = 50, kDltLinktypeRaw = 101, kDltCHdlc = 104, kDltLoop = 108;
constexpr int kDltSll = 113, kDltIpv4 = 228, kDltIpv6 = 229, kDltSll2 = 276;

constexpr uint32_t kMinFrame = 28;  // ndpiReader drops shorter frames: so do we, counted
constexpr int kMaxDepth = 4;        // tunnels inside tunnels

// ::ffff:a.b.c.d stored as two 8-byte words: flow_hash() and the flow key read the address back
// as words, which then come straight from the store buffer (bytes stored one by one would hold
// up each word load until they all reach the cache).
void put_v4_mapped(std::array<uint8_t, 16>& a, const uint8_t* v4) {
    uint32_t addr;
    std::memcpy(&addr, v4, 4);
    const uint64_t hi = 0;
    const uint64_t lo = std::endian::native == std::endian::little
                            ? 0xFFFF0000ull | (static_cast<uint64_t>(addr) << 32)
                            : (0xFFFFull << 32) | addr;
    std::memcpy(a.data(), &hi, 8);
    std::memcpy(a.data() + 8, &lo, 8);
}
constexpr uint16_t kGtpUPort = 2152, kTzspPort = 37008, kCapwapDataPort = 5247;

}  // namespace

struct Decoder::Cursor {
    const uint8_t* p;
    uint32_t caplen;
    uint32_t wire;  // length on the wire, at least caplen
    uint32_t off = 0;

    bool has(uint32_t n) const { return off <= caplen && caplen - off >= n; }
    bool has_at(uint32_t at, uint32_t n) const { return at <= caplen && caplen - at >= n; }
    uint8_t u8(uint32_t at) const { return p[at]; }
    uint16_t be16(uint32_t at) const { return static_cast<uint16_t>(p[at] << 8 | p[at + 1]); }
    uint32_t be32(uint32_t at) const {
        return static_cast<uint32_t>(p[at]) << 24 | static_cast<uint32_t>(p[at + 1]) << 16 |
               static_cast<uint32_t>(p[at + 2]) << 8 | p[at + 3];
    }
    uint32_t left() const { return off <= caplen ? caplen - off : 0; }
};

std::string_view skip_reason_name(SkipReason r) {
    switch (r) {
        case SkipReason::kNone:
            return "none";
        case SkipReason::kTooShort:
            return "too_short";
        case SkipReason::kNonIp:
            return "non_ip";
        case SkipReason::kTruncated:
            return "truncated";
        case SkipReason::kFragment:
            return "fragment";
        case SkipReason::kBadHeader:
            return "bad_header";
        case SkipReason::kCount:
            break;
    }
    return "unknown";
}

bool datalink_supported(int dlt) {
    switch (dlt) {
        case kDltNull:
        case kDltEthernet:
        case kDltPpp:
        case kDltRaw:
        case kDltRawBsd:
        case kDltPppSerial:
        case kDltLinktypeRaw:
        case kDltCHdlc:
        case kDltLoop:
        case kDltSll:
        case kDltIpv4:
        case kDltIpv6:
        case kDltSll2:
            return true;
        default:
            return false;
    }
}

// `out = DecodedPacket{}` field by field: the compiler then clears it with a few wide stores
// instead of a string instruction whose start-up cost dominated decoding a packet.
void Decoder::reset(DecodedPacket& out) {
    static_assert(sizeof(DecodedPacket) == 96, "a field was added: reset it here too");
    out.l3 = nullptr;
    out.l3_caplen = 0;
    out.ip_version = 0;
    out.proto = 0;
    out.src = {};
    out.dst = {};
    out.sport = out.dport = 0;
    out.tcp_flags = 0;
    out.has_tcp_header = false;
    out.vlan_count = 0;
    out.vlans = {};
    out.inner_vlan = 0;
    out.ip_bytes = out.transport_bytes = out.payload_bytes = 0;
    out.icmp_type = out.icmp_code = 0;
    out.has_icmp = false;
    out.udp_payload = nullptr;
    out.udp_payload_caplen = 0;
}

SkipReason Decoder::decode(const uint8_t* frame, uint32_t caplen, DecodedPacket& out,
                           uint32_t wire_len) const {
    reset(out);
    if (caplen < kMinFrame) return SkipReason::kTooShort;
    Cursor c{frame, caplen, std::max(caplen, wire_len)};
    return link(c, out);
}

SkipReason Decoder::link(Cursor& c, DecodedPacket& out) const {
    switch (dlt_) {
        case kDltEthernet: {
            if (!c.has(14)) return SkipReason::kTooShort;
            uint16_t type = c.be16(c.off + 12);
            c.off += 14;
            if (type > 1500) return ethertype(c, type, out);
            // 802.3 length field: only LLC/SNAP carries an ethertype (STP and the rest are not IP).
            if (!c.has(8) || c.u8(c.off) != 0xAA || c.u8(c.off + 1) != 0xAA)
                return SkipReason::kNonIp;
            type = c.be16(c.off + 6);
            c.off += 8;
            return ethertype(c, type, out);
        }
        case kDltSll: {
            if (!c.has(16)) return SkipReason::kTooShort;
            uint16_t type = c.be16(14);
            c.off = 16;
            return ethertype(c, type, out);
        }
        case kDltSll2: {
            if (!c.has(20)) return SkipReason::kTooShort;
            uint16_t type = c.be16(0);
            c.off = 20;
            return ethertype(c, type, out);
        }
        case kDltNull:
        case kDltLoop:
            // The family word's byte order depends on the writer; the IP version nibble decides.
            c.off = 4;
            return ip(c, out, 0);
        case kDltRaw:
        case kDltRawBsd:
        case kDltLinktypeRaw:
        case kDltIpv4:
        case kDltIpv6:
            return ip(c, out, 0);
        case kDltPpp:
        case kDltPppSerial:
        case kDltCHdlc: {
            if (c.u8(0) == 0x0F || c.u8(0) == 0x8F) {  // Cisco HDLC: address, control, ethertype
                c.off = 4;
                return ethertype(c, c.be16(2), out);
            }
            uint32_t at = (c.u8(0) == 0xFF && c.u8(1) == 0x03) ? 2 : 0;  // HDLC-framed PPP
            uint16_t proto = c.be16(at);
            c.off = at + 2;
            if (proto == 0x0021 || proto == 0x0057) return ip(c, out, 0);
            return SkipReason::kNonIp;
        }
        default:
            return SkipReason::kNonIp;
    }
}

SkipReason Decoder::ethertype(Cursor& c, uint16_t type, DecodedPacket& out) const {
    for (int tags = 0; type == 0x8100 || type == 0x88A8 || type == 0x9100; ++tags) {
        if (!c.has(4)) return SkipReason::kTooShort;
        uint16_t id = c.be16(c.off) & 0x0FFF;
        if (out.vlan_count < kMaxVlans) out.vlans[out.vlan_count++] = id;
        out.inner_vlan = id;
        type = c.be16(c.off + 2);
        c.off += 4;
    }
    switch (type) {
        case 0x0800:
        case 0x86DD:
            return ip(c, out, 0);
        case 0x8847:
        case 0x8848: {  // MPLS: labels up to bottom-of-stack, then IP
            while (true) {
                if (!c.has(4)) return SkipReason::kTooShort;
                uint32_t label = c.be32(c.off);
                c.off += 4;
                if (label & 0x100) break;
            }
            if (!c.has(1)) return SkipReason::kTooShort;
            uint8_t v = c.u8(c.off) >> 4;
            return (v == 4 || v == 6) ? ip(c, out, 0) : SkipReason::kNonIp;
        }
        case 0x8864: {  // PPPoE session: 6-byte header, then the PPP protocol
            if (!c.has(8)) return SkipReason::kTooShort;
            uint16_t proto = c.be16(c.off + 6);
            c.off += 8;
            return (proto == 0x0021 || proto == 0x0057) ? ip(c, out, 0) : SkipReason::kNonIp;
        }
        default:
            return SkipReason::kNonIp;
    }
}

SkipReason Decoder::ip(Cursor& c, DecodedPacket& out, int depth) const {
    if (depth > kMaxDepth) return SkipReason::kBadHeader;
    out.sport = out.dport = 0;  // an inner header replaces what an outer one set
    out.tcp_flags = 0;
    out.has_tcp_header = false;
    if (!c.has(1)) return SkipReason::kTooShort;
    switch (c.u8(c.off) >> 4) {
        case 4:
            return ipv4(c, out, depth);
        case 6:
            return ipv6(c, out, depth);
        default:
            return SkipReason::kNonIp;
    }
}

SkipReason Decoder::ipv4(Cursor& c, DecodedPacket& out, int depth) const {
    if (!c.has(20)) return SkipReason::kTooShort;
    uint32_t hl = (c.u8(c.off) & 0x0F) * 4u;
    uint32_t total = c.be16(c.off + 2);
    // Live capture on a host with TCP segmentation offload sees total length 0: use the
    // frame's length on the wire.
    if (total == 0 && !strict_length_ && c.wire >= c.off) total = c.wire - c.off;
    if (hl < 20 || total < hl) return SkipReason::kBadHeader;
    if (!c.has(hl)) return SkipReason::kTooShort;
    if (total > c.left()) {
        if (strict_length_) return SkipReason::kTruncated;
    }
    // Addresses first: a skipped fragment still names its datagram's pair (flow_hash()).
    put_v4_mapped(out.src, c.p + c.off + 12);
    put_v4_mapped(out.dst, c.p + c.off + 16);
    if ((c.be16(c.off + 6) & 0x1FFF) != 0) return SkipReason::kFragment;
    uint8_t proto = c.u8(c.off + 9);
    out.l3 = c.p + c.off;
    out.l3_caplen = c.left();
    out.ip_version = 4;
    out.proto = proto;
    out.ip_bytes = total;
    uint32_t l4_len = std::min(total, c.left()) - hl;
    c.off += hl;
    if (proto == 4 || proto == 41) return ip(c, out, depth + 1);
    return l4(c, l4_len, total - hl, out, depth);
}

SkipReason Decoder::ipv6(Cursor& c, DecodedPacket& out, int depth) const {
    if (!c.has(40)) return SkipReason::kTooShort;
    uint32_t plen = c.be16(c.off + 4);
    if (plen > c.left() - 40 && strict_length_) return SkipReason::kTruncated;
    // Payload length 0 from segmentation offload (or a jumbogram): the wire length.
    if (plen == 0 && !strict_length_ && c.wire >= c.off + 40) plen = c.wire - c.off - 40;
    out.l3 = c.p + c.off;
    out.l3_caplen = c.left();
    out.ip_version = 6;
    out.ip_bytes = 40 + plen;
    std::memcpy(out.src.data(), c.p + c.off + 8, 16);
    std::memcpy(out.dst.data(), c.p + c.off + 24, 16);
    uint8_t next = c.u8(c.off + 6);
    uint32_t end = c.off + 40 + std::min(plen, c.left() - 40);
    uint32_t wire_end = c.off + 40 + plen;
    c.off += 40;
    while (next == 0 || next == 43 || next == 60 || next == 44 || next == 51 || next == 135) {
        if (!c.has_at(c.off, 8) || c.off + 8 > end) return SkipReason::kBadHeader;
        uint32_t len = next == 44   ? 8
                       : next == 51 ? (c.u8(c.off + 1) + 2u) * 4
                                    : (c.u8(c.off + 1) + 1u) * 8;
        if (next == 44 && (c.be16(c.off + 2) >> 3) != 0) return SkipReason::kFragment;
        next = c.u8(c.off);
        c.off += len;
        if (c.off > end) return SkipReason::kBadHeader;
    }
    if (next == 59) return SkipReason::kBadHeader;  // no next header: nothing to key a flow on
    out.proto = next;
    if (next == 4 || next == 41) return ip(c, out, depth + 1);
    return l4(c, end - c.off, wire_end - c.off, out, depth);
}

// `l4_len`: the captured L4 bytes (header checks); `l4_wire`: the L4 length from the IP
// header (counted), larger when the capture cut the frame.
SkipReason Decoder::l4(Cursor& c, uint32_t l4_len, uint32_t l4_wire, DecodedPacket& out,
                       int depth) const {
    out.transport_bytes = l4_wire;
    out.payload_bytes = l4_wire;
    out.udp_payload = nullptr;
    out.udp_payload_caplen = 0;
    switch (out.proto) {
        case 6:
            if (l4_len < 20) return SkipReason::kNone;  // short header: ports 0, as ndpiReader
            out.sport = c.be16(c.off);
            out.dport = c.be16(c.off + 2);
            out.tcp_flags = c.u8(c.off + 13);
            out.has_tcp_header = true;
            out.payload_bytes = l4_wire - std::min<uint32_t>((c.u8(c.off + 12) >> 4) * 4u, l4_wire);
            return SkipReason::kNone;
        case 17: {
            if (l4_len < 8) return SkipReason::kNone;
            out.sport = c.be16(c.off);
            out.dport = c.be16(c.off + 2);
            out.payload_bytes = l4_wire - 8;
            if (c.left() >= 8) {
                out.udp_payload = c.p + c.off + 8;
                out.udp_payload_caplen = std::min(l4_len - 8, c.left() - 8);
            }
            if (!decapsulate_) return SkipReason::kNone;
            bool taken = false;
            DecodedPacket inner = out;
            Cursor ic = c;
            SkipReason r = udp_tunnel(ic, c.off + 8, inner, depth, taken);
            if (taken) out = inner;
            return taken ? r : SkipReason::kNone;
        }
        case 1:  // ICMP and ICMPv6: type and code (the Community ID's "ports")
        case 58:
            if (l4_len < 2) return SkipReason::kNone;
            out.icmp_type = c.u8(c.off);
            out.icmp_code = c.u8(c.off + 1);
            out.has_icmp = true;
            return SkipReason::kNone;
        case 132:  // SCTP: ports like TCP/UDP
            if (l4_len < 12) return SkipReason::kNone;
            out.sport = c.be16(c.off);
            out.dport = c.be16(c.off + 2);
            out.payload_bytes = l4_wire - 12;
            return SkipReason::kNone;
        default:
            return SkipReason::kNone;
    }
}

// GTP-U, TZSP and CAPWAP data, as ndpiReader -t: the flow becomes the inner one. `taken`
// stays false when the payload is not a tunnelled packet (the UDP flow is kept).
SkipReason Decoder::udp_tunnel(Cursor& c, uint32_t at, DecodedPacket& out, int depth,
                               bool& taken) const {
    if (depth >= kMaxDepth) return SkipReason::kNone;
    auto either = [&](uint16_t port) { return out.sport == port || out.dport == port; };
    uint32_t inner = 0;
    bool ethernet = false, has_type = false;
    uint16_t type = 0;
    if (either(kGtpUPort)) {
        if (!gtp_u(c, at, inner)) return SkipReason::kNone;
    } else if (either(kTzspPort)) {
        if (!tzsp(c, at, inner)) return SkipReason::kNone;
        ethernet = true;
    } else if (either(kCapwapDataPort)) {
        if (!capwap(c, at, inner, type)) return SkipReason::kNone;
        has_type = true;
    } else {
        return SkipReason::kNone;
    }
    taken = true;
    if (ethernet) {  // an Ethernet frame at `inner`
        c.off = inner + 14;
        return ethertype(c, c.be16(inner + 12), out);
    }
    c.off = inner;
    return has_type ? ethertype(c, type, out) : ip(c, out, depth + 1);
}

// GTPv1-U T-PDU: 8-byte header, 4 more with S/PN/E flags, then extension headers.
bool Decoder::gtp_u(const Cursor& c, uint32_t at, uint32_t& inner) {
    if (!c.has_at(at, 8) || (c.u8(at) >> 5) != 1 || c.u8(at + 1) != 0xFF) return false;
    uint8_t flags = c.u8(at);
    uint32_t hl = 8 + ((flags & 0x07) ? 4 : 0);
    if (flags & 0x04) {
        while (c.has_at(at, hl) && c.u8(at + hl - 1) != 0) {  // next extension type
            if (!c.has_at(at + hl, 1) || c.u8(at + hl) == 0) return false;
            hl += c.u8(at + hl) * 4u;
        }
    }
    if (!c.has_at(at + hl, 1)) return false;
    uint8_t v = c.u8(at + hl) >> 4;
    inner = at + hl;
    return v == 4 || v == 6;
}

// TZSP version 1, type 0 (received), encapsulating Ethernet; tagged fields end with tag 1.
bool Decoder::tzsp(const Cursor& c, uint32_t at, uint32_t& inner) {
    if (!c.has_at(at, 4) || c.u8(at) != 1 || c.u8(at + 1) != 0 || c.be16(at + 2) != 1) return false;
    uint32_t off = at + 4;
    while (true) {
        if (!c.has_at(off, 1)) return false;
        uint8_t tag = c.u8(off);
        if (tag == 1) break;  // END
        if (tag == 0) {       // PADDING
            ++off;
            continue;
        }
        if (!c.has_at(off, 2)) return false;
        off += 2u + c.u8(off + 1);
    }
    inner = off + 1;
    return c.has_at(inner, 14);
}

// CAPWAP data: an 802.3 frame, or (T bit) an 802.11 data frame with LLC/SNAP.
bool Decoder::capwap(const Cursor& c, uint32_t at, uint32_t& inner, uint16_t& type) {
    if (!c.has_at(at, 8) || (c.u8(at) & 0xF0) != 0) return false;
    uint32_t w = c.be32(at);
    uint32_t off = at + ((w >> 19) & 0x1F) * 4u;
    if (!((w >> 8) & 1)) {
        if (!c.has_at(off, 14)) return false;
        type = c.be16(off + 12);
        inner = off + 14;
        return true;
    }
    if (!c.has_at(off, 24) || (c.u8(off) & 0x0C) != 0x08) return false;
    uint32_t llc = off + 24 + ((c.u8(off) & 0x80) ? 2 : 0);
    if (!c.has_at(llc, 8) || c.u8(llc) != 0xAA) return false;
    type = c.be16(llc + 6);
    inner = llc + 8;
    return true;
}

}  // namespace eveflow::input::pcap
