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
    if (k & kKeySrcProcessName) field(out, "src_process_name", r.src_process_name);
    if (k & kKeyDestProcessName) field(out, "dest_process_name", r.dest_process_name);
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
