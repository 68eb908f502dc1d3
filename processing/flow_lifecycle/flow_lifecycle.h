// FlowLifecycle: the meter's flow reports as insert / update / remove for live flow tables.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "processing/handler.h"

namespace eveflow::processing {

/// The JSON object an insert or update carries: flow_id, the 5-tuple, proto, app_proto (the
/// nDPI protocol for meter flows), in_iface and vlan when set, the four cumulative counters,
/// start, end (the last packet) and updated (when the meter made the report).
void render_lifecycle_json(std::string& out, const FlowEntry& f);

/// Turns flow events of the pcap meter into FlowLifecycle records for the lifecycle outputs
/// (and only them): a kInsert signal becomes an insert, an update of a live flow an update and
/// the final record of a live flow a remove. Flows the meter never inserted give nothing. The
/// plan puts it after every other handler, so a sink that takes both a flow's final record
/// and its lifecycle records gets the final record first. Runs on the processing thread.
class FlowLifecycleHandler final : public Handler {
public:
    FlowLifecycleHandler(std::vector<SinkId> sinks, Context& ctx);

    std::string_view name() const override { return "flow_lifecycle"; }
    std::span<const EventType> event_types() const override;
    void consume(const Event& e, Emitter& out) override;
    void flush(Timestamp watermark, Emitter& out) override;
    void tick(std::chrono::steady_clock::time_point now, Emitter& out) override;

private:
    void publish();

    std::vector<SinkId> sinks_;
    bool sensor_from_host_;
    std::array<uint64_t, 3> pending_{};  // by FlowOp
    std::array<Counter*, 3> sent_{};
};

}  // namespace eveflow::processing
