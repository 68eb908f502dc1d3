// network_of and the home networks against a bit-by-bit reference, at every prefix length.
#include <gtest/gtest.h>

#include "processing/enrich/config.h"
#include "processing/enrich/home_net.h"
#include "types/enrichment.h"

namespace eveflow {
namespace {

// The first `bits` bits of the 16-byte form kept, one bit at a time.
IpAddr keep_bits(const IpAddr& ip, unsigned bits) {
    std::array<uint8_t, 16> b = ip.bytes();
    for (unsigned i = bits; i < 128; ++i) b[i / 8] &= static_cast<uint8_t>(~(0x80u >> (i % 8)));
    return IpAddr::v6(b.data());
}

TEST(NetworkOf, EveryPrefixLengthMatchesBitwiseReference) {
    const IpAddr v4 = *IpAddr::parse("203.0.113.255");
    const IpAddr v6 = *IpAddr::parse("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
    for (unsigned p = 0; p <= 128; ++p) {
        uint8_t used = 0;
        if (p <= 32) {
            EXPECT_EQ(network_of(v4, static_cast<uint8_t>(p), 64, used), keep_bits(v4, 96 + p))
                << "/" << p;
            EXPECT_EQ(used, p);
        }
        EXPECT_EQ(network_of(v6, 24, static_cast<uint8_t>(p), used), keep_bits(v6, p)) << "/" << p;
        EXPECT_EQ(used, p);
    }
}

// Each address at and just beyond the ends of a network, for prefixes on and off byte and
// word boundaries; a negated network inside an included one.
TEST(HomeNet, BoundariesOfIncludedAndNegatedNetworks) {
    std::vector<processing::HomeNetEntry> entries;
    for (const char* text : {"10.0.0.0/8", "!10.9.0.0/16", "192.168.4.0/23", "2001:db8::/61",
                             "2001:db8:1:2:3:4:5:0/127"}) {
        processing::HomeNetEntry e;
        ASSERT_TRUE(processing::parse_home_net_entry(text, e)) << text;
        entries.push_back(e);
    }
    const processing::HomeNet net(entries);
    auto home = [&](const char* a) { return net.contains(*IpAddr::parse(a)); };
    EXPECT_TRUE(home("10.0.0.0"));
    EXPECT_TRUE(home("10.255.255.255"));
    EXPECT_FALSE(home("11.0.0.0"));
    EXPECT_FALSE(home("9.255.255.255"));
    EXPECT_FALSE(home("10.9.0.1"));
    EXPECT_TRUE(home("10.8.255.255"));
    EXPECT_TRUE(home("10.10.0.0"));
    EXPECT_TRUE(home("192.168.4.0"));
    EXPECT_TRUE(home("192.168.5.255"));
    EXPECT_FALSE(home("192.168.6.0"));
    EXPECT_FALSE(home("192.168.3.255"));
    EXPECT_TRUE(home("2001:db8:0:7:ffff::1"));
    EXPECT_FALSE(home("2001:db8:0:8::"));
    EXPECT_TRUE(home("2001:db8:1:2:3:4:5:1"));
    EXPECT_FALSE(home("2001:db8:1:2:3:4:5:2"));
    EXPECT_FALSE(home("::ffff:0:0"));  // the v4-mapped 0.0.0.0, not in 10/8
}

}  // namespace
}  // namespace eveflow
