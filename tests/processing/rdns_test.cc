// enrich.rdns: configuration, which addresses private_only resolves, and the answer cache.
#include <gtest/gtest.h>

#include "processing/enrich/config.h"
#include "processing/enrich/rdns_cache.h"
#include "processing/enrich/rdns_config.h"
#include "tests/config_section.h"

namespace eveflow::processing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

IpAddr ip(const char* text) { return *IpAddr::parse(text); }

RdnsConfig parse(const std::string& yaml, std::vector<std::string>* errors = nullptr) {
    testing::ConfigSection s(yaml, "");
    EnrichConfig c = parse_enrich_config(s.node);
    if (errors) *errors = s.errors();
    return c.rdns_config;
}

TEST(RdnsConfig, Defaults) {
    testing::ConfigSection s("enrich: {rdns: {}}", "");
    EnrichConfig c = parse_enrich_config(s.node);
    EXPECT_TRUE(s.errors().empty());
    ASSERT_TRUE(c.rdns);
    EXPECT_TRUE(c.any());
    const RdnsConfig& r = c.rdns_config;
    EXPECT_TRUE(r.servers.empty());
    EXPECT_TRUE(r.private_only);
    EXPECT_EQ(r.cache_size, 100000u);
    EXPECT_EQ(r.ttl, std::chrono::hours(1));
    EXPECT_EQ(r.negative_ttl, minutes(5));
    EXPECT_EQ(r.timeout, seconds(2));
    EXPECT_EQ(r.max_inflight, 1000u);
}

TEST(RdnsConfig, NotConfigured) {
    testing::ConfigSection s("enrich: {community_id: true}", "");
    EXPECT_FALSE(parse_enrich_config(s.node).rdns);
}

TEST(RdnsConfig, Values) {
    std::vector<std::string> errors;
    RdnsConfig r = parse(
        "enrich:\n  rdns:\n    servers: [10.0.0.53, '127.0.0.1:5353', '::1', '[::1]:5353',\n"
        "              '[2001:db8::1]:53']\n    private_only: false\n    cache_size: 10\n"
        "    ttl: 10m\n    negative_ttl: 30s\n    timeout: 250ms\n    max_inflight: 5\n",
        &errors);
    EXPECT_TRUE(errors.empty()) << errors[0];
    ASSERT_EQ(r.servers.size(), 5u);
    EXPECT_EQ(r.servers[0].text(), "10.0.0.53");
    EXPECT_EQ(r.servers[1].text(), "127.0.0.1:5353");
    EXPECT_EQ(r.servers[2].text(), "::1");
    EXPECT_EQ(r.servers[3].text(), "[::1]:5353");
    EXPECT_EQ(r.servers[4].text(), "[2001:db8::1]:53");
    EXPECT_FALSE(r.private_only);
    EXPECT_EQ(r.cache_size, 10u);
    EXPECT_EQ(r.ttl, minutes(10));
    EXPECT_EQ(r.negative_ttl, seconds(30));
    EXPECT_EQ(r.timeout, std::chrono::milliseconds(250));
    EXPECT_EQ(r.max_inflight, 5u);
}

TEST(RdnsConfig, BadServers) {
    for (const char* bad :
         {"x", "10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1:", "10.0.0.1:53x", "::1:53x", "[::1]",
          "[::1]53", "[10.0.0.1]:53", "[::1]:", "300.1.1.1", ""}) {
        EXPECT_FALSE(parse_rdns_server(bad)) << bad;
        std::vector<std::string> errors;
        parse(std::string("enrich: {rdns: {servers: ['") + bad + "']}}", &errors);
        ASSERT_EQ(errors.size(), 1u) << bad;
        EXPECT_NE(errors[0].find("eveflow.yaml:1: enrich.rdns.servers: not a name server"),
                  std::string::npos)
            << errors[0];
    }
}

TEST(RdnsConfig, BadValues) {
    const std::pair<const char*, const char*> cases[] = {
        {"servers: []", "enrich.rdns.servers: must list a server"},
        {"servers: {a: 1}", "enrich.rdns.servers: must be a list"},
        {"private_only: maybe", "enrich.rdns.private_only"},
        {"cache_size: 0", "enrich.rdns.cache_size"},
        {"cache_size: many", "enrich.rdns.cache_size"},
        {"ttl: 0", "enrich.rdns.ttl"},
        {"ttl: soon", "enrich.rdns.ttl"},
        {"negative_ttl: -1s", "enrich.rdns.negative_ttl"},
        {"timeout: 0s", "enrich.rdns.timeout"},
        {"max_inflight: 0", "enrich.rdns.max_inflight"},
        {"unknown: 1", "enrich.rdns.unknown"},
    };
    for (const auto& [yaml, want] : cases) {
        std::vector<std::string> errors;
        parse(std::string("enrich:\n  rdns:\n    ") + yaml + "\n", &errors);
        ASSERT_EQ(errors.size(), 1u) << yaml;
        EXPECT_NE(errors[0].find(std::string("eveflow.yaml:3: ") + want), std::string::npos)
            << errors[0];
    }
    std::vector<std::string> errors;
    parse("enrich: {rdns: [1]}", &errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("eveflow.yaml:1: enrich.rdns: must be a map"), std::string::npos)
        << errors[0];
}

