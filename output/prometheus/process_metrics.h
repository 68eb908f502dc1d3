// Process metrics (CPU, memory, file descriptors, start time) read from /proc/self.
#pragma once

#include <optional>
#include <string_view>

namespace eveflow::output {

struct ProcessMetrics {
    double cpu_seconds = 0;  // user + system
    double resident_bytes = 0;
    double virtual_bytes = 0;
    double open_fds = 0;
    double max_fds = 0;             // soft RLIMIT_NOFILE
    double start_time_seconds = 0;  // since the Unix epoch
};

/// Reads this process's figures; nullopt when /proc is unavailable. Thread-safe.
std::optional<ProcessMetrics> read_process_metrics();

/// Parses the fields of a /proc/<pid>/stat line into `out` (CPU, memory, start time given the
/// boot time). False when the line is malformed. Exposed for tests.
bool parse_proc_stat(std::string_view line, double boot_time_seconds, ProcessMetrics& out);

}  // namespace eveflow::output
