// The EVE alert of an indicator match, written with the shared JSON writer.
#include "processing/ioc/ioc_alert.h"

#include "types/json_values.h"
#include "types/record.h"

namespace eveflow::processing::ioc {
namespace {

void append_str(std::string& out, std::string_view key, std::string_view value) {
    out += ',';
    json::append_key(out, key);
    json::append_string(out, value);
}

void append_tuple(std::string& out, const FlowEntry& f) {
    if (f.has_src_ip) {
        out += ",\"src_ip\":";
        json::append_ip(out, f.src_ip);
    }
    if (f.has_src_port) {
        out += ",\"src_port\":";
        json::append_uint(out, f.src_port);
    }
    if (f.has_dest_ip) {
        out += ",\"dest_ip\":";
        json::append_ip(out, f.dest_ip);
    }
    if (f.has_dest_port) {
        out += ",\"dest_port\":";
        json::append_uint(out, f.dest_port);
    }
    if (f.has_proto) append_str(out, "proto", proto_text(f.proto));
    if (!f.app_proto.empty()) append_str(out, "app_proto", f.app_proto);
}

}  // namespace

void render_alert(std::string& out, const Event& e, const AlertText& a) {
    const FlowEntry& f = e.fields;
    out += "{\"timestamp\":";
    if (f.ts.valid()) {
        json::append_time(out, f.ts);
    } else {
        out += "null";  // the event had none that could be read
    }
    if (f.flow_id != 0) {
        out += ",\"flow_id\":";
        json::append_uint(out, f.flow_id);
    }
    if (!f.in_iface.empty()) append_str(out, "in_iface", f.in_iface);
    out += ",\"event_type\":\"alert\"";
    append_tuple(out, f);
    out += ",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":";
    json::append_uint(out, a.signature_id);
    out += ",\"rev\":1";
    std::string signature(a.signature_prefix);
    signature.append(" ").append(a.list).append(": ").append(a.indicator);
    append_str(out, "signature", signature);
    append_str(out, "category", a.category);
    out += ",\"severity\":";
    json::append_uint(out, static_cast<uint64_t>(a.severity));
    out += "},\"ioc\":{\"list\":";
    json::append_string(out, a.list);
    append_str(out, "indicator", a.indicator);
    append_str(out, "field", a.field);
    append_str(out, "value", a.value);
    append_str(out, "event_type", e.type_name);
    out += '}';
    if (!f.host.empty()) append_str(out, "host", f.host);
    out += '}';
}

}  // namespace eveflow::processing::ioc
