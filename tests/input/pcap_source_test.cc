// PcapSource tests: damaged captures, repeatability, config errors, the record format.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <string>

#include "tests/input/pcap_fixture_util.h"

namespace eveflow::input::pcap {
namespace {

namespace fs = std::filesystem;

std::string bad_dir() { return testing::shared_data() + "/pcap/bad"; }

struct BadCase {
    const char* file;
    const char* libpcap_error;  // empty: a valid capture
    bool has_reference;         // <file>.ndpiReader42.out exists
};

// pcap/PROVENANCE.md lists what libpcap 1.10.3 says about each damaged file.
const BadCase kBad[] = {
    {"derived_truncated-mid-packet10_http-lines-split.pcap",
     "truncated dump file; tried to read 209 captured bytes, only got 104", true},
    {"derived_truncated-mid-block_quic-v2-00.pcapng",
     "truncated pcapng dump file; tried to read 1508 bytes, only got 1493", true},
    {"derived_truncated-in-global-header_ssh.pcap",
     "truncated dump file; tried to read 24 file header bytes, only got 8", false},
    {"derived_zero-length.pcap",
     "truncated dump file; tried to read 4 file header bytes, only got 0", false},
    {"derived_bad-magic_443-chrome.pcap", "unknown file format", false},
    {"derived_huge-caplen_NTPv4.pcap", "invalid packet capture length 4294967280", false},
    {"derived_header-only_dns_doh.pcap", "", false},
};

TEST(PcapBadCaptures, ErrorNamesFileAndReasonAndKeepsFlowsBeforeDamage) {
    if (!fs::is_directory(bad_dir())) GTEST_SKIP() << "shared test data absent: " << bad_dir();
    std::string cfg = testing::shared_data() + "/pcap/ndpi-4.2/config";
    fs::path out_dir = fs::path(EVEFLOW_BINARY_DIR) / "pcap_bad";
    fs::create_directories(out_dir);
    std::vector<std::string> with_reference;
    for (const auto& c : kBad) {
        SCOPED_TRACE(c.file);
        Stats stats;
        std::string path = bad_dir() + "/" + c.file;
        auto r = testing::run_source(
            "{type: pcap, file: '" + path + "', expiry: false, ndpi_config_dir: '" + cfg + "'}",
            stats);
        ASSERT_TRUE(r.config_ok);
        if (*c.libpcap_error == 0) {
            EXPECT_TRUE(r.status.ok()) << r.status.message();
            EXPECT_TRUE(r.lines.empty());
            continue;
        }
        ASSERT_FALSE(r.status.ok());
        EXPECT_NE(r.status.message().find(path), std::string::npos) << r.status.message();
        EXPECT_NE(r.status.message().find(c.libpcap_error), std::string::npos)
            << r.status.message();
        if (c.has_reference) {
            EXPECT_FALSE(r.lines.empty());
            testing::write_lines((out_dir / (std::string(c.file) + ".jsonl")).string(), r.lines);
            with_reference.push_back(c.file);
        } else {
            EXPECT_TRUE(r.lines.empty());
        }
    }
    std::string output;
    int rc = testing::compare_with_ndpi_reader(bad_dir(), ".ndpiReader42.out", out_dir.string(),
                                               with_reference, output);
    EXPECT_EQ(rc, 0) << output;
}

TEST(PcapSource, CaptureReadTwiceGivesIdenticalRecords) {
    std::string path = testing::shared_data() + "/pcap/ndpi-4.2/pcap/android.pcap";
    if (!fs::exists(path)) GTEST_SKIP() << "shared test data absent: " << path;
    std::string yaml = "{type: pcap, file: '" + path + "'}";
    Stats s1, s2;
    auto a = testing::run_source(yaml, s1);
    auto b = testing::run_source(yaml, s2);
    ASSERT_TRUE(a.status.ok());
    ASSERT_FALSE(a.lines.empty());
    // flow_id is drawn per meter (a random prefix): the records are equal without it. With
    // several meter workers (the default on a machine with several CPUs) their order is not.
    auto masked = [](std::vector<std::string> lines) {
        static const std::regex id("\"flow_id\":[0-9]+");
        for (auto& l : lines) l = std::regex_replace(l, id, "\"flow_id\":0");
        std::sort(lines.begin(), lines.end());
        return lines;
    };
    EXPECT_EQ(masked(a.lines), masked(b.lines));
    EXPECT_NE(a.events[0].fields.flow_id, b.events[0].fields.flow_id);
}

TEST(PcapSource, EventsCarryTheFlowFields) {
    if (testing::fixture_dir().empty()) GTEST_SKIP() << "scapy fixtures could not be generated";
    Stats stats;
    auto r = testing::run_source(
        "{type: pcap, file: '" + testing::fixture_dir() + "/link_ethernet.pcap', expiry: false}",
        stats);
    ASSERT_TRUE(r.status.ok());
    ASSERT_EQ(r.events.size(), 2u);
    for (size_t i = 0; i < r.events.size(); ++i) {
        const Event& e = r.events[i];
        EXPECT_EQ(e.type, EventType::kFlow);
        EXPECT_TRUE(e.aggregatable);
        EXPECT_LE(e.fields.start, e.fields.end);
        EXPECT_EQ(e.fields.ts, e.fields.end);
        EXPECT_TRUE(e.fields.has_src_ip && e.fields.has_dest_ip && e.fields.has_proto);
        EXPECT_EQ(r.lines[i].front(), '{');
        EXPECT_NE(r.lines[i].find("\"app_proto\":\"" + r.app_protos[i] + "\""), std::string::npos);
        if (e.fields.proto == 6) {
            EXPECT_EQ(r.app_protos[i], "HTTP");
            EXPECT_EQ(e.fields.dest_port, 80);
            EXPECT_EQ(e.fields.pkts_toserver, 5u);
            EXPECT_EQ(e.fields.pkts_toclient, 3u);
        }
    }
}

TEST(PcapSource, NoDpiLeavesAppProtoEmpty) {
    if (testing::fixture_dir().empty()) GTEST_SKIP() << "scapy fixtures could not be generated";
    Stats stats;
    auto r = testing::run_source(
        "{type: pcap, file: '" + testing::fixture_dir() + "/link_ethernet.pcap', dpi: false}",
        stats);
    ASSERT_TRUE(r.status.ok());
    ASSERT_FALSE(r.lines.empty());
    for (size_t i = 0; i < r.lines.size(); ++i) {
        EXPECT_TRUE(r.app_protos[i].empty());
        EXPECT_EQ(r.lines[i].find("\"ndpi\""), std::string::npos);
    }
}

std::vector<std::string> config_errors(const std::string& yaml) {
    Stats stats;
    return testing::run_source(yaml, stats).diagnostics;
}

bool mentions(const std::vector<std::string>& errors, const std::string& text) {
    for (const auto& e : errors) {
        if (e.find(text) != std::string::npos) return true;
    }
    return false;
}

TEST(PcapConfig, FileOrInterfaceRequired) {
    EXPECT_TRUE(mentions(config_errors("{type: pcap}"), "exactly one of 'file' or 'interface'"));
    EXPECT_TRUE(mentions(config_errors("{type: pcap, file: a.pcap, interface: eth0}"),
                         "exactly one of 'file' or 'interface'"));
}

TEST(PcapConfig, BadValuesAreReportedTogether) {
    auto e = config_errors(
        "{type: pcap, file: a.pcap, accounting: frames, max_flows: 0, dpi_packets_tcp: 0, "
        "ndpi_protos: /nonexistent/protos.txt, ndpi_config_dir: /nonexistent}");
    EXPECT_TRUE(mentions(e, "accounting")) << ::testing::PrintToString(e);
    EXPECT_TRUE(mentions(e, "max_flows"));
    EXPECT_TRUE(mentions(e, "dpi_packets_tcp"));
    EXPECT_TRUE(mentions(e, "no such file '/nonexistent/protos.txt'"));
    EXPECT_TRUE(mentions(e, "no such directory '/nonexistent'"));
}

TEST(PcapConfig, WorkersOutsideOneToSixtyFourAreErrors) {
    for (const char* bad : {"0", "65", "-1", "two"}) {
        auto e = config_errors(std::string("{type: pcap, file: a.pcap, workers: ") + bad + "}");
        EXPECT_TRUE(mentions(e, "inputs[0].workers")) << bad << ::testing::PrintToString(e);
    }
    EXPECT_TRUE(config_errors("{type: pcap, file: a.pcap, workers: 64}").empty());
    EXPECT_TRUE(config_errors("{type: pcap, file: a.pcap, workers: 1}").empty());
}

TEST(PcapConfig, ProcessVisibilityOnlyOnALiveInterface) {
    auto e = config_errors("{type: pcap, file: a.pcap, process_visibility: true}");
    EXPECT_TRUE(mentions(e, "inputs[0].process_visibility: applies to a live interface only"))
        << ::testing::PrintToString(e);
    EXPECT_TRUE(mentions(config_errors("{type: pcap, file: a.pcap, process_cmdline: true}"),
                         "process_cmdline: needs process_visibility: true"));
}

TEST(PcapConfig, UnknownInterfaceIsAStartupError) {
    Stats stats;
    EXPECT_THROW(
        testing::run_source("{type: pcap, interface: eveflow-no-such-if0, dpi: false}", stats),
        StartupError);
}

}  // namespace
}  // namespace eveflow::input::pcap
