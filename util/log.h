// Logging: spdlog to stderr; a line starts with its component, numbers as key=value.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

namespace eveflow::log {

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::warn;

/// Sets up the stderr logger; `level` is trace|debug|info|warn|error|off. False if unknown.
bool init(std::string_view level);

/// Lets through at most `per_minute` messages a minute (the first few malformed lines, say)
/// and reports how many it held back when the next minute opens. Thread-safe.
class RateLimit {
public:
    explicit RateLimit(int per_minute = 5) : per_minute_(per_minute) {}
    /// True if this occurrence may be logged; `suppressed` gets the count held back before.
    bool allow(uint64_t& suppressed);

private:
    std::mutex mu_;
    int per_minute_;
    int used_ = 0;
    uint64_t held_ = 0;
    std::chrono::steady_clock::time_point minute_start_{};
};

/// A short, printable snippet of untrusted bytes for log lines.
std::string snippet(std::string_view bytes, size_t max = 80);

}  // namespace eveflow::log
