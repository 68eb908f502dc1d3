// EVE line parser: one pass over the top-level fields with simdjson on-demand, in place.
#include "input/eve/eve_parser.h"

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "util/json_bytes.h"

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

// The token of a scalar value with trailing whitespace removed; false on a parse error, and
// for a string followed by a colon: on-demand's skip would take it for a key, and
// `{"a":"b":"c"}}` for JSON.
inline bool token(od::value& v, std::string_view& out) {
    std::string_view t = v.raw_json_token();
    // The byte after the token is the next structural character (or the line's padding).
    if (t.data()[t.size()] == ':') return false;
    while (!t.empty() &&
           (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r')) {
        t.remove_suffix(1);
    }
    out = t;
    return true;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Stage 1 has checked every string's quotes, UTF-8 and control characters, and on-demand
// checks brackets, commas and colons where the parser walks. What is left to check is done
// by JsonCheck below: escapes (only in lines with a backslash at all), scalars, and the values
// the parser does not read, which on-demand would skip unchecked.
constexpr int kMaxNesting = 1024;  // simdjson's own default depth limit

bool is_digit(char c) { return c >= '0' && c <= '9'; }

using json_bytes::is_ws;

// The value of the last timestamp's date, hour, minute and zone, which repeat from one
// timestamp to the next: Suricata writes "YYYY-MM-DDTHH:MM:SS.ffffff+hhmm".
struct TimeCache {
    char key[16 + 8];  // the first 16 characters, then the zone
    size_t zone_len = SIZE_MAX;
    int64_t base_us = 0;  // the time at second 0 of that minute
};

// What the parser knows of the line while it walks it.
struct Scan {
    // One per field: a flow's start is often minutes before its end and the event's time, so
    // one cache for all three would miss on every other timestamp.
    TimeCache timestamp, start, end_time;
    bool escapes = false;  // the line has a backslash: strings and keys need their escapes checked
    const char* end = nullptr;  // the line's end (kEvePadding readable bytes follow it)
};

// JSON's grammar, byte by byte, for what on-demand does not check: the objects and arrays the
// parser does not read (on-demand skips them by counting brackets, accepting `[1}` or
// `[1,,tru]`), scalar tokens and keys. Each function takes the position of a value's first
// byte and gives the one after it, or nullptr if it is not JSON. `end` is the line's end or a
// token's; escapes may read up to five bytes past it, which the line's padding allows.
class JsonCheck {
public:
    explicit JsonCheck(const char* end) : end_(end) {}

    /// True if [p, end) is exactly one JSON scalar.
    bool scalar(const char* p) const {
        return p < end_ && *p != '{' && *p != '[' && value(p, 0) == end_;
    }

    const char* value(const char* p, int depth) const {
        if (p >= end_) return nullptr;
        switch (*p) {
            case '{':
                return object(p, depth + 1);
            case '[':
                return array(p, depth + 1);
            case '"':
                return string(p);
            case 't':
                return literal(p, "true", 4);
            case 'f':
                return literal(p, "false", 5);
            case 'n':
                return literal(p, "null", 4);
            default:
                return number(p);
        }
    }

private:
    // Whitespace is rare in EVE: one comparison tells most bytes from it.
    const char* ws(const char* p) const {
        while (p < end_ && static_cast<unsigned char>(*p) <= ' ' && is_ws(*p)) ++p;
        return p;
    }

    const char* digits(const char* p) const {
        while (p < end_ && is_digit(*p)) ++p;
        return p;
    }

    const char* object(const char* p, int depth) const {
        if (depth > kMaxNesting) return nullptr;
        p = ws(p + 1);
        if (p < end_ && *p == '}') return p + 1;
        for (;;) {
            if (p >= end_ || *p != '"' || !(p = string(p))) return nullptr;
            p = ws(p);
            if (p >= end_ || *p != ':') return nullptr;
            if (!(p = value(ws(p + 1), depth))) return nullptr;
            p = ws(p);
            if (p >= end_) return nullptr;
            if (*p == '}') return p + 1;
            if (*p != ',') return nullptr;
            p = ws(p + 1);
        }
    }

    const char* array(const char* p, int depth) const {
        if (depth > kMaxNesting) return nullptr;
        p = ws(p + 1);
        if (p < end_ && *p == ']') return p + 1;
        for (;;) {
            if (!(p = value(p, depth))) return nullptr;
            p = ws(p);
            if (p >= end_) return nullptr;
            if (*p == ']') return p + 1;
            if (*p != ',') return nullptr;
            p = ws(p + 1);
        }
    }

    // Stage 1 has checked the string's UTF-8 and control characters; here: its escapes.
    const char* string(const char* p) const {
        for (++p;; p += 2) {
            p = json_bytes::quote_or_backslash(p, end_);
            if (p >= end_) return nullptr;
            if (*p == '"') return p + 1;
            if (p[1] == 'u') {
                if ((hex_digit(p[2]) | hex_digit(p[3]) | hex_digit(p[4]) | hex_digit(p[5])) < 0) {
                    return nullptr;
                }
                p += 4;
            } else if (!std::strchr("\"\\/bfnrt", p[1]) || p[1] == '\0') {
                return nullptr;
            }
        }
    }

    const char* literal(const char* p, const char* word, size_t n) const {
        return static_cast<size_t>(end_ - p) >= n && std::memcmp(p, word, n) == 0 ? p + n : nullptr;
    }

    // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; what follows is the caller's to check.
    const char* number(const char* p) const {
        if (*p == '-') ++p;
        if (p >= end_ || !is_digit(*p)) return nullptr;
        p = *p == '0' ? p + 1 : digits(p + 1);
        if (p < end_ && *p == '.') {
            if (++p >= end_ || !is_digit(*p)) return nullptr;
            p = digits(p);
        }
        if (p < end_ && (*p == 'e' || *p == 'E')) {
            if (++p < end_ && (*p == '+' || *p == '-')) ++p;
            if (p >= end_ || !is_digit(*p)) return nullptr;
            p = digits(p);
        }
        return p;
    }

    const char* end_;
};

// One scalar token (trailing whitespace removed) as JSON has it.
bool valid_scalar(std::string_view t) { return JsonCheck(t.data() + t.size()).scalar(t.data()); }

// A string token; its escapes are checked only in lines that have a backslash at all.
bool valid_string(std::string_view t, const Scan& scan) {
    return t.size() >= 2 && t.front() == '"' && t.back() == '"' &&
           (!scan.escapes || valid_scalar(t));
}

bool valid_scalar(std::string_view t, const Scan& scan) {
    return !t.empty() && t.front() == '"' ? valid_string(t, scan) : valid_scalar(t);
}

// A key's escapes, from the byte after its opening quote (stage 1 has found its closing one).
bool valid_key(const char* k, const Scan& scan) {
    return JsonCheck(scan.end).value(k - 1, 0) != nullptr;
}

// A value the parser does not read, walked the way on-demand reads, so that a line is valid
// only if it is JSON throughout.
bool valid_value(od::value& v, const Scan& scan, int depth = 1) {
    if (depth > kMaxNesting) return false;
    const char* start = v.raw_json_token().data();
    if (*start == '{' || *start == '[') {
        // Checked here, then skipped by on-demand, which ends at the same closing bracket.
        return JsonCheck(scan.end).value(start, depth - 1) != nullptr;
    }
    std::string_view t;
    return token(v, t) && valid_scalar(t, scan);
}

// The contents of a string value as written (escapes not decoded: they never occur in the
// fields read here). False for anything else, `null` included, and for a string with an
// escape JSON does not have.
bool string_token(od::value& v, std::string_view& out, const Scan& scan) {
    std::string_view t;
    if (!token(v, t) || !valid_string(t, scan)) return false;
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
            return t.size() == 1 || t[0] != '0';  // JSON has no leading zeros
        }
    }
    if (!valid_scalar(t)) return false;
    const char* end = t.data() + t.size();
    auto [p, ec] = std::from_chars(t.data(), end, out);
    if (ec == std::errc() && p == end) return true;
    double d = 0;
    auto [pd, ecd] = std::from_chars(t.data(), end, d);
    if (ecd != std::errc() || pd != end || !(d >= 0) || d >= 18446744073709551615.0) return false;
    out = static_cast<uint64_t>(d);
    return true;
}

