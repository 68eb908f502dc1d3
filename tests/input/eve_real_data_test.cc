// Every real EVE file of the shared data through the batcher, compared with an independent
// count by tests/input/eve_count.py (Python's json module, same documented line rules).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "input/eve/eve_batcher.h"

namespace eveflow::input {
namespace {

namespace fs = std::filesystem;

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

bool is_bz2(const fs::path& p) { return p.extension() == ".bz2"; }

std::string run_reference(const fs::path& file) {
    std::string script = std::string(EVEFLOW_SOURCE_DIR) + "/tests/input/eve_count.py";
    std::string cmd = is_bz2(file)
                          ? "bzcat " + shell_quote(file) + " | /usr/bin/python3 " + script + " -"
                          : "/usr/bin/python3 " + script + " " + shell_quote(file);
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return "popen failed";
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    if (pclose(p) != 0) out += "reference failed\n";
    return out;
}

// Reads the file (through bzcat when compressed) with the batcher in 64 KiB reads.
std::string run_batcher(const fs::path& file) {
    Stats stats;
    EveCounters counters(stats, "eve_file");
    EveBatcher batcher(counters);
    std::map<std::string, uint64_t> events;
    FILE* in = is_bz2(file) ? popen(("bzcat " + shell_quote(file)).c_str(), "r")
                            : fopen(file.c_str(), "rb");
    if (in == nullptr) return "open failed";
    auto drain = [&] {
        EventBatch batch;
        while (batcher.pop(batch)) {
            for (const Event& ev : batch.events) {
                ++events[ev.type_name.empty() ? "-" : std::string(ev.type_name)];
            }
        }
    };
    for (;;) {
        auto area = batcher.write_area();
        size_t n = fread(area.data(), 1, area.size(), in);
        if (n == 0) break;
        batcher.commit(n);
        drain();
    }
    is_bz2(file) ? pclose(in) : fclose(in);
    batcher.finish();
    drain();
    std::string out;
    for (const auto& [type, n] : events) out += "event " + type + " " + std::to_string(n) + "\n";
    for (size_t i = 0; i < kMalformedReasons; ++i) {
        auto r = static_cast<Malformed>(i);
        std::string name(malformed_reason_name(r));
        auto n =
            static_cast<uint64_t>(stats.sum("eveflow_input_malformed_total", {{"reason", name}}));
        if (n > 0) out += "malformed " + name + " " + std::to_string(n) + "\n";
    }
    return out;
}

// The reference prints malformed reasons sorted by name; sort our lines the same way.
std::string sorted_lines(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
        lines.push_back(text.substr(start, nl - start));
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

std::vector<fs::path> eve_files() {
    std::vector<fs::path> files;
    fs::path dir = fs::path(EVEFLOW_SHARED_DATA) / "eve";
    if (!fs::is_directory(dir)) return files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file() && e.path().extension() != ".md") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

TEST(EveRealData, CountsEqualIndependentReference) {
    auto files = eve_files();
    if (files.empty()) GTEST_SKIP() << "no shared EVE data at " << EVEFLOW_SHARED_DATA << "/eve";
    size_t with_events = 0;
    for (const auto& f : files) {
        std::string expected = sorted_lines(run_reference(f));
        EXPECT_EQ(sorted_lines(run_batcher(f)), expected) << f;
        if (expected.find("event ") != std::string::npos) ++with_events;
    }
    // The empty file and two pretty-printed ones have no line that is an event.
    EXPECT_GE(with_events + 3, files.size());
}

}  // namespace
}  // namespace eveflow::input
