// COPY text rendering of aggregate and raw rows, making every value acceptable to PostgreSQL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "types/record.h"

namespace eveflow::output::postgres {

/// What had to be changed to make a row acceptable; one counter per kind.
struct Sanitised {
    uint64_t nul = 0;           // NUL bytes or \u0000 escapes (text and jsonb refuse them)
    uint64_t invalid_utf8 = 0;  // byte sequences that are not UTF-8, replaced by U+FFFD
    uint64_t bad_escape = 0;    // lone UTF-16 surrogate escapes in JSON (jsonb refuses them)
    uint64_t out_of_range = 0;  // numbers beyond bigint, replaced by NULL or the maximum
    uint64_t timestamp = 0;     // raw events without a storable ts: the arrival time is used
};

/// Columns of the aggregate staging table, in COPY order.
inline constexpr const char* kAggregateColumns[] = {"window_start",
                                                    "window_end",
                                                    "sensor_id",
                                                    "src_ip",
                                                    "dest_ip",
                                                    "dest_port",
                                                    "proto",
                                                    "flows",
                                                    "src_ports",
                                                    "pkts_toserver",
                                                    "pkts_toclient",
                                                    "bytes_toserver",
                                                    "bytes_toclient",
                                                    "first_seen",
                                                    "last_seen",
                                                    "src_port",
                                                    "app_proto",
                                                    "vlan",
                                                    "in_iface",
                                                    "src_port_set",
                                                    "src_process_name",
                                                    "dest_process_name",
                                                    "src_net",
                                                    "dest_net",
                                                    "home_direction",
                                                    "src_country",
                                                    "dest_country",
                                                    "src_asn",
                                                    "dest_asn",
                                                    "flows_active",
                                                    "src_host",
                                                    "dest_host",
                                                    "dest_name"};
/// Columns of the raw events table, in COPY order.
inline constexpr const char* kRawColumns[] = {"ts",       "event_type", "sensor_id",   "src_ip",
                                              "src_port", "dest_ip",    "dest_port",   "proto",
                                              "flow_id",  "payload",    "community_id"};

/// True if PostgreSQL's timestamptz can hold `t` (years 1 to 9999 here).
bool storable(Timestamp t);

/// COPY text fields: a counter as bigint (the maximum beyond it, counted), a time (\N when
/// not storable), an address (\N when absent).
void append_counter(std::string& out, uint64_t v, Sanitised& fixed);
void append_ts(std::string& out, Timestamp t);
void append_ip(std::string& out, bool present, const IpAddr& ip);

/// kCopyText: \ \t \n \r escaped as COPY's text format wants; kNone: the value itself (binary
/// COPY, where each field carries its length).
enum class Escaping { kCopyText, kNone };

/// Appends `s` as one field: valid UTF-8 without NUL, escaped per `e`.
void append_text_field(std::string& out, std::string_view s, Sanitised& fixed,
                       Escaping e = Escaping::kCopyText);
/// Appends a JSON document as one field, also replacing \u0000 and lone surrogate escapes by
/// \ufffd so jsonb accepts it. Structure errors are left for the server to find.
void append_json_field(std::string& out, std::string_view json, Sanitised& fixed,
                       Escaping e = Escaping::kCopyText);

/// Appends one aggregate row line (with newline). `src_port_set` is the record's port list as
/// an array literal, or NULL when the list does not hold src_ports ports (set unknown). False
/// (nothing appended) if the row cannot be stored at all (a window outside timestamptz's range).
bool append_aggregate_row(std::string& out, const AggregateRecord& r, std::string_view sensor_id,
                          Sanitised& fixed);
/// Appends one raw event row line (with newline); `ts` is the (already checked) time to store.
void append_raw_row(std::string& out, const RawEvent& e, Timestamp ts, std::string_view sensor_id,
                    Sanitised& fixed);

// Binary COPY (copy_binary.cc): the server parses no timestamps, addresses or numbers, and
// the payload goes as jsonb's binary form (a version byte, then the JSON text).

/// The header a binary COPY stream starts with (signature, flags, no extension).
std::string_view binary_copy_header();
/// Appends one raw event row in binary COPY format; same values and sanitising as
/// append_raw_row.
void append_raw_row_binary(std::string& out, const RawEvent& e, Timestamp ts,
                           std::string_view sensor_id, Sanitised& fixed);
/// Bytes of the first `rows` rows of binary COPY rows `data`, or npos if `data` is shorter or
/// not binary COPY rows.
size_t binary_rows_size(std::string_view data, size_t rows);
/// The last field of the first binary row in `data` without jsonb's version byte: the payload
/// text, for log lines.
std::string_view binary_row_payload(std::string_view data);

}  // namespace eveflow::output::postgres
