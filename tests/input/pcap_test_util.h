// Test helpers for the pcap input: run a PcapSource from a YAML section and collect its flows.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "input/pcap/pcap_source.h"
#include "util/channel.h"
#include "util/clock.h"
#include "util/config_node.h"
#include "util/context.h"
#include "util/stats.h"

namespace eveflow::input::pcap::testing {

inline std::string shared_data() { return EVEFLOW_SHARED_DATA; }
inline std::string source_dir() { return EVEFLOW_SOURCE_DIR; }

struct RunResult {
    bool config_ok = true;
    std::vector<std::string> diagnostics;
    Status status;
    std::vector<std::string> lines;  // raw flow records
    std::vector<Event> events;       // views invalid: fields only
    std::vector<std::string> app_protos;
    /// Progress published (batches that carry it), and flows published after a progress
    /// they fall below (start or end before its bounds): a bound that did not hold.
    std::vector<SourceProgress> progress;
    size_t watermark_violations = 0;
};

/// Parses `yaml` as one pcap input section, opens it and runs it to the end (or until
/// `stop_after` fires) with a consumer draining the channel. `lifecycle`: as with a lifecycle
/// output in the plan (insert signals, live flags).
inline RunResult run_source(const std::string& yaml, Stats& stats, std::stop_source* stop = nullptr,
                            bool lifecycle = false) {
    RunResult r;
    auto diag = std::make_shared<ConfigDiagnostics>("test.yaml");
    ConfigNode node(YAML::Load(yaml), "inputs[0]", diag);
    Context ctx{stats, SystemClock::instance(), {}};
    auto source = std::make_unique<PcapSource>(parse_pcap_config(node), ctx);
    r.diagnostics = diag->errors();
    r.config_ok = diag->ok();
    if (!r.config_ok) return r;
    source->set_lifecycle(lifecycle);
    source->open();
    Channel<EventBatch> channel(64);
    Counter dropped;
    Publisher pub(channel, OnFull::kBlock, 0, dropped);
    std::thread consumer([&] {
        std::vector<EventBatch> got;
        while (!channel.drained()) {
            got.clear();
            channel.pop_batch(got, 16,
                              std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
            for (auto& b : got) {
                for (auto& e : b.events) {
                    if (!r.progress.empty() && (e.fields.start < r.progress.back().first ||
                                                e.fields.end < r.progress.back().last))
                        ++r.watermark_violations;
                    r.lines.emplace_back(e.raw);
                    r.app_protos.emplace_back(e.fields.app_proto);
                    Event copy = e;
                    copy.raw = {};
                    copy.type_name = {};
                    copy.fields.app_proto = {};
                    r.events.push_back(copy);
                }
                if (b.progress) r.progress.push_back(*b.progress);
            }
        }
    });
    std::stop_source local;
    r.status = source->run(stop ? stop->get_token() : local.get_token(), pub);
    channel.close();
    consumer.join();
    return r;
}

/// Runs a shell command; returns its exit status and appends its output to `output`.
inline int run_command(const std::string& cmd, std::string& output) {
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return -1;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
    return pclose(p);
}

/// Compares records with an ndpiReader output via tests/input/ndpi_out.py (exit status).
inline int compare_with_ndpi_reader(const std::string& result_dir, const std::string& suffix,
                                    const std::string& ours_dir,
                                    const std::vector<std::string>& captures, std::string& output) {
    std::string cmd = "/usr/bin/python3 " + source_dir() + "/tests/input/ndpi_out.py --suffix '" +
                      suffix + "' '" + result_dir + "' '" + ours_dir + "'";
    for (const auto& c : captures) cmd += " '" + c + "'";
    return run_command(cmd, output);
}

/// Writes lines to `path`, one a line.
inline void write_lines(const std::string& path, const std::vector<std::string>& lines) {
    std::ofstream out(path, std::ios::binary);
    for (const auto& l : lines) out << l << '\n';
}

}  // namespace eveflow::input::pcap::testing
