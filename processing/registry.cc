// Handler types. A new handler is a folder under processing/ plus one line here.
#include <vector>

#include "processing/flow_aggregate/flow_aggregate.h"
#include "processing/forward/forward.h"
#include "processing/handler.h"
#include "processing/traffic_metrics/traffic_metrics.h"

namespace eveflow::processing {
namespace {

// NOLINTNEXTLINE(cert-err58-cpp): built once at start-up, before any thread.
const std::vector<HandlerType> kHandlers = {
    {"flow_aggregate", &FlowAggregate::create},
    {"forward", &Forward::create},
    {"traffic_metrics", &TrafficMetrics::create},
};

}  // namespace

std::span<const HandlerType> handler_types() { return kHandlers; }

std::unique_ptr<Handler> make_handler(const ConfigNode& node, HandlerContext& hctx) {
    return make_component(handler_types(), node, hctx, "handler", "flow_aggregate");
}

}  // namespace eveflow::processing
