// JSON rendering of aggregate records, by hand: fixed fields, no DOM, no allocation per field.
#include "output/aggregate_json.h"

#include "types/json_values.h"

namespace eveflow::output {
namespace {

// `,"name":`: every field but the first.
void field(std::string& out, std::string_view name) {
    out += ',';
    json::append_key(out, name);
}

void field(std::string& out, std::string_view name, uint64_t v) {
    field(out, name);
    json::append_uint(out, v);
}

void field(std::string& out, std::string_view name, std::string_view v) {
    field(out, name);
    json::append_string(out, v);
}

void field_time(std::string& out, std::string_view name, Timestamp t) {
    field(out, name);
    json::append_time(out, t);
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
}

}  // namespace

void append_aggregate_json(std::string& out, const AggregateRecord& r, std::string_view sensor_id) {
    out += "{\"event_type\":\"flow_aggregate\"";
    field_time(out, "window_start", r.window_start);
    field_time(out, "window_end", r.window_end);
    const uint32_t k = r.key_fields;
    if (k & kKeySrcIp) field(out, "src_ip"), json::append_ip(out, r.src_ip);
    if (k & kKeyDestIp) field(out, "dest_ip"), json::append_ip(out, r.dest_ip);
    if (k & kKeySrcPort) field(out, "src_port", r.src_port);
    if (k & kKeyDestPort) field(out, "dest_port", r.dest_port);
    if (k & kKeyProto) field(out, "proto", proto_text(r.proto));
    if (k & kKeyAppProto) field(out, "app_proto", r.app_proto);
    if (k & kKeyVlan) field(out, "vlan", r.vlan);
    if (k & kKeyInIface) field(out, "in_iface", r.in_iface);
    append_enriched(out, r);
    field(out, "flows", r.flows);
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
