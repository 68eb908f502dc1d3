// The pieces of the eveflow process around the pipeline: configuration, signals, summary.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cmd/eveflow/cli.h"
#include "util/config_node.h"
#include "util/context.h"

namespace eveflow::cmd {

/// Reads the process-wide keys (sensor_id, log, shutdown_timeout) into `ctx`.
void read_process_keys(const ConfigNode& root, Context& ctx, std::string& log_level);

/// Prints every configuration error, one per line, to stderr.
void print_errors(const std::vector<std::string>& errors);

/// Blocks SIGINT/SIGTERM/SIGHUP/SIGPIPE in the calling thread (call before any thread starts)
/// and runs a thread that turns them into calls. Stops with the object.
class SignalThread {
public:
    SignalThread(std::function<void()> on_stop, std::function<void()> on_reopen);
    ~SignalThread();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The one-line summary printed to stderr at the end of a run.
std::string run_summary(const Stats& stats, double wall_seconds);

}  // namespace eveflow::cmd
