// The aggregate record as JSON: the format of the jsonl, Kafka and unix socket outputs.
#pragma once

#include <string>
#include <string_view>

#include "types/record.h"

namespace eveflow::output {

/// Appends the aggregate as one JSON object (no newline):
/// {"event_type":"flow_aggregate","window_start":...,"sensor_id":...}. `sensor_id` is used when
/// the record has none of its own.
void append_aggregate_json(std::string& out, const AggregateRecord& r, std::string_view sensor_id);

/// Appends a dns_aggregate record: {"event_type":"dns_aggregate","window_start":...,"rrname":
/// ...,"clients":N,"client_ips":[...],"rcodes":{...},"answers":[...],...}.
void append_dns_aggregate_json(std::string& out, const DnsAggregateRecord& r,
                               std::string_view sensor_id);
/// Appends a pdns record: {"event_type":"pdns","rrname":...,"rrtype":...,"rdata":...,
/// "count":N,"time_first":S,"time_last":S,"sensor_id":...} (times in epoch seconds).
void append_pdns_json(std::string& out, const PdnsRecord& r, std::string_view sensor_id);

/// The event_type of a record rendered by record_json (flow_aggregate, dns_aggregate, pdns,
/// or a raw event's own); empty for records the line outputs skip.
inline std::string_view record_event_type(const Record& r) {
    if (const auto* raw = std::get_if<RawEvent>(&r)) return raw->type_name;
    if (std::holds_alternative<AggregateRecord>(r)) return "flow_aggregate";
    if (std::holds_alternative<DnsAggregateRecord>(r)) return "dns_aggregate";
    if (std::holds_alternative<PdnsRecord>(r)) return "pdns";
    return {};
}

/// The JSON line of a record, without newline, as the line outputs write it: an aggregate
/// (flow, dns, pdns) rendered into `scratch` (cleared first), a raw event's line as it is;
/// empty for a checkpoint mark or a lifecycle operation. The view is valid until `scratch` or the
/// record changes.
inline std::string_view record_json(const Record& r, std::string& scratch,
                                    std::string_view sensor_id) {
    if (const auto* raw = std::get_if<RawEvent>(&r)) return raw->line;
    scratch.clear();
    if (const auto* agg = std::get_if<AggregateRecord>(&r)) {
        append_aggregate_json(scratch, *agg, sensor_id);
    } else if (const auto* dns = std::get_if<DnsAggregateRecord>(&r)) {
        append_dns_aggregate_json(scratch, *dns, sensor_id);
    } else if (const auto* pdns = std::get_if<PdnsRecord>(&r)) {
        append_pdns_json(scratch, *pdns, sensor_id);
    }
    return scratch;
}

}  // namespace eveflow::output
