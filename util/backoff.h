// Backoff: capped exponential delays between retries, and a resource's up/down state logged once.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/clock.h"

namespace eveflow {

/// The delays between attempts at something that keeps failing (a connection, a store): the
/// first failure waits kFirst (100 ms), each next one twice as long, never more than `cap`; no
/// jitter. reset() after a success starts again at kFirst. The clock dates the next attempt,
/// so a FakeClock drives it in tests without sleeping. Not thread-safe: one per retry loop.
class Backoff {
public:
    static constexpr std::chrono::milliseconds kFirst{100};

    Backoff(std::chrono::microseconds cap, const Clock& clock)
        : cap_(std::chrono::duration_cast<std::chrono::milliseconds>(cap)), clock_(clock) {}

    /// A failed attempt: returns how long to wait before the next one, which is due that long
    /// from now.
    std::chrono::milliseconds failed() {
        const std::chrono::milliseconds d = std::min(delay_, cap_);
        delay_ = std::min(delay_ * 2, std::max(cap_, kFirst));
        next_ = clock_.steady_now() + d;
        last_ = d;
        ++failures_;
        return d;
    }
    /// A successful attempt: the next failure waits kFirst again; an attempt is due at once.
    void reset() {
        delay_ = kFirst;
        next_ = {};
        last_ = {};
        failures_ = 0;
    }
    /// Makes an attempt due at once, keeping the delays (a lost connection is retried at once).
    void retry_now() { next_ = clock_.steady_now(); }

    /// True once the wait after the last failure has passed (and before any failure).
    bool due() const { return clock_.steady_now() >= next_; }
    std::chrono::steady_clock::time_point next_attempt() const { return next_; }
    /// The wait the last failure set (zero after reset()).
    std::chrono::milliseconds delay() const { return last_; }
    /// Failed attempts since the last reset().
    uint64_t failures() const { return failures_; }

private:
    std::chrono::milliseconds cap_;
    const Clock& clock_;
    std::chrono::milliseconds delay_{kFirst};
    std::chrono::steady_clock::time_point next_{};
    std::chrono::milliseconds last_{0};
    uint64_t failures_ = 0;
};

/// A resource's up/down state, logged once per change rather than once per attempt: a warning
/// when an attempt fails while it was up, an info line with the count of failed attempts when
/// one succeeds again. Starts up, so the first failure is logged. Not thread-safe: the owner
/// locks if several threads report.
class StateLog {
public:
    /// `subject` starts each line, component first: "postgres: main", "kafka: offset store".
    explicit StateLog(std::string subject) : subject_(std::move(subject)) {}

    /// A failed attempt; logs `<subject>: down, retrying: <reason>` if it was up. True then.
    bool failed(std::string_view reason);
    /// A successful attempt; logs `<subject>: up again attempts=<n>` if it was down. True then.
    bool succeeded();

    bool up() const { return up_; }
    /// Failed attempts since the resource was last up.
    uint64_t attempts() const { return attempts_; }

private:
    std::string subject_;
    bool up_ = true;
    uint64_t attempts_ = 0;
};

}  // namespace eveflow
