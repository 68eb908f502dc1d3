// FlowAggregate: sums flow events per (event-time window, key) and emits AggregateRecords.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "processing/flow_aggregate/config.h"
#include "processing/flow_aggregate/flow_key.h"
#include "processing/flow_aggregate/window_table.h"
#include "processing/handler.h"
#include "types/dns_names.h"

namespace eveflow::processing {

/// Windows follow event time. A window closes when the watermark passes its end (the largest
/// event time seen minus allowed_lateness; with inputs that publish progress, such as the pcap
/// meter, the smaller of their bound for time_field and that of the other inputs), when no
/// event came for idle_flush (tick()), when max_keys would be exceeded (the oldest window goes
/// early), and at flush(). Windows close oldest first, so every window starting before
/// `closed_until_` is closed; an event for one of them goes into a separate late entry,
/// emitted with late=true at the next emission. Runs on the processing thread only; metrics
/// are read by exporters from other threads.
class FlowAggregate final : public Handler {
public:
    FlowAggregate(FlowAggregateConfig config, HandlerContext& hctx);
    ~FlowAggregate() override;

    std::string_view name() const override { return config_.name; }
    std::span<const EventType> event_types() const override;
    uint32_t enriched_fields() const override {
        return config_.key_fields & (kKeyHomeDirection | kGeoKeyFields);
    }
    void consume(const Event& e, Emitter& out) override;
    void prefetch(const Event& e) override;
    void flush(Timestamp watermark, Emitter& out) override;
    void tick(std::chrono::steady_clock::time_point now, Emitter& out) override;
    void progress(const SourceProgress& bound, Emitter& out) override;
    void events_from_progress_source(bool yes) override { from_progress_source_ = yes; }
    /// Emits every open and late entry as it stands, without closing its window: the window's
    /// later events start a new entry, emitted as a further partial record.
    void checkpoint(Emitter& out) override;

    /// Open (window, key) entries, late ones included.
    size_t open_keys() const { return open_keys_; }

private:
    using Windows = std::map<int64_t, std::unique_ptr<WindowTable>>;
    struct Contribution;
    Contribution contribution(const FlowEntry& f) const;

    WindowTable& table_for(int64_t window_start, bool& late);
    WindowTable& open_table(Windows& windows, int64_t window_start);
    void make_room(Emitter& out);
    /// Closes the windows that end at or before `watermark`.
    void advance(int64_t watermark, Emitter& out);
    /// Emits open windows starting before `until` (and every late entry). These emitters
    /// return the number of records emitted.
    uint64_t close_until(int64_t until, Emitter& out);
    /// Emits every late entry and the open windows starting before `until`.
    uint64_t emit_before(int64_t until, Emitter& out);
    uint64_t emit_late(Emitter& out);
    uint64_t emit_table(int64_t window_start, WindowTable& table, bool late, Emitter& out);
    void emit_record(Record&& rec, Emitter& out);
    void set_enriched(AggregateRecord& r, const FlowKey& k) const;
    void release(std::unique_ptr<WindowTable> table);
    void publish_counts();

    FlowAggregateConfig config_;
    int64_t period_;
    int64_t lateness_;
    std::vector<SinkId> sinks_;
    StringInterner strings_;
    bool sensor_from_host_;
    HostNames* host_names_;                    // null without enrich.rdns
    std::shared_ptr<DnsNameTable> dns_names_;  // enrich.dns_names; null when off

    Windows open_;
    Windows late_;
    std::vector<std::unique_ptr<WindowTable>> spare_;
    int64_t cached_start_ = 0;  // the window the last event went to
    WindowTable* cached_ = nullptr;
    int64_t closed_until_;        // windows starting before this are closed
    int64_t checkpointed_until_;  // windows starting at or before this were open at a checkpoint
    int64_t max_event_time_;      // of the events from inputs without progress
    int64_t progress_bound_;      // the progress inputs' bound for time_field; INT64_MAX: none
    bool from_progress_source_ = false;
    size_t open_keys_ = 0;
    size_t published_keys_ = 0;  // open_keys_ as last added to the gauge

    bool seen_since_tick_ = false;
    std::chrono::steady_clock::time_point last_activity_{};
    bool activity_known_ = false;

    uint64_t pending_flows_ = 0;  // counted locally, published per emission/tick
    uint64_t pending_late_ = 0;
    uint64_t pending_saturated_ = 0;  // counter sums that reached 2^64-1
    Gauge& open_keys_gauge_;
    Counter& records_total_;
    Counter& flows_total_;
    Counter& late_total_;
    Counter& saturated_total_;
    Counter& early_flushes_;
    Histogram& flush_seconds_;

    /// Keys computed by prefetch() for events consume() gets a few events later.
    struct Ahead {
        const Event* event = nullptr;
        FlowKey key;
        uint64_t hash = 0;
    };
    std::array<Ahead, 8> ahead_{};
    size_t ahead_next_ = 0;
    /// The key and hash of `e`: prefetch()'s when it made them, else computed now.
    void key_of(const Event& e, FlowKey& key, uint64_t& hash);
};

}  // namespace eveflow::processing
