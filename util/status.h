// Status: the result of a fallible call on the data path, where nothing throws.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace eveflow {

class [[nodiscard]] Status {
public:
    Status() = default;
    static Status error(std::string message) { return Status(std::move(message)); }

    bool ok() const { return !message_.has_value(); }
    explicit operator bool() const { return ok(); }
    const std::string& message() const {
        static const std::string kOk = "ok";
        return message_ ? *message_ : kOk;
    }

private:
    explicit Status(std::string message) : message_(std::move(message)) {}
    std::optional<std::string> message_;
};

/// Thrown during set-up only: a bad configuration (exit 2).
struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
/// Thrown during set-up only: the environment refuses (socket in use, file unreadable; exit 1).
struct StartupError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace eveflow
