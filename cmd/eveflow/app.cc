// Process plumbing: process-wide keys, signal handling, the end-of-run summary.
#include "cmd/eveflow/app.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <thread>

#include "util/log.h"
#include "util/thread_name.h"

namespace eveflow::cmd {

void read_process_keys(const ConfigNode& root, Context& ctx, std::string& log_level) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown");
    ctx.sensor_id = root.str("sensor_id", host);
    if (ctx.sensor_id.empty()) root.error("sensor_id", "must not be empty");
    ctx.sensor_id_from_host = root.boolean("sensor_id_from_host", true);
    ctx.state_dir = root.str("state_dir", "");
    if (root.has("state_dir") && ctx.state_dir.empty())
        root.error("state_dir", "must not be empty");
    ConfigNode log = root.child("log");
    log_level = log.choice("level", "info", {"trace", "debug", "info", "warn", "error", "off"});
    ctx.shutdown_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(root.duration(
        "shutdown_timeout", std::chrono::seconds(10), std::chrono::milliseconds(100), false));
}

void print_errors(const std::vector<std::string>& errors) {
    for (const auto& e : errors) std::fprintf(stderr, "eveflow: error: %s\n", e.c_str());
}

namespace {
constexpr int kWakeSignal = SIGUSR1;
}  // namespace

struct SignalThread::Impl {
    sigset_t set;
    std::atomic<bool> done{false};
    std::thread thread;
};

SignalThread::SignalThread(std::function<void()> on_stop, std::function<void()> on_reopen)
    : impl_(std::make_unique<Impl>()) {
    sigemptyset(&impl_->set);
    // SIGUSR1 only wakes the thread up to end (a SIGUSR1 from outside is ignored).
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, kWakeSignal}) sigaddset(&impl_->set, s);
    pthread_sigmask(SIG_BLOCK, &impl_->set, nullptr);
    impl_->thread = std::thread([impl = impl_.get(), on_stop, on_reopen] {
        name_this_thread("signals");
        while (!impl->done.load()) {
            int sig = 0;
            if (sigwait(&impl->set, &sig) != 0 || impl->done.load()) continue;
            if (sig == SIGINT || sig == SIGTERM) {
                on_stop();
            } else if (sig == SIGHUP) {
                log::info("signal: SIGHUP: reopening output files and databases");
                on_reopen();
            }
        }
    });
}

SignalThread::~SignalThread() {
    impl_->done.store(true);
    pthread_kill(impl_->thread.native_handle(), kWakeSignal);
    impl_->thread.join();
}

std::string run_summary(const Stats& stats, double wall_seconds) {
    std::map<std::string, double> by_type;
    double events = 0, malformed = 0, flows = 0, records = 0, written = 0, dropped = 0;
    for (const auto& f : stats.collect()) {
        for (const auto& s : f.samples) {
            if (f.name == "eveflow_input_events_total") {
                events += s.value;
                for (const auto& [k, v] : s.labels) {
                    if (k == "event_type") by_type[v] += s.value;
                }
            }
            if (f.name == "eveflow_input_malformed_total") malformed += s.value;
            if (f.name == "eveflow_input_dropped_total") dropped += s.value;
            if (f.name == "eveflow_aggregate_flows_total") flows += s.value;
            if (f.name == "eveflow_aggregate_records_total") records += s.value;
            if (f.name == "eveflow_sink_records_total") written += s.value;
        }
    }
    std::string types;
    for (const auto& [t, n] : by_type) {
        if (n == 0) continue;
        types += (types.empty() ? "" : " ") + t + "=" + std::to_string(static_cast<uint64_t>(n));
    }
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "eveflow: done: events=%llu (%s) malformed=%llu dropped=%llu "
                  "flows_aggregated=%llu records=%llu written=%llu wall=%.3fs events/s=%.0f",
                  static_cast<unsigned long long>(events), types.c_str(),
                  static_cast<unsigned long long>(malformed),
                  static_cast<unsigned long long>(dropped), static_cast<unsigned long long>(flows),
                  static_cast<unsigned long long>(records),
                  static_cast<unsigned long long>(written), wall_seconds,
                  wall_seconds > 0 ? events / wall_seconds : 0.0);
    return buf;
}

}  // namespace eveflow::cmd
