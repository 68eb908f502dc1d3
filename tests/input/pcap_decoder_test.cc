// Decoder and accounting tests: generated captures against what their generator wrote.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tests/input/pcap_fixture_util.h"

namespace eveflow::input::pcap {
namespace {

using testing::Expectation;
using testing::FlowView;

testing::RunResult run_fixture(const std::string& name, const std::string& extra, Stats& stats) {
    std::string yaml = "{type: pcap, file: '" + testing::fixture_dir() + "/" + name +
                       "', expiry: false" + extra + "}";
    return testing::run_source(yaml, stats);
}

const FlowView* find(const std::vector<FlowView>& flows, const FlowView& want) {
    for (const auto& f : flows) {
        if (f.client == testing::canonical_ip(want.client) && f.client_port == want.client_port &&
            f.server == testing::canonical_ip(want.server) && f.server_port == want.server_port &&
            f.proto == want.proto && f.vlan == want.vlan)
            return &f;
    }
    return nullptr;
}

// Every flow the generator wrote, with its packets and bytes per direction in `accounting`
// mode, and nothing else; skipped frames counted by reason.
void check_capture(const std::string& name, const std::string& accounting = "link",
                   const std::string& extra = "") {
    SCOPED_TRACE(name + " accounting=" + accounting);
    Expectation want = testing::load_expectation(name);
    Stats stats;
    auto r = run_fixture(name, ", accounting: " + accounting + extra, stats);
    ASSERT_TRUE(r.config_ok);
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    auto got = testing::parse_records(r.lines);
    EXPECT_EQ(got.size(), want.flows.size());
    for (const auto& w : want.flows) {
        const FlowView* g = find(got, w);
        ASSERT_NE(g, nullptr) << "missing flow " << w.client << ":" << w.client_port << " -> "
                              << w.server << ":" << w.server_port << " proto " << w.proto
                              << " vlan " << w.vlan;
        const uint64_t* bytes = accounting == "link"        ? w.bytes
                                : accounting == "ip"        ? w.ip
                                : accounting == "transport" ? w.transport
                                                            : w.payload;
        for (int d = 0; d < 2; ++d) {
            EXPECT_EQ(g->pkts[d], w.pkts[d]) << g->raw;
            EXPECT_EQ(g->bytes[d], bytes[d]) << g->raw;
        }
    }
    EXPECT_EQ(stats.sum("eveflow_pcap_packets_total"), static_cast<double>(want.frames));
    uint64_t skipped_total = 0;
    for (const auto& [reason, n] : want.skipped) {
        EXPECT_EQ(stats.sum("eveflow_pcap_skipped_packets_total", {{"reason", reason}}), n)
            << reason;
        skipped_total += n;
    }
    EXPECT_EQ(stats.sum("eveflow_pcap_skipped_packets_total"), static_cast<double>(skipped_total));
}

class PcapDecoder : public ::testing::Test {
protected:
    void SetUp() override {
        if (testing::fixture_dir().empty()) GTEST_SKIP() << "scapy fixtures could not be generated";
    }
};

TEST_F(PcapDecoder, EveryDatalink) {
    for (const char* name :
         {"link_ethernet.pcap", "link_ethernet_ns.pcap", "link_ethernet.pcapng", "link_sll.pcap",
          "link_null.pcap", "link_loop.pcap", "link_raw.pcap", "link_ipv4.pcap", "link_ipv6.pcap",
          "link_ppp.pcap", "link_chdlc.pcap"}) {
        check_capture(name);
    }
}

TEST_F(PcapDecoder, VlanQinQMplsPppoeAndNonIp) { check_capture("encap.pcap"); }

TEST_F(PcapDecoder, Ipv6ExtensionHeadersFragmentsShortL4Truncated) {
    check_capture("ipv6_frag.pcap");
}

TEST_F(PcapDecoder, TunnelsGtpIpInIp6in4And4in6TeredoStaysUdp) { check_capture("tunnels.pcap"); }

TEST_F(PcapDecoder, WithoutDecapsulationGtpIsTheOuterUdpFlow) {
    Stats stats;
    auto r = run_fixture("tunnels.pcap", ", decapsulate: false", stats);
    ASSERT_TRUE(r.status.ok());
    auto got = testing::parse_records(r.lines);
    auto gtp = std::count_if(got.begin(), got.end(), [](const FlowView& f) {
        return f.client == "192.0.2.1" && f.server_port == 2152;
    });
    EXPECT_EQ(gtp, 1);
    // IP-in-IP is always decapsulated (as ndpiReader does).
    auto inner = std::count_if(got.begin(), got.end(),
                               [](const FlowView& f) { return f.client == "10.21.0.1"; });
    EXPECT_EQ(inner, 1);
}

TEST_F(PcapDecoder, AccountingModes) {
    for (const char* mode : {"ip", "transport", "payload"}) {
        check_capture("encap.pcap", mode);
        check_capture("tunnels.pcap", mode);
        check_capture("ipv6_frag.pcap", mode);
    }
}

TEST_F(PcapDecoder, BpfFilterOnFiles) {
    Stats stats;
    auto r = run_fixture("encap.pcap", ", bpf: 'vlan and tcp'", stats);
    ASSERT_TRUE(r.status.ok());
    auto got = testing::parse_records(r.lines);
    ASSERT_FALSE(got.empty());
    for (const auto& f : got) EXPECT_EQ(f.proto, 6u) << f.raw;
}

}  // namespace
}  // namespace eveflow::input::pcap
