// Ground truth: the meter's flows against ndpiReader 4.2's results for nDPI's own captures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/input/pcap_test_util.h"

namespace eveflow::input::pcap {
namespace {

namespace fs = std::filesystem;
using testing::run_source;
using testing::shared_data;

// Captures that libpcap itself cannot read to the end (the flows before the damage count).
bool truncated_upstream(const std::string& name) { return name == "fuzz-2021-10-13.pcap"; }

TEST(PcapGroundTruth, FlowsMatchNdpiReader42) {
    fs::path root = fs::path(shared_data()) / "pcap" / "ndpi-4.2";
    if (!fs::is_directory(root / "pcap")) {
        GTEST_SKIP() << "shared test data absent: " << root << " (set EVEFLOW_SHARED_DATA)";
    }
    fs::path out_dir = fs::path(EVEFLOW_BINARY_DIR) / "pcap_ground_truth";
    fs::create_directories(out_dir);
    std::vector<std::string> captures;
    for (const auto& e : fs::directory_iterator(root / "pcap"))
        captures.push_back(e.path().filename());
    std::sort(captures.begin(), captures.end());
    ASSERT_GE(captures.size(), 40u);
    for (const auto& cap : captures) {
        Stats stats;
        std::string yaml = "{type: pcap, file: '" + (root / "pcap" / cap).string() +
                           "', expiry: false, decapsulate: true, ndpi_config_dir: '" +
                           (root / "config").string() + "'}";
        auto r = run_source(yaml, stats);
        ASSERT_TRUE(r.config_ok) << cap;
        if (truncated_upstream(cap)) {
            EXPECT_FALSE(r.status.ok()) << cap << ": libpcap reports this capture truncated";
        } else {
            EXPECT_TRUE(r.status.ok()) << cap << ": " << r.status.message();
        }
        testing::write_lines((out_dir / (cap + ".jsonl")).string(), r.lines);
    }
    std::string output;
    int rc = testing::compare_with_ndpi_reader((root / "result").string(), ".out", out_dir.string(),
                                               captures, output);
    std::printf("%s", output.c_str());
    EXPECT_EQ(rc, 0) << "unexpected disagreements with ndpiReader 4.2 (listed above)";
}

}  // namespace
}  // namespace eveflow::input::pcap
