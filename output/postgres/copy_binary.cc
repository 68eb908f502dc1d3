// Binary COPY rendering of raw event rows: fixed-size values in network order, lengths first.
#include <cstring>
#include <limits>

#include "output/postgres/copy_text.h"
#include "output/postgres/jsonb_order.h"

namespace eveflow::output::postgres {
namespace {

constexpr int64_t kPgEpochUs = 946684800LL * 1000000;  // 2000-01-01T00:00:00Z
constexpr int16_t kRawFields = 11;
constexpr char kJsonbVersion = 1;
// inet's binary families (PostgreSQL's PGSQL_AF_INET, PGSQL_AF_INET6: AF_INET + 0 and + 1).
constexpr char kInet4 = 2, kInet6 = 3;

void put16(std::string& out, uint16_t v) {
    const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
    out.append(b, 2);
}

void put32(std::string& out, uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
    out.append(b, 4);
}

void put64(std::string& out, uint64_t v) {
    put32(out, static_cast<uint32_t>(v >> 32));
    put32(out, static_cast<uint32_t>(v));
}

uint32_t get32(const char* p) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

void put_null(std::string& out) { put32(out, 0xFFFFFFFFu); }

void put_int4(std::string& out, uint32_t v) {
    put32(out, 4);
    put32(out, v);
}

// A length-prefixed field whose bytes `fill` appends: the length is patched in afterwards.
template <typename Fill>
void put_var(std::string& out, Fill&& fill) {
    const size_t at = out.size();
    put32(out, 0);
    fill();
    const auto n = static_cast<uint32_t>(out.size() - at - 4);
    const char b[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
    std::memcpy(out.data() + at, b, 4);
}

void put_text(std::string& out, std::string_view s, Sanitised& fixed) {
    put_var(out, [&] { append_text_field(out, s, fixed, Escaping::kNone); });
}

void put_inet(std::string& out, bool present, const IpAddr& ip) {
    if (!present) return put_null(out);
    const auto& b = ip.bytes();
    if (ip.is_v4()) {
        put32(out, 8);
        const char head[4] = {kInet4, 32, 0, 4};
        out.append(head, 4);
        out.append(reinterpret_cast<const char*>(b.data()) + 12, 4);
    } else {
        put32(out, 20);
        const char head[4] = {kInet6, static_cast<char>(128), 0, 16};
        out.append(head, 4);
        out.append(reinterpret_cast<const char*>(b.data()), 16);
    }
}

}  // namespace

std::string_view binary_copy_header() {
    static constexpr char kHeader[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
    return {kHeader, 19};
}

void append_raw_row_binary(std::string& out, const RawEvent& e, Timestamp ts,
                           std::string_view sensor_id, Sanitised& fixed) {
    const FlowEntry& f = e.fields;
    put16(out, kRawFields);
    put32(out, 8);
    put64(out, static_cast<uint64_t>(ts.us - kPgEpochUs));
    put_text(out, e.type_name.empty() ? event_type_name(e.type) : e.type_name, fixed);
    put_text(out, sensor_of(e.sensor_id, sensor_id), fixed);
    put_inet(out, f.has_src_ip, f.src_ip);
    f.has_src_port ? put_int4(out, f.src_port) : put_null(out);
    put_inet(out, f.has_dest_ip, f.dest_ip);
    f.has_dest_port ? put_int4(out, f.dest_port) : put_null(out);
    f.has_proto ? put_text(out, proto_text(f.proto), fixed) : put_null(out);
    if (f.flow_id == 0) {
        put_null(out);
    } else if (f.flow_id > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        put_null(out);
        ++fixed.out_of_range;
    } else {
        put32(out, 8);
        put64(out, f.flow_id);
    }
    if (e.line.empty()) {
        put_null(out);
    } else {
        put_var(out, [&] {
            out += kJsonbVersion;
            append_json_field(out, in_jsonb_order(e.line), fixed, Escaping::kNone);
        });
    }
    const CommunityIdText& id = f.enrich.community_id;
    id.known() ? put_text(out, id.text(), fixed) : put_null(out);
}

size_t binary_rows_size(std::string_view data, size_t rows) {
    size_t pos = 0;
    for (size_t r = 0; r < rows; ++r) {
        if (pos + 2 > data.size()) return std::string_view::npos;
        const auto fields = static_cast<size_t>(static_cast<unsigned char>(data[pos]) << 8 |
                                                static_cast<unsigned char>(data[pos + 1]));
        pos += 2;
        for (size_t i = 0; i < fields; ++i) {
            if (pos + 4 > data.size()) return std::string_view::npos;
            const uint32_t len = get32(data.data() + pos);
            pos += 4;
            if (len == 0xFFFFFFFFu) continue;  // NULL
            if (len > data.size() - pos) return std::string_view::npos;
            pos += len;
        }
    }
    return pos;
}

std::string_view binary_row_payload(std::string_view data) {
    if (data.size() < 2) return {};
    const size_t fields =
        static_cast<unsigned char>(data[0]) << 8 | static_cast<unsigned char>(data[1]);
    constexpr size_t kPayloadField = 9;  // kRawColumns: payload follows flow_id
    size_t pos = 2;
    std::string_view payload;
    for (size_t i = 0; i < fields && pos + 4 <= data.size(); ++i) {
        const uint32_t len = get32(data.data() + pos);
        pos += 4;
        if (len == 0xFFFFFFFFu) continue;
        if (len > data.size() - pos) return {};
        if (i == kPayloadField) payload = data.substr(pos, len);
        pos += len;
    }
    if (!payload.empty() && payload[0] == kJsonbVersion) payload.remove_prefix(1);
    return payload;
}

}  // namespace eveflow::output::postgres
