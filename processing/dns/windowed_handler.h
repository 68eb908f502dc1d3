// WindowedDnsHandler: what dns_aggregate and pdns share: reading dns events, event-time
// windows, idle flush, checkpoints and emission.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "processing/dns/config.h"
#include "processing/dns/dns_event.h"
#include "processing/dns/dns_windows.h"
#include "processing/handler.h"

namespace eveflow::processing::dns {

inline constexpr EventType kDnsEventTypes[] = {EventType::kDns};

/// Runs on the processing thread only. Subclasses add one event's message to its window's
/// table (add()) and turn a table into records (emit_table()).
template <class Key, class State, class Hash>
class WindowedDnsHandler : public Handler {
public:
    using Table = typename DnsWindows<Key, State, Hash>::Table;

    WindowedDnsHandler(DnsHandlerConfig config, HandlerContext& hctx, const char* metric_help)
        : config_(std::move(config)),
          sinks_(hctx.outputs),
          sensor_from_host_(hctx.ctx.sensor_id_from_host),
          windows_(config_.period.count(), config_.allowed_lateness.count()),
          records_(hctx.ctx.stats.counter("eveflow_dns_records_total", metric_help,
                                          {{"handler", config_.name}})),
          unreadable_(hctx.ctx.stats.counter("eveflow_dns_unreadable_total",
                                             "dns events without a readable dns object",
                                             {{"handler", config_.name}})) {}

    std::string_view name() const override { return config_.name; }
    std::span<const EventType> event_types() const override { return kDnsEventTypes; }

    void consume(const Event& e, Emitter& out) override {
        const DnsMessage* m = e.fields.ts.valid() ? read_shared(e.raw) : nullptr;
        if (!m) {
            unreadable_.inc();
            return;
        }
        seen_since_tick_ = true;
        Table& table = windows_.table_for(e.fields.ts.us, emitter(out));
        add(e, *m, table);
    }

    void flush(Timestamp /*watermark*/, Emitter& out) override { windows_.close_all(emitter(out)); }

    void tick(std::chrono::steady_clock::time_point now, Emitter& out) override {
        if (seen_since_tick_ || !activity_known_) {
            last_activity_ = now;
            activity_known_ = true;
            seen_since_tick_ = false;
        }
        if (config_.idle_flush.count() > 0 && !windows_.empty() &&
            now - last_activity_ >= config_.idle_flush) {
            windows_.close_all(emitter(out));
        } else if (windows_.has_late()) {
            windows_.close_until(std::numeric_limits<int64_t>::min(), emitter(out), true);
        }
    }

    void checkpoint(Emitter& out) override { windows_.checkpoint(emitter(out)); }

protected:
    virtual void add(const Event& e, const DnsMessage& m, Table& table) = 0;
    virtual void emit_table(int64_t window_start, Table& table, bool late, Emitter& out) = 0;

    /// The sensor of an event: its EVE `host` when configured so, else empty (the default).
    std::string_view sensor(const Event& e) const {
        return sensor_from_host_ ? e.fields.host : std::string_view();
    }
    void emit(Record&& r, Emitter& out) {
        records_.inc();
        for (size_t i = 0; i + 1 < sinks_.size(); ++i) out.emit(sinks_[i], Record(r));
        if (!sinks_.empty()) out.emit(sinks_.back(), std::move(r));
    }

    DnsHandlerConfig config_;

private:
    auto emitter(Emitter& out) {
        return [this, &out](int64_t start, Table& t, bool late) {
            if (!t.empty()) emit_table(start, t, late, out);
        };
    }

    std::vector<SinkId> sinks_;
    bool sensor_from_host_;
    DnsWindows<Key, State, Hash> windows_;
    Counter& records_;
    Counter& unreadable_;
    bool seen_since_tick_ = false;
    bool activity_known_ = false;
    std::chrono::steady_clock::time_point last_activity_{};
};

}  // namespace eveflow::processing::dns
