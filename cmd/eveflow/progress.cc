// ProgressLine: redraws a progress line on a terminal; formats the figures and the summary.
#include "cmd/eveflow/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "util/thread_name.h"

namespace eveflow {
namespace {

std::string human_bytes(double b) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024 && u < 4) {
        b /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, kUnits[u]);
    return buf;
}

std::string human_count(double n) {
    char buf[32];
    if (n >= 1e9) {
        std::snprintf(buf, sizeof buf, "%.1fG", n / 1e9);
    } else if (n >= 1e6) {
        std::snprintf(buf, sizeof buf, "%.1fM", n / 1e6);
    } else if (n >= 1e4) {
        std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%.0f", n);
    }
    return buf;
}

std::string clock_time(double seconds) {
    auto s = static_cast<long long>(std::llround(seconds));
    char buf[32];
    if (s >= 3600) {
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
    }
    return buf;
}

size_t terminal_width(int fd) {
    winsize ws{};
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

}  // namespace

std::string format_progress(const ProgressFigures& now, const ProgressFigures& prev) {
    std::string line = "bytes " + human_bytes(static_cast<double>(now.bytes_done));
    if (now.bytes_total > 0) {
        double pct =
            100.0 * static_cast<double>(now.bytes_done) / static_cast<double>(now.bytes_total);
        char buf[16];
        std::snprintf(buf, sizeof buf, " (%.0f%%)", std::min(pct, 100.0));
        line += " / " + human_bytes(static_cast<double>(now.bytes_total)) + buf;
    }
    double span = now.seconds - prev.seconds;
    if (span > 0) {
        bool packets = now.packets > 0 && now.events == 0;
        double delta = packets ? now.packets - prev.packets : now.events - prev.events;
        line += (packets ? "  packets " : "  events ") + human_count(delta / span) + "/s";
    }
    line += "  flows " + human_count(now.flows);
    if (now.bytes_total > now.bytes_done && now.bytes_done > 0 && now.seconds > 0) {
        double rate = static_cast<double>(now.bytes_done) / now.seconds;
        line += "  ETA " + clock_time(static_cast<double>(now.bytes_total - now.bytes_done) / rate);
    }
    return line;
}

std::string format_summary(const ProgressFigures& end) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1fs", end.seconds);
    std::string rate = end.seconds > 0 ? " (" + human_count(end.events / end.seconds) + "/s)" : "";
    return std::string("eveflow: done in ") + secs + ": " +
           human_bytes(static_cast<double>(end.bytes_done)) + " read, " + human_count(end.events) +
           " events" + rate + ", " + human_count(end.packets) + " packets, " +
           human_count(end.flows) + " flows";
}

ProgressLine::ProgressLine(Stats& stats, BytesFn bytes_done_total, int fd)
    : stats_(stats), bytes_(std::move(bytes_done_total)), fd_(fd) {}

ProgressLine::~ProgressLine() { stop(); }

ProgressFigures ProgressLine::figures() const {
    ProgressFigures f;
    if (bytes_) std::tie(f.bytes_done, f.bytes_total) = bytes_();
    f.events = stats_.sum("eveflow_input_events_total");
    f.packets = stats_.sum("eveflow_pcap_packets_total");
    f.flows = stats_.sum("eveflow_aggregate_flows_total");
    f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    return f;
}

void ProgressLine::start(std::chrono::milliseconds interval) {
    started_ = std::chrono::steady_clock::now();
    if (thread_.joinable() || !isatty(fd_)) return;
    drawing_ = true;
    thread_ = std::jthread([this, interval](std::stop_token st) {
        name_this_thread("progress");
        run(st, interval);
    });
}

void ProgressLine::stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    cv_.notify_all();
    thread_.join();
    write_line("");
    drawing_ = false;
}

void ProgressLine::print_summary() const {
    std::string line = summary() + "\n";
    [[maybe_unused]] auto n = ::write(fd_, line.data(), line.size());
}

void ProgressLine::run(std::stop_token stop, std::chrono::milliseconds interval) {
    ProgressFigures prev = figures();
    std::unique_lock lock(mu_);
    while (!stop.stop_requested()) {
        cv_.wait_for(lock, stop, interval, [] { return false; });
        if (stop.stop_requested()) break;
        ProgressFigures now = figures();
        write_line(format_progress(now, prev));
        prev = now;
    }
}

void ProgressLine::write_line(const std::string& line) const {
    // Carriage return, the text cut to the terminal's width, then clear to the end of line.
    // Appended piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) on "literal" + string.
    std::string out = "\r";
    out.append(line, 0, terminal_width(fd_) - 1);
    out += "\x1b[K";
    [[maybe_unused]] auto n = ::write(fd_, out.data(), out.size());
}

}  // namespace eveflow
