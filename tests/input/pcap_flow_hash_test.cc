// flow_hash: symmetric, VLAN-sensitive, fragments with their datagram; spreads over workers.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <vector>

#include "input/pcap/flow_hash.h"

namespace eveflow::input::pcap {
namespace {

constexpr int kDltEthernet = 1;

struct Frame {
    std::array<uint8_t, 4> src{10, 0, 0, 1}, dst{10, 0, 0, 2};
    uint16_t sport = 1234, dport = 53;
    int vlan = -1;             // none
    uint16_t frag_offset = 0;  // IPv4 fragment offset in 8-byte units
    bool more_fragments = false;
};

void put16(std::vector<uint8_t>& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}

// Ethernet, an optional 802.1Q tag, IPv4, then UDP (the first fragment) or payload bytes.
std::vector<uint8_t> ipv4_udp(const Frame& f) {
    std::vector<uint8_t> b(12, 0x02);  // MAC addresses
    if (f.vlan >= 0) {
        put16(b, 0x8100);
        put16(b, static_cast<uint16_t>(f.vlan));
    }
    put16(b, 0x0800);
    const uint16_t total = 20 + 8 + 16;
    b.insert(b.end(), {0x45, 0});
    put16(b, total);
    put16(b, 0x1234);  // identification
    put16(b, static_cast<uint16_t>((f.more_fragments ? 0x2000 : 0) | f.frag_offset));
    b.insert(b.end(), {64, 17, 0, 0});
    b.insert(b.end(), f.src.begin(), f.src.end());
    b.insert(b.end(), f.dst.begin(), f.dst.end());
    put16(b, f.sport);
    put16(b, f.dport);
    put16(b, 8 + 16);
    put16(b, 0);
    b.resize(b.size() + 16, 0xAB);
    return b;
}

// Ethernet, IPv6 with a fragment header (offset in 8-byte units), then 16 payload bytes.
std::vector<uint8_t> ipv6_fragment(uint8_t last_src, uint8_t last_dst, uint16_t offset) {
    std::vector<uint8_t> b(12, 0x02);
    put16(b, 0x86DD);
    b.insert(b.end(), {0x60, 0, 0, 0});
    put16(b, 8 + 16);
    b.insert(b.end(), {44, 64});
    std::array<uint8_t, 16> src{0x20, 0x01, 0x0d, 0xb8};
    std::array<uint8_t, 16> dst = src;
    src[15] = last_src;
    dst[15] = last_dst;
    b.insert(b.end(), src.begin(), src.end());
    b.insert(b.end(), dst.begin(), dst.end());
    b.insert(b.end(), {17, 0});
    put16(b, static_cast<uint16_t>(offset << 3 | (offset == 0 ? 1 : 0)));
    b.insert(b.end(), {0, 0, 0, 7});  // identification
    b.resize(b.size() + 16, 0xCD);
    return b;
}

uint64_t hash_of(const std::vector<uint8_t>& frame, SkipReason* reason = nullptr) {
    Decoder d(kDltEthernet, true, true);
    DecodedPacket p;
    SkipReason r = d.decode(frame.data(), static_cast<uint32_t>(frame.size()), p);
    if (reason) *reason = r;
    return flow_hash(p);
}

TEST(FlowHash, BothDirectionsOfAFlowHashAlike) {
    Frame ab;
    Frame ba;
    std::swap(ba.src, ba.dst);
    std::swap(ba.sport, ba.dport);
    EXPECT_EQ(hash_of(ipv4_udp(ab)), hash_of(ipv4_udp(ba)));
    Frame other = ab;
    other.dst = {10, 0, 0, 3};
    EXPECT_NE(hash_of(ipv4_udp(ab)), hash_of(ipv4_udp(other)));
}

TEST(FlowHash, InnermostVlanChangesTheHash) {
    Frame a;
    a.vlan = 10;
    Frame b = a;
    b.vlan = 20;
    Frame none;
    EXPECT_NE(hash_of(ipv4_udp(a)), hash_of(ipv4_udp(b)));
    EXPECT_NE(hash_of(ipv4_udp(a)), hash_of(ipv4_udp(none)));
    Frame back = a;
    std::swap(back.src, back.dst);
    EXPECT_EQ(hash_of(ipv4_udp(a)), hash_of(ipv4_udp(back)));
}

TEST(FlowHash, Ipv4FragmentsHashLikeTheirFirstFragment) {
    Frame first;
    first.more_fragments = true;
    Frame later = first;
    later.frag_offset = 3;
    later.more_fragments = false;
    SkipReason r = SkipReason::kNone;
    uint64_t h_first = hash_of(ipv4_udp(first), &r);
    ASSERT_EQ(r, SkipReason::kNone);
    uint64_t h_later = hash_of(ipv4_udp(later), &r);
    ASSERT_EQ(r, SkipReason::kFragment);  // skipped by the meter, but on the flow's worker
    EXPECT_EQ(h_first, h_later);
    Frame reply;  // the reply direction lands there too
    std::swap(reply.src, reply.dst);
    EXPECT_EQ(h_first, hash_of(ipv4_udp(reply)));
}

TEST(FlowHash, Ipv6FragmentsHashLikeTheirFirstFragment) {
    SkipReason r = SkipReason::kNone;
    uint64_t h_first = hash_of(ipv6_fragment(1, 2, 0), &r);
    ASSERT_EQ(r, SkipReason::kNone);
    uint64_t h_later = hash_of(ipv6_fragment(1, 2, 2), &r);
    ASSERT_EQ(r, SkipReason::kFragment);
    EXPECT_EQ(h_first, h_later);
    EXPECT_EQ(h_first, hash_of(ipv6_fragment(2, 1, 0)));
    EXPECT_NE(h_first, hash_of(ipv6_fragment(1, 3, 0)));
}

TEST(FlowHash, AddressPairsSpreadOverWorkers) {
    // 4096 pairs over 2 and 3 workers: every worker gets between half
    // of its even share and one and a half times it.
    for (size_t workers : {2u, 3u}) {
        std::vector<size_t> got(workers, 0);
        for (int i = 0; i < 4096; ++i) {
            Frame f;
            f.src = {10, 1, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
            ++got[worker_of(hash_of(ipv4_udp(f)), workers)];
        }
        for (size_t n : got) {
            EXPECT_GT(n, 4096 / workers / 2) << workers;
            EXPECT_LT(n, 4096 / workers * 3 / 2) << workers;
        }
    }
}

}  // namespace
}  // namespace eveflow::input::pcap