// A port if the number is one; true if the value was a well-formed unsigned number at all.
bool port_token(od::value& v, uint16_t& out, bool& has) {
    uint64_t n = 0;
    if (!number_token(v, n)) return false;
    if (n <= 65535) {
        out = static_cast<uint16_t>(n);
        has = true;
    }
    return true;
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

// An address if the string is one; false if the value is not a well-formed string.
bool parse_ip(od::value& v, IpAddr& out, bool& has, const Scan& scan) {
    std::string_view s;
    if (!string_token(v, s, scan)) return false;
    if (parse_full_ipv6(s, out)) {
        has = true;
    } else if (auto ip = IpAddr::parse(s)) {
        out = *ip;
        has = true;
    }
    return true;
}

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

// A time if the string is one; false if the value is not a well-formed string.
bool parse_time(od::value& v, Timestamp& out, const Scan& scan, TimeCache& cache) {
    std::string_view s;
    if (!string_token(v, s, scan)) return false;
    if (auto ts = cached_timestamp(s, cache)) out = *ts;
    return true;
}

// A name or a number; false if the value is not a well-formed scalar.
bool parse_proto_value(od::value& v, FlowEntry& f, const Scan& scan) {
    std::string_view s;
    if (!token(v, s) || s == "null") return true;
    if (!valid_scalar(s, scan)) return false;
    if (s.front() == '"') s = s.substr(1, s.size() - 2);
    f.has_proto = parse_proto(s, f.proto);
    return true;
}

// `vlan`: a number (Suricata before 4.1) or an array whose first element is the outer id.
// False on a JSON error.
bool parse_vlan(od::value& v, FlowEntry& f, const Scan& scan) {
    od::json_type type;
    if (v.type().get(type)) return false;
    uint64_t id = 0;
    if (type == od::json_type::number) {
        if (!number_token(v, id)) return valid_value(v, scan);
        if (id <= 4095) f.vlan = static_cast<uint16_t>(id);
        return true;
    }
    if (type != od::json_type::array) return valid_value(v, scan);
    od::array arr;
    if (v.get_array().get(arr)) return false;
    bool first = true;
    for (auto item : arr) {
        od::value element;
        if (std::move(item).get(element)) return false;
        if (first && number_token(element, id)) {
            if (id <= 4095) f.vlan = static_cast<uint16_t>(id);
        } else if (!valid_value(element, scan, 2)) {
            return false;
        }
        first = false;
    }
    return true;
}

// The `flow` object: counters and the flow's own start and end. False on a JSON error.
bool parse_flow_object(od::value& v, FlowEntry& f, Scan& scan) {
    od::json_type type;
    if (v.type().get(type)) return false;
    if (type != od::json_type::object) return valid_value(v, scan);
    od::object obj;
    if (v.get_object().get(obj)) return false;
    for (auto field_result : obj) {
        // Bound in place: copying the field out of its result costs a store-forwarding stall.
        if (field_result.error()) return false;
        od::field&& field = std::move(field_result).value_unsafe();
        const char* k = field.key().raw();
        if (scan.escapes && !valid_key(k, scan)) return false;
        od::value& val = field.value();
        bool read = false;
        if (key_is(k, "pkts_toserver")) {
            read = number_token(val, f.pkts_toserver);
        } else if (key_is(k, "pkts_toclient")) {
            read = number_token(val, f.pkts_toclient);
        } else if (key_is(k, "bytes_toserver")) {
            read = number_token(val, f.bytes_toserver);
        } else if (key_is(k, "bytes_toclient")) {
            read = number_token(val, f.bytes_toclient);
        } else if (key_is(k, "start")) {
            read = parse_time(val, f.start, scan, scan.start);
        } else if (key_is(k, "end")) {
            read = parse_time(val, f.end, scan, scan.end_time);
        }
        if (!read && !valid_value(val, scan, 2)) return false;
    }
    return true;
}

// Keys starting with 'f', 'e' or 't'. True if the value was read; false if it was not (it
// is then checked as JSON by the caller).
bool parse_field_fet(const char* k, od::value& v, Event& ev, Scan& scan, bool& valid) {
    FlowEntry& f = ev.fields;
    if (key_is(k, "timestamp")) return parse_time(v, f.ts, scan, scan.timestamp);
    if (key_is(k, "event_type")) {
        if (!string_token(v, ev.type_name, scan)) return false;
        ev.type = event_type_from_name(ev.type_name);
        return true;
    }
    if (key_is(k, "flow_id")) return number_token(v, f.flow_id);
    if (key_is(k, "flow")) {
        // Alerts carry a flow object too; only flow events keep it (event_type usually comes
        // first; when it comes later the values are parsed and then dropped).
        if (!ev.type_name.empty() && ev.type != EventType::kFlow) return false;
        valid = parse_flow_object(v, f, scan);
        return true;
    }
    return false;
}

// Reads one top-level field, dispatched on the key's first letter; false on a JSON error.
bool parse_field(od::field& field, Event& ev, Scan& scan) {
    const char* k = field.key().raw();
    if (scan.escapes && !valid_key(k, scan)) return false;
    od::value& v = field.value();
    FlowEntry& f = ev.fields;
    bool read = false, valid = true;
    switch (k[0]) {
        case 'f':
        case 'e':
        case 't':
            read = parse_field_fet(k, v, ev, scan, valid);
            break;
        case 's':
            if (key_is(k, "src_ip"))
                read = parse_ip(v, f.src_ip, f.has_src_ip, scan);
            else if (key_is(k, "src_port"))
                read = port_token(v, f.src_port, f.has_src_port);
            break;
        case 'd':
            if (key_is(k, "dest_ip"))
                read = parse_ip(v, f.dest_ip, f.has_dest_ip, scan);
            else if (key_is(k, "dest_port"))
                read = port_token(v, f.dest_port, f.has_dest_port);
            break;
        case 'p':
            if (key_is(k, "proto")) read = parse_proto_value(v, f, scan);
            break;
        case 'a':
            if (key_is(k, "app_proto") && string_token(v, f.app_proto, scan)) {
                f.app_proto_words = NameWords::of(f.app_proto);
                read = true;
            }
            break;
        case 'i':
            if (key_is(k, "in_iface")) read = string_token(v, f.in_iface, scan);
            break;
        case 'h':
            if (key_is(k, "host")) read = string_token(v, f.host, scan);
            break;
        case 'v':
            if (key_is(k, "vlan")) {
                read = true;
                valid = parse_vlan(v, f, scan);
            }
            break;
        default:
            break;
    }
    return read ? valid : valid_value(v, scan);
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
    Scan scan;
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
    impl_->scan.escapes = std::memchr(data, '\\', len) != nullptr;
    impl_->scan.end = data + len;
    for (auto field_result : obj) {
        if (field_result.error()) return ParseResult::kNotJson;
        od::field&& field = std::move(field_result).value_unsafe();
        if (!parse_field(field, ev, impl_->scan)) return ParseResult::kNotJson;
    }
    // One object plus whitespace: nothing may follow it.
    const char* rest = nullptr;
    if (!doc.current_location().get(rest)) return ParseResult::kNotJson;
    ev.raw = std::string_view(data, len);
    finish_event(ev);
    return ParseResult::kOk;
}

}  // namespace eveflow::input
