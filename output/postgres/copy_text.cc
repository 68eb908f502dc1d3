// COPY text rendering: escaping per the COPY text format, UTF-8 repair, jsonb-safe escapes.
#include "output/postgres/copy_text.h"

#include <limits>

#include "output/postgres/jsonb_order.h"
#include "util/json_bytes.h"
#include "util/json_writer.h"

namespace eveflow::output::postgres {
namespace {

using json::append_uint;
using json::kReplacement;

constexpr int64_t kMinStorableUs = -62135596800LL * 1000000;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxStorableUs = 253402300799LL * 1000000;  // 9999-12-31T23:59:59Z

// Appends one byte or sequence, with COPY text escaping unless `raw`; returns bytes consumed.
size_t append_char(std::string& out, std::string_view s, size_t i, Sanitised& fixed, bool raw) {
    char c = s[i];
    switch (c) {
        case '\\':
            out += raw ? "\\" : "\\\\";
            return 1;
        case '\t':
            out += raw ? "\t" : "\\t";
            return 1;
        case '\n':
            out += raw ? "\n" : "\\n";
            return 1;
        case '\r':
            out += raw ? "\r" : "\\r";
            return 1;
        case '\0':
            out += kReplacement, ++fixed.nul;
            return 1;
        default:
            break;
    }
    size_t n = json::utf8_length(s, i);
    if (n == 0) {
        out += kReplacement;
        ++fixed.invalid_utf8;
        return 1;
    }
    out.append(s.data() + i, n);
    return n;
}

// The code unit of a `\uXXXX` escape starting at s[i] (the backslash), or -1.
int unicode_escape(std::string_view s, size_t i) {
    if (i + 6 > s.size() || s[i + 1] != 'u') return -1;
    int v = 0;
    for (size_t k = 2; k < 6; ++k) {
        int h = json_bytes::hex_digit(s[i + k]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

// The distinct source ports as an integer[] literal ({} when none), or NULL when the list does
// not match the count (a producer that does not fill it): the merge then falls back to greatest.
void append_port_set(std::string& out, const AggregateRecord& r) {
    if (r.src_port_list.size() != r.src_ports) {
        out += "\\N";
        return;
    }
    out += '{';
    for (size_t i = 0; i < r.src_port_list.size(); ++i) {
        if (i) out += ',';
        append_uint(out, r.src_port_list[i]);
    }
    out += '}';
}

// Bytes that can be copied as they are: printable ASCII except the COPY escape character.
// (JSON payloads are mostly such runs, so they are copied in bulk.)
bool plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '\\'; }

size_t plain_run(std::string_view s, size_t i) {
    size_t j = i;
    while (j < s.size() && plain(static_cast<unsigned char>(s[j]))) ++j;
    return j - i;
}

}  // namespace

// A counter as bigint: values beyond its range become the maximum and are counted.
void append_counter(std::string& out, uint64_t v, Sanitised& fixed) {
    constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (v > kMax) {
        v = kMax;
        ++fixed.out_of_range;
    }
    append_uint(out, v);
}

void append_ts(std::string& out, Timestamp t) {
    if (!t.valid() || !storable(t)) {
        out += "\\N";
        return;
    }
    append_timestamp(out, t);
}

void append_ip(std::string& out, bool present, const IpAddr& ip) {
    if (present) {
        ip.append_to(out);
    } else {
        out += "\\N";
    }
}

bool storable(Timestamp t) { return t.valid() && t.us >= kMinStorableUs && t.us <= kMaxStorableUs; }

void append_text_field(std::string& out, std::string_view s, Sanitised& fixed, Escaping e) {
    const bool raw = e == Escaping::kNone;
    for (size_t i = 0; i < s.size();) {
        size_t n = plain_run(s, i);
        out.append(s.data() + i, n);
        i += n;
        if (i < s.size()) i += append_char(out, s, i, fixed, raw);
    }
}

void append_json_field(std::string& out, std::string_view s, Sanitised& fixed, Escaping e) {
    const bool raw = e == Escaping::kNone;
    // A JSON backslash as it goes out: doubled in COPY text.
    const std::string_view bs = raw ? "\\" : "\\\\";
    out.reserve(out.size() + s.size() + 16);
    for (size_t i = 0; i < s.size();) {
        size_t n = plain_run(s, i);
        out.append(s.data() + i, n);
        i += n;
        if (i >= s.size()) break;
        if (s[i] != '\\' || i + 1 >= s.size()) {
            i += append_char(out, s, i, fixed, raw);
            continue;
        }
        int u = unicode_escape(s, i);
        if (u == 0) {
            out += bs, out += "ufffd";
            ++fixed.nul;
            i += 6;
        } else if (u >= 0xD800 && u <= 0xDBFF) {
            int low = unicode_escape(s, i + 6);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                out += bs;
                out.append(s.data() + i + 1, 5);
                out += bs;
                out.append(s.data() + i + 7, 5);
                i += 12;
            } else {
                out += bs, out += "ufffd";
                ++fixed.bad_escape;
                i += 6;
            }
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            out += bs, out += "ufffd";
            ++fixed.bad_escape;
            i += 6;
        } else {
            // Any other escape: the backslash and the escaped character, both COPY-escaped.
            out += bs;
            i += 1 + append_char(out, s, i + 1, fixed, raw);
        }
    }
}

namespace {

// The enrichment columns: src_net, dest_net, home_direction, src_country, dest_country,
// src_asn, dest_asn (NULL for a value the record does not have), each after a tab.
void append_enriched_columns(std::string& out, const AggregateRecord& r) {
    const uint32_t k = r.key_fields;
    auto cidr = [&](bool in_key, const IpAddr& net, uint8_t prefix) {
        out += '\t';
        in_key ? append_cidr(out, net, prefix) : void(out += "\\N");
    };
    auto text = [&](std::string_view v) {
        out += '\t';
        v.empty() ? void(out += "\\N") : void(out.append(v));  // letters only: no escapes
    };
    auto asn = [&](uint32_t v) {
        out += '\t';
        v ? append_uint(out, v) : void(out += "\\N");
    };
    cidr(k & kKeySrcNet, r.src_net, r.src_net_prefix);
    cidr(k & kKeyDestNet, r.dest_net, r.dest_net_prefix);
    text(k & kKeyHomeDirection ? home_direction_name(r.home_direction) : std::string_view());
    text(r.src_country.text());
    text(r.dest_country.text());
    asn(r.src_asn);
    asn(r.dest_asn);
}

}  // namespace

bool append_aggregate_row(std::string& out, const AggregateRecord& r, std::string_view sensor_id,
                          Sanitised& fixed) {
    if (!storable(r.window_start) || !storable(r.window_end)) return false;
    const uint32_t k = r.key_fields;
    append_timestamp(out, r.window_start);
    out += '\t';
    append_timestamp(out, r.window_end);
    out += '\t';
    append_text_field(out, sensor_of(r.sensor_id, sensor_id), fixed);
    out += '\t';
    append_ip(out, k & kKeySrcIp, r.src_ip);
    out += '\t';
    append_ip(out, k & kKeyDestIp, r.dest_ip);
    out += '\t';
    (k & kKeyDestPort) ? append_uint(out, r.dest_port) : void(out += "\\N");
    out += '\t';
    (k & kKeyProto) ? append_text_field(out, proto_text(r.proto), fixed) : void(out += "\\N");
    for (uint64_t v : {r.flows, r.src_ports, r.pkts_toserver, r.pkts_toclient, r.bytes_toserver,
                       r.bytes_toclient}) {
        out += '\t';
        append_counter(out, v, fixed);
    }
    out += '\t';
    append_ts(out, r.first_seen);
    out += '\t';
    append_ts(out, r.last_seen);
    out += '\t';
    (k & kKeySrcPort) ? append_uint(out, r.src_port) : void(out += "\\N");
    out += '\t';
    (k & kKeyAppProto) ? append_text_field(out, r.app_proto, fixed) : void(out += "\\N");
    out += '\t';
    (k & kKeyVlan) ? append_uint(out, r.vlan) : void(out += "\\N");
    out += '\t';
    (k & kKeyInIface) ? append_text_field(out, r.in_iface, fixed) : void(out += "\\N");
    out += '\t';
    append_port_set(out, r);
    // No process (a remote end, or one not found) is NULL, as when the key leaves it out.
    for (const std::string* name : {&r.src_process_name, &r.dest_process_name}) {
        out += '\t';
        name->empty() ? void(out += "\\N") : append_text_field(out, *name, fixed);
    }
    append_enriched_columns(out, r);
    out += '\t';  // flows_active: only with the meter's interim updates (docs/aggregation.md)
    r.has_flows_active ? append_uint(out, r.flows_active) : void(out += "\\N");
    // Names (not key columns): reverse DNS and the name seen in DNS; NULL when unknown.
    for (const std::string* name : {&r.src_host, &r.dest_host, &r.dest_name}) {
        out += '\t';
        name->empty() ? void(out += "\\N") : append_text_field(out, *name, fixed);
    }
    out += '\n';
    return true;
}

void append_raw_row(std::string& out, const RawEvent& e, Timestamp ts, std::string_view sensor_id,
                    Sanitised& fixed) {
    const FlowEntry& f = e.fields;
    append_timestamp(out, ts);
    out += '\t';
    append_text_field(out, e.type_name.empty() ? event_type_name(e.type) : e.type_name, fixed);
    out += '\t';
    append_text_field(out, sensor_of(e.sensor_id, sensor_id), fixed);
    out += '\t';
    append_ip(out, f.has_src_ip, f.src_ip);
    out += '\t';
    f.has_src_port ? append_uint(out, f.src_port) : void(out += "\\N");
    out += '\t';
    append_ip(out, f.has_dest_ip, f.dest_ip);
    out += '\t';
    f.has_dest_port ? append_uint(out, f.dest_port) : void(out += "\\N");
    out += '\t';
    f.has_proto ? append_text_field(out, proto_text(f.proto), fixed) : void(out += "\\N");
    out += '\t';
    if (f.flow_id == 0) {
        out += "\\N";
    } else if (f.flow_id > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        out += "\\N";
        ++fixed.out_of_range;
    } else {
        append_uint(out, f.flow_id);
    }
    out += '\t';
    e.line.empty() ? void(out += "\\N") : append_json_field(out, in_jsonb_order(e.line), fixed);
    out += '\t';
    const CommunityIdText& id = f.enrich.community_id;
    id.known() ? void(out.append(id.text())) : void(out += "\\N");  // base64: nothing to escape
    out += '\n';
}

}  // namespace eveflow::output::postgres
