// Bounded, deterministic fuzzing of MappedPcap without libFuzzer: small classic pcap files,
// cut and mutated at random, through the differential target (mapping against libpcap).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<uint8_t> sample(bool swapped, bool nanos) {
    std::vector<uint8_t> out;
    auto u32 = [&](uint32_t v) {
        if (swapped) v = __builtin_bswap32(v);
        uint8_t b[4];
        std::memcpy(b, &v, 4);
        out.insert(out.end(), b, b + 4);
    };
    u32(nanos ? 0xa1b23c4d : 0xa1b2c3d4);
    u32(swapped ? 0x00020004 : 0x00040002);  // version 2.4 as two 16-bit fields
    u32(0);
    u32(0);
    u32(128);
    u32(1);
    for (uint32_t i = 0; i < 6; ++i) {
        u32(1700000000 + i);
        u32(i * 1000);
        u32(20 + i * 10);
        u32(60 + i);
        for (uint32_t k = 0; k < 20 + i * 10; ++k) out.push_back(static_cast<uint8_t>(k ^ i));
    }
    return out;
}

TEST(MappedPcapFuzzSmoke, CutAndMutatedFiles) {
    std::mt19937 rng(20261206);
    size_t runs = 0;
    for (bool swapped : {false, true}) {
        for (bool nanos : {false, true}) {
            const std::vector<uint8_t> base = sample(swapped, nanos);
            for (size_t cut = 0; cut <= base.size(); ++cut) {
                LLVMFuzzerTestOneInput(base.data(), cut);
                ++runs;
            }
            for (int i = 0; i < 3000; ++i) {
                std::vector<uint8_t> b = base;
                for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n; ++k)
                    b[24 + rng() % (b.size() - 24)] = static_cast<uint8_t>(rng());
                LLVMFuzzerTestOneInput(b.data(), b.size());
                ++runs;
            }
        }
    }
    EXPECT_GT(runs, 12000u);
}

}  // namespace
