// Logging set-up and the rate limiter for per-input complaints.
#include "util/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace eveflow::log {

bool init(std::string_view level) {
    auto lvl = spdlog::level::from_str(std::string(level));
    if (lvl == spdlog::level::off && level != "off") return false;
    auto logger = spdlog::stderr_color_mt("eveflow");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    logger->set_level(lvl);
    spdlog::set_default_logger(logger);
    return true;
}

bool RateLimit::allow(uint64_t& suppressed) {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    suppressed = 0;
    if (now - minute_start_ >= std::chrono::minutes(1)) {
        suppressed = held_;
        held_ = 0;
        used_ = 0;
        minute_start_ = now;
    }
    if (used_ < per_minute_) {
        ++used_;
        return true;
    }
    ++held_;
    return false;
}

std::string snippet(std::string_view bytes, size_t max) {
    std::string out;
    for (size_t i = 0; i < bytes.size() && out.size() < max; ++i) {
        unsigned char c = static_cast<unsigned char>(bytes[i]);
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            static const char* kHex = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    if (bytes.size() > max) out += "...";
    return out;
}

}  // namespace eveflow::log
