// IpAddr: parsing any text form and printing RFC 5952, checked against inet_pton/inet_ntop.
#include "types/ip_addr.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>

namespace eveflow {
namespace {

TEST(IpAddr, Ipv4DottedQuad) {
    auto a = IpAddr::parse("10.0.0.1");
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->is_v4());
    EXPECT_EQ(a->to_string(), "10.0.0.1");
    EXPECT_EQ(a->v4_host_order(), 0x0a000001u);
    for (const char* bad : {"", "10.0.0", "10.0.0.256", "10.0.0.1.2", "010.0.0.1", "a.b.c.d",
                            "10.0.0.1 ", "1.2.3.4/24"}) {
        EXPECT_FALSE(IpAddr::parse(bad)) << bad;
    }
}

// Random strings of digits and dots (and a few other bytes): accepted exactly when glibc's
// inet_pton(AF_INET) accepts them, with the same address.
TEST(IpAddr, Ipv4AgreesWithInetPton) {
    std::mt19937 rng(7);
    const std::string alphabet = "0123456789...19025x: ";
    size_t accepted = 0;
    for (int i = 0; i < 300000; ++i) {
        std::string s;
        if (i % 2) {  // near-valid: four octets, then maybe a mutation
            for (int o = 0; o < 4; ++o) {
                if (o) s += '.';
                s += std::to_string(rng() % (i % 6 ? 256 : 1000));
            }
            if (rng() % 3 == 0) s[rng() % s.size()] = alphabet[rng() % alphabet.size()];
            if (rng() % 5 == 0) s.insert(rng() % (s.size() + 1), 1, '0');
        } else {
            const size_t n = rng() % 17;
            for (size_t j = 0; j < n; ++j) s += alphabet[rng() % alphabet.size()];
        }
        in_addr want{};
        const bool ok =
            s.find_first_of(": ") == std::string::npos && inet_pton(AF_INET, s.c_str(), &want) == 1;
        auto got = IpAddr::parse(s);
        ASSERT_EQ(got.has_value() && got->is_v4(), ok) << '"' << s << '"';
        if (ok) {
            ++accepted;
            EXPECT_EQ(got->v4_host_order(), ntohl(want.s_addr)) << s;
        }
    }
    EXPECT_GT(accepted, 50000u);
}

TEST(IpAddr, SuricataZeroPaddedIpv6IsNormalised) {
    EXPECT_EQ(IpAddr::parse("fe80:0000:0000:0000:0211:22ff:fe33:4455")->to_string(),
              "fe80::211:22ff:fe33:4455");
    EXPECT_EQ(IpAddr::parse("2001:0DB8:0000:0001:0000:0000:0000:0001")->to_string(),
              "2001:db8:0:1::1");  // longest run compressed, single zero group kept
    EXPECT_EQ(IpAddr::parse("2001:db8:0:0:1:0:0:1")->to_string(), "2001:db8::1:0:0:1");
    EXPECT_EQ(IpAddr::parse("0000:0000:0000:0000:0000:0000:0000:0000")->to_string(), "::");
    EXPECT_EQ(IpAddr::parse("::1")->to_string(), "::1");
    EXPECT_EQ(IpAddr::parse("ff02::fb")->to_string(), "ff02::fb");
    // v4-mapped counts as IPv4 and prints dotted-quad.
    EXPECT_EQ(IpAddr::parse("::ffff:192.0.2.1")->to_string(), "192.0.2.1");
    EXPECT_FALSE(IpAddr::parse("fe80::1::2"));
    EXPECT_FALSE(IpAddr::parse("12345::"));
}

// glibc's inet_ntop also follows RFC 5952 for non-mapped addresses: use it as the reference.
TEST(IpAddr, MatchesInetNtopOnRandomAddresses) {
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        uint8_t b[16];
        for (auto& x : b) {
            // Plenty of zero groups so that compression cases come up.
            x = (rng() % 3 == 0) ? static_cast<uint8_t>(rng()) : 0;
        }
        if (b[10] == 0xff && b[11] == 0xff) b[11] = 0;
        IpAddr a = IpAddr::v6(b);
        char text[INET6_ADDRSTRLEN];
        ASSERT_TRUE(inet_ntop(AF_INET6, b, text, sizeof text));
        bool mapped_like = a.is_v4();
        if (mapped_like) continue;
        std::string s = text;
        // inet_ntop prints ::a.b.c.d for IPv4-compatible addresses; RFC 5952 hex groups instead.
        if (s.find('.') != std::string::npos) continue;
        ASSERT_EQ(a.to_string(), s);
        ASSERT_EQ(IpAddr::parse(s)->bytes(), a.bytes());
    }
}

TEST(IpAddr, OrdersAndComparesByBytes) {
    EXPECT_LT(*IpAddr::parse("10.0.0.1"), *IpAddr::parse("10.0.0.2"));
    EXPECT_EQ(*IpAddr::parse("fe80::1"), *IpAddr::parse("fe80:0:0:0:0:0:0:1"));
}

}  // namespace
}  // namespace eveflow
