// Flow slots that never move, and expiry and the end-of-input flush in bounded batches.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "tests/input/pcap_test_util.h"
#include "tests/input/pcap_writer.h"

namespace eveflow::input::pcap {
namespace {

using eveflow::testing::pkt;
using eveflow::testing::SynthFlow;

constexpr int64_t kBase = 1'700'000'000'000'000;
constexpr int64_t kSecond = 1'000'000;

// A UDP packet from 10.0.x.y:port to 10.1.0.1:53, flow number `n`.
DecodedPacket udp_packet(uint32_t n) {
    DecodedPacket p;
    p.ip_version = 4;
    p.proto = 17;
    p.src[12] = 10;
    p.src[14] = static_cast<uint8_t>(n >> 8);
    p.src[15] = static_cast<uint8_t>(n);
    p.dst[12] = 10;
    p.dst[13] = 1;
    p.dst[15] = 1;
    p.sport = static_cast<uint16_t>(1024 + (n >> 16));
    p.dport = 53;
    return p;
}

struct Recorder {
    std::vector<uint16_t> ports;  // (flow number & 0xffff) of each exported flow, in order
    std::vector<ExpiryReason> reasons;
    FlowTable::ExportFn fn() {
        return [this](Flow& f, ExpiryReason r) {
            ports.push_back(static_cast<uint16_t>(f.client[14] << 8 | f.client[15]));
            reasons.push_back(r);
        };
    }
};

// Flows one per millisecond, `n` of them, each seen once; returns each flow's address.
std::vector<Flow*> fill(FlowTable& table, uint32_t n) {
    std::vector<Flow*> flows;
    for (uint32_t i = 0; i < n; ++i) {
        int dir = 0;
        bool created = false;
        Flow& f = table.lookup(udp_packet(i), kBase + i * 1000, dir, created);
        EXPECT_TRUE(created);
        table.account(f, dir, 100, kBase + i * 1000, 0);
        flows.push_back(&f);
    }
    return flows;
}

TEST(PcapFlowSlots, FlowsStayWhereTheyWereCreatedAsTheTableGrows) {
    FlowTable table(FlowTableConfig{}, [](Flow&, ExpiryReason) {});
    std::vector<Flow*> flows = fill(table, 20'000);
    for (uint32_t i = 0; i < flows.size(); ++i) {
        // The same packet again finds the flow at the address it got when it was created.
        int dir = 0;
        bool created = false;
        Flow& f = table.lookup(udp_packet(i), kBase + 30 * kSecond, dir, created);
        ASSERT_FALSE(created);
        ASSERT_EQ(&f, flows[i]) << "flow " << i;
        ASSERT_EQ(table.at(table.index_of(f), f.generation), &f);
        ASSERT_EQ(f.bidir.packets, 1u);
    }
}

TEST(PcapFlowSlots, FlushInBoundedBatchesLeastRecentFirst) {
    constexpr uint32_t kFlows = 5'000, kMax = 1'000;
    Recorder rec;
    FlowTable table(FlowTableConfig{}, rec.fn());
    fill(table, kFlows);
    size_t calls = 0;
    bool more = true;
    while (more) {
        size_t before = rec.ports.size();
        more = table.flush(ExpiryReason::kEnd, kMax);
        ++calls;
        EXPECT_LE(rec.ports.size() - before, kMax);
        EXPECT_EQ(table.size(), kFlows - rec.ports.size());
        EXPECT_EQ(more, table.size() > 0);
    }
    EXPECT_EQ(calls, kFlows / kMax);
    ASSERT_EQ(rec.ports.size(), kFlows);
    for (uint32_t i = 0; i < kFlows; ++i) ASSERT_EQ(rec.ports[i], i) << "export " << i;
    EXPECT_EQ(table.oldest_first_us(), FlowTable::kNoFlow);
    // The flush gave the emptied slots' memory back; the table still takes new flows.
    std::vector<Flow*> again = fill(table, kFlows + 100);
    EXPECT_EQ(table.size(), kFlows + 100);
    for (uint32_t i = 0; i < again.size(); ++i) {
        ASSERT_EQ(table.at(table.index_of(*again[i]), again[i]->generation), again[i]);
        ASSERT_EQ(again[i]->bidir.packets, 1u);
    }
}

TEST(PcapFlowSlots, ExpiryInBoundedBatchesEndsAsOneCall) {
    FlowTableConfig cfg;
    cfg.idle_us = 10 * kSecond;
    Recorder bounded, whole;
    FlowTable a(cfg, bounded.fn()), b(cfg, whole.fn());
    fill(a, 2'500);
    fill(b, 2'500);
    const int64_t now = kBase + 1'250 * 1000 - 1 + cfg.idle_us;  // the first half is idle
    b.expire(now);
    ASSERT_EQ(whole.ports.size(), 1'250u);
    size_t calls = 0;
    while (a.expire(now, 300)) {
        ++calls;
        EXPECT_EQ(bounded.ports.size(), calls * 300);
    }
    EXPECT_EQ(calls, 1'250u / 300);
    EXPECT_EQ(bounded.ports, whole.ports);
    EXPECT_EQ(bounded.reasons, whole.reasons);
    EXPECT_EQ(a.size(), b.size());
    EXPECT_EQ(a.oldest_first_us(), b.oldest_first_us());
}

class PcapFlush : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = (std::filesystem::temp_directory_path() /
                 ("eveflow-flush-" + std::to_string(::getpid()) + ".pcap"))
                    .string();
        std::vector<SynthFlow> flows(kFlows);
        for (int i = 0; i < kFlows; ++i) {  // all open at the end of the capture
            flows[i].client_port = static_cast<uint16_t>(20000 + i);
            flows[i].packets = {pkt(kBase + i * 1000, true, 10),
                                pkt(kBase + i * 1000 + 5, false, 20)};
        }
        eveflow::testing::write_pcap(path_, flows);
    }
    void TearDown() override { std::filesystem::remove(path_); }
    testing::RunResult run(size_t batch) {
        return testing::run_source(
            "{type: pcap, file: '" + path_ +
                "', dpi: false, workers: 1, batch_size: " + std::to_string(batch) + "}",
            stats_);
    }
    static std::vector<std::string> masked(std::vector<std::string> lines) {
        static const std::regex id("\"flow_id\":[0-9]+");
        for (auto& l : lines) l = std::regex_replace(l, id, "\"flow_id\":0");
        std::sort(lines.begin(), lines.end());
        return lines;
    }
    static constexpr int kFlows = 600;
    std::string path_;
    Stats stats_;
};

// The flush publishes each batch with the bounds of the flows still open: progress rises
// through the flush instead of jumping to the end with every flow at once.
TEST_F(PcapFlush, EndOfInputPublishesBatchesWithRisingProgress) {
    auto small = run(50);
    auto whole = run(1'000'000);
    ASSERT_TRUE(small.status.ok());
    ASSERT_EQ(small.lines.size(), static_cast<size_t>(kFlows));
    EXPECT_EQ(masked(small.lines), masked(whole.lines));
    EXPECT_EQ(small.watermark_violations, 0u);
    // Between the last packet and the end: a progress per batch of 50 flows left open (the
    // render thread may join two when it takes them together).
    size_t rising = 0;
    for (size_t i = 1; i < small.progress.size(); ++i) {
        const auto& p = small.progress[i];
        if (p.first > small.progress[i - 1].first && p != SourceProgress::ended()) ++rising;
    }
    EXPECT_GE(rising, static_cast<size_t>(kFlows / 50 / 2));
    ASSERT_FALSE(small.progress.empty());
    EXPECT_EQ(small.progress.back(), SourceProgress::ended());
}

}  // namespace
}  // namespace eveflow::input::pcap
