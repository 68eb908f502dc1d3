// The shared types as JSON values, on top of util/json_writer.h: addresses and times as strings.
#pragma once

#include <string>
#include <string_view>

#include "types/ip_addr.h"
#include "types/timestamp.h"
#include "util/json_writer.h"

namespace eveflow::json {

/// Appends `"10.0.0.1"` (IPv6 in RFC 5952 form).
inline void append_ip(std::string& out, const IpAddr& ip) {
    out += '"';
    ip.append_to(out);
    out += '"';
}

/// Appends `"2024-05-01T10:00:00.000000Z"`.
inline void append_time(std::string& out, Timestamp t) {
    out += '"';
    append_timestamp(out, t);
    out += '"';
}

/// `,"name":`, then the value: a member of an object after its first one.
inline void append_member(std::string& out, std::string_view name) {
    out += ',';
    append_key(out, name);
}
inline void append_member(std::string& out, std::string_view name, uint64_t v) {
    append_member(out, name);
    append_uint(out, v);
}
inline void append_member(std::string& out, std::string_view name, std::string_view v) {
    append_member(out, name);
    append_string(out, v);
}
inline void append_time_member(std::string& out, std::string_view name, Timestamp t) {
    append_member(out, name);
    append_time(out, t);
}

}  // namespace eveflow::json
