// Parsing and checking of the dns_aggregate and pdns handlers' config sections.
#include "processing/dns/config.h"

#include <limits>

namespace eveflow::processing::dns {
namespace {

DnsHandlerConfig parse_common(const ConfigNode& node, const char* default_name) {
    using std::chrono::microseconds;
    DnsHandlerConfig c;
    node.touch("type");
    c.name = node.str("name", default_name);
    if (c.name.empty()) node.error("name", "must not be empty");
    c.period = node.duration("period", c.period, microseconds(0), /*allow_zero=*/false);
    c.allowed_lateness = node.duration("allowed_lateness", c.allowed_lateness);
    c.idle_flush = node.duration("idle_flush", c.idle_flush);
    return c;
}

}  // namespace

DnsHandlerConfig parse_dns_aggregate_config(const ConfigNode& node) {
    DnsHandlerConfig c = parse_common(node, "dns_aggregate");
    c.max_answers =
        static_cast<uint64_t>(node.integer("max_answers", static_cast<int64_t>(c.max_answers), 0,
                                           std::numeric_limits<int32_t>::max()));
    return c;
}

DnsHandlerConfig parse_pdns_config(const ConfigNode& node) { return parse_common(node, "pdns"); }

}  // namespace eveflow::processing::dns
