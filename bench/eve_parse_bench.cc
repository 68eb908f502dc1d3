// Benchmark of the EVE line parser and batcher on generated EVE (gen_eve.py, 100k events).
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "input/eve/eve_batcher.h"
#include "input/eve/eve_parser.h"
#include "input/eve_socket/eve_socket.h"
#include "util/channel.h"
#include "util/clock.h"
#include "util/config_node.h"
#include "util/context.h"

namespace {

using eveflow::Event;
using eveflow::EventBatch;
using eveflow::Stats;
using namespace eveflow::input;

// EVEFLOW_BENCH_EVE names the file; default: the output of
// `gen_eve.py 100000 --seed 42 -o /tmp/eve-bench-100k.json`.
const std::string& data() {
    static const std::string text = [] {
        const char* env = std::getenv("EVEFLOW_BENCH_EVE");
        std::ifstream in(env ? env : "/tmp/eve-bench-100k.json", std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }();
    return text;
}

// Bytes in, batches out: reads are simulated by copying 64 KiB pieces into write_area().
void BM_EveBatcher(benchmark::State& state) {
    const std::string& text = data();
    if (text.empty()) {
        state.SkipWithError(
            "no input: run gen_eve.py 100000 --seed 42 -o /tmp/eve-bench-100k.json");
        return;
    }
    Stats stats;
    EveCounters counters(stats, "bench");
    uint64_t events = 0;
    for (auto _ : state) {
        EveBatcher batcher(counters);
        EventBatch batch;
        for (size_t off = 0; off < text.size();) {
            auto area = batcher.write_area();
            size_t n = std::min(area.size(), text.size() - off);
            std::memcpy(area.data(), text.data() + off, n);
            batcher.commit(n);
            off += n;
            while (batcher.pop(batch)) events += batch.events.size();
        }
        batcher.finish();
        while (batcher.pop(batch)) events += batch.events.size();
    }
    state.SetItemsProcessed(static_cast<int64_t>(events));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_EveBatcher)->Unit(benchmark::kMillisecond);

// The parser alone on lines already split (in one padded buffer).
void BM_EveParser(benchmark::State& state) {
    const std::string& text = data();
    if (text.empty()) {
        state.SkipWithError("no input");
        return;
    }
    std::vector<char> buf(text.begin(), text.end());
    buf.resize(buf.size() + kEvePadding);
    std::vector<std::pair<size_t, size_t>> lines;
    for (size_t start = 0, nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
        lines.emplace_back(start, nl - start);
    }
    EveParser parser;
    Event ev;
    eveflow::DecodedStrings decoded;
    uint64_t ok = 0;
    for (auto _ : state) {
        for (auto [start, len] : lines) {
            ok += parser.parse(buf.data() + start, len, buf.size() - start, ev, decoded) ==
                  ParseResult::kOk;
        }
        benchmark::DoNotOptimize(ev);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
    state.counters["ok"] = static_cast<double>(ok) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EveParser)->Unit(benchmark::kMillisecond);

// The whole socket input: a writer thread sends the file through a unix socket, the input
// splits and parses it and publishes batches, a consumer takes them off the channel.
void BM_EveSocket(benchmark::State& state) {
    const std::string& text = data();
    if (text.empty()) {
        state.SkipWithError("no input");
        return;
    }
    std::string path = "/tmp/eve_parse_bench." + std::to_string(getpid()) + ".sock";
    uint64_t events = 0;
    for (auto _ : state) {
        Stats stats;
        eveflow::Context ctx{stats,   eveflow::SystemClock::instance(),
                             "bench", std::chrono::milliseconds(10000),
                             {false}, false};
        eveflow::Channel<EventBatch> channel(64);
        eveflow::Counter dropped;
        Publisher pub(channel, OnFull::kBlock, 0, dropped);
        auto node = eveflow::ConfigNode(YAML::Load("path: " + path), "inputs[0]",
                                        std::make_shared<eveflow::ConfigDiagnostics>("bench"));
        auto src = std::make_unique<EveSocket>(EveSocketConfig::parse(node), ctx);
        src->open();
        std::stop_source stop;
        auto run = std::async(std::launch::async, [&] { return src->run(stop.get_token(), pub); });
        std::thread writer([&] {
            int fd = socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un addr{};
            addr.sun_family = AF_UNIX;
            std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
            if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
                for (size_t off = 0; off < text.size();) {
                    ssize_t n =
                        write(fd, text.data() + off, std::min<size_t>(text.size() - off, 1 << 16));
                    if (n <= 0) break;
                    off += static_cast<size_t>(n);
                }
            }
            close(fd);
            stop.request_stop();  // the input drains the connection, then ends
        });
        std::vector<EventBatch> got;
        for (;;) {
            got.clear();
            size_t n = channel.pop_batch(
                got, 64, std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
            for (const auto& b : got) events += b.events.size();
            if (n == 0 && run.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
                channel.close();
                if (channel.drained()) break;
            }
        }
        writer.join();
        (void)run.get();
    }
    state.SetItemsProcessed(static_cast<int64_t>(events));
}
BENCHMARK(BM_EveSocket)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
