// Handler types. A new handler is a folder under processing/ plus one line here.
#include "processing/alert_context/alert_context.h"
#include "processing/dns/dns_aggregate.h"
#include "processing/dns/pdns.h"
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
    {"dns_aggregate",
     &construct<Handler, dns::DnsAggregate, &dns::parse_dns_aggregate_config, HandlerContext>},
    {"pdns", &construct<Handler, dns::Pdns, &dns::parse_pdns_config, HandlerContext>},
    {"ioc", &construct<Handler, Ioc, &parse_ioc_config, HandlerContext>},
    {"alert_context",
     &construct<Handler, AlertContext, &parse_alert_context_config, HandlerContext>},
};

}  // namespace

std::span<const HandlerType> handler_types() { return kHandlers; }

}  // namespace eveflow::processing
