// LogCapture: the process log sent to a string while it lives, for tests that check log lines.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace eveflow::testing {

/// Replaces the default logger for its lifetime; each line is `<level> <message>`. Read it once
/// no other thread logs (after the component's close()).
class LogCapture {
public:
    LogCapture() : previous_(spdlog::default_logger()) {
        auto logger = std::make_shared<spdlog::logger>(
            "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(text_));
        logger->set_level(spdlog::level::trace);
        logger->set_pattern("%l %v");
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    std::string text() const { return text_.str(); }
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        std::istringstream in(text_.str());
        for (std::string l; std::getline(in, l);) out.push_back(l);
        return out;
    }
    /// How often `part` occurs in the log.
    size_t count(const std::string& part) const {
        std::string all = text();
        size_t n = 0;
        for (size_t p = all.find(part); p != std::string::npos; p = all.find(part, p + 1)) ++n;
        return n;
    }

private:
    std::ostringstream text_;
    std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace eveflow::testing
