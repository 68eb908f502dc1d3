// Handler types. A new handler is a folder under processing/ plus one line here.
#include "processing/alert_context/alert_context.h"
#include "processing/flow_aggregate/flow_aggregate.h"
#include "processing/forward/forward.h"
#include "processing/handler.h"
#include "processing/ioc/ioc.h"
#include "processing/traffic_metrics/traffic_metrics.h"

namespace eveflow::processing {
namespace {

constexpr HandlerType kHandlers[] = {
    {"flow_aggregate",
     &construct<Handler, FlowAggregate, &parse_flow_aggregate_config, HandlerContext>},
    {"forward", &Forward::create},
    {"traffic_metrics", &TrafficMetrics::create},
    {"ioc", &construct<Handler, Ioc, &parse_ioc_config, HandlerContext>},
    {"alert_context",
     &construct<Handler, AlertContext, &parse_alert_context_config, HandlerContext>},
};

}  // namespace

std::span<const HandlerType> handler_types() { return kHandlers; }

}  // namespace eveflow::processing
