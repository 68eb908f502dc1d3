// DnsNameTable: LRU bound, TTL expiry on an injected clock, counters, CNAME chains, threads.
#include "types/dns_names.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace eveflow {
namespace {

constexpr int64_t kHour = 3'600'000'000;

IpAddr ip(const char* text) { return *IpAddr::parse(text); }

struct Fixture {
    FakeClock clock{1'000'000'000'000};
    Stats stats;
    uint64_t counter(const char* name) { return stats.counter(name, "").value(); }
};

TEST(DnsNames, LatestNameWinsNormalised) {
    Fixture f;
    DnsNameTable t(10, kHour, f.clock, f.stats);
    const IpAddr c = ip("10.0.0.1"), s = ip("2001:db8::1");
    EXPECT_EQ(t.lookup(c, s), "");
    t.insert(c, s, "Www.Example.COM.", 300);
    EXPECT_EQ(t.lookup(c, s), "www.example.com");
    t.insert(c, s, "cdn.example.net", 300);
    EXPECT_EQ(t.lookup(c, s), "cdn.example.net");
    EXPECT_EQ(t.lookup(s, c), "");               // the pair is ordered: client, then server
    EXPECT_EQ(t.lookup(ip("10.0.0.2"), s), "");  // another client resolved nothing
    t.insert(c, s, "");                          // ignored
    t.insert(c, s, std::string(300, 'a'));       // over 255 bytes: ignored
    EXPECT_EQ(t.lookup(c, s), "cdn.example.net");
    EXPECT_EQ(t.size(), 1u);
    EXPECT_EQ(f.counter("eveflow_dns_names_insertions_total"), 2u);
    EXPECT_EQ(f.stats.gauge("eveflow_dns_names_entries", "").value(), 1.0);
}

TEST(DnsNames, LeastRecentlyUsedGoesPastMaxEntries) {
    Fixture f;
    DnsNameTable t(3, kHour, f.clock, f.stats);
    const IpAddr c = ip("10.0.0.1");
    t.insert(c, ip("1.1.1.1"), "one", 300);
    t.insert(c, ip("2.2.2.2"), "two", 300);
    t.insert(c, ip("3.3.3.3"), "three", 300);
    EXPECT_EQ(t.lookup(c, ip("1.1.1.1")), "one");  // now the most recently used
    t.insert(c, ip("4.4.4.4"), "four", 300);
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.lookup(c, ip("2.2.2.2")), "");  // the least recently used went
    EXPECT_EQ(t.lookup(c, ip("1.1.1.1")), "one");
    EXPECT_EQ(t.lookup(c, ip("3.3.3.3")), "three");
    EXPECT_EQ(t.lookup(c, ip("4.4.4.4")), "four");
    EXPECT_EQ(f.counter("eveflow_dns_names_evictions_total"), 1u);
    EXPECT_EQ(f.stats.gauge("eveflow_dns_names_entries", "").value(), 3.0);
}

TEST(DnsNames, LargeTableStaysWithinMaxEntries) {
    Fixture f;
    const size_t max = DnsNameTable::kMinShardEntries * DnsNameTable::kShards;
    DnsNameTable t(max, kHour, f.clock, f.stats);
    for (uint32_t i = 0; i < max + 5000; ++i) t.insert(ip("10.0.0.1"), IpAddr::v4(i), "n", 60);
    EXPECT_LE(t.size(), max);
    EXPECT_GE(t.size(), max - DnsNameTable::kShards * 64);
    EXPECT_EQ(f.counter("eveflow_dns_names_evictions_total"), max + 5000 - t.size());
}

TEST(DnsNames, EntriesExpireWithTheAnswersTtlCappedByTheTables) {
    Fixture f;
    DnsNameTable t(10, 600'000'000, f.clock, f.stats);  // ttl 10m
    const IpAddr c = ip("10.0.0.1"), a = ip("1.1.1.1"), b = ip("2.2.2.2");
    t.insert(c, a, "short", 30);
    t.insert(c, b, "long", 86400);  // capped at 10m
    f.clock.advance(std::chrono::seconds(29));
    EXPECT_EQ(t.lookup(c, a), "short");
    f.clock.advance(std::chrono::seconds(1));
    EXPECT_EQ(t.lookup(c, a), "");
    EXPECT_EQ(f.counter("eveflow_dns_names_expirations_total"), 1u);
    f.clock.advance(std::chrono::seconds(569));
    EXPECT_EQ(t.lookup(c, b), "long");
    f.clock.advance(std::chrono::seconds(1));
    EXPECT_EQ(t.lookup(c, b), "");
    EXPECT_EQ(f.counter("eveflow_dns_names_expirations_total"), 2u);
    t.insert(c, a, "sni");  // no TTL of its own: the table's
    f.clock.advance(std::chrono::seconds(599));
    EXPECT_EQ(t.lookup(c, a), "sni");
    EXPECT_EQ(t.size(), 1u);
}

