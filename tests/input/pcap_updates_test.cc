// The meter's interim updates, flow ids and lifecycle signals, on captures written by the test.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "tests/input/pcap_test_util.h"
#include "tests/input/pcap_writer.h"

namespace eveflow::input::pcap {
namespace {

using eveflow::testing::frame_size;
using eveflow::testing::pkt;
using eveflow::testing::SynthFlow;
using eveflow::testing::SynthPacket;
using eveflow::testing::write_pcap;

constexpr int64_t kBase = 1'700'000'000'000'000;  // a multiple of every interval used here
constexpr int64_t kSecond = 1'000'000;

class PcapUpdates : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("eveflow-updates-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string capture(const std::vector<SynthFlow>& flows) {
        std::string path = (dir_ / ("c" + std::to_string(n_++) + ".pcap")).string();
        write_pcap(path, flows);
        return path;
    }
    testing::RunResult run(const std::string& path, const std::string& keys,
                           bool lifecycle = false) {
        auto r = testing::run_source("{type: pcap, file: '" + path + "', " + keys + "}", stats_,
                                     nullptr, lifecycle);
        EXPECT_TRUE(r.config_ok) << (r.diagnostics.empty() ? "" : r.diagnostics[0]);
        return r;
    }

    std::filesystem::path dir_;
    int n_ = 0;
    Stats stats_;
};

// A UDP flow with a packet every second (client) and a reply every other second.
SynthFlow steady_flow(int seconds) {
    SynthFlow f;
    for (int i = 0; i < seconds; ++i) {
        f.packets.push_back(pkt(kBase + i * kSecond + kSecond / 2, true, 100));
        if (i % 2 == 0) f.packets.push_back(pkt(kBase + i * kSecond + 700'000, false, 300));
    }
    return f;
}

TEST_F(PcapUpdates, EachGridCellGivesOneUpdateWithItsPackets) {
    SynthFlow f = steady_flow(10);
    auto r = run(capture({f}), "dpi: false, update_interval: 2s");
    // What each 2 s cell of packet time holds, from the packet list.
    std::map<int64_t, std::array<uint64_t, 4>> cells;  // cell -> pkts/bytes per direction
    for (const auto& p : f.packets) {
        auto& c = cells[(p.us - kBase) / (2 * kSecond)];
        c[p.from_client ? 0 : 1] += 1;
        c[p.from_client ? 2 : 3] += frame_size(f, p);
    }
    ASSERT_EQ(r.events.size(), cells.size());
    uint64_t cum_pkts = 0;
    size_t i = 0;
    for (const auto& [cell, want] : cells) {
        const FlowEntry& e = r.events[i].fields;
        const bool last = i + 1 == cells.size();
        EXPECT_EQ(e.report, last ? FlowReport::kFinal : FlowReport::kUpdate);
        EXPECT_EQ(r.lines[i].find("\"reason\":\"update\"") != std::string::npos, !last);
        EXPECT_EQ(e.flow_id, r.events[0].fields.flow_id);
        ASSERT_TRUE(e.has_delta);
        EXPECT_EQ(e.delta.pkts_toserver, want[0]) << "cell " << cell;
        EXPECT_EQ(e.delta.pkts_toclient, want[1]);
        EXPECT_EQ(e.delta.bytes_toserver, want[2]);
        EXPECT_EQ(e.delta.bytes_toclient, want[3]);
        EXPECT_EQ((e.delta.first.us - kBase) / (2 * kSecond), cell);
        EXPECT_EQ((e.delta.last.us - kBase) / (2 * kSecond), cell);
        cum_pkts += want[0] + want[1];
        EXPECT_EQ(e.pkts_toserver + e.pkts_toclient, cum_pkts);  // cumulative, as Suricata
        ++i;
    }
    EXPECT_EQ(cum_pkts, f.packets.size());
}

TEST_F(PcapUpdates, UpdateEveryPacketsCountsAFlowsPackets) {
    SynthFlow f;
    for (int i = 0; i < 10; ++i) f.packets.push_back(pkt(kBase + i * 1000, i % 3 != 2, 10));
    auto r = run(capture({f}), "dpi: false, update_every_packets: 3");
    ASSERT_EQ(r.events.size(), 4u);  // after packets 3, 6, 9; the final with packet 10
    for (size_t i = 0; i < 3; ++i) {
        const FlowEntry& e = r.events[i].fields;
        EXPECT_EQ(e.report, FlowReport::kUpdate);
        EXPECT_EQ(e.delta.pkts_toserver + e.delta.pkts_toclient, 3u);
        EXPECT_EQ(e.pkts_toserver + e.pkts_toclient, 3 * (i + 1));
    }
    EXPECT_EQ(r.events[3].fields.report, FlowReport::kFinal);
    EXPECT_EQ(r.events[3].fields.delta.pkts_toserver + r.events[3].fields.delta.pkts_toclient, 1u);
}

TEST_F(PcapUpdates, FlowIdsAreUniqueAcrossRunsAndBelow2To53) {
    std::vector<SynthFlow> flows(20);
    for (size_t i = 0; i < flows.size(); ++i) {
        flows[i].client_port = static_cast<uint16_t>(1000 + i);
        for (int k = 0; k < 4; ++k)
            flows[i].packets.push_back(pkt(kBase + k * kSecond + static_cast<int64_t>(i), true, 1));
    }
    std::string path = capture(flows);
    std::set<uint64_t> ids;
    size_t finals = 0;
    for (int run_no = 0; run_no < 2; ++run_no) {
        auto r = run(path, "dpi: false, update_interval: 1s");
        std::map<uint16_t, uint64_t> by_port;  // one id per flow, updates and final alike
        for (const auto& ev : r.events) {
            const FlowEntry& e = ev.fields;
            EXPECT_GT(e.flow_id, 0u);
            EXPECT_LT(e.flow_id, uint64_t{1} << 53);
            auto [it, fresh] = by_port.emplace(e.src_port, e.flow_id);
            EXPECT_EQ(it->second, e.flow_id);
            if (e.report != FlowReport::kFinal) continue;
            ++finals;
            EXPECT_TRUE(ids.insert(e.flow_id).second) << "flow_id used twice: " << e.flow_id;
        }
    }
    EXPECT_EQ(finals, 2 * flows.size());
}

TEST_F(PcapUpdates, UpdatesNeverUseTheGiveUpGuess) {
    // UDP to port 123 that is not NTP: nDPI guesses NTP by port only when it gives up.
    SynthFlow f;
    f.server_port = 123;
    for (int i = 0; i < 4; ++i)
        f.packets.push_back(pkt(kBase + i * kSecond, true, 40, std::vector<uint8_t>(40, 0xff)));
    auto r = run(capture({f}), "update_interval: 2s");
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[0].fields.report, FlowReport::kUpdate);
    EXPECT_NE(r.lines[0].find("\"guessed\":false"), std::string::npos) << r.lines[0];
    EXPECT_EQ(r.app_protos[0], "Unknown");
    // The final record gives up, and guesses.
    EXPECT_NE(r.lines[1].find("\"guessed\":true"), std::string::npos) << r.lines[1];
}

TEST_F(PcapUpdates, WithoutExpiryAKeyGivesUpdatesAndOneFinalRecord) {
    SynthFlow f;
    for (int i = 0; i < 3; ++i) f.packets.push_back(pkt(kBase + i * kSecond, true, 10));
    // Silent for longer than the idle timeout, then more packets of the same key.
    for (int i = 0; i < 3; ++i) f.packets.push_back(pkt(kBase + (500 + i) * kSecond, true, 10));
    auto r = run(capture({f}), "dpi: false, expiry: false, update_interval: 60s");
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[0].fields.report, FlowReport::kUpdate);
    EXPECT_EQ(r.events[1].fields.report, FlowReport::kFinal);
    EXPECT_EQ(r.events[1].fields.pkts_toserver, 6u);
    EXPECT_EQ(r.events[1].fields.delta.pkts_toserver, 3u);
}

TEST_F(PcapUpdates, UpdatesOffGiveFinalRecordsWithoutDelta) {
    auto r = run(capture({steady_flow(10)}), "dpi: false");
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].fields.report, FlowReport::kFinal);
    EXPECT_FALSE(r.events[0].fields.has_delta);
}

