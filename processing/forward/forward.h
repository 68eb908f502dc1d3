// Forward: a forwarding rule; selected raw events go, with added fields, to the rule's outputs.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "processing/forward/config.h"
#include "processing/handler.h"

namespace eveflow::processing {

/// Writes `line` with the added fields: the value of a top-level member whose key is that of
/// an added field is replaced by the added value (each occurrence, in place; nested keys are
/// not looked at); the other added fields go before the object's final `}`, their leading
/// comma dropped when the object is empty. `splice` is the members of all of `added`, joined.
/// A line that is not a JSON object gets `splice` before its last `}`, or is copied unchanged
/// if it has none.
void splice_fields(std::string& out, std::string_view line, std::span<const AddedField> added,
                   std::string_view splice);

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
    /// The line with the added fields and, when the enrichment stage computed one, the
    /// event's Community ID as one more added field.
    void splice(std::string& out, const Event& e);

    ForwardConfig config_;
    std::vector<SinkId> sinks_;
    std::vector<EventType> types_;     // empty: all
    std::vector<AddedField> with_id_;  // config_.added and community_id (its value per event)
    std::string with_id_splice_;
    bool adds_id_ = true;  // false when add_fields sets community_id itself
    uint64_t pending_ = 0;
    Counter& forwarded_;
    bool sensor_from_host_;
};

}  // namespace eveflow::processing
