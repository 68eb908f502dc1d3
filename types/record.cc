// JSON rendering of aggregate records, by hand: fixed fields, no DOM, no allocation per field.
#include "types/record.h"

#include <charconv>

namespace eveflow {
namespace {

void append_u64(std::string& out, uint64_t v) {
    char buf[24];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, p);
}

void field(std::string& out, std::string_view name) {
    out += ",\"";
    out += name;
    out += "\":";
}

}  // namespace

std::string proto_text(uint8_t proto) {
    const char* n = proto_name(proto);
    return n ? std::string(n) : std::to_string(proto);
}

void append_json_string(std::string& out, std::string_view s) {
    static const char* kHex = "0123456789abcdef";
    out += '"';
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += kHex[c >> 4];
                    out += kHex[c & 15];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

void append_aggregate_json(std::string& out, const AggregateRecord& r, std::string_view sensor_id) {
    out += "{\"event_type\":\"flow_aggregate\",\"window_start\":\"";
    append_timestamp(out, r.window_start);
    out += "\",\"window_end\":\"";
    append_timestamp(out, r.window_end);
    out += '"';
    const uint32_t k = r.key_fields;
    if (k & kKeySrcIp) {
        out += ",\"src_ip\":\"";
        r.src_ip.append_to(out);
        out += '"';
    }
    if (k & kKeyDestIp) {
        out += ",\"dest_ip\":\"";
        r.dest_ip.append_to(out);
        out += '"';
    }
    if (k & kKeySrcPort) field(out, "src_port"), append_u64(out, r.src_port);
    if (k & kKeyDestPort) field(out, "dest_port"), append_u64(out, r.dest_port);
    if (k & kKeyProto) {
        field(out, "proto");
        if (const char* n = proto_name(r.proto)) {
            out += '"';
            out += n;
            out += '"';
        } else {
            append_json_string(out, std::to_string(r.proto));
        }
    }
    if (k & kKeyAppProto) field(out, "app_proto"), append_json_string(out, r.app_proto);
    if (k & kKeyVlan) field(out, "vlan"), append_u64(out, r.vlan);
    if (k & kKeyInIface) field(out, "in_iface"), append_json_string(out, r.in_iface);
    field(out, "flows"), append_u64(out, r.flows);
    field(out, "src_ports"), append_u64(out, r.src_ports);
    field(out, "pkts_toserver"), append_u64(out, r.pkts_toserver);
    field(out, "pkts_toclient"), append_u64(out, r.pkts_toclient);
    field(out, "bytes_toserver"), append_u64(out, r.bytes_toserver);
    field(out, "bytes_toclient"), append_u64(out, r.bytes_toclient);
    out += ",\"first_seen\":\"";
    append_timestamp(out, r.first_seen);
    out += "\",\"last_seen\":\"";
    append_timestamp(out, r.last_seen);
    out += '"';
    if (r.late) out += ",\"late\":true";
    field(out, "sensor_id"), append_json_string(out, sensor_of(r.sensor_id, sensor_id));
    out += '}';
}

}  // namespace eveflow