// Flow a: 5 packets, b: 1 packet, c: 2 packets (client port 1, 2, 3).
std::vector<SynthFlow> three_flows() {
    std::vector<SynthFlow> flows(3);
    const int counts[] = {5, 1, 2};
    for (size_t i = 0; i < 3; ++i) {
        flows[i].client_port = static_cast<uint16_t>(i + 1);
        for (int k = 0; k < counts[i]; ++k)
            flows[i].packets.push_back(pkt(kBase + k * kSecond + static_cast<int64_t>(i), true, 8));
    }
    return flows;
}

TEST_F(PcapUpdates, InsertFollowsThePolicyAndPrecedesTheFlowsReports) {
    auto r = run(capture(three_flows()), "dpi: false, update_interval: 2s, insert_after_packets: 2",
                 true);
    std::map<uint16_t, std::vector<FlowReport>> seen;
    for (const auto& ev : r.events) {
        const FlowEntry& e = ev.fields;
        seen[e.src_port].push_back(e.report);
        if (e.report == FlowReport::kInsert) {
            EXPECT_FALSE(ev.aggregatable);
            EXPECT_EQ(e.pkts_toserver, 2u);  // inserted at its second packet
        } else {
            EXPECT_EQ(e.live, e.src_port != 2) << "port " << e.src_port;
        }
    }
    using R = FlowReport;
    EXPECT_EQ(seen[1], (std::vector<R>{R::kInsert, R::kUpdate, R::kUpdate, R::kFinal}));
    // b and c have no packet after their first cell: their final records report it.
    EXPECT_EQ(seen[2], (std::vector<R>{R::kFinal}));
    EXPECT_EQ(seen[3], (std::vector<R>{R::kInsert, R::kFinal}));
}

