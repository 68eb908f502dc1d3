// Forward: a forwarding rule; selected raw events go, with added fields, to the rule's outputs.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "processing/handler.h"

namespace eveflow::processing {

struct ForwardConfig {
    std::string name;
    bool all_types = true;
    std::vector<std::string> type_names;  // when !all_types: matched against Event::type_name
    /// `,"k":v,...` built once from add_fields; spliced before the line's final `}`.
    std::string splice;
};

/// Reads one item of the top-level `forward:` list (no `type` key needed). Its `outputs` belong
/// to the plan, which builds them.
ForwardConfig parse_forward_config(const ConfigNode& node);

/// Inserts `splice` (which starts with a comma) before the last `}` of `line`, dropping the
/// comma when the object is empty. Lines without a `}` are copied unchanged.
void splice_fields(std::string& out, std::string_view line, std::string_view splice);

/// Runs on the processing thread; the forwarded-events counter is published per tick/flush.
class Forward final : public Handler {
public:
    Forward(ForwardConfig config, std::vector<SinkId> sinks, Context& ctx);
    static std::unique_ptr<Handler> create(const ConfigNode& node, HandlerContext& hctx);

    std::string_view name() const override { return config_.name; }
    std::span<const EventType> event_types() const override { return types_; }
    EventTypeSet raw_types() const override { return {config_.all_types, config_.type_names}; }
    void consume(const Event& e, Emitter& out) override;
    void flush(Timestamp watermark, Emitter& out) override;
    void tick(std::chrono::steady_clock::time_point now, Emitter& out) override;

private:
    bool selected(const Event& e) const;

    ForwardConfig config_;
    std::vector<SinkId> sinks_;
    std::vector<EventType> types_;  // empty: all
    uint64_t pending_ = 0;
    Counter& forwarded_;
    bool sensor_from_host_;
};

}  // namespace eveflow::processing
