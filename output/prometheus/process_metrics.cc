// Process metrics from /proc/self/stat, /proc/stat and /proc/self/fd.
#include "output/prometheus/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace eveflow::output {
namespace {

std::optional<std::string> read_file(const char* path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::optional<double> boot_time_seconds() {
    auto text = read_file("/proc/stat");
    if (!text) return std::nullopt;
    auto pos = text->find("\nbtime ");
    if (pos == std::string::npos) return std::nullopt;
    return std::stod(text->substr(pos + 7));
}

double count_open_fds() {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return 0;
    double n = 0;
    while (const dirent* e = readdir(dir)) {
        if (e->d_name[0] != '.') ++n;
    }
    closedir(dir);
    return n - 1;  // the directory stream's own descriptor
}

}  // namespace

bool parse_proc_stat(std::string_view line, double boot_time_seconds, ProcessMetrics& out) {
    // The command name (field 2) is in parentheses and may hold spaces: fields after the
    // last ')' are space-separated, starting with field 3 (state).
    auto close = line.rfind(')');
    if (close == std::string_view::npos) return false;
    std::vector<std::string_view> fields;
    size_t i = close + 1;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ') ++i;
        size_t j = line.find(' ', i);
        if (j == std::string_view::npos) j = line.size();
        if (j > i) fields.push_back(line.substr(i, j - i));
        i = j;
    }
    // Field n (1-based, as in proc(5)) is fields[n - 3].
    auto field = [&](size_t n, double& v) {
        if (fields.size() <= n - 3) return false;
        std::string_view f = fields[n - 3];
        uint64_t u = 0;
        auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), u);
        if (ec != std::errc() || p != f.data() + f.size()) return false;
        v = static_cast<double>(u);
        return true;
    };
    double utime = 0, stime = 0, start = 0, vsize = 0, rss = 0;
    if (!field(14, utime) || !field(15, stime) || !field(22, start) || !field(23, vsize) ||
        !field(24, rss)) {
        return false;
    }
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    out.cpu_seconds = (utime + stime) / ticks;
    out.start_time_seconds = boot_time_seconds + start / ticks;
    out.virtual_bytes = vsize;
    out.resident_bytes = rss * page;
    return true;
}

std::optional<ProcessMetrics> read_process_metrics() {
    auto stat = read_file("/proc/self/stat");
    auto boot = boot_time_seconds();
    if (!stat || !boot) return std::nullopt;
    ProcessMetrics m;
    if (!parse_proc_stat(*stat, *boot, m)) return std::nullopt;
    m.open_fds = count_open_fds();
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) m.max_fds = static_cast<double>(lim.rlim_cur);
    return m;
}

}  // namespace eveflow::output
