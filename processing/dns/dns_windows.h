// DnsWindows: per event-time window, a hash table of keyed state; closed by a watermark.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <unordered_map>

#include "types/timestamp.h"

namespace eveflow::processing::dns {

/// Windows of `period` µs in event time. A window closes when the largest event time seen,
/// minus `lateness`, passes its end; an event for a closed window opens a late entry for it,
/// emitted (late = true) at the next closing. Used by the processing thread only.
template <class Key, class State, class Hash>
class DnsWindows {
public:
    using Table = std::unordered_map<Key, State, Hash>;

    DnsWindows(int64_t period_us, int64_t lateness_us)
        : period_(period_us), lateness_(lateness_us) {}

    int64_t window_of(int64_t t) const { return floor_to(t, period_); }
    int64_t period() const { return period_; }

    /// The table of the window holding event time `t`; moves the watermark first (closing
    /// windows through `emit(window_start, table, late)`).
    template <class Emit>
    Table& table_for(int64_t t, Emit&& emit) {
        if (t > max_time_) {
            max_time_ = t;
            close_until(sat_sub(t, lateness_), emit, /*ended_only=*/true);
        }
        const int64_t start = window_of(t);
        const bool late = start < closed_until_;
        return (late ? late_ : open_)[start];
    }

    /// Emits and drops every window (open and late) whose end is at or before `until`
    /// (ended_only) or that starts before it.
    template <class Emit>
    void close_until(int64_t until, Emit&& emit, bool ended_only) {
        emit_all(late_, emit, true);
        for (auto it = open_.begin(); it != open_.end();) {
            const bool done = ended_only ? it->first + period_ <= until : it->first < until;
            if (!done) break;
            emit(it->first, it->second, false);
            closed_until_ = std::max(closed_until_, it->first + period_);
            it = open_.erase(it);
        }
        // Every window that ended by `until` is closed, those that saw no event too.
        if (ended_only && until != std::numeric_limits<int64_t>::min()) {
            closed_until_ = std::max(closed_until_, window_of(until));
        }
    }

    /// Emits everything: at shutdown (and on idle) every window closes.
    template <class Emit>
    void close_all(Emit&& emit) {
        close_until(std::numeric_limits<int64_t>::max(), emit, false);
    }

    /// Emits every entry as it stands; windows stay open, later events start new partials.
    template <class Emit>
    void checkpoint(Emit&& emit) {
        emit_all(late_, emit, true);
        for (auto& [start, table] : open_) emit(start, table, false);
        for (auto& [start, table] : open_) table.clear();
    }

    bool empty() const { return open_.empty() && late_.empty(); }
    bool has_late() const { return !late_.empty(); }
    size_t keys() const {
        size_t n = 0;
        for (const auto& [s, t] : open_) n += t.size();
        for (const auto& [s, t] : late_) n += t.size();
        return n;
    }

private:
    static int64_t sat_sub(int64_t a, int64_t b) {
        int64_t r;
        return __builtin_sub_overflow(a, b, &r) ? std::numeric_limits<int64_t>::min() : r;
    }

    template <class Emit>
    static void emit_all(std::map<int64_t, Table>& windows, Emit& emit, bool late) {
        for (auto& [start, table] : windows) emit(start, table, late);
        windows.clear();
    }

    int64_t period_, lateness_;
    std::map<int64_t, Table> open_, late_;
    int64_t closed_until_ = std::numeric_limits<int64_t>::min();
    int64_t max_time_ = std::numeric_limits<int64_t>::min();
};

}  // namespace eveflow::processing::dns
