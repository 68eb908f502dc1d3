// Bounded, deterministic fuzzing of the DNS wire parser without libFuzzer: the DNS payloads of
// the shared captures and the seed messages, cut and mutated at random.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "input/pcap/decoder.h"
#include "tests/input/pcap_test_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace eveflow::input::pcap {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

// UDP payloads to or from port 53 of every capture under `dir`.
void collect_captures(const fs::path& dir, std::vector<Bytes>& seeds) {
    if (!fs::is_directory(dir)) return;
    for (const auto& e : fs::directory_iterator(dir)) {
        char err[PCAP_ERRBUF_SIZE];
        pcap_t* pc = pcap_open_offline(e.path().c_str(), err);
        if (!pc) continue;
        const Decoder decoder(pcap_datalink(pc), true, false);
        DecodedPacket p;
        pcap_pkthdr* h;
        const u_char* d;
        while (pcap_next_ex(pc, &h, &d) == 1) {
            if (decoder.decode(d, h->caplen, p) != SkipReason::kNone || !p.udp_payload) continue;
            if (p.sport != 53 && p.dport != 53) continue;
            seeds.emplace_back(p.udp_payload, p.udp_payload + p.udp_payload_caplen);
        }
        pcap_close(pc);
    }
}

void collect_files(const fs::path& dir, std::vector<Bytes>& seeds) {
    if (!fs::is_directory(dir)) return;
    for (const auto& e : fs::directory_iterator(dir)) {
        std::ifstream in(e.path(), std::ios::binary);
        seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
}

TEST(DnsWireFuzzSmoke, MutatedMessagesNeverReadOutOfBounds) {
    std::vector<Bytes> seeds;
    collect_files(EVEFLOW_SOURCE_DIR "/tests/data/dns_wire", seeds);
    ASSERT_GE(seeds.size(), 3u);
    collect_captures(fs::path(testing::shared_data()) / "pcap" / "ndpi-4.2" / "pcap", seeds);
    std::mt19937 rng(42);
    for (int round = 0; round < 30000; ++round) {
        Bytes in = seeds[rng() % seeds.size()];
        const int edits = static_cast<int>(rng() % 4);
        for (int i = 0; i < edits && !in.empty(); ++i) {
            const size_t at = rng() % in.size();
            // Compression pointers and label lengths are what a parser gets wrong.
            static constexpr uint8_t kBytes[] = {0xc0, 0xc0, 0x3f, 0x40, 0x00, 0xff};
            in[at] = rng() % 2 ? kBytes[rng() % sizeof kBytes] : static_cast<uint8_t>(rng());
        }
        if (!in.empty() && rng() % 3 == 0) in.resize(rng() % in.size());
        LLVMFuzzerTestOneInput(in.data(), in.size());
    }
}

}  // namespace
}  // namespace eveflow::input::pcap