TEST_F(PcapUpdates, NoInsertsWithoutALifecycleOutput) {
    auto r = run(capture(three_flows()), "dpi: false");
    for (const auto& ev : r.events) {
        EXPECT_EQ(ev.fields.report, FlowReport::kFinal);
        EXPECT_FALSE(ev.fields.live);
    }
}

TEST_F(PcapUpdates, InsertAfterDpiWaitsForDetection) {
    // Not a protocol nDPI knows: detection completes when the budget of 2 packets is spent.
    std::vector<SynthFlow> flows(2);
    for (size_t i = 0; i < 2; ++i) {
        flows[i].client_port = static_cast<uint16_t>(50000 + i);
        flows[i].server_port = 40000;
        for (size_t k = 0; k < (i == 0 ? 5u : 2u); ++k) {
            flows[i].packets.push_back(pkt(kBase + static_cast<int64_t>(k * 1000 + i), true, 30,
                                           std::vector<uint8_t>(30, 0x5a)));
        }
    }
    auto r = run(capture(flows), "dpi_packets_udp: 2, insert_after: dpi", true);
    size_t inserts = 0;
    for (const auto& ev : r.events) {
        if (ev.fields.report != FlowReport::kInsert) continue;
        ++inserts;
        EXPECT_EQ(ev.fields.src_port, 50000);
        EXPECT_EQ(ev.fields.pkts_toserver, 3u);
    }
    EXPECT_EQ(inserts, 1u);
}

// Live capture's sweep: a flow silent past a boundary is reported at the next tick.
TEST(PcapUpdatesSweep, ATickReportsFlowsSilentPastABoundary) {
    SynthFlow f;
    std::string frame = eveflow::testing::detail::frame(f, pkt(0, true, 10));
    for (bool sweep : {false, true}) {
        MeterConfig config;
        config.dpi = false;
        config.update_us = 2 * kSecond;
        config.sweep = sweep;
        Meter meter(config, 1, false, nullptr);
        meter.packet(reinterpret_cast<const uint8_t*>(frame.data()),
                     static_cast<uint32_t>(frame.size()), kBase + kSecond / 2);
        meter.tick(kBase + kSecond);  // same cell: nothing to report
        EXPECT_EQ(meter.pending(), 0u);
        meter.tick(kBase + 2 * kSecond + 1);
        auto got = meter.take_exported();
        ASSERT_EQ(got.size(), sweep ? 1u : 0u);
        if (!sweep) continue;
        EXPECT_EQ(got[0].kind, FlowReport::kUpdate);
        EXPECT_EQ(got[0].delta.pkts_toserver, 1u);
        meter.tick(kBase + 4 * kSecond + 1);  // nothing new since
        EXPECT_EQ(meter.pending(), 0u);
    }
}

TEST_F(PcapUpdates, ConfigErrors) {
    auto r = testing::run_source(
        "{type: pcap, file: /dev/null, dpi: false, insert_after: dpi, insert_after_packets: 2, "
        "update_interval: 10us}",
        stats_);
    ASSERT_FALSE(r.config_ok);
    std::string all;
    for (const auto& d : r.diagnostics) all += d + "\n";
    EXPECT_NE(all.find("insert_after_packets: cannot be combined with insert_after: dpi"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("insert_after: 'dpi' needs dpi: true"), std::string::npos) << all;
    EXPECT_NE(all.find("update_interval"), std::string::npos) << all;
}

}  // namespace
}  // namespace eveflow::input::pcap
