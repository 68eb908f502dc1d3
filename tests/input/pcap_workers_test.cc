// Meter workers: the same flows, counters and a watermark that holds, whatever their number.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "input/pcap/mapped_pcap.h"
#include "input/pcap/packet_fanout.h"
#include "tests/input/pcap_test_util.h"
#include "tests/input/pcap_writer.h"

namespace eveflow::input::pcap {
namespace {

namespace fs = std::filesystem;

struct MeterRun {
    std::vector<std::string> records;  // flow_id masked, sorted
    testing::RunResult result;
};

// Runs one pcap input to its end (testing::run_source checks each published flow against
// the progress published before it).
MeterRun run_meter(const std::string& yaml, Stats& stats) {
    MeterRun r;
    r.result = testing::run_source(yaml, stats);
    EXPECT_TRUE(r.result.config_ok);
    EXPECT_TRUE(r.result.status.ok());
    static const std::regex id("\"flow_id\":[0-9]+");
    for (const auto& l : r.result.lines)
        r.records.push_back(std::regex_replace(l, id, "\"flow_id\":0"));
    std::sort(r.records.begin(), r.records.end());
    return r;
}

std::string capture(const char* name) {
    return testing::shared_data() + "/pcap/ndpi-4.2/pcap/" + name;
}

TEST(PcapWorkers, ThreeWorkersGiveOneWorkersRecordsCountersAndAHoldingWatermark) {
    std::string path = capture("android.pcap");
    if (!fs::exists(path)) GTEST_SKIP() << "shared test data absent: " << path;
    // Interim updates every second too: their grid and the expiry ticks run on every worker.
    // Small batches: many progress bounds published along the way.
    std::string yaml =
        "{type: pcap, file: '" + path + "', update_interval: 1s, batch_size: 4, workers: ";
    Stats one_stats, three_stats;
    MeterRun one = run_meter(yaml + "1}", one_stats);
    MeterRun three = run_meter(yaml + "3}", three_stats);
    ASSERT_GT(one.records.size(), 60u);
    EXPECT_EQ(one.records, three.records);
    for (const MeterRun* r : {&one, &three}) {
        EXPECT_EQ(r->result.watermark_violations, 0u);
        ASSERT_GT(r->result.progress.size(), 1u);
        EXPECT_EQ(r->result.progress.back(), SourceProgress::ended());
    }
    for (const char* metric :
         {"eveflow_pcap_packets_total", "eveflow_pcap_bytes_total", "eveflow_flows_expired_total",
          "eveflow_flow_updates_total", "eveflow_pcap_skipped_packets_total"}) {
        EXPECT_EQ(one_stats.sum(metric), three_stats.sum(metric)) << metric;
    }
    EXPECT_EQ(three_stats.sum("eveflow_pcap_packets_total"), 500.0);  // frames, as dpkt counts
    EXPECT_EQ(three_stats.sum("eveflow_flows_active"), 0.0);          // all flushed
}

TEST(PcapWorkers, FragmentsAndTunnelsStayWithTheirFlows) {
    // IPv4 fragments, and flows inside GTP and 6in4 tunnels: hashed on the inner addresses.
    for (const char* name : {"ip_fragmented_garbage.pcap", "dns_fragmented.pcap",
                             "ipv6_in_gtp.pcap", "6in4tunnel.pcap", "4in4tunnel.pcap"}) {
        std::string path = capture(name);
        if (!fs::exists(path)) GTEST_SKIP() << "shared test data absent: " << path;
        Stats s1, s2;
        MeterRun one = run_meter("{type: pcap, file: '" + path + "', workers: 1}", s1);
        MeterRun two = run_meter("{type: pcap, file: '" + path + "', workers: 2}", s2);
        ASSERT_FALSE(one.records.empty()) << name;
        EXPECT_EQ(one.records, two.records) << name;
        EXPECT_EQ(s1.sum("eveflow_pcap_skipped_packets_total"),
                  s2.sum("eveflow_pcap_skipped_packets_total"))
            << name;
    }
}

// A capture whose middle record the mapping leaves to libpcap: its fraction of a second is out
// of range (a second moved into it, so libpcap gives the same time). With workers, each reads
// the mapping up to that record itself and the reading thread hands them the rest.
TEST(PcapWorkers, AFileReadPartlyInPlaceAndPartlyByLibpcapGivesOneWorkersRecords) {
    std::vector<eveflow::testing::SynthFlow> flows(300);
    for (size_t i = 0; i < flows.size(); ++i) {
        auto& f = flows[i];
        f.client = {10, 1, static_cast<uint8_t>(i / 200), static_cast<uint8_t>(i % 200 + 1)};
        f.server = {192, 0, 2, static_cast<uint8_t>(i % 7 + 1)};
        f.client_port = static_cast<uint16_t>(30000 + i);
        f.proto = i % 3 == 0 ? 17 : 6;
        // Packets over 90 s of capture time: expiry ticks, idle and active timeouts on the way.
        const int64_t start = 1'700'000'000'000'000 + static_cast<int64_t>(i) * 250'000;
        for (int k = 0; k < 6; ++k) {
            int64_t at = start + k * static_cast<int64_t>(i % 5 + 1) * 3'000'000;
            f.packets.push_back(
                eveflow::testing::pkt(at, k % 2 == 0, static_cast<uint16_t>(10 * k + i % 9)));
        }
    }
    const std::string path = (fs::temp_directory_path() /
                              ("eveflow-workers-split-" + std::to_string(::getpid()) + ".pcap"))
                                 .string();
    eveflow::testing::write_pcap(path, flows);
    std::string bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    size_t off = 24, records = 0, half = 0;
    while (off + 16 <= bytes.size()) {
        uint32_t caplen;
        std::memcpy(&caplen, bytes.data() + off + 8, 4);
        if (records++ == 900) half = off;
        off += 16 + caplen;
    }
    ASSERT_EQ(records, 1800u);
    uint32_t sec, frac;
    std::memcpy(&sec, bytes.data() + half, 4);
    std::memcpy(&frac, bytes.data() + half + 4, 4);
    sec -= 1;
    frac += 1'000'000;
    std::memcpy(bytes.data() + half, &sec, 4);
    std::memcpy(bytes.data() + half + 4, &frac, 4);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    {  // the mapping stops at that record
        auto m = MappedPcap::map(path);
        ASSERT_TRUE(m);
        MappedPcap::Record r;
        while (m->next(r)) {
        }
        EXPECT_EQ(m->offset(), half);
    }
    std::string yaml =
        "{type: pcap, file: '" + path + "', update_interval: 2s, batch_size: 8, workers: ";
    Stats s1;
    MeterRun one = run_meter(yaml + "1}", s1);
    EXPECT_EQ(s1.sum("eveflow_pcap_packets_total"), 1800.0);
    ASSERT_GT(one.records.size(), 300u);  // interim updates too
    for (int workers : {2, 3}) {
        Stats sn;
        MeterRun n = run_meter(yaml + std::to_string(workers) + "}", sn);
        EXPECT_EQ(one.records, n.records) << workers;
        EXPECT_EQ(n.result.watermark_violations, 0u) << workers;
        for (const char* metric : {"eveflow_pcap_packets_total", "eveflow_pcap_bytes_total",
                                   "eveflow_flows_expired_total", "eveflow_flow_updates_total"})
            EXPECT_EQ(s1.sum(metric), sn.sum(metric)) << metric << " " << workers;
    }
    fs::remove(path);
}

TEST(PcapWorkers, LiveFanoutDropsAndCountsFramesOfAFullQueueAndKeepsItsTick) {
    Counter dropped;
    PacketFanout fanout(Decoder(1, true, false), 1, /*live=*/true, dropped);
    const std::vector<uint8_t> frame(60, 0);  // any frame: the only worker takes it
    // No worker pops: the queue (8 chunks) fills, each later chunk's frame is dropped.
    for (int i = 0; i < 20; ++i) {
        auto len = static_cast<uint32_t>(frame.size());
        fanout.packet(frame.data(), len, len, 1000 + i);
        fanout.send_all();
    }
    EXPECT_EQ(dropped.value(), 12u);
    fanout.tick(5000);  // cannot go now: kept for the next chunk, nothing counted
    EXPECT_EQ(dropped.value(), 12u);
    std::vector<PacketChunk> got;
    fanout.queue(0).pop_batch(got, 100, std::chrono::steady_clock::now());
    ASSERT_EQ(got.size(), 8u);
    for (const auto& c : got) EXPECT_EQ(c.packets(), 1u);
    EXPECT_EQ(got.back().slots[0].ts_us, 1007);
    fanout.close();  // sends the kept tick
    got.clear();
    fanout.queue(0).pop_batch(got, 100, std::chrono::steady_clock::now());
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].has_tick);
    ASSERT_EQ(got[0].slots.size(), 1u);
    EXPECT_EQ(got[0].slots[0].caplen, PacketSlot::kTick);
    EXPECT_EQ(got[0].slots[0].ts_us, 5000);
    EXPECT_EQ(got[0].now_us, 5000);
    EXPECT_EQ(got[0].last_us, 1019);
    EXPECT_TRUE(fanout.queue(0).drained());
}

}  // namespace
}  // namespace eveflow::input::pcap
