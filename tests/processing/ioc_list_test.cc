// Indicator lists: line syntax, normal forms, the lookups of each kind and the Bloom filter's
// measured false-positive rate.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "processing/ioc/bloom.h"
#include "processing/ioc/indicator_list.h"

namespace eveflow::processing::ioc {
namespace {

std::vector<std::string> originals(Kind kind, std::string_view text, size_t& invalid) {
    std::vector<std::string> out;
    invalid =
        for_each_indicator(kind, text, [&](const Indicator& i) { out.emplace_back(i.original); });
    return out;
}

IndicatorList list_of(Kind kind, std::string_view text, double bloom = 0) {
    IndicatorList l(kind, bloom);
    l.add_text(text);
    l.build();
    return l;
}

TEST(IocList, CommentsAndBlankLinesAreSkippedInvalidLinesCounted) {
    size_t invalid = 0;
    auto got = originals(Kind::kDomain,
                         "# a header\n\n  Evil.Example.  \r\nbad.test # trailing comment\n"
                         "two words\nhttp://x.test/a\n\t#indented comment\n",
                         invalid);
    EXPECT_EQ(got, (std::vector<std::string>{"Evil.Example.", "bad.test"}));
    EXPECT_EQ(invalid, 2u);  // "two words", and a URL in a domain list
}

TEST(IocList, DomainMatchesTheNameAndItsSubdomainsCaseAndTrailingDotIgnored) {
    auto l = list_of(Kind::kDomain, "Evil.Example.\n*.wild.test\n");
    EXPECT_EQ(l.match("evil.example"), "Evil.Example.");
    EXPECT_EQ(l.match("a.b.evil.example"), "Evil.Example.");
    EXPECT_EQ(l.match("x.wild.test"), "*.wild.test");
    EXPECT_EQ(l.match("wild.test"), "*.wild.test");
    EXPECT_FALSE(l.match("notevil.example"));
    EXPECT_FALSE(l.match("example"));
    std::string norm;
    normalize_name("A.B.EVIL.EXAMPLE.", norm);
    EXPECT_EQ(l.match(norm), "Evil.Example.");
}

TEST(IocList, TheMostSpecificDomainEntryWins) {
    auto l = list_of(Kind::kDomain, "example.com\nbad.example.com\n");
    EXPECT_EQ(l.match("x.bad.example.com"), "bad.example.com");
    EXPECT_EQ(l.match("good.example.com"), "example.com");
}

TEST(IocList, SniAndHashesMatchExactlyOnly) {
    auto sni = list_of(Kind::kSni, "Login.Example\n");
    EXPECT_EQ(sni.match("login.example"), "Login.Example");
    EXPECT_FALSE(sni.match("a.login.example"));
    size_t invalid = 0;
    auto hashes = originals(Kind::kHash,
                            "D41D8CD98F00B204E9800998ECF8427E\n"
                            "da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
                            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                            "abc\nzz1d8cd98f00b204e9800998ecf8427e\n",
                            invalid);
    EXPECT_EQ(hashes.size(), 3u);
    EXPECT_EQ(invalid, 2u);
    auto h = list_of(Kind::kHash, "D41D8CD98F00B204E9800998ECF8427E\n");
    EXPECT_EQ(h.match("d41d8cd98f00b204e9800998ecf8427e"), "D41D8CD98F00B204E9800998ECF8427E");
    auto ja3 = originals(Kind::kJa3,
                         "e7d705a3286e19ea42f587b344ee6865\n"
                         "da39a3ee5e6b4b0d3255bfef95601890afd80709\n",
                         invalid);
    EXPECT_EQ(ja3.size(), 1u);  // JA3 hashes are MD5s
}

TEST(IocList, UrlsCompareWithoutSchemeAndHostCase) {
    auto l = list_of(Kind::kUrl, "http://Evil.Example/dl/payload.exe?x=1\nbad.test\n");
    std::string norm;
    normalize_url("evil.example/dl/payload.exe?x=1", norm);
    EXPECT_EQ(l.match(norm), "http://Evil.Example/dl/payload.exe?x=1");
    normalize_url("HTTPS://BAD.TEST/", norm);
    EXPECT_EQ(l.match(norm), "bad.test");
    normalize_url("evil.example/DL/payload.exe?x=1", norm);
    EXPECT_FALSE(l.match(norm));  // paths keep their case
}

IpAddr ip(const char* text) { return *IpAddr::parse(text); }

TEST(IocList, IpAddressesAndNestedCidrRangesV4AndV6) {
    auto l =
        list_of(Kind::kIp,
                "10.0.0.0/8\n10.1.2.3\n10.1.0.0/16\n192.168.1.77/24\n"
                "2001:db8::/32\n2001:db8:0:1::5\n0.0.0.0/0x\n1.2.3.4/33\n::ffff:1.2.3.4/200\n");
    EXPECT_EQ(l.size(), 6u);
    EXPECT_EQ(l.match_ip(ip("10.1.2.3")), "10.1.2.3");
    EXPECT_EQ(l.match_ip(ip("10.1.2.4")), "10.1.0.0/16");
    EXPECT_EQ(l.match_ip(ip("10.1.255.255")), "10.1.0.0/16");
    EXPECT_EQ(l.match_ip(ip("10.2.0.0")), "10.0.0.0/8");
    EXPECT_EQ(l.match_ip(ip("10.0.0.0")), "10.0.0.0/8");
    EXPECT_EQ(l.match_ip(ip("10.255.255.255")), "10.0.0.0/8");
    EXPECT_FALSE(l.match_ip(ip("11.0.0.0")));
    EXPECT_FALSE(l.match_ip(ip("9.255.255.255")));
    EXPECT_EQ(l.match_ip(ip("192.168.1.1")), "192.168.1.77/24");  // host bits are ignored
    EXPECT_EQ(l.match_ip(ip("2001:0db8:0000:0000:0000:0000:0000:0001")), "2001:db8::/32");
    EXPECT_EQ(l.match_ip(ip("2001:db8:0:1::5")), "2001:db8:0:1::5");
    EXPECT_FALSE(l.match_ip(ip("2001:db9::1")));
}

TEST(IocList, IpRangesAgreeWithALinearScanOnRandomAddresses) {
    std::mt19937_64 rng(7);
    std::string text;
    std::vector<std::pair<uint32_t, int>> nets;
    for (int i = 0; i < 300; ++i) {
        int bits = static_cast<int>(rng() % 33);
        uint32_t a = static_cast<uint32_t>(rng()) & (bits ? ~0u << (32 - bits) : 0u);
        a = (a & 0x0FFFFFFF) | 0x10000000;  // within 16.0.0.0/4, so ranges overlap
        if (bits < 4) bits = 4;
        nets.emplace_back(a, bits);
        text += IpAddr::v4(a).to_string() + "/" + std::to_string(bits) + "\n";
    }
    auto l = list_of(Kind::kIp, text);
    for (int i = 0; i < 20000; ++i) {
        uint32_t x = (static_cast<uint32_t>(rng()) & 0x1FFFFFFF) | 0x08000000;
        // The reference: the first-written of the longest prefixes covering x.
        int best = -1;
        for (size_t n = 0; n < nets.size(); ++n) {
            uint32_t mask = ~0u << (32 - nets[n].second);
            if ((x & mask) == (nets[n].first & mask) &&
                (best < 0 || nets[n].second > nets[static_cast<size_t>(best)].second)) {
                best = static_cast<int>(n);
            }
        }
        auto got = l.match_ip(IpAddr::v4(x));
        ASSERT_EQ(got.has_value(), best >= 0) << IpAddr::v4(x).to_string();
        if (best < 0) continue;
        const auto& want = nets[static_cast<size_t>(best)];
        std::string want_text =
            IpAddr::v4(want.first).to_string() + "/" + std::to_string(want.second);
        ASSERT_EQ(*got, want_text) << IpAddr::v4(x).to_string();
    }
}

TEST(IocList, RepeatedEntriesKeepTheFirstWritten) {
    auto l = list_of(Kind::kDomain, "Bad.Test\nbad.test.\n");
    EXPECT_EQ(l.size(), 1u);
    EXPECT_EQ(l.match("bad.test"), "Bad.Test");
}

// The stated rate: at the configured rate p a lookup of a key not in the filter answers
// "maybe" with probability about p; measured over 400 000 absent keys.
TEST(IocList, BloomFilterFalsePositiveRateIsTheConfiguredOne) {
    for (double p : {0.01, 0.001}) {
        BloomFilter f(200000, p);
        for (int i = 0; i < 200000; ++i) f.add("member" + std::to_string(i) + ".example");
        for (int i = 0; i < 200000; ++i) {
            ASSERT_TRUE(f.maybe_contains("member" + std::to_string(i) + ".example"));
        }
        int fp = 0;
        const int trials = 400000;
        for (int i = 0; i < trials; ++i)
            fp += f.maybe_contains("absent" + std::to_string(i) + ".test");
        const double measured = static_cast<double>(fp) / trials;
        EXPECT_LT(measured, p * 1.3) << "p=" << p;
        EXPECT_GT(measured, p * 0.7) << "p=" << p;
    }
}

TEST(IocList, BloomModeDomainListMatchesParentsAndGivesTheMatchedName) {
    auto l = list_of(Kind::kDomain, "Evil.Example\nbad.test\n", 0.0001);
    EXPECT_TRUE(l.bloom());
    EXPECT_EQ(l.size(), 2u);
    EXPECT_EQ(l.match("www.evil.example"), "evil.example");
    EXPECT_FALSE(l.match("good.example"));
}

TEST(IocList, AMillionDomainsTakeBoundedMemory) {
    IndicatorList l(Kind::kDomain);
    std::string text;
    for (int i = 0; i < 1000000; ++i) text += "host" + std::to_string(i) + ".bad-domain.test\n";
    l.add_text(text);
    l.build();
    EXPECT_EQ(l.size(), 1000000u);
    // About 24 bytes per entry besides the ~24 bytes of each name.
    EXPECT_LT(l.memory_bytes(), 1000000u * 64);
    EXPECT_EQ(l.match("x.host999999.bad-domain.test"), "host999999.bad-domain.test");
}

TEST(IocList, StampsSeeAChangedFileAndDirectoryEntries) {
    std::string dir = ::testing::TempDir() + "/ioc_stamp";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    { std::ofstream(dir + "/a.txt") << "a.test\n"; }
    ListStamp s1, s2, s3;
    ASSERT_TRUE(stamp_list(dir, s1));
    { std::ofstream(dir + "/.hidden") << "x.test\n"; }
    ASSERT_TRUE(stamp_list(dir, s2));
    EXPECT_EQ(s1, s2);  // dot files are not part of the list
    { std::ofstream(dir + "/b.txt") << "b.test\n"; }
    ASSERT_TRUE(stamp_list(dir, s3));
    EXPECT_NE(s1, s3);
    IndicatorList l(Kind::kDomain);
    size_t invalid = 0;
    ASSERT_TRUE(l.add_files(s3, invalid));
    l.build();
    EXPECT_EQ(l.size(), 2u);
    EXPECT_FALSE(stamp_list(dir + "/missing", s1));
}

}  // namespace
}  // namespace eveflow::processing::ioc
