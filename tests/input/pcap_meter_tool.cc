// pcap_meter_tool: runs one pcap input section and writes its flow records as JSON lines.
// Used by the live-capture test and the meter benchmark.
//   pcap_meter_tool OUT.jsonl '{type: pcap, interface: veth0, ...}'
// Prints "ready" on stderr once capturing, the meter's metrics on exit; SIGTERM/SIGINT stop it.
#include <yaml-cpp/yaml.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <stop_token>
#include <thread>

#include "input/pcap/pcap_source.h"
#include "util/channel.h"
#include "util/clock.h"
#include "util/config_node.h"
#include "util/context.h"
#include "util/stats.h"

namespace {

using namespace eveflow;

void print_metrics(const Stats& stats) {
    for (const auto& fam : stats.collect()) {
        for (const auto& s : fam.samples) {
            std::string labels;
            for (const auto& [k, v] : s.labels)
                labels += (labels.empty() ? "" : ",") + k + "=\"" + v + "\"";
            std::fprintf(stderr, "%s{%s} %.0f\n", fam.name.c_str(), labels.c_str(), s.value);
        }
    }
}

int run(const char* out_path, const char* section) {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), {}};
    auto diag = std::make_shared<ConfigDiagnostics>("argv");
    ConfigNode node(YAML::Load(section), "inputs[0]", diag);
    auto source =
        std::make_unique<input::pcap::PcapSource>(input::pcap::parse_pcap_config(node), ctx);
    if (!diag->ok()) {
        for (const auto& e : diag->errors()) std::fprintf(stderr, "error: %s\n", e.c_str());
        return 2;
    }
    source->open();
    std::FILE* out = std::fopen(out_path, "wb");
    if (!out) return 1;
    Channel<EventBatch> channel(256);
    Counter dropped;
    input::Publisher pub(channel, source->finite() ? input::OnFull::kBlock : input::OnFull::kDrop,
                         0, dropped);
    std::thread writer([&] {
        std::vector<EventBatch> got;
        while (!channel.drained()) {
            got.clear();
            channel.pop_batch(got, 64,
                              std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
            for (auto& b : got) std::fwrite(b.buffer.data(), 1, b.buffer.size(), out);
        }
    });
    std::stop_source stop;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    std::thread signals([&] {
        int sig = 0;
        sigwait(&set, &sig);
        stop.request_stop();
    });
    signals.detach();
    std::fprintf(stderr, "ready\n");
    Status st = source->run(stop.get_token(), pub);
    channel.close();
    writer.join();
    std::fclose(out);
    print_metrics(stats);
    if (!st.ok()) std::fprintf(stderr, "error: %s\n", st.message().c_str());
    return st.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s OUT.jsonl 'YAML pcap input section'\n", argv[0]);
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);  // delivered to the sigwait thread only
    try {
        return run(argv[1], argv[2]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
