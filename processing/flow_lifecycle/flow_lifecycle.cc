// FlowLifecycle: meter reports into lifecycle records; their JSON object.
#include "processing/flow_lifecycle/flow_lifecycle.h"

#include "types/json_values.h"
#include "types/record.h"

namespace eveflow::processing {
namespace {

constexpr EventType kTypes[] = {EventType::kFlow};
constexpr std::string_view kOpNames[] = {"insert", "update", "remove"};

}  // namespace

void render_lifecycle_json(std::string& out, const FlowEntry& f) {
    using json::append_member;
    out += "{\"flow_id\":";
    json::append_uint(out, f.flow_id);
    if (f.enrich.community_id.known()) {
        append_member(out, "community_id", f.enrich.community_id.text());
    } else if (!f.community_id.empty()) {
        append_member(out, "community_id", f.community_id);
    }
    append_member(out, "src_ip");
    json::append_ip(out, f.src_ip);
    append_member(out, "src_port", f.src_port);
    append_member(out, "dest_ip");
    json::append_ip(out, f.dest_ip);
    append_member(out, "dest_port", f.dest_port);
    append_member(out, "proto", proto_text(f.proto));
    if (!f.app_proto.empty()) append_member(out, "app_proto", f.app_proto);
    if (!f.in_iface.empty()) append_member(out, "in_iface", f.in_iface);
    if (f.vlan != 0) append_member(out, "vlan", f.vlan);
    append_member(out, "pkts_toserver", f.pkts_toserver);
    append_member(out, "pkts_toclient", f.pkts_toclient);
    append_member(out, "bytes_toserver", f.bytes_toserver);
    append_member(out, "bytes_toclient", f.bytes_toclient);
    json::append_time_member(out, "start", f.start);
    json::append_time_member(out, "end", f.end);
    json::append_time_member(out, "updated", f.reported_at.valid() ? f.reported_at : f.ts);
    out += '}';
}

FlowLifecycleHandler::FlowLifecycleHandler(std::vector<SinkId> sinks, Context& ctx)
    : sinks_(std::move(sinks)), sensor_from_host_(ctx.sensor_id_from_host) {
    for (size_t i = 0; i < sent_.size(); ++i) {
        sent_[i] = &ctx.stats.counter("eveflow_lifecycle_records_total",
                                      "Flow lifecycle records sent to live flow tables",
                                      {{"op", std::string(kOpNames[i])}});
    }
}

std::span<const EventType> FlowLifecycleHandler::event_types() const { return kTypes; }

void FlowLifecycleHandler::consume(const Event& e, Emitter& out) {
    const FlowEntry& f = e.fields;
    if (sinks_.empty() || (f.report != FlowReport::kInsert && !f.live)) return;
    FlowLifecycle r;
    r.op = f.report == FlowReport::kInsert   ? FlowOp::kInsert
           : f.report == FlowReport::kUpdate ? FlowOp::kUpdate
                                             : FlowOp::kRemove;
    r.flow_id = f.flow_id;
    if (r.op != FlowOp::kRemove) render_lifecycle_json(r.json, f);
    r.fields = f;
    r.fields.app_proto = {};
    r.fields.app_proto_words = {};
    r.fields.in_iface = {};
    r.fields.host = {};
    r.at = f.reported_at.valid() ? f.reported_at : f.ts;
    if (sensor_from_host_) r.sensor_id.assign(f.host);
    ++pending_[static_cast<size_t>(r.op)];
    for (size_t i = 0; i + 1 < sinks_.size(); ++i) out.emit(sinks_[i], Record(r));
    out.emit(sinks_.back(), Record(std::move(r)));
}

void FlowLifecycleHandler::publish() {
    for (size_t i = 0; i < pending_.size(); ++i) {
        if (pending_[i]) sent_[i]->inc(pending_[i]);
        pending_[i] = 0;
    }
}

void FlowLifecycleHandler::flush(Timestamp /*watermark*/, Emitter& /*out*/) { publish(); }

void FlowLifecycleHandler::tick(std::chrono::steady_clock::time_point /*now*/, Emitter& /*out*/) {
    publish();
}

}  // namespace eveflow::processing
