// Live snapshot length: derived from the interface's MTU unless configured; frames cut at
// the snapshot length keep the lengths their headers give.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "input/pcap/config.h"
#include "input/pcap/decoder.h"
#include "input/pcap/snaplen.h"

namespace eveflow::input::pcap {
namespace {

TEST(PcapSnaplen, MtuPlusEthernetAndTwoVlanTagsRoundedUpTo64) {
    EXPECT_EQ(snaplen_for_mtu(1500), 1536);    // 1522 -> 24 * 64
    EXPECT_EQ(snaplen_for_mtu(9000), 9024);    // 9022 -> 141 * 64
    EXPECT_EQ(snaplen_for_mtu(65536), 65600);  // lo: 65558 -> 1025 * 64
    EXPECT_EQ(snaplen_for_mtu(1), kMinSnaplen);
    EXPECT_EQ(snaplen_for_mtu(1 << 20), kMaxSnaplen);
}

TEST(PcapSnaplen, LoopbackMtuAsSysfsShowsIt) {
    std::ifstream sys("/sys/class/net/lo/mtu");
    int want = 0;
    if (!(sys >> want)) GTEST_SKIP() << "/sys/class/net/lo/mtu unreadable";
    ASSERT_EQ(interface_mtu("lo"), want);
    EXPECT_EQ(live_snaplen("lo", 0), snaplen_for_mtu(want));
    EXPECT_EQ(interface_mtu("eveflow-no-such-if0"), std::nullopt);
    EXPECT_EQ(live_snaplen("eveflow-no-such-if0", 0), kFallbackSnaplen);
    EXPECT_EQ(live_snaplen("lo", 2048), 2048);  // a configured value wins
}

bool run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// A network namespace of our own holding a veth pair (MTU 1500 and 9000), deleted at the end.
struct VethNamespace {
    std::string ns = "efsnap" + std::to_string(::getpid());
    bool ok = false;
    VethNamespace() {
        ok = ::geteuid() == 0 && run("ip netns add " + ns) &&
             run("ip -n " + ns + " link add vsa type veth peer name vsb") &&
             run("ip -n " + ns + " link set vsb mtu 9000");
    }
    ~VethNamespace() { run("ip netns del " + ns); }
    // Runs `fn` on a thread that entered the namespace (setns changes the calling thread).
    template <class Fn>
    void inside(Fn fn) {
        std::thread t([&] {
            int fd = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
            ASSERT_GE(fd, 0);
            ASSERT_EQ(::setns(fd, CLONE_NEWNET), 0);
            ::close(fd);
            fn();
        });
        t.join();
    }
};

TEST(PcapSnaplen, VethInANamespaceHasItsOwnMtu) {
    VethNamespace v;
    if (!v.ok) GTEST_SKIP() << "needs root and `ip netns` to create a veth pair";
    EXPECT_EQ(interface_mtu("vsa"), std::nullopt);  // not in this namespace
    v.inside([] {
        EXPECT_EQ(interface_mtu("vsa"), 1500);
        EXPECT_EQ(interface_mtu("vsb"), 9000);
        EXPECT_EQ(live_snaplen("vsa", 0), 1536);
        EXPECT_EQ(live_snaplen("vsb", 0), 9024);
        EXPECT_EQ(live_snaplen("vsb", 256), 256);
    });
}

PcapConfig parse(const std::string& yaml, std::vector<std::string>& errors) {
    auto diag = std::make_shared<ConfigDiagnostics>("test.yaml");
    ConfigNode node(YAML::Load(yaml), "inputs[0]", diag);
    node.touch("type");
    PcapConfig c = parse_pcap_config(node);
    diag->report_unknown();
    errors = diag->errors();
    return c;
}

TEST(PcapSnaplen, ConfigLeavesItUnsetUnlessGiven) {
    std::vector<std::string> errors;
    EXPECT_EQ(parse("{type: pcap, interface: lo}", errors).snaplen, 0);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(parse("{type: pcap, interface: lo, snaplen: 2048}", errors).snaplen, 2048);
    EXPECT_TRUE(errors.empty());
    parse("{type: pcap, interface: lo, snaplen: 10}", errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("snaplen: must be in [64, 262144]"), std::string::npos) << errors[0];
}

// Ethernet + IPv4 + TCP (20-byte header) whose IP total length says `ip_total` bytes.
std::vector<uint8_t> tcp_frame(uint16_t ip_total, size_t captured) {
    std::vector<uint8_t> f(captured, 0);
    f[12] = 0x08;                                 // IPv4
    f[14] = 0x45;                                 // version 4, IHL 5
    f[16] = static_cast<uint8_t>(ip_total >> 8);  // total length
    f[17] = static_cast<uint8_t>(ip_total & 0xFF);
    f[23] = 6;                                               // TCP
    f[26] = 10, f[29] = 1, f[30] = 10, f[33] = 2;            // 10.0.0.1 -> 10.0.0.2
    f[34] = 0x30, f[35] = 0x39, f[36] = 0x00, f[37] = 0x50;  // 12345 -> 80
    f[46] = 0x50;                                            // data offset 5 (20 bytes)
    f[47] = 0x10;                                            // ACK
    return f;
}

TEST(PcapSnaplen, CutFrameKeepsItsIpTransportAndPayloadLengths) {
    // A GRO-merged segment of 8986 IP bytes (a 9000-byte frame) cut at 256 bytes.
    auto f = tcp_frame(8986, 256);
    Decoder live(1, true, false);
    DecodedPacket p;
    ASSERT_EQ(live.decode(f.data(), 256, p, 9000), SkipReason::kNone);
    EXPECT_EQ(p.ip_bytes, 8986u);
    EXPECT_EQ(p.transport_bytes, 8986u - 20);
    EXPECT_EQ(p.payload_bytes, 8986u - 40);
    EXPECT_EQ(p.dport, 80);
    EXPECT_EQ(p.l3_caplen, 256u - 14);  // DPI gets only what was captured
    // Segmentation offload leaves total length 0: the wire length stands in.
    auto tso = tcp_frame(0, 256);
    ASSERT_EQ(live.decode(tso.data(), 256, p, 9000), SkipReason::kNone);
    EXPECT_EQ(p.ip_bytes, 9000u - 14);
    EXPECT_EQ(p.payload_bytes, 9000u - 14 - 40);
    // Files stay strict: a cut frame is skipped as truncated.
    Decoder file(1, true, true);
    EXPECT_EQ(file.decode(f.data(), 256, p, 9000), SkipReason::kTruncated);
}

}  // namespace
}  // namespace eveflow::input::pcap
