// Timestamp: microseconds since the Unix epoch, UTC, and its EVE text forms.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace eveflow {

struct Timestamp {
    int64_t us = kNone;

    static constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
    static constexpr Timestamp none() { return {kNone}; }
    static constexpr Timestamp max() { return {std::numeric_limits<int64_t>::max()}; }
    static constexpr Timestamp from_us(int64_t v) { return {v}; }
    constexpr bool valid() const { return us != kNone; }
    auto operator<=>(const Timestamp&) const = default;
};

/// floor(t / period) * period, correct for times before 1970.
constexpr int64_t floor_to(int64_t t, int64_t period) {
    int64_t q = t / period;
    if ((t % period != 0) && ((t < 0) != (period < 0))) --q;
    return q * period;
}

/// Parses ISO 8601 as Suricata writes it: `2024-05-01T10:00:00.123456+0200`, with any
/// fraction length (0-9 digits, beyond µs truncated toward the past), and `Z`, `+02:00`,
/// `+0200`, `-0800` or no offset (UTC). Returns nullopt for anything else.
std::optional<Timestamp> parse_timestamp(std::string_view text);

/// Appends `2024-05-01T10:00:00.000000Z`.
void append_timestamp(std::string& out, Timestamp t);
std::string format_timestamp(Timestamp t);

}  // namespace eveflow
