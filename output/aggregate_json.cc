// JSON rendering of aggregate records, by hand: fixed fields, no DOM, no allocation per field.
#include "output/aggregate_json.h"

#include "types/json_values.h"

namespace eveflow::output {
namespace {

// `,"name":`: every field but the first.
constexpr auto field = [](std::string& out, std::string_view name, auto... v) {
    json::append_member(out, name, v...);
};
constexpr auto field_time = json::append_time_member;

void field_strings(std::string& out, std::string_view name, const std::vector<std::string>& v) {
    field(out, name);
    out += '[';
    for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        json::append_string(out, v[i]);
    }
    out += ']';
}

// A string field: printed when the key holds it (null without a value), else when known.
void enriched(std::string& out, std::string_view name, bool in_key, std::string_view v) {
    if (!in_key && v.empty()) return;
    field(out, name);
    if (v.empty()) {
        out += "null";
    } else {
        json::append_string(out, v);
    }
}

// An AS number, 0 standing for unknown, printed as enriched() prints strings.
void enriched(std::string& out, std::string_view name, bool in_key, uint32_t asn) {
    if (!in_key && asn == 0) return;
    field(out, name);
    if (asn == 0) {
        out += "null";
    } else {
        json::append_uint(out, asn);
    }
}

void field_cidr(std::string& out, std::string_view name, const IpAddr& net, uint8_t prefix) {
    field(out, name);
    out += '"';
    append_cidr(out, net, prefix);
    out += '"';
}

void append_enriched(std::string& out, const AggregateRecord& r) {
    const uint32_t k = r.key_fields;
    if (k & kKeySrcNet) field_cidr(out, "src_net", r.src_net, r.src_net_prefix);
    if (k & kKeyDestNet) field_cidr(out, "dest_net", r.dest_net, r.dest_net_prefix);
    if (k & kKeyHomeDirection) {
        enriched(out, "home_direction", true, home_direction_name(r.home_direction));
    }
    enriched(out, "src_country", k & kKeySrcCountry, r.src_country.text());
    enriched(out, "dest_country", k & kKeyDestCountry, r.dest_country.text());
    enriched(out, "src_asn", k & kKeySrcAsn, r.src_asn);
    enriched(out, "dest_asn", k & kKeyDestAsn, r.dest_asn);
    enriched(out, "src_host", false, r.src_host);
    enriched(out, "dest_host", false, r.dest_host);
    enriched(out, "dest_name", false, r.dest_name);
}

// The record's opening up to its window's end: the same for every record of a window, so
// the text of the last window written on this thread is kept.
void append_opening(std::string& out, const AggregateRecord& r) {
    struct Opening {
        int64_t start = Timestamp::kNone, end = Timestamp::kNone;
        bool set = false;
        std::string text;
    };
    thread_local Opening last;
    if (!last.set || last.start != r.window_start.us || last.end != r.window_end.us) {
        last.text = "{\"event_type\":\"flow_aggregate\"";
        field_time(last.text, "window_start", r.window_start);
        field_time(last.text, "window_end", r.window_end);
        last.start = r.window_start.us;
        last.end = r.window_end.us;
        last.set = true;
    }
    out += last.text;
}

}  // namespace

void append_aggregate_json(std::string& out, const AggregateRecord& r, std::string_view sensor_id) {
    append_opening(out, r);
    const uint32_t k = r.key_fields;
    if (k & kKeySrcIp) field(out, "src_ip"), json::append_ip(out, r.src_ip);
    if (k & kKeyDestIp) field(out, "dest_ip"), json::append_ip(out, r.dest_ip);
    if (k & kKeySrcPort) field(out, "src_port", r.src_port);
    if (k & kKeyDestPort) field(out, "dest_port", r.dest_port);
    if (k & kKeyProto) field(out, "proto", proto_text(r.proto));
    if (k & kKeyAppProto) field(out, "app_proto", r.app_proto);
    if (k & kKeyVlan) field(out, "vlan", r.vlan);
    if (k & kKeyInIface) field(out, "in_iface", r.in_iface);
    if (k & kKeySrcProcessName) field(out, "src_process_name", r.src_process_name);
    if (k & kKeyDestProcessName) field(out, "dest_process_name", r.dest_process_name);
    append_enriched(out, r);
    field(out, "flows", r.flows);
    if (r.has_flows_active) field(out, "flows_active", r.flows_active);
    field(out, "src_ports", r.src_ports);
    field(out, "pkts_toserver", r.pkts_toserver);
    field(out, "pkts_toclient", r.pkts_toclient);
    field(out, "bytes_toserver", r.bytes_toserver);
    field(out, "bytes_toclient", r.bytes_toclient);
    field_time(out, "first_seen", r.first_seen);
    field_time(out, "last_seen", r.last_seen);
    if (r.late) out += ",\"late\":true";
    field(out, "sensor_id", sensor_of(r.sensor_id, sensor_id));
    out += '}';
}

}  // namespace eveflow::output

namespace eveflow::output {

void append_dns_aggregate_json(std::string& out, const DnsAggregateRecord& r,
                               std::string_view sensor_id) {
    out += "{\"event_type\":\"dns_aggregate\"";
    field_time(out, "window_start", r.window_start);
    field_time(out, "window_end", r.window_end);
    field(out, "rrname", r.rrname);
    field(out, "rrtype", r.rrtype);
    field(out, "queries", r.queries);
    field(out, "responses", r.responses);
    field(out, "clients", r.clients.size());
    field_strings(out, "client_ips", r.clients);
    field(out, "rcodes");
    out += '{';
    for (size_t i = 0; i < r.rcodes.size(); ++i) {
        if (i) out += ',';
        json::append_string(out, r.rcodes[i].first);
        out += ':';
        json::append_uint(out, r.rcodes[i].second);
    }
    out += '}';
    field_strings(out, "answers", r.answers);
    field(out, "answers_overflow", r.answers_overflow);
    if (r.late) out += ",\"late\":true";
    field(out, "sensor_id", sensor_of(r.sensor_id, sensor_id));
    out += '}';
}

void append_pdns_json(std::string& out, const PdnsRecord& r, std::string_view sensor_id) {
    out += "{\"event_type\":\"pdns\"";
    field(out, "rrname", r.rrname);
    field(out, "rrtype", r.rrtype);
    field(out, "rdata", r.rdata);
    field(out, "count", r.count);
    field(out, "time_first");
    json::append_int(out, r.time_first);
    field(out, "time_last");
    json::append_int(out, r.time_last);
    field(out, "sensor_id", sensor_of(r.sensor_id, sensor_id));
    out += '}';
}

}  // namespace eveflow::output
