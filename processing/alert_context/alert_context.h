// AlertContext: for each flow that had an alert, one record with the flow's alerts and its
// other events (those before the alert too), emitted at the flow's end or after a TTL.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "processing/alert_context/config.h"
#include "processing/handler.h"

namespace eveflow::processing {

/// Holds the recent events of every flow, by (sensor, flow_id), since an alert may come late
/// in a flow. Runs on the processing thread. Per flow: at most max_events_per_flow alerts and
/// events and max_bytes per record (an alert that does not fit pushes out the oldest other
/// event; another event that does not fit is dropped and counted in `events_dropped`). A flow
/// ends with its `flow` event (reason "flow_end"), `ttl` of event time after its first event
/// (the largest event time seen so far passes it: "ttl"), when max_total_bytes needs room
/// (oldest first: "memory") or at shutdown ("shutdown"); flows that had an alert then give
/// the record, the others are forgotten.
class AlertContext final : public Handler {
public:
    AlertContext(AlertContextConfig config, HandlerContext& hctx);

    std::string_view name() const override { return config_.name; }
    std::span<const EventType> event_types() const override { return {}; }
    void consume(const Event& e, Emitter& out) override;
    void flush(Timestamp watermark, Emitter& out) override;

    struct Key {
        std::string sensor;
        uint64_t flow_id = 0;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const;
    };

private:
    struct Held {
        uint64_t seq = 0;
        Timestamp first, first_alert;
        std::vector<std::string> alerts;
        std::deque<std::string> events;
        uint64_t bytes = 0;  // the held lines plus one comma each
        uint64_t dropped = 0;
    };
    void add(Held& h, const Event& e);
    void finish(const Key& key, std::string_view reason, Emitter& out);
    void expire(Emitter& out);
    void render(std::string& out, const Key& key, const Held& h, std::string_view reason) const;

    AlertContextConfig config_;
    std::vector<SinkId> sinks_;
    std::unordered_map<Key, Held, KeyHash> flows_;
    std::deque<std::pair<uint64_t, Key>> order_;  // flows by creation; stale pairs skipped
    uint64_t next_seq_ = 0;
    uint64_t total_bytes_ = 0;
    Timestamp watermark_ = Timestamp::none();
    Stats& stats_;
    Counter& dropped_;
    Gauge& held_flows_;
    Gauge& held_bytes_;
};

}  // namespace eveflow::processing
