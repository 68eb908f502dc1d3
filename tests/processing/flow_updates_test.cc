// The aggregation of the meter's interim updates: each window holds exactly the packets whose
// times fall in it, against a reference summed packet by packet from the capture's list.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "processing/flow_aggregate/flow_aggregate.h"
#include "processing/traffic_metrics/traffic_metrics.h"
#include "tests/input/pcap_test_util.h"
#include "tests/input/pcap_writer.h"
#include "tests/processing/test_util.h"

namespace eveflow::processing {
namespace {

using eveflow::testing::frame_size;
using eveflow::testing::pkt;
using eveflow::testing::SynthFlow;

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kBase = 1'700'000'040 * kSec;  // not on a minute: windows cut flows anywhere

// (window start, client, server, server port): the default aggregation key.
using Key = std::tuple<int64_t, std::string, std::string, int>;
struct Sums {
    uint64_t pkts[2] = {0, 0}, bytes[2] = {0, 0};
    int64_t first = INT64_MAX, last = INT64_MIN;
    uint64_t flows = 0;  // flows whose last packet is in the window
    std::set<size_t> active;
    uint64_t n_active = 0;
    bool operator==(const Sums& o) const {
        return pkts[0] == o.pkts[0] && pkts[1] == o.pkts[1] && bytes[0] == o.bytes[0] &&
               bytes[1] == o.bytes[1] && first == o.first && last == o.last && flows == o.flows &&
               active.size() == o.n_active;
    }
};

std::string ip4(const std::array<uint8_t, 4>& a) {
    return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." +
           std::to_string(a[3]);
}

int64_t window_of(int64_t t, int64_t period) { return t / period * period; }  // t > 0

// Flows of up to ~7 minutes with gaps under the idle timeout, over shared keys.
std::vector<SynthFlow> random_flows(uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<SynthFlow> flows(14);
    for (size_t i = 0; i < flows.size(); ++i) {
        SynthFlow& f = flows[i];
        f.client = {10, 0, 0, static_cast<uint8_t>(1 + rng() % 3)};
        f.server = {10, 0, 1, static_cast<uint8_t>(1 + rng() % 2)};
        f.client_port = static_cast<uint16_t>(20000 + i);
        f.server_port = rng() % 2 ? 80 : 443;
        int64_t t = kBase + static_cast<int64_t>(rng() % 300) * kSec;
        const size_t n = 1 + rng() % 120;
        for (size_t k = 0; k < n; ++k) {
            // The first packet's sender is the flow's client (the meter's src_ip).
            const bool from_client = k == 0 || rng() % 3 != 0;
            f.packets.push_back(pkt(t, from_client, static_cast<uint16_t>(rng() % 1400)));
            t += 1 + static_cast<int64_t>(rng() % (8 * kSec));
        }
    }
    return flows;
}

std::map<Key, Sums> reference(const std::vector<SynthFlow>& flows, int64_t period) {
    std::map<Key, Sums> ref;
    for (size_t i = 0; i < flows.size(); ++i) {
        const SynthFlow& f = flows[i];
        for (const auto& p : f.packets) {
            Sums& s = ref[{window_of(p.us, period), ip4(f.client), ip4(f.server), f.server_port}];
            const int d = p.from_client ? 0 : 1;
            s.pkts[d] += 1;
            s.bytes[d] += frame_size(f, p);
            s.first = std::min(s.first, p.us);
            s.last = std::max(s.last, p.us);
            s.active.insert(i);
        }
        ref[{window_of(f.packets.back().us, period), ip4(f.client), ip4(f.server), f.server_port}]
            .flows += 1;
    }
    return ref;
}

struct Aggregated {
    std::map<Key, Sums> sums;
    size_t records = 0;
    bool all_have_active = true;
    double traffic_bytes = 0, traffic_flows = 0;  // traffic_metrics' totals
};

Aggregated aggregate(const std::vector<Event>& events, int64_t period) {
    Stats stats;
    FakeClock clock{0};
    Context ctx{stats, clock, "s"};
    HandlerContext hctx{ctx, {0}};
    eveflow::testing::Section section("{period: " + std::to_string(period / kSec) +
                                      "s, allowed_lateness: 1h}");
    FlowAggregate agg(parse_flow_aggregate_config(section.node), hctx);
    TrafficMetrics metrics(TrafficMetricsConfig{}, stats);
    eveflow::testing::RecordingEmitter out;
    for (const Event& e : events) {
        agg.consume(e, out);
        metrics.consume(e, out);
    }
    agg.flush(Timestamp::max(), out);
    metrics.flush(Timestamp::max(), out);
    Aggregated a;
    for (const auto& [sink, rec] : out.records) {
        const auto& r = std::get<AggregateRecord>(rec);
        Sums& s =
            a.sums[{r.window_start.us, r.src_ip.to_string(), r.dest_ip.to_string(), r.dest_port}];
        s.pkts[0] += r.pkts_toserver;
        s.pkts[1] += r.pkts_toclient;
        s.bytes[0] += r.bytes_toserver;
        s.bytes[1] += r.bytes_toclient;
        s.first = std::min(s.first, r.first_seen.us);
        s.last = std::max(s.last, r.last_seen.us);
        s.flows += r.flows;
        s.n_active += r.flows_active;
        a.all_have_active = a.all_have_active && r.has_flows_active;
        ++a.records;
    }
    a.traffic_bytes = stats.sum("eveflow_traffic_bytes_total");
    a.traffic_flows = stats.sum("eveflow_traffic_flows_total");
    return a;
}

class FlowUpdates : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(FlowUpdates, EachWindowHoldsExactlyItsPackets) {
    const auto [period_s, interval_s] = GetParam();
    const int64_t period = period_s * kSec;
    auto dir = std::filesystem::temp_directory_path() /
               ("eveflow-flow-updates-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "flows.pcap").string();
    const auto flows = random_flows(static_cast<uint32_t>(period_s * 100 + interval_s));
    eveflow::testing::write_pcap(path, flows);
    Stats stats;
    auto run = input::pcap::testing::run_source(
        "{type: pcap, file: '" + path +
            "', dpi: false, update_interval: " + std::to_string(interval_s) + "s}",
        stats);
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(run.status.ok());

    const auto want = reference(flows, period);
    const Aggregated got = aggregate(run.events, period);
    EXPECT_TRUE(got.all_have_active);
    EXPECT_EQ(got.records, want.size());
    ASSERT_EQ(got.sums.size(), want.size());
    for (const auto& [key, w] : want) {
        auto it = got.sums.find(key);
        ASSERT_NE(it, got.sums.end()) << "window " << std::get<0>(key) << " missing";
        const Sums& g = it->second;
        EXPECT_TRUE(g == w) << "window " << std::get<0>(key) << " " << std::get<1>(key) << "->"
                            << std::get<2>(key) << ":" << std::get<3>(key) << ": pkts " << g.pkts[0]
                            << "/" << g.pkts[1] << " want " << w.pkts[0] << "/" << w.pkts[1]
                            << ", bytes " << g.bytes[0] << "/" << g.bytes[1] << " want "
                            << w.bytes[0] << "/" << w.bytes[1] << ", active " << g.n_active
                            << " want " << w.active.size() << ", flows " << g.flows << " want "
                            << w.flows;
    }
    // traffic_metrics adds the same deltas: its totals are the capture's, each flow once.
    uint64_t bytes = 0;
    for (const auto& f : flows) {
        for (const auto& p : f.packets) bytes += frame_size(f, p);
    }
    EXPECT_EQ(got.traffic_bytes, static_cast<double>(bytes));
    EXPECT_EQ(got.traffic_flows, static_cast<double>(flows.size()));
}

// Updates on the period's grid, and on grids that divide it.
INSTANTIATE_TEST_SUITE_P(Grids, FlowUpdates,
                         ::testing::Values(std::tuple{60, 60}, std::tuple{60, 20},
                                           std::tuple{60, 15}, std::tuple{10, 5}));

TEST(FlowUpdatesEve, FinalRecordsWithoutDeltaAreAggregatedAsBefore) {
    Event e;
    e.type = EventType::kFlow;
    e.aggregatable = true;
    FlowEntry& f = e.fields;
    f.ts = Timestamp::from_us(kBase);
    f.src_ip = *IpAddr::parse("10.0.0.1");
    f.dest_ip = *IpAddr::parse("10.0.0.2");
    f.has_src_ip = f.has_dest_ip = true;
    f.pkts_toserver = 3;
    const Aggregated got = aggregate({e}, 60 * kSec);
    ASSERT_EQ(got.records, 1u);
    EXPECT_FALSE(got.all_have_active);  // no flows_active: the record is as before
    EXPECT_EQ(got.sums.begin()->second.flows, 1u);
    EXPECT_EQ(got.sums.begin()->second.pkts[0], 3u);
}

}  // namespace
}  // namespace eveflow::processing
