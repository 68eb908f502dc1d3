// ProgressLine: a one-line progress display on a terminal for file and pcap runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "util/stats.h"

namespace eveflow {

/// The figures one redraw shows.
struct ProgressFigures {
    uint64_t bytes_done = 0, bytes_total = 0;  // total 0: unknown
    double events = 0, packets = 0, flows = 0;
    double seconds = 0;  // since start
};

/// `bytes 1.2 GiB / 4.0 GiB (30%)  events 1.5M/s  flows 42k  ETA 0:12`; rates over the span
/// from `prev` to `now`, the ETA from the average byte rate since the start.
std::string format_progress(const ProgressFigures& now, const ProgressFigures& prev);
/// `eveflow: done in 3.2s: 1.2 GiB read, 3.4M events (1.1M/s), 0 packets, 42k flows`.
std::string format_summary(const ProgressFigures& end);

/// Redraws one line on `fd` (stderr) a few times a second while the pipeline runs, reading
/// eveflow_input_events_total, eveflow_pcap_packets_total and eveflow_aggregate_flows_total
/// from `stats` and the bytes read so far and in total from `bytes_done_total`.
/// Draws nothing when `fd` is not a terminal. start() and stop() are called from one thread
/// (main); the redraws run on a thread of their own.
class ProgressLine {
public:
    using BytesFn = std::function<std::pair<uint64_t, uint64_t>()>;

    ProgressLine(Stats& stats, BytesFn bytes_done_total, int fd = 2);
    ~ProgressLine();
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    /// Starts the redraw thread if `fd` is a terminal; always starts the clock for summary().
    void start(std::chrono::milliseconds interval = std::chrono::milliseconds(250));
    /// Stops the thread and clears the line. Idempotent.
    void stop();
    /// The current figures.
    ProgressFigures figures() const;
    /// The final summary line (without newline), printed whether or not `fd` is a terminal.
    std::string summary() const { return format_summary(figures()); }
    /// Writes summary() and a newline to `fd`.
    void print_summary() const;

private:
    void run(std::stop_token stop, std::chrono::milliseconds interval);
    void write_line(const std::string& line) const;

    Stats& stats_;
    BytesFn bytes_;
    int fd_;
    std::chrono::steady_clock::time_point started_{std::chrono::steady_clock::now()};
    std::mutex mu_;
    std::condition_variable_any cv_;
    std::jthread thread_;
    bool drawing_ = false;
};

}  // namespace eveflow
