// AlertContext: per-flow buffers, their bounds and expiry, and the alert_context record.
#include "processing/alert_context/alert_context.h"

#include <functional>

#include "types/json_values.h"
#include "util/hash.h"

namespace eveflow::processing {

size_t AlertContext::KeyHash::operator()(const Key& k) const {
    return std::hash<std::string>{}(k.sensor) ^ mix64(k.flow_id);
}

AlertContext::AlertContext(AlertContextConfig config, HandlerContext& hctx)
    : config_(std::move(config)),
      sinks_(hctx.outputs),
      stats_(hctx.ctx.stats),
      dropped_(stats_.counter("eveflow_alert_context_events_dropped_total",
                              "Events of alerted flows left out of their record (bounds)")),
      held_flows_(stats_.gauge("eveflow_alert_context_flows", "Flows whose events are held")),
      held_bytes_(stats_.gauge("eveflow_alert_context_bytes", "Bytes of the held events")) {}

void AlertContext::add(Held& h, const Event& e) {
    const uint64_t size = e.raw.size() + 1;
    const uint64_t budget = config_.max_bytes - kEnvelopeBytes;
    auto fits = [&] {
        return h.alerts.size() + h.events.size() + 1 <= config_.max_events_per_flow &&
               h.bytes + size <= budget;
    };
    const bool is_alert = e.type == EventType::kAlert;
    while (is_alert && !fits() && !h.events.empty()) {
        h.bytes -= h.events.front().size() + 1;
        total_bytes_ -= h.events.front().size() + 1;
        h.events.pop_front();
        ++h.dropped;
    }
    if (!fits()) {
        ++h.dropped;
        return;
    }
    h.bytes += size;
    total_bytes_ += size;
    if (!is_alert) {
        h.events.emplace_back(e.raw);
        return;
    }
    if (h.alerts.empty()) h.first_alert = e.fields.ts;
    h.alerts.emplace_back(e.raw);
}

void AlertContext::consume(const Event& e, Emitter& out) {
    if (e.fields.flow_id == 0 || e.type == EventType::kNetflow || e.type == EventType::kStats) {
        return;
    }
    if (e.fields.ts.valid() && (!watermark_.valid() || e.fields.ts > watermark_)) {
        watermark_ = e.fields.ts;
    }
    expire(out);
    Key key{std::string(e.fields.host), e.fields.flow_id};
    if (e.type == EventType::kFlow) {
        finish(key, "flow_end", out);
    } else {
        auto [it, created] = flows_.try_emplace(std::move(key));
        if (created) {
            it->second.seq = next_seq_++;
            it->second.first = e.fields.ts.valid() ? e.fields.ts : watermark_;
            order_.emplace_back(it->second.seq, it->first);
        }
        add(it->second, e);
        while (total_bytes_ > config_.max_total_bytes && !order_.empty()) {
            auto [seq, oldest] = std::move(order_.front());
            order_.pop_front();
            auto f = flows_.find(oldest);
            if (f != flows_.end() && f->second.seq == seq) finish(oldest, "memory", out);
        }
    }
    held_flows_.set(static_cast<double>(flows_.size()));
    held_bytes_.set(static_cast<double>(total_bytes_));
}

// Flows are in order_ by creation, so by first event time as far as events come in time
// order; the front is the first to expire.
void AlertContext::expire(Emitter& out) {
    if (!watermark_.valid()) return;
    while (!order_.empty()) {
        auto& [seq, key] = order_.front();
        auto f = flows_.find(key);
        if (f != flows_.end() && f->second.seq == seq) {
            const Timestamp first = f->second.first;
            if (first.valid() && first.us + config_.ttl.count() >= watermark_.us) return;
            finish(key, "ttl", out);
        }
        order_.pop_front();
    }
}

void AlertContext::finish(const Key& key, std::string_view reason, Emitter& out) {
    auto f = flows_.find(key);
    if (f == flows_.end()) return;
    const Held& h = f->second;
    total_bytes_ -= h.bytes;
    dropped_.inc(h.dropped);
    if (!h.alerts.empty() && !sinks_.empty()) {
        RawEvent r;
        r.type = EventType::kOther;
        r.type_name = "alert_context";
        render(r.line, key, h, reason);
        r.fields.ts = h.first_alert;
        r.fields.flow_id = key.flow_id;
        r.sensor_id = key.sensor;
        stats_
            .counter("eveflow_alert_context_records_total", "alert_context records made",
                     {{"reason", std::string(reason)}})
            .inc();
        for (size_t i = 0; i + 1 < sinks_.size(); ++i) out.emit(sinks_[i], Record(r));
        out.emit(sinks_.back(), Record(std::move(r)));
    }
    flows_.erase(f);
}

void AlertContext::render(std::string& out, const Key& key, const Held& h,
                          std::string_view reason) const {
    out += "{\"event_type\":\"alert_context\",\"timestamp\":";
    if (h.first_alert.valid()) {
        json::append_time(out, h.first_alert);
    } else {
        out += "null";
    }
    out += ",\"flow_id\":";
    json::append_uint(out, key.flow_id);
    if (!key.sensor.empty()) {
        out += ",\"host\":";
        json::append_string(out, key.sensor);
    }
    out += ",\"reason\":";
    json::append_string(out, reason);
    out += ",\"alerts\":[";
    for (size_t i = 0; i < h.alerts.size(); ++i) out.append(i ? "," : "").append(h.alerts[i]);
    out += "],\"events\":[";
    for (size_t i = 0; i < h.events.size(); ++i) out.append(i ? "," : "").append(h.events[i]);
    out += "],\"events_dropped\":";
    json::append_uint(out, h.dropped);
    out += '}';
}

void AlertContext::flush(Timestamp watermark, Emitter& out) {
    if (watermark != Timestamp::max()) return;
    while (!order_.empty()) {
        auto [seq, key] = std::move(order_.front());
        order_.pop_front();
        auto f = flows_.find(key);
        if (f != flows_.end() && f->second.seq == seq) finish(key, "shutdown", out);
    }
    held_flows_.set(0);
    held_bytes_.set(0);
}

}  // namespace eveflow::processing
