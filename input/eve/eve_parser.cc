// EVE line parser: one pass over the top-level fields with simdjson on-demand, in place.
#include "input/eve/eve_parser.h"

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace eveflow::input {
namespace {

namespace od = simdjson::ondemand;

static_assert(kEvePadding >= simdjson::SIMDJSON_PADDING);

// True if the raw key (pointer after its opening quote) is exactly `lit`. Reading N bytes is
// safe: the key is followed by its closing quote and the line by kEvePadding readable bytes.
template <size_t N>
bool key_is(const char* k, const char (&lit)[N]) {
    for (size_t i = 0; i + 1 < N; ++i) {  // unrolled; most keys differ in the first bytes
        if (k[i] != lit[i]) return false;
    }
    return k[N - 1] == '"';
}

// The token of a scalar value with trailing whitespace removed; false on a parse error.
bool token(od::value& v, std::string_view& out) {
    std::string_view t = v.raw_json_token();
    while (!t.empty() &&
           (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r')) {
        t.remove_suffix(1);
    }
    out = t;
    return true;
}

// The contents of a string value as written (escapes not decoded: they never occur in the
// fields read here). False for anything else, `null` included.
bool string_token(od::value& v, std::string_view& out) {
    std::string_view t;
    if (!token(v, t) || t.size() < 2 || t.front() != '"' || t.back() != '"') return false;
    out = t.substr(1, t.size() - 2);
    return true;
}

// An unsigned integer, or a float such as 1.35e+15 (flow_id re-serialized downstream).
bool number_token(od::value& v, uint64_t& out) {
    std::string_view t;
    if (!token(v, t) || t.empty()) return false;
    if (t.size() <= 19) {  // the common case: plain digits, no overflow possible
        uint64_t n = 0;
        size_t i = 0;
        for (; i < t.size(); ++i) {
            unsigned d = static_cast<unsigned char>(t[i]) - unsigned{'0'};
            if (d > 9) break;
            n = n * 10 + d;
        }
        if (i == t.size()) {
            out = n;
            return true;
        }
    }
    const char* end = t.data() + t.size();
    auto [p, ec] = std::from_chars(t.data(), end, out);
    if (ec == std::errc() && p == end) return true;
    double d = 0;
    auto [pd, ecd] = std::from_chars(t.data(), end, d);
    if (ecd != std::errc() || pd != end || !(d >= 0) || d >= 18446744073709551615.0) return false;
    out = static_cast<uint64_t>(d);
    return true;
}

bool port_token(od::value& v, uint16_t& out, bool& has) {
    uint64_t n = 0;
    if (!number_token(v, n) || n > 65535) return false;
    out = static_cast<uint16_t>(n);
    has = true;
    return true;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// IPv6 as Suricata writes it: eight groups of four hex digits ("2001:0db8:0000:..."). Anything
// else is left to IpAddr::parse, which accepts the same addresses with the same result.
bool parse_full_ipv6(std::string_view s, IpAddr& out) {
    if (s.size() != 39) return false;
    uint8_t bytes[16];
    for (size_t g = 0; g < 8; ++g) {
        const char* p = s.data() + g * 5;
        if (g < 7 && p[4] != ':') return false;
        int a = hex_digit(p[0]), b = hex_digit(p[1]), c = hex_digit(p[2]), d = hex_digit(p[3]);
        if ((a | b | c | d) < 0) return false;
        bytes[2 * g] = static_cast<uint8_t>(a << 4 | b);
        bytes[2 * g + 1] = static_cast<uint8_t>(c << 4 | d);
    }
    out = IpAddr::v6(bytes);
    return true;
}

void parse_ip(od::value& v, IpAddr& out, bool& has) {
    std::string_view s;
    if (!string_token(v, s)) return;
    if (parse_full_ipv6(s, out)) {
        has = true;
        return;
    }
    if (auto ip = IpAddr::parse(s)) {
        out = *ip;
        has = true;
    }
}

// The value of the last timestamp's date, hour, minute and zone, which repeat from one
// timestamp to the next: Suricata writes "YYYY-MM-DDTHH:MM:SS.ffffff+hhmm".
struct TimeCache {
    char key[16 + 8];  // the first 16 characters, then the zone
    size_t zone_len = SIZE_MAX;
    int64_t base_us = 0;  // the time at second 0 of that minute
};

bool two_digits(const char* p, unsigned& out) {
    unsigned a = static_cast<unsigned char>(p[0]) - unsigned{'0'};
    unsigned b = static_cast<unsigned char>(p[1]) - unsigned{'0'};
    out = a * 10 + b;
    return a <= 9 && b <= 9;
}

bool six_digits(const char* p, unsigned& out) {
    unsigned v = 0;
    for (int i = 0; i < 6; ++i) {
        unsigned d = static_cast<unsigned char>(p[i]) - unsigned{'0'};
        if (d > 9) return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

// parse_timestamp with a fast path for the fixed format: when the minute and the zone are
// those of the cached timestamp only seconds and microseconds are read. parse_timestamp gives
// base + seconds + fraction for every string of that shape, so the result is the same.
std::optional<Timestamp> cached_timestamp(std::string_view s, TimeCache& c) {
    unsigned sec = 0, frac = 0;
    bool shaped = s.size() >= 26 && s.size() <= 34 && s[16] == ':' && s[19] == '.' &&
                  two_digits(s.data() + 17, sec) && sec <= 60 && six_digits(s.data() + 20, frac);
    if (!shaped) return parse_timestamp(s);
    size_t zone = s.size() - 26;
    int64_t offset = int64_t{sec} * 1'000'000 + frac;
    if (zone == c.zone_len && std::memcmp(s.data(), c.key, 16) == 0 &&
        std::memcmp(s.data() + 26, c.key + 16, zone) == 0) {
        return Timestamp{c.base_us + offset};
    }
    auto ts = parse_timestamp(s);
    if (ts) {
        std::memcpy(c.key, s.data(), 16);
        std::memcpy(c.key + 16, s.data() + 26, zone);
        c.zone_len = zone;
        c.base_us = ts->us - offset;
    }
    return ts;
}

void parse_time(od::value& v, Timestamp& out, TimeCache& cache) {
    std::string_view s;
    if (!string_token(v, s)) return;
    if (auto ts = cached_timestamp(s, cache)) out = *ts;
}

void parse_proto_value(od::value& v, FlowEntry& f) {
    std::string_view s;
    if (!token(v, s) || s.empty() || s == "null") return;
    if (s.front() == '"') {
        if (s.size() < 2 || s.back() != '"') return;
        s = s.substr(1, s.size() - 2);
    }
    f.has_proto = parse_proto(s, f.proto);
}

// `vlan`: a number (Suricata before 4.1) or an array whose first element is the outer id.
void parse_vlan(od::value& v, FlowEntry& f) {
    od::json_type type;
    if (v.type().get(type)) return;
    uint64_t id = 0;
    if (type == od::json_type::number) {
        if (number_token(v, id) && id <= 4095) f.vlan = static_cast<uint16_t>(id);
        return;
    }
    if (type != od::json_type::array) return;
    od::array arr;
    if (v.get_array().get(arr)) return;
    for (auto item : arr) {
        od::value first;
        if (!std::move(item).get(first) && number_token(first, id) && id <= 4095) {
            f.vlan = static_cast<uint16_t>(id);
        }
        break;
    }
}

// The `flow` object: counters and the flow's own start and end. False on a JSON error.
bool parse_flow_object(od::value& v, FlowEntry& f, TimeCache& cache) {
    od::json_type type;
    if (v.type().get(type)) return false;
    if (type != od::json_type::object) return true;
    od::object obj;
    if (v.get_object().get(obj)) return false;
    for (auto field_result : obj) {
        // Bound in place: copying the field out of its result costs a store-forwarding stall.
        if (field_result.error()) return false;
        od::field&& field = std::move(field_result).value_unsafe();
        const char* k = field.key().raw();
        od::value& val = field.value();
        if (key_is(k, "pkts_toserver")) {
            number_token(val, f.pkts_toserver);
        } else if (key_is(k, "pkts_toclient")) {
            number_token(val, f.pkts_toclient);
        } else if (key_is(k, "bytes_toserver")) {
            number_token(val, f.bytes_toserver);
        } else if (key_is(k, "bytes_toclient")) {
            number_token(val, f.bytes_toclient);
        } else if (key_is(k, "start")) {
            parse_time(val, f.start, cache);
        } else if (key_is(k, "end")) {
            parse_time(val, f.end, cache);
        }
    }
    return true;
}

// Keys starting with 'f', 'e' or 't'; false on a JSON error.
bool parse_field_fet(const char* k, od::value& v, Event& ev, TimeCache& cache) {
    FlowEntry& f = ev.fields;
    if (key_is(k, "timestamp")) {
        parse_time(v, f.ts, cache);
    } else if (key_is(k, "event_type")) {
        if (string_token(v, ev.type_name)) ev.type = event_type_from_name(ev.type_name);
    } else if (key_is(k, "flow_id")) {
        number_token(v, f.flow_id);
    } else if (key_is(k, "flow")) {
        // Alerts carry a flow object too; only flow events keep it (event_type usually comes
        // first; when it comes later the values are parsed and then dropped).
        bool other_type = !ev.type_name.empty() && ev.type != EventType::kFlow;
        return other_type || parse_flow_object(v, f, cache);
    }
    return true;
}

// Dispatches one top-level field on its first letter; false on a JSON error.
bool parse_field(od::field& field, Event& ev, TimeCache& cache) {
    const char* k = field.key().raw();
    od::value& v = field.value();
    FlowEntry& f = ev.fields;
    switch (k[0]) {
        case 'f':
        case 'e':
        case 't':
            return parse_field_fet(k, v, ev, cache);
        case 's':
            if (key_is(k, "src_ip"))
                parse_ip(v, f.src_ip, f.has_src_ip);
            else if (key_is(k, "src_port"))
                port_token(v, f.src_port, f.has_src_port);
            return true;
        case 'd':
            if (key_is(k, "dest_ip"))
                parse_ip(v, f.dest_ip, f.has_dest_ip);
            else if (key_is(k, "dest_port"))
                port_token(v, f.dest_port, f.has_dest_port);
            return true;
        case 'p':
            if (key_is(k, "proto")) parse_proto_value(v, f);
            return true;
        case 'a':
            if (key_is(k, "app_proto") && string_token(v, f.app_proto)) {
                f.app_proto_words = NameWords::of(f.app_proto);
            }
            return true;
        case 'i':
            if (key_is(k, "in_iface")) string_token(v, f.in_iface);
            return true;
        case 'h':
            if (key_is(k, "host")) string_token(v, f.host);
            return true;
        case 'v':
            if (key_is(k, "vlan")) parse_vlan(v, f);
            return true;
        default:
            return true;
    }
}

// Only flow events keep the flow object's counters and times.
void finish_event(Event& ev) {
    FlowEntry& f = ev.fields;
    if (ev.type != EventType::kFlow) {
        f.pkts_toserver = f.pkts_toclient = f.bytes_toserver = f.bytes_toclient = 0;
        f.start = f.end = Timestamp::none();
        return;
    }
    ev.aggregatable = f.ts.valid() && f.has_src_ip && f.has_dest_ip;
}

}  // namespace

struct EveParser::Impl {
    od::parser parser;
    simdjson::dom::parser validator;  // only to tell "not an object" from "not JSON"
    TimeCache time_cache;
};

EveParser::EveParser() : impl_(std::make_unique<Impl>()) {}
EveParser::~EveParser() = default;

ParseResult EveParser::parse(const char* data, size_t len, size_t capacity, Event& ev) {
    ev = Event{};
    od::document doc;
    if (impl_->parser.iterate(data, len, capacity).get(doc)) return ParseResult::kNotJson;
    od::object obj;
    auto err = doc.get_object().get(obj);
    if (err == simdjson::INCORRECT_TYPE) {
        // Rare: decide with a full validation whether the line is JSON at all.
        simdjson::dom::element el;
        bool valid = !impl_->validator.parse(data, len, false).get(el);
        return valid ? ParseResult::kNotObject : ParseResult::kNotJson;
    }
    if (err) return ParseResult::kNotJson;
    for (auto field_result : obj) {
        if (field_result.error()) return ParseResult::kNotJson;
        od::field&& field = std::move(field_result).value_unsafe();
        if (!parse_field(field, ev, impl_->time_cache)) return ParseResult::kNotJson;
    }
    // One object plus whitespace: nothing may follow it.
    const char* rest = nullptr;
    if (!doc.current_location().get(rest)) return ParseResult::kNotJson;
    ev.raw = std::string_view(data, len);
    finish_event(ev);
    return ParseResult::kOk;
}

}  // namespace eveflow::input
