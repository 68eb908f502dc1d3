// Clock: the wall clock behind an interface, so tests can drive timers without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace eveflow {

class Clock {
public:
    virtual ~Clock() = default;
    /// Microseconds since the Unix epoch, UTC.
    virtual int64_t now_us() const = 0;
    /// Monotonic time for deadlines and idle detection.
    virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
public:
    int64_t now_us() const override {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
    std::chrono::steady_clock::time_point steady_now() const override {
        return std::chrono::steady_clock::now();
    }
    static const SystemClock& instance() {
        static const SystemClock clock;
        return clock;
    }
};

/// A clock that moves only when told to; thread-safe.
class FakeClock final : public Clock {
public:
    explicit FakeClock(int64_t start_us = 0) : now_(start_us) {}
    int64_t now_us() const override { return now_.load(); }
    std::chrono::steady_clock::time_point steady_now() const override {
        return std::chrono::steady_clock::time_point(std::chrono::microseconds(now_.load()));
    }
    void advance(std::chrono::microseconds d) { now_ += d.count(); }
    void set(int64_t us) { now_ = us; }

private:
    std::atomic<int64_t> now_;
};

}  // namespace eveflow
