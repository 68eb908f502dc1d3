// DNS wire parser: hand-built messages, compression, truncation, pointer loops, limits.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "input/pcap/dns_wire.h"

namespace eveflow::input::pcap {
namespace {

using Bytes = std::vector<uint8_t>;

void u16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}
void u32(Bytes& b, uint32_t v) {
    u16(b, static_cast<uint16_t>(v >> 16));
    u16(b, static_cast<uint16_t>(v));
}
void name(Bytes& b, const std::string& dotted) {
    size_t start = 0;
    while (start < dotted.size()) {
        size_t dot = dotted.find('.', start);
        if (dot == std::string::npos) dot = dotted.size();
        b.push_back(static_cast<uint8_t>(dot - start));
        b.insert(b.end(), dotted.begin() + static_cast<long>(start),
                 dotted.begin() + static_cast<long>(dot));
        start = dot + 1;
    }
    b.push_back(0);
}
void pointer(Bytes& b, uint16_t at) { u16(b, static_cast<uint16_t>(0xc000 | at)); }
void header(Bytes& b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an) {
    u16(b, id), u16(b, flags), u16(b, qd), u16(b, an), u16(b, 0), u16(b, 0);
}
// An answer record's fixed part after its owner name.
void rr(Bytes& b, uint16_t type, uint32_t ttl, uint16_t rdlen, uint16_t klass = 1) {
    u16(b, type), u16(b, klass), u32(b, ttl), u16(b, rdlen);
}

// www.example.com CNAME cdn.example.net (compressed), cdn A 192.0.2.7, cdn AAAA 2001:db8::7.
Bytes response() {
    Bytes b;
    header(b, 0x1234, 0x8180, 1, 3);
    name(b, "www.example.com");  // at 12
    u16(b, 1), u16(b, 1);
    pointer(b, 12);
    Bytes target;
    target.insert(target.end(),
                  {3, 'c', 'd', 'n', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0});
    rr(b, kDnsTypeCname, 300, static_cast<uint16_t>(target.size()));
    const auto cdn = static_cast<uint16_t>(b.size());
    b.insert(b.end(), target.begin(), target.end());
    pointer(b, cdn);
    rr(b, kDnsTypeA, 60, 4);
    b.insert(b.end(), {192, 0, 2, 7});
    pointer(b, cdn);
    rr(b, kDnsTypeAaaa, 61, 16);
    b.insert(b.end(), {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7});
    return b;
}

TEST(DnsWire, ResponseWithCompressedNames) {
    const Bytes b = response();
    DnsWireMessage m;
    ASSERT_TRUE(parse_dns_wire(b.data(), b.size(), m));
    EXPECT_EQ(m.id, 0x1234);
    EXPECT_TRUE(m.response);
    EXPECT_EQ(m.rcode, 0);
    EXPECT_EQ(m.qname, "www.example.com");
    EXPECT_EQ(m.qtype, 1);
    ASSERT_EQ(m.answers.size(), 3u);
    EXPECT_EQ(m.answers[0].owner, "www.example.com");
    EXPECT_EQ(m.answers[0].type, kDnsTypeCname);
    EXPECT_EQ(m.answers[0].target, "cdn.example.net");
    EXPECT_EQ(m.answers[0].ttl, 300u);
    EXPECT_EQ(m.answers[1].owner, "cdn.example.net");
    EXPECT_EQ(m.answers[1].addr, *IpAddr::parse("192.0.2.7"));
    EXPECT_EQ(m.answers[1].ttl, 60u);
    EXPECT_EQ(m.answers[2].addr, *IpAddr::parse("2001:db8::7"));
}

TEST(DnsWire, EveryTruncationIsRefusedWithoutReadingPastTheEnd) {
    const Bytes full = response();
    for (size_t n = 0; n < full.size(); ++n) {
        // A copy of exactly n bytes: ASan sees any read past it.
        const Bytes cut(full.begin(), full.begin() + static_cast<long>(n));
        DnsWireMessage m;
        EXPECT_FALSE(parse_dns_wire(cut.data(), cut.size(), m)) << n;
        EXPECT_LT(m.answers.size(), 3u);
    }
}

TEST(DnsWire, PointerLoopsAndForwardPointersAreRefused) {
    Bytes self;
    header(self, 1, 0x8180, 1, 0);
    pointer(self, 12);  // points at itself
    u16(self, 1), u16(self, 1);
    DnsWireMessage m;
    EXPECT_FALSE(parse_dns_wire(self.data(), self.size(), m));

    Bytes forward;
    header(forward, 1, 0x8180, 1, 0);
    pointer(forward, 14);  // forward, into the bytes after it
    name(forward, "a.b");
    u16(forward, 1), u16(forward, 1);
    EXPECT_FALSE(parse_dns_wire(forward.data(), forward.size(), m));

    // Two names pointing at each other: each pointer must go further back, so this ends.
    Bytes pair;
    header(pair, 1, 0x8180, 2, 0);
    pair.insert(pair.end(), {1, 'a'});
    pointer(pair, 16);  // at 14, to the second name
    u16(pair, 1), u16(pair, 1);
    pair.insert(pair.end(), {1, 'b'});
    pointer(pair, 12);  // back to the first
    u16(pair, 1), u16(pair, 1);
    EXPECT_FALSE(parse_dns_wire(pair.data(), pair.size(), m));
}

TEST(DnsWire, NamesOverLimitAndReservedLabelsAreRefused) {
    Bytes b;
    header(b, 1, 0x8180, 1, 0);
    for (int i = 0; i < 5; ++i) {
        b.push_back(63);
        b.insert(b.end(), 63, 'x');  // 5 * 64 > 255
    }
    b.push_back(0);
    u16(b, 1), u16(b, 1);
    DnsWireMessage m;
    EXPECT_FALSE(parse_dns_wire(b.data(), b.size(), m));

    Bytes reserved;
    header(reserved, 1, 0x8180, 1, 0);
    reserved.insert(reserved.end(), {0x40, 'a', 0});
    u16(reserved, 1), u16(reserved, 1);
    EXPECT_FALSE(parse_dns_wire(reserved.data(), reserved.size(), m));
}

TEST(DnsWire, OtherRecordsAndClassesAreSkipped) {
    Bytes b;
    header(b, 7, 0x8183, 1, 3);  // NXDOMAIN
    name(b, "x.org");
    u16(b, 1), u16(b, 1);
    pointer(b, 12);
    rr(b, 16, 60, 3);  // TXT
    b.insert(b.end(), {2, 'h', 'i'});
    pointer(b, 12);
    rr(b, kDnsTypeA, 60, 4, 3);  // class CH
    b.insert(b.end(), {1, 2, 3, 4});
    pointer(b, 12);
    rr(b, kDnsTypeA, 60, 5);  // A with a wrong length
    b.insert(b.end(), {1, 2, 3, 4, 5});
    DnsWireMessage m;
    ASSERT_TRUE(parse_dns_wire(b.data(), b.size(), m));
    EXPECT_EQ(m.rcode, 3);
    EXPECT_TRUE(m.answers.empty());
}

TEST(DnsWire, QueryAndRootName) {
    Bytes b;
    header(b, 9, 0x0100, 1, 0);
    b.push_back(0);  // the root
    u16(b, 2), u16(b, 1);
    DnsWireMessage m;
    ASSERT_TRUE(parse_dns_wire(b.data(), b.size(), m));
    EXPECT_FALSE(m.response);
    EXPECT_EQ(m.qname, "");
    EXPECT_EQ(m.qtype, 2);
}

TEST(DnsWire, CnameTargetMustLieInItsRdata) {
    Bytes b;
    header(b, 1, 0x8180, 0, 1);
    name(b, "a.com");
    rr(b, kDnsTypeCname, 60, 2);  // rdlen 2, but the name written is longer
    name(b, "bb.com");
    DnsWireMessage m;
    EXPECT_FALSE(parse_dns_wire(b.data(), b.size(), m));
}

}  // namespace
}  // namespace eveflow::input::pcap