TEST(DnsNames, ExpiredTailIsDroppedAtInsertion) {
    Fixture f;
    DnsNameTable t(10, kHour, f.clock, f.stats);
    t.insert(ip("10.0.0.1"), ip("1.1.1.1"), "old", 5);
    f.clock.advance(std::chrono::seconds(6));
    t.insert(ip("10.0.0.1"), ip("2.2.2.2"), "new", 5);
    EXPECT_EQ(t.size(), 1u);
    EXPECT_EQ(f.counter("eveflow_dns_names_expirations_total"), 1u);
    EXPECT_EQ(f.counter("eveflow_dns_names_evictions_total"), 0u);
}

TEST(DnsNames, CnameChainLeadsBackToTheNameAsked) {
    Fixture f;
    DnsNameTable t(10, kHour, f.clock, f.stats);
    const IpAddr c = ip("10.0.0.1");
    // Out of order on purpose: the chain is followed by name, not by position.
    const std::vector<NameRecord> rr = {
        {"edge.c.net", false, {}, ip("1.2.3.4"), 60, true},
        {"cdn.b.net", true, "EDGE.c.net", {}, 60, true},
        {"www.a.com", true, "cdn.b.net", {}, 60, true},
        {"edge.c.net", false, {}, ip("2001:db8::4"), 60, true},
        {"other.org", false, {}, ip("5.6.7.8"), 60, true},  // not on the chain
        {"", false, {}, ip("9.9.9.9"), 0, false},           // owner unknown (grouped)
    };
    feed_response(t, c, "WWW.a.com", rr);
    EXPECT_EQ(t.lookup(c, ip("1.2.3.4")), "www.a.com");
    EXPECT_EQ(t.lookup(c, ip("2001:db8::4")), "www.a.com");
    EXPECT_EQ(t.lookup(c, ip("5.6.7.8")), "");
    EXPECT_EQ(t.lookup(c, ip("9.9.9.9")), "www.a.com");
    // Without a question each address goes to the start of its chain.
    feed_response(t, ip("10.0.0.2"), "", rr);
    EXPECT_EQ(t.lookup(ip("10.0.0.2"), ip("1.2.3.4")), "www.a.com");
    EXPECT_EQ(t.lookup(ip("10.0.0.2"), ip("5.6.7.8")), "other.org");
}

TEST(DnsNames, CnameLoopEnds) {
    Fixture f;
    DnsNameTable t(10, kHour, f.clock, f.stats);
    const std::vector<NameRecord> rr = {
        {"x.com", true, "y.com", {}, 60, true},
        {"y.com", true, "x.com", {}, 60, true},
        {"y.com", false, {}, ip("1.1.1.1"), 60, true},
    };
    feed_response(t, ip("10.0.0.1"), "z.com", rr);  // not reached from z.com
    EXPECT_EQ(t.lookup(ip("10.0.0.1"), ip("1.1.1.1")), "");
    feed_response(t, ip("10.0.0.1"), "x.com", rr);
    EXPECT_EQ(t.lookup(ip("10.0.0.1"), ip("1.1.1.1")), "x.com");
    feed_response(t, ip("10.0.0.2"), "", rr);  // no start: the walk stops after a round
    EXPECT_NE(t.lookup(ip("10.0.0.2"), ip("1.1.1.1")), "");
}

TEST(DnsNames, ThreadsShareTheTable) {
    Fixture f;
    const size_t max = 2 * DnsNameTable::kMinShardEntries * DnsNameTable::kShards;
    DnsNameTable t(max, kHour, f.clock, f.stats);
    std::vector<std::thread> threads;
    for (uint32_t k = 0; k < 4; ++k) {
        threads.emplace_back([&t, k] {
            const IpAddr c = IpAddr::v4(0x0a000000 + k);
            for (uint32_t i = 0; i < 20000; ++i) {
                t.insert(c, IpAddr::v4(i), "name" + std::to_string(k), 60);
                EXPECT_EQ(t.lookup(c, IpAddr::v4(i)), "name" + std::to_string(k));
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(t.size(), 80000u);
    EXPECT_EQ(f.counter("eveflow_dns_names_insertions_total"), 80000u);
}

}  // namespace
}  // namespace eveflow
