// Bounded, deterministic fuzzing of the list parser without libFuzzer (gcc, ASan/UBSan
// builds): list texts of every kind, randomly mutated, plus random bytes.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

TEST(IocListFuzz, MutatedListsParseAndEveryAcceptedEntryMatchesItself) {
    const std::vector<std::string> seeds = {
        "evil.example\n# c\n*.wild.test\nA.B.C.\n.lead.test\nx y\n\n",
        "10.0.0.0/8\n10.1.2.3\n2001:db8::/32\n::ffff:1.2.3.4/120\n0.0.0.0/0\n::/0\n1.2.3.4/33\n",
        "http://Host.Test/a?b#c\nhttps://x.test\nhost.test/path # comment\n",
        "login.example.\nSNI.TEST\n",
        "e7d705a3286e19ea42f587b344ee6865\nE7D705A3286E19EA42F587B344EE6865\n",
        "d41d8cd98f00b204e9800998ecf8427e\nda39a3ee5e6b4b0d3255bfef95601890afd80709\n"};
    std::mt19937 rng(42);
    for (int round = 0; round < 30000; ++round) {
        std::string in(1, static_cast<char>(rng()));
        in += seeds[rng() % seeds.size()];
        const int edits = static_cast<int>(rng() % 8);
        for (int i = 0; i < edits && in.size() > 1; ++i) {
            const size_t at = 1 + rng() % (in.size() - 1);
            switch (rng() % 4) {
                case 0:
                    in[at] = static_cast<char>(rng());
                    break;
                case 1:
                    in.insert(at, 1, "\n./:# *\r"[rng() % 8]);
                    break;
                case 2:
                    in.erase(at, 1 + rng() % 3);
                    break;
                default:
                    in.insert(at, in.substr(1, rng() % in.size()));
                    break;
            }
        }
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(in.data()), in.size());
    }
}

}  // namespace
