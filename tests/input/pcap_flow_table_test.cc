// Flow table tests: expiry on packet time, TCP close, LRU eviction, online statistics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <list>
#include <map>
#include <random>
#include <string>
#include <tuple>

#include "input/pcap/flow_table.h"
#include "tests/input/pcap_fixture_util.h"

namespace eveflow::input::pcap {
namespace {

using testing::FlowView;

class PcapFlowTable : public ::testing::Test {
protected:
    void SetUp() override {
        if (testing::fixture_dir().empty()) GTEST_SKIP() << "scapy fixtures could not be generated";
    }
    std::vector<FlowView> run(const std::string& name, const std::string& extra) {
        std::string yaml =
            "{type: pcap, file: '" + testing::fixture_dir() + "/" + name + "'" + extra + "}";
        auto r = testing::run_source(yaml, stats_);
        EXPECT_TRUE(r.config_ok);
        EXPECT_TRUE(r.status.ok()) << r.status.message();
        lines_ = r.lines;
        return testing::parse_records(r.lines);
    }
    // (client, packets both ways, reason) of each record, sorted.
    static std::vector<std::tuple<std::string, uint64_t, std::string>> summary(
        const std::vector<FlowView>& flows) {
        std::vector<std::tuple<std::string, uint64_t, std::string>> s;
        for (const auto& f : flows) s.emplace_back(f.client, f.pkts[0] + f.pkts[1], f.reason);
        std::sort(s.begin(), s.end());
        return s;
    }
    Stats stats_;
    std::vector<std::string> lines_;
};

using Rows = std::vector<std::tuple<std::string, uint64_t, std::string>>;

// expiry.pcap: A = 3 packets 1 s apart then one 100 s later; B = 20 packets 2 s apart;
// C = a TCP conversation closed by FIN/FIN (+ last ACK), then a SYN reusing its ports.
TEST_F(PcapFlowTable, IdleTimeoutOnPacketTime) {
    auto flows = run("expiry.pcap", ", idle_timeout: 10s");
    EXPECT_EQ(summary(flows), (Rows{{"10.30.0.1", 1, "idle_timeout"},
                                    {"10.30.0.1", 3, "idle_timeout"},
                                    {"10.31.0.1", 20, "end"},
                                    {"10.32.0.1", 1, "end"},
                                    {"10.32.0.1", 8, "tcp_close"}}));
    EXPECT_EQ(stats_.sum("eveflow_flows_expired_total", {{"reason", "idle_timeout"}}), 2);
    EXPECT_EQ(stats_.sum("eveflow_flows_expired_total", {{"reason", "tcp_close"}}), 1);
    EXPECT_EQ(stats_.sum("eveflow_flows_active"), 0);
}

TEST_F(PcapFlowTable, ActiveTimeoutSplitsLongFlows) {
    auto flows = run("expiry.pcap", ", active_timeout: 15s");
    // B: packets at 0, 2, ..., 38 s: records [0..14] [16..30] [32..38].
    EXPECT_EQ(summary(flows), (Rows{{"10.30.0.1", 1, "end"},
                                    {"10.30.0.1", 3, "active_timeout"},
                                    {"10.31.0.1", 4, "end"},
                                    {"10.31.0.1", 8, "active_timeout"},
                                    {"10.31.0.1", 8, "active_timeout"},
                                    {"10.32.0.1", 1, "end"},
                                    {"10.32.0.1", 8, "tcp_close"}}));
}

TEST_F(PcapFlowTable, NoExpiryGivesOneRecordPerKey) {
    auto flows = run("expiry.pcap", ", expiry: false, idle_timeout: 10s, active_timeout: 15s");
    EXPECT_EQ(summary(flows),
              (Rows{{"10.30.0.1", 4, "end"}, {"10.31.0.1", 20, "end"}, {"10.32.0.1", 9, "end"}}));
}

// LRU eviction at max_flows, against a reference LRU list fed the same packets.
TEST_F(PcapFlowTable, LruEvictionAtMaxFlows) {
    constexpr size_t kMax = 4;
    auto want = testing::load_expectation("lru.pcap");
    std::vector<std::pair<int64_t, std::string>> packets;
    for (const auto& f : want.flows) {
        for (const auto& t : f.trace) packets.emplace_back(std::get<2>(t), f.client);
    }
    std::sort(packets.begin(), packets.end());
    std::list<std::pair<std::string, uint64_t>> lru;  // front = most recent
    Rows expected;
    for (const auto& [ts, client] : packets) {
        auto it = std::find_if(lru.begin(), lru.end(), [&](auto& e) { return e.first == client; });
        if (it != lru.end()) {
            auto e = *it;
            lru.erase(it);
            lru.emplace_front(e.first, e.second + 1);
            continue;
        }
        if (lru.size() == kMax) {
            expected.emplace_back(lru.back().first, lru.back().second, "evicted");
            lru.pop_back();
        }
        lru.emplace_front(client, 1);
    }
    for (const auto& e : lru) expected.emplace_back(e.first, e.second, "end");
    std::sort(expected.begin(), expected.end());
    // One table's LRU order: a single meter (several workers split max_flows between them).
    auto flows = run("lru.pcap", ", max_flows: 4, workers: 1");
    EXPECT_EQ(summary(flows), expected);
    auto evicted = std::count_if(expected.begin(), expected.end(),
                                 [](auto& r) { return std::get<2>(r) == "evicted"; });
    EXPECT_EQ(stats_.sum("eveflow_flows_evicted_total"), static_cast<double>(evicted));
}

struct TwoPass {
    double min = 0, mean = 0, stddev = 0, max = 0;
};

TwoPass two_pass(const std::vector<double>& v) {
    TwoPass r;
    if (v.empty()) return r;
    r.min = *std::min_element(v.begin(), v.end());
    r.max = *std::max_element(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    r.mean = sum / static_cast<double>(v.size());
    double ss = 0;
    for (double x : v) ss += (x - r.mean) * (x - r.mean);
    r.stddev = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0;
    return r;
}

// Online (Welford) min/mean/sample stddev/max against a two-pass computation over the sizes
// and times the generator wrote, per direction and bidirectional.
TEST_F(PcapFlowTable, OnlineStatisticsMatchTwoPass) {
    auto want = testing::load_expectation("stats.pcap");
    ASSERT_EQ(want.flows.size(), 1u);
    auto flows = run("stats.pcap", "");
    ASSERT_EQ(lines_.size(), 1u);
    simdjson::dom::parser parser;
    simdjson::dom::element stats = parser.parse(lines_[0])["stats"];
    const char* prefixes[] = {"src2dst", "dst2src", "bidirectional"};
    for (int sel = 0; sel < 3; ++sel) {
        std::vector<double> ps, piat;
        int64_t last = -1;
        for (const auto& [dir, size, ts] : want.flows[0].trace) {
            if (sel < 2 && dir != sel) continue;
            ps.push_back(static_cast<double>(size));
            if (last >= 0) piat.push_back(static_cast<double>(ts - last));
            last = ts;
        }
        std::string p = prefixes[sel];
        auto get = [&](const std::string& k) { return stats[p + "_" + k].get_double().value(); };
        TwoPass s = two_pass(ps), t = two_pass(piat);
        SCOPED_TRACE(p);
        EXPECT_EQ(stats[p + "_packets"].get_uint64().value(), ps.size());
        EXPECT_NEAR(get("min_ps"), s.min, 1e-3);
        EXPECT_NEAR(get("mean_ps"), s.mean, 1e-3);
        EXPECT_NEAR(get("stddev_ps"), s.stddev, 1e-3);
        EXPECT_NEAR(get("max_ps"), s.max, 1e-3);
        EXPECT_NEAR(get("min_piat_us"), t.min, 1e-3);
        EXPECT_NEAR(get("mean_piat_us"), t.mean, 1e-3);
        EXPECT_NEAR(get("stddev_piat_us"), t.stddev, 1e-3);
        EXPECT_NEAR(get("max_piat_us"), t.max, 1e-3);
        EXPECT_EQ(stats[p + "_psh_packets"].get_uint64().value(), ps.size());
    }
}

}  // namespace
}  // namespace eveflow::input::pcap

namespace eveflow::input::pcap {
namespace {

// The table's bounds (oldest first packet, least recent last packet) against the minimum over
// a plain map of the flows it holds, fed the same packets in time order: UDP flows of 40 keys
// with idle, active and eviction expiry and TCP closes.
TEST(PcapFlowTableBounds, MatchTheOpenFlowsAfterEveryPacket) {
    // (proto, client port): first and last packet time
    std::map<std::pair<uint8_t, uint16_t>, std::pair<int64_t, int64_t>> open;
    FlowTableConfig cfg;
    cfg.idle_us = 5'000'000;
    cfg.active_us = 20'000'000;
    cfg.max_flows = 25;
    FlowTable table(cfg, [&](Flow& f, ExpiryReason) { open.erase({f.proto, f.client_port}); });
    std::mt19937 rng(7);
    int64_t t = 1'000'000'000;
    for (int i = 0; i < 20000; ++i) {
        t += static_cast<int64_t>(rng() % 400'000);
        if (i % 50 == 0) table.expire(t);
        DecodedPacket p;
        p.ip_version = 4;
        p.proto = (rng() % 4 == 0) ? 6 : 17;
        p.src[15] = 1;
        p.dst[15] = 2;
        p.sport = static_cast<uint16_t>(1000 + rng() % 40);
        p.dport = 53;
        p.tcp_flags = p.proto == 6 && rng() % 10 == 0 ? 0x04 : 0;  // RST closes
        p.has_tcp_header = p.proto == 6;
        int dir = 0;
        bool created = false;
        Flow& f = table.lookup(p, t, dir, created);
        table.account(f, dir, 100, t, p.tcp_flags);
        auto [it, fresh] = open.try_emplace({f.proto, f.client_port}, t, t);
        if (!fresh) it->second.second = t;
        int64_t first = FlowTable::kNoFlow, last = FlowTable::kNoFlow;
        for (const auto& [key, fl] : open) {
            first = std::min(first, fl.first);
            last = std::min(last, fl.second);
        }
        ASSERT_EQ(table.size(), open.size()) << "packet " << i;
        ASSERT_EQ(table.oldest_first_us(), first) << "packet " << i;
        ASSERT_EQ(table.oldest_last_us(), last) << "packet " << i;
    }
    table.flush();
    EXPECT_TRUE(open.empty());
    EXPECT_EQ(table.oldest_first_us(), FlowTable::kNoFlow);
    EXPECT_EQ(table.oldest_last_us(), FlowTable::kNoFlow);
}

}  // namespace
}  // namespace eveflow::input::pcap
