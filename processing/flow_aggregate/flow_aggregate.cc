// FlowAggregate: window bookkeeping, the per-event hot path and emission of records.
#include "processing/flow_aggregate/flow_aggregate.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "util/log.h"

namespace eveflow::processing {
namespace {

constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
constexpr EventType kTypes[] = {EventType::kFlow};
constexpr size_t kMaxSpareTables = 4;

int64_t sat_add(int64_t a, int64_t b) { return a > kMaxTime - b ? kMaxTime : a + b; }
int64_t sat_sub(int64_t a, int64_t b) { return a < kMinTime + b ? kMinTime : a - b; }

// sum += v, held at 2^64-1 instead of wrapping; 1 if it saturated.
inline uint64_t add_saturating(uint64_t& sum, uint64_t v) {
    if (__builtin_add_overflow(sum, v, &sum)) [[unlikely]] {
        sum = std::numeric_limits<uint64_t>::max();
        return 1;
    }
    return 0;
}

int64_t event_time(const FlowEntry& f, TimeField field) {
    if (field == TimeField::kFlowStart && f.start.valid()) return f.start.us;
    if (field == TimeField::kFlowEnd && f.end.valid()) return f.end.us;
    return f.ts.us;
}

std::vector<double> flush_buckets() { return {1e-5, 1e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5}; }

log::RateLimit& early_flush_log() {
    static log::RateLimit limit(5);
    return limit;
}

}  // namespace

FlowAggregate::FlowAggregate(FlowAggregateConfig config, HandlerContext& hctx)
    : config_(std::move(config)),
      period_(config_.period.count()),
      lateness_(config_.allowed_lateness.count()),
      sinks_(hctx.outputs),
      sensor_from_host_(hctx.ctx.sensor_id_from_host),
      host_names_(hctx.host_names),
      dns_names_(hctx.ctx.dns_names),
      closed_until_(kMinTime),
      checkpointed_until_(kMinTime),
      max_event_time_(kMinTime),
      progress_bound_(kMaxTime),
      open_keys_gauge_(hctx.ctx.stats.gauge("eveflow_aggregate_open_keys",
                                            "Open (window, key) entries of the aggregator",
                                            {{"handler", config_.name}})),
      records_total_(hctx.ctx.stats.counter("eveflow_aggregate_records_total",
                                            "Aggregate records emitted",
                                            {{"handler", config_.name}})),
      flows_total_(hctx.ctx.stats.counter("eveflow_aggregate_flows_total", "Flow events aggregated",
                                          {{"handler", config_.name}})),
      late_total_(hctx.ctx.stats.counter("eveflow_late_events_total",
                                         "Flow events for a window already emitted",
                                         {{"handler", config_.name}})),
      saturated_total_(hctx.ctx.stats.counter(
          "eveflow_aggregate_saturated_total",
          "Counter sums held at 2^64-1 instead of wrapping (one per sum and flow event)",
          {{"handler", config_.name}})),
      early_flushes_(hctx.ctx.stats.counter("eveflow_aggregate_early_flushes_total",
                                            "Windows emitted early because max_keys was reached",
                                            {{"handler", config_.name}})),
      flush_seconds_(hctx.ctx.stats.histogram("eveflow_window_flush_seconds",
                                              "Time taken by one emission of records",
                                              {{"handler", config_.name}}, flush_buckets())) {}

FlowAggregate::~FlowAggregate() { open_keys_gauge_.add(-static_cast<double>(published_keys_)); }

std::span<const EventType> FlowAggregate::event_types() const { return kTypes; }

// What one flow event adds to its (window, key): the whole flow, or with interim updates
// the delta since the flow's previous report, placed by the times of its packets.
struct FlowAggregate::Contribution {
    int64_t t = 0, first = 0, last = 0;
    uint64_t pkts_toserver = 0, pkts_toclient = 0, bytes_toserver = 0, bytes_toclient = 0;
    uint64_t flows = 1;
    bool has_active = false;  // a delta: flows_active is counted
    bool active = false;      // the flow's first packets in this window
    bool port = true;         // its source port counts
};

FlowAggregate::Contribution FlowAggregate::contribution(const FlowEntry& f) const {
    Contribution c;
    const FlowDelta& d = f.delta;
    if (f.has_delta && d.pkts_toserver + d.pkts_toclient > 0) {
        c.t = config_.time_field == TimeField::kFlowStart ? d.first.us : d.last.us;
        c.first = d.first.us;
        c.last = d.last.us;
        c.pkts_toserver = d.pkts_toserver;
        c.pkts_toclient = d.pkts_toclient;
        c.bytes_toserver = d.bytes_toserver;
        c.bytes_toclient = d.bytes_toclient;
        c.flows = f.report == FlowReport::kFinal ? 1 : 0;
        c.has_active = true;
        // Reports come in packet order: the flow's first report with packets in this window
        // is the one whose previous report ended in another window.
        c.active =
            !d.prev_last.valid() || floor_to(d.prev_last.us, period_) != floor_to(c.t, period_);
        return c;
    }
    c.t = event_time(f, config_.time_field);
    c.first = f.start.valid() ? f.start.us : f.ts.us;
    c.last = f.end.valid() ? f.end.us : f.ts.us;
    if (f.has_delta) {  // a final record that adds no packet: the flow ended here
        c.first = c.last = f.ts.us;
        c.has_active = true;
        c.port = false;
        return c;
    }
    c.pkts_toserver = f.pkts_toserver;
    c.pkts_toclient = f.pkts_toclient;
    c.bytes_toserver = f.bytes_toserver;
    c.bytes_toclient = f.bytes_toclient;
    return c;
}

void FlowAggregate::consume(const Event& e, Emitter& out) {
    if (!e.aggregatable) return;
    const FlowEntry& f = e.fields;
    seen_since_tick_ = true;
    const Contribution c = contribution(f);
    if (c.t > max_event_time_ && !from_progress_source_) {
        max_event_time_ = c.t;
        advance(std::min(sat_sub(c.t, lateness_), progress_bound_), out);
    }
    FlowKey key;
    uint64_t hash = 0;
    key_of(e, key, hash);
    bool late = false;
    bool inserted = false;
    Accum& a = table_for(floor_to(c.t, period_), late).find_or_insert(key, hash, inserted);
    if (inserted) {
        a.first_seen = c.first;
        a.last_seen = c.last;
        ++open_keys_;
    } else {
        a.first_seen = std::min(a.first_seen, c.first);
        a.last_seen = std::max(a.last_seen, c.last);
    }
    a.flows += c.flows;
    a.has_active = a.has_active || c.has_active;
    a.flows_active += c.active ? 1 : 0;
    pending_saturated_ += add_saturating(a.pkts_toserver, c.pkts_toserver) +
                          add_saturating(a.pkts_toclient, c.pkts_toclient) +
                          add_saturating(a.bytes_toserver, c.bytes_toserver) +
                          add_saturating(a.bytes_toclient, c.bytes_toclient);
    if (f.has_src_port && c.port) a.src_ports.add(f.src_port);
    pending_flows_ += c.flows;
    pending_late_ += late ? 1 : 0;
    if (open_keys_ > config_.max_keys) make_room(out);
}

// The key and hash of an event a few ahead of the one consumed now (made in event order, so
// strings get their ids in the same order), and a load of the slot they probe first when the
// event goes to the window of the last one (the usual case).
void FlowAggregate::prefetch(const Event& e) {
    if (!e.aggregatable) return;
    Ahead& a = ahead_[ahead_next_++ % ahead_.size()];
    a.event = &e;
    a.key = make_key(e.fields, config_.key_fields, strings_, sensor_from_host_,
                     {config_.net_prefix_v4, config_.net_prefix_v6});
    a.hash = hash_key(a.key);
    if (cached_ != nullptr && floor_to(contribution(e.fields).t, period_) == cached_start_)
        cached_->prefetch(a.hash);
}

void FlowAggregate::key_of(const Event& e, FlowKey& key, uint64_t& hash) {
    for (Ahead& a : ahead_) {
        if (a.event != &e) continue;
        a.event = nullptr;
        key = a.key;
        hash = a.hash;
        return;
    }
    key = make_key(e.fields, config_.key_fields, strings_, sensor_from_host_,
                   {config_.net_prefix_v4, config_.net_prefix_v6});
    hash = hash_key(key);
}

WindowTable& FlowAggregate::table_for(int64_t window_start, bool& late) {
    if (window_start < closed_until_) {
        late = true;
        return open_table(late_, window_start);
    }
    if (cached_ != nullptr && cached_start_ == window_start) return *cached_;
    cached_ = &open_table(open_, window_start);
    cached_start_ = window_start;
    return *cached_;
}

WindowTable& FlowAggregate::open_table(Windows& windows, int64_t window_start) {
    auto it = windows.find(window_start);
    if (it != windows.end()) return *it->second;
    std::unique_ptr<WindowTable> table;
    if (!spare_.empty()) {
        table = std::move(spare_.back());
        spare_.pop_back();
    } else {
        table = std::make_unique<WindowTable>();
    }
    return *windows.emplace(window_start, std::move(table)).first->second;
}

void FlowAggregate::make_room(Emitter& out) {
    uint64_t early = 0;  // records emitted before their window's time
    while (open_keys_ > config_.max_keys) {
        if (!late_.empty()) {
            early += emit_late(out);
            continue;
        }
        if (open_.empty()) break;
        int64_t start = open_.begin()->first;
        uint64_t suppressed = 0;
        if (early_flush_log().allow(suppressed)) {
            log::warn(
                "flow_aggregate: max_keys reached, emitting window early handler={} "
                "max_keys={} window_start={} suppressed={}",
                config_.name, config_.max_keys, format_timestamp({start}), suppressed);
        }
        early += close_until(sat_add(start, period_), out);
    }
    early_flushes_.inc(early);
    publish_counts();
}

uint64_t FlowAggregate::close_until(int64_t until, Emitter& out) {
    closed_until_ = std::max(closed_until_, until);
    if (late_.empty() && (open_.empty() || open_.begin()->first >= closed_until_)) return 0;
    auto begin = std::chrono::steady_clock::now();
    uint64_t n = emit_before(closed_until_, out);
    publish_counts();
    flush_seconds_.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
    return n;
}

uint64_t FlowAggregate::emit_late(Emitter& out) {
    uint64_t n = 0;
    while (!late_.empty()) {
        auto node = late_.extract(late_.begin());
        n += emit_table(node.key(), *node.mapped(), /*late=*/true, out);
        release(std::move(node.mapped()));
    }
    return n;
}

uint64_t FlowAggregate::emit_table(int64_t window_start, WindowTable& table, bool late,
                                   Emitter& out) {
    const uint32_t fields = config_.key_fields;
    uint64_t n = 0;
    table.for_each([&](const FlowKey& k, Accum& a) {
        // Built in place in the Record that goes to the sink: no move of the whole record.
        Record rec(std::in_place_type<AggregateRecord>);
        AggregateRecord& r = std::get<AggregateRecord>(rec);
        r.window_start = Timestamp::from_us(window_start);
        r.window_end = Timestamp::from_us(sat_add(window_start, period_));
        r.key_fields = fields;
        r.src_ip = k.src_ip;
        r.dest_ip = k.dest_ip;
        r.src_port = k.src_port;
        r.dest_port = k.dest_port;
        r.proto = k.proto;
        r.vlan = k.vlan;
        if (fields & kKeyAppProto) r.app_proto = strings_.name(k.app_proto);
        if (fields & kKeyInIface) r.in_iface = strings_.name(k.in_iface);
        if (fields & kKeySrcProcessName) r.src_process_name = strings_.name(k.src_process);
        if (fields & kKeyDestProcessName) r.dest_process_name = strings_.name(k.dest_process);
        if (k.sensor != 0) r.sensor_id = strings_.name(k.sensor);
        set_enriched(r, k);
        r.flows = a.flows;
        r.flows_active = a.flows_active;
        r.has_flows_active = a.has_active;
        a.src_ports.append_sorted(r.src_port_list);
        r.src_ports = r.src_port_list.size();
        r.pkts_toserver = a.pkts_toserver;
        r.pkts_toclient = a.pkts_toclient;
        r.bytes_toserver = a.bytes_toserver;
        r.bytes_toclient = a.bytes_toclient;
        r.first_seen = Timestamp::from_us(a.first_seen);
        r.last_seen = Timestamp::from_us(a.last_seen);
        r.late = late;
        r.after_checkpoint = window_start <= checkpointed_until_;
        emit_record(std::move(rec), out);
        ++n;
    });
    open_keys_ -= table.size();
    records_total_.inc(n);
    log::debug("flow_aggregate: emitted handler={} window_start={} records={} late={}",
               config_.name, format_timestamp({window_start}), n, late);
    return n;
}

void FlowAggregate::set_enriched(AggregateRecord& r, const FlowKey& k) const {
    const uint32_t fields = config_.key_fields;
    const uint8_t v4 = config_.net_prefix_v4, v6 = config_.net_prefix_v6;
    if (fields & kKeySrcNet) r.src_net = network_of(k.src_ip, v4, v6, r.src_net_prefix);
    if (fields & kKeyDestNet) r.dest_net = network_of(k.dest_ip, v4, v6, r.dest_net_prefix);
    if (!(fields & kKeySrcIp)) r.src_ip = IpAddr();
    if (!(fields & kKeyDestIp)) r.dest_ip = IpAddr();
    r.home_direction = k.home_direction;
    r.src_country = k.src_country;
    r.dest_country = k.dest_country;
    r.src_asn = k.src_asn;
    r.dest_asn = k.dest_asn;
    if (host_names_) {
        if (fields & kKeySrcIp) r.src_host = host_names_->host(k.src_ip);
        if (fields & kKeyDestIp) r.dest_host = host_names_->host(k.dest_ip);
    }
    // The most recent name the source resolved to the destination, as it stands now.
    if (dns_names_ && (fields & kKeySrcIp) && (fields & kKeyDestIp))
        r.dest_name = dns_names_->lookup(k.src_ip, k.dest_ip);
}

void FlowAggregate::emit_record(Record&& rec, Emitter& out) {
    if (sinks_.empty()) return;
    for (size_t i = 0; i + 1 < sinks_.size(); ++i) out.emit(sinks_[i], Record(rec));
    out.emit(sinks_.back(), std::move(rec));
}

void FlowAggregate::release(std::unique_ptr<WindowTable> table) {
    table->clear();
    if (spare_.size() < kMaxSpareTables) spare_.push_back(std::move(table));
}

void FlowAggregate::publish_counts() {
    flows_total_.inc(pending_flows_);
    late_total_.inc(pending_late_);
    if (pending_saturated_ > 0) saturated_total_.inc(pending_saturated_);
    pending_flows_ = 0;
    pending_late_ = 0;
    pending_saturated_ = 0;
    // Added as a delta, so handlers sharing the series (shards of one handler) sum up.
    open_keys_gauge_.add(static_cast<double>(open_keys_) - static_cast<double>(published_keys_));
    published_keys_ = open_keys_;
}

void FlowAggregate::flush(Timestamp watermark, Emitter& out) {
    int64_t until = watermark == Timestamp::max() ? kMaxTime : floor_to(watermark.us, period_);
    close_until(until, out);
    // Events since the last emission (late entries that make_room already emitted, say)
    // are counted even when nothing is left to emit.
    publish_counts();
}

void FlowAggregate::progress(const SourceProgress& bound, Emitter& out) {
    // A meter flow's timestamp is its end (its last packet).
    const Timestamp b = config_.time_field == TimeField::kFlowStart ? bound.first : bound.last;
    progress_bound_ = b.us;  // Timestamp::none() is INT64_MIN: holds every window
    const int64_t others =
        max_event_time_ == kMinTime ? kMaxTime : sat_sub(max_event_time_, lateness_);
    advance(std::min(others, progress_bound_), out);
}

void FlowAggregate::advance(int64_t watermark, Emitter& out) {
    if (watermark == kMinTime) return;  // nothing known yet (and floor_to would overflow)
    const int64_t until = floor_to(watermark, period_);
    if (until > closed_until_) close_until(until, out);
}

uint64_t FlowAggregate::emit_before(int64_t until, Emitter& out) {
    uint64_t n = emit_late(out);
    while (!open_.empty() && open_.begin()->first < until) {
        auto node = open_.extract(open_.begin());
        n += emit_table(node.key(), *node.mapped(), /*late=*/false, out);
        release(std::move(node.mapped()));
    }
    cached_ = nullptr;
    return n;
}

void FlowAggregate::checkpoint(Emitter& out) {
    // closed_until_ stays: a later event for one of these windows is not late, it opens the
    // window's table again.
    const int64_t last = open_.empty() ? kMinTime : open_.rbegin()->first;
    emit_before(kMaxTime, out);
    checkpointed_until_ = std::max(checkpointed_until_, last);
    publish_counts();
}

void FlowAggregate::tick(std::chrono::steady_clock::time_point now, Emitter& out) {
    if (seen_since_tick_ || !activity_known_) {
        last_activity_ = now;
        activity_known_ = true;
        seen_since_tick_ = false;
    }
    if (config_.idle_flush.count() > 0 && !open_.empty() &&
        now - last_activity_ >= config_.idle_flush) {
        int64_t until = sat_add(open_.rbegin()->first, period_);
        log::debug("flow_aggregate: idle, emitting open windows handler={} windows={}",
                   config_.name, open_.size());
        close_until(until, out);
        return;
    }
    if (!late_.empty()) {
        close_until(closed_until_, out);
        return;
    }
    publish_counts();
}

}  // namespace eveflow::processing
