// Bounded, deterministic fuzzing of the decoder without libFuzzer (gcc, ASan/UBSan builds):
// real frames from the generated and shared captures, randomly mutated, plus random bytes.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "tests/input/pcap_fixture_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace eveflow::input::pcap {
namespace {

namespace fs = std::filesystem;

// Frames of every readable capture under `dir`, each prefixed with the two selector bytes.
void collect(const fs::path& dir, std::vector<std::vector<uint8_t>>& seeds) {
    static constexpr int kLinks[] = {0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 276};
    if (!fs::is_directory(dir)) return;
    for (const auto& e : fs::directory_iterator(dir)) {
        char err[PCAP_ERRBUF_SIZE];
        pcap_t* pc = pcap_open_offline(e.path().c_str(), err);
        if (!pc) continue;
        uint8_t link = 0;
        for (uint8_t i = 0; i < sizeof kLinks / sizeof kLinks[0]; ++i) {
            if (kLinks[i] == pcap_datalink(pc)) link = i;
        }
        pcap_pkthdr* h;
        const u_char* d;
        for (int n = 0; n < 200 && pcap_next_ex(pc, &h, &d) == 1; ++n) {
            std::vector<uint8_t> s{link, 3};
            s.insert(s.end(), d, d + h->caplen);
            seeds.push_back(std::move(s));
        }
        pcap_close(pc);
    }
}

TEST(PcapDecoderFuzz, MutatedRealFramesNeverReadOutOfBounds) {
    std::vector<std::vector<uint8_t>> seeds;
    if (!testing::fixture_dir().empty()) collect(testing::fixture_dir(), seeds);
    collect(fs::path(testing::shared_data()) / "pcap" / "ndpi-4.2" / "pcap", seeds);
    ASSERT_FALSE(seeds.empty());
    std::mt19937 rng(42);
    for (int round = 0; round < 20000; ++round) {
        std::vector<uint8_t> in = seeds[rng() % seeds.size()];
        int edits = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < edits && in.size() > 2; ++i) {
            size_t at = 2 + rng() % (in.size() - 2);
            switch (rng() % 3) {
                case 0:
                    in[at] = static_cast<uint8_t>(rng());
                    break;
                case 1:
                    in.resize(at);
                    break;
                default:
                    in[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
                    break;
            }
        }
        in[0] = static_cast<uint8_t>(round % 7 == 0 ? rng() : in[0]);
        in[1] = static_cast<uint8_t>(rng());
        LLVMFuzzerTestOneInput(in.data(), in.size());
    }
}

}  // namespace
}  // namespace eveflow::input::pcap
