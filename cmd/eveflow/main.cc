// eveflow: Suricata EVE and packet flows in; flow aggregates and forwarded events out.
#include <malloc.h>

#include <chrono>
#include <cstdio>

#include "cmd/eveflow/app.h"
#include "cmd/eveflow/cli.h"
#include "cmd/eveflow/pipeline.h"
#include "cmd/eveflow/progress.h"
#include "util/listen_fds.h"
#include "util/log.h"

using namespace eveflow;

int main(int argc, char** argv) {
    // Batches of ~1 MiB are freed and allocated all the time: keep them in the heap instead of
    // mapping and unmapping them (page faults were ~4% of an EVE run).
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    cmd::CliOptions opts;
    if (auto rc = cmd::parse_cli(argc, argv, opts)) return *rc;
    if (opts.show_version) {
        std::printf("%s\n", cmd::version_text().c_str());
        return 0;
    }
    std::vector<std::string> errors;
    YAML::Node tree = cmd::build_config_tree(opts, errors);
    if (!errors.empty()) {
        cmd::print_errors(errors);
        return 2;
    }

    Stats stats;
    Context ctx{stats, SystemClock::instance(), {}};
    ctx.check_only = opts.check_config;
    auto diag = std::make_shared<ConfigDiagnostics>(
        opts.config_path.empty() ? std::string("(command line)") : opts.config_path);
    ConfigNode root(tree, "", diag);
    std::string log_level;
    cmd::read_process_keys(root, ctx, log_level);
    log::init(log_level);

    cmd::Plan plan = cmd::make_plan(root, ctx);
    diag->report_unknown();
    if (!diag->ok()) {
        cmd::print_errors(diag->errors());
        return 2;
    }
    if (opts.print_plan) {
        for (const auto& line : plan.describe()) std::printf("%s\n", line.c_str());
    }
    if (opts.check_config) {
        std::fprintf(stderr, "eveflow: configuration OK\n");
        return 0;
    }

    listen_fds::take_from_environment();  // before other threads: it changes the environment
    auto pipeline = std::make_unique<cmd::Pipeline>(ctx);
    pipeline->build(std::move(plan));
    cmd::SignalThread signals([&] { pipeline->request_stop(); },
                              [&] { pipeline->request_reopen(); });
    ProgressLine progress(stats, [&] { return pipeline->progress(); });
    auto t0 = std::chrono::steady_clock::now();
    int rc;
    try {
        progress.start();
        rc = pipeline->run();
    } catch (const StartupError& e) {
        progress.stop();
        std::fprintf(stderr, "eveflow: error: %s\n", e.what());
        return 1;
    }
    progress.stop();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "%s\n", cmd::run_summary(stats, wall).c_str());
    return rc;
}