TEST(RdnsPrivate, Rfc1918AndUla) {
    for (const char* a :
         {"10.0.0.0", "10.255.255.255", "172.16.0.0", "172.31.255.255", "192.168.0.0",
          "192.168.255.255", "fc00::", "fd12:3456::1", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"})
        EXPECT_TRUE(rdns_private_address(ip(a))) << a;
    for (const char* a :
         {"9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255",
          "192.169.0.0", "8.8.8.8", "127.0.0.1", "100.64.0.1", "169.254.1.1", "fbff:ffff::1",
          "fe00::", "fe80::1", "::1", "2001:db8::1", "::ffff:1.2.3.4"})
        EXPECT_FALSE(rdns_private_address(ip(a))) << a;
    // An IPv4-mapped private address is the IPv4 address.
    EXPECT_TRUE(rdns_private_address(ip("::ffff:10.1.2.3")));
}

TEST(RdnsCache, NamesAndNegativeAnswers) {
    FakeClock clock(1000);
    RdnsCache c(10, minutes(60), minutes(5), clock);
    EXPECT_EQ(c.name(ip("10.0.0.1")), "");
    EXPECT_FALSE(c.fresh(ip("10.0.0.1")));
    c.put(ip("10.0.0.1"), "a.lan");
    c.put(ip("10.0.0.2"), "");
    c.put(ip("fd00::1"), "six.lan");
    EXPECT_EQ(c.name(ip("10.0.0.1")), "a.lan");
    EXPECT_EQ(c.name(ip("fd00::1")), "six.lan");
    EXPECT_EQ(c.name(ip("10.0.0.2")), "");
    EXPECT_TRUE(c.fresh(ip("10.0.0.2")));  // a negative answer is an answer
    EXPECT_EQ(c.size(), 3u);
}

TEST(RdnsCache, EntriesExpireWithTheirTtl) {
    FakeClock clock(1000);
    RdnsCache c(10, minutes(60), minutes(5), clock);
    c.put(ip("10.0.0.1"), "a.lan");
    c.put(ip("10.0.0.2"), "");
    clock.advance(minutes(5) - std::chrono::microseconds(1));
    EXPECT_TRUE(c.fresh(ip("10.0.0.2")));
    clock.advance(std::chrono::microseconds(1));
    EXPECT_FALSE(c.fresh(ip("10.0.0.2")));  // negative_ttl
    EXPECT_EQ(c.name(ip("10.0.0.1")), "a.lan");
    clock.advance(minutes(55));
    EXPECT_EQ(c.name(ip("10.0.0.1")), "");  // ttl
    EXPECT_EQ(c.size(), 0u);                // expired entries are dropped when found
    // A new answer starts a new life.
    c.put(ip("10.0.0.1"), "b.lan");
    clock.advance(minutes(59));
    EXPECT_EQ(c.name(ip("10.0.0.1")), "b.lan");
}

TEST(RdnsCache, BoundedLeastRecentlyUsedGoesFirst) {
    FakeClock clock(1000);
    RdnsCache c(3, minutes(60), minutes(5), clock);
    c.put(ip("10.0.0.1"), "one");
    c.put(ip("10.0.0.2"), "two");
    c.put(ip("10.0.0.3"), "three");
    EXPECT_EQ(c.name(ip("10.0.0.1")), "one");  // used: 2 is now the least recent
    c.put(ip("10.0.0.4"), "four");
    EXPECT_EQ(c.size(), 3u);
    EXPECT_EQ(c.name(ip("10.0.0.2")), "");
    EXPECT_EQ(c.name(ip("10.0.0.1")), "one");
    EXPECT_EQ(c.name(ip("10.0.0.3")), "three");
    EXPECT_EQ(c.name(ip("10.0.0.4")), "four");
    // Replacing an entry does not grow the cache.
    c.put(ip("10.0.0.4"), "FOUR");
    EXPECT_EQ(c.size(), 3u);
    EXPECT_EQ(c.name(ip("10.0.0.4")), "FOUR");
    for (int i = 0; i < 1000; ++i) c.put(IpAddr::v4(0x0a010000u + static_cast<uint32_t>(i)), "x");
    EXPECT_EQ(c.size(), 3u);
}

}  // namespace
}  // namespace eveflow::processing
