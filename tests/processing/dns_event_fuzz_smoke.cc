// Bounded, deterministic fuzzing of the DNS reader without libFuzzer: every line of the shared
// EVE files and of the fixtures, cut at every length and with bytes changed at random.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

void collect(const fs::path& dir, std::vector<std::string>& lines) {
    if (!fs::is_directory(dir)) return;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        const auto ext = e.path().extension();
        if (!e.is_regular_file() || (ext != ".json" && ext != ".jsonl")) continue;
        std::ifstream in(e.path(), std::ios::binary);
        for (std::string l; std::getline(in, l);) {
            if (l.find("\"dns\"") != std::string::npos) lines.push_back(l);
        }
    }
}

void run(const std::string& s) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(DnsEventFuzzSmoke, TruncatedAndMutatedLines) {
    std::vector<std::string> lines;
    collect(EVEFLOW_SOURCE_DIR "/tests/data/eve", lines);
    collect(EVEFLOW_SHARED_DATA "/eve", lines);
    ASSERT_GE(lines.size(), 16u);
    std::mt19937 rng(42);
    const std::string alphabet = "{}[]\",:0123456789.eE-+tfnul\\ \x01\xff";
    size_t runs = 0;
    for (size_t i = 0; i < lines.size(); i += 7) {
        const std::string& l = lines[i];
        for (size_t cut = 0; cut <= l.size(); cut += 1 + l.size() / 64)
            run(l.substr(0, cut)), ++runs;
        for (int k = 0; k < 64; ++k) {
            std::string m = l;
            for (int j = 0; j < 3; ++j) m[rng() % m.size()] = alphabet[rng() % alphabet.size()];
            run(m);
            ++runs;
        }
    }
    EXPECT_GT(runs, 1000u);
}

}  // namespace
