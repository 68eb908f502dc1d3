// EVE line parser: one pass over the line checks it against JSON's grammar and reads the
// fields in place; simdjson checks its UTF-8.
#include "input/eve/eve_parser.h"

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "util/json_bytes.h"

namespace eveflow::input {
namespace {

static_assert(kEvePadding >= simdjson::SIMDJSON_PADDING);

using json_bytes::Bounds;
using json_bytes::hex_digit;
using json_bytes::is_digit;

// True if the raw key (pointer after its opening quote) is exactly `lit`. Reading N bytes is
// safe: the key is followed by its closing quote and the line by kEvePadding readable bytes.
template <size_t N>
bool key_is(const char* k, const char (&lit)[N]) {
    for (size_t i = 0; i + 1 < N; ++i) {  // unrolled; most keys differ in the first bytes
        if (k[i] != lit[i]) return false;
    }
    return k[N - 1] == '"';
}

constexpr int kMaxNesting = 1024;  // simdjson's own default depth limit

// Room for a decoded key: longer than any key read, plus its closing quote and the bytes
// key_is may read past it.
constexpr size_t kKeyBytes = 32;

// The key [k, k_end) (between its quotes, with escapes), decoded into `buf` and closed by a
// quote; a key too long to be one read gives "" (no key read is empty).
[[gnu::noinline]] const char* decoded_key(const char* k, const char* k_end,
                                          char (&buf)[kKeyBytes]) {
    std::string key(static_cast<size_t>(k_end - k), '\0');
    const char* end = json_bytes::decode_string(k, k_end, key.data());
    key.resize(static_cast<size_t>(end - key.data()));
    std::memset(buf, 0, kKeyBytes);
    if (key.size() + 1 < kKeyBytes) std::memcpy(buf, key.data(), key.size());
    buf[key.size() + 1 < kKeyBytes ? key.size() : 0] = '"';
    return buf;
}
static_assert(kEvePadding >= json_bytes::kPadding);

// JSON's grammar (RFC 8259), byte by byte, in one pass that also hands the values the parser
// reads to it; the tokens are util/json_bytes.h's, reading into the line's padding. Each
// function takes the position of a value's first byte and gives the one after it, or nullptr
// if it is not JSON. UTF-8 is checked before, for the whole line (simdjson::validate_utf8).
class Json {
public:
    explicit Json(const char* end) : end_(end) {}

    const char* ws(const char* p) const { return json_bytes::skip_ws<Bounds::kPadded>(p, end_); }

    /// Any value, checked and skipped; `depth` is the number of objects and arrays around it.
    /// Sets `escaped` if it is a string holding an escape.
    [[gnu::always_inline]] const char* value(const char* p, int depth, bool& escaped) const {
        if (p >= end_) return nullptr;
        if (*p == '{' || *p == '[') return container(p, depth + 1);
        return json_bytes::scalar_end<Bounds::kPadded>(p, end_, escaped);
    }
    [[gnu::always_inline]] const char* value(const char* p, int depth) const {
        bool escaped = false;
        return value(p, depth, escaped);
    }

    /// The object at p (its '{'), at `depth` (1 for the line's own). Calls `member(key, value)`
    /// for each member, with the key's first byte after its quote (with kDecodeKeys, of its
    /// decoded copy if it holds an escape) and the value's first byte; `member` checks the
    /// value and gives the byte after it, or nullptr.
    template <bool kDecodeKeys, typename Member>
    const char* members(const char* p, int depth, Member&& member) const {
        if (depth > kMaxNesting) return nullptr;
        p = ws(p + 1);
        if (p < end_ && *p == '}') return p + 1;
        for (;;) {
            if (p >= end_ || *p != '"') return nullptr;
            const char* key = p + 1;
            bool escaped = false;
            if (!(p = json_bytes::string_end<Bounds::kPadded>(p, end_, escaped))) return nullptr;
            char decoded[kKeyBytes];
            if (kDecodeKeys && escaped) [[unlikely]] {
                key = decoded_key(key, p - 1, decoded);
            }
            p = ws(p);
            if (p >= end_ || *p != ':') return nullptr;
            if (!(p = member(key, ws(p + 1)))) return nullptr;
            p = ws(p);
            if (p >= end_) return nullptr;
            if (*p == '}') return p + 1;
            if (*p != ',') return nullptr;
            p = ws(p + 1);
        }
    }

    /// The array at p, at `depth`; `element(value)` as `member` above.
    template <typename Element>
    const char* elements(const char* p, int depth, Element&& element) const {
        if (depth > kMaxNesting) return nullptr;
        p = ws(p + 1);
        if (p < end_ && *p == ']') return p + 1;
        for (;;) {
            if (!(p = element(p))) return nullptr;
            p = ws(p);
            if (p >= end_) return nullptr;
            if (*p == ']') return p + 1;
            if (*p != ',') return nullptr;
            p = ws(p + 1);
        }
    }

private:
    // Out of line: the scalars, most values, are checked where they are met.
    [[gnu::noinline]] const char* container(const char* p, int depth) const {
        auto member = [&](const char*, const char* v) { return value(v, depth); };
        auto element = [&](const char* v) { return value(v, depth); };
        return *p == '{' ? members<false>(p, depth, member) : elements(p, depth, element);
    }

    const char* end_;
};

// The contents of a string (decoded by Reader::scalar if it held escapes); false for any
// other value, `null` included.
bool string_value(std::string_view t, std::string_view& out) {
    if (t.size() < 2 || t.front() != '"') return false;
    out = t.substr(1, t.size() - 2);
    return true;
}

// A non-negative integer written as digits only (no sign, fraction or exponent) that fits in
// 64 bits; false for anything else, 1e3 and 1.0 included.
bool integer_value(std::string_view t, uint64_t& out) {
    if (t.empty()) return false;
    uint64_t n = 0;
    if (t.size() <= 19) {  // the common case: no overflow possible
        for (char c : t) {
            unsigned d = static_cast<unsigned char>(c) - unsigned{'0'};
            if (d > 9) return false;
            n = n * 10 + d;
        }
    } else {
        for (char c : t) {
            unsigned d = static_cast<unsigned char>(c) - unsigned{'0'};
            if (d > 9 || __builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, d, &n)) {
                return false;
            }
        }
    }
    out = n;
    return true;
}

// An integer as integer_value, or a float such as 1.35e+15 (flow_id re-serialized
// downstream); false for anything else.
bool number_value(std::string_view t, uint64_t& out) {
    if (integer_value(t, out)) return true;
    if (t.empty() || (t[0] != '-' && !is_digit(t[0]))) return false;
    const char* end = t.data() + t.size();
    double d = 0;
    auto [pd, ecd] = std::from_chars(t.data(), end, d);
    if (ecd != std::errc() || pd != end || !(d >= 0) || d >= 18446744073709551615.0) return false;
    out = static_cast<uint64_t>(d);
    return true;
}

// A port: an integer 0-65535; `invalid` is set for anything else (null included).
void port_value(std::string_view t, uint16_t& out, bool& has, bool& invalid) {
    uint64_t n = 0;
    if (integer_value(t, n) && n <= 65535) {
        out = static_cast<uint16_t>(n);
        has = true;
    } else {
        has = false;
        invalid = true;
    }
}

// A flow counter: an integer as integer_value; `invalid` is set for anything else.
void counter_value(std::string_view t, uint64_t& out, bool& invalid) {
    if (!integer_value(t, out)) {
        out = 0;
        invalid = true;
    }
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

void ip_value(std::string_view t, IpAddr& out, bool& has) {
    std::string_view s;
    if (!string_value(t, s)) return;
    if (parse_full_ipv6(s, out)) {
        has = true;
    } else if (auto ip = IpAddr::parse(s)) {
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

void time_value(std::string_view t, Timestamp& out, TimeCache& cache) {
    std::string_view s;
    if (!string_value(t, s)) return;
    if (auto ts = cached_timestamp(s, cache)) out = *ts;
}

// A known name or a number 0-255, as a JSON number or a string; anything else leaves the
// event without a protocol.
void proto_value(std::string_view t, FlowEntry& f) {
    if (!t.empty() && t.front() == '"') {
        t = t.substr(1, t.size() - 2);
    } else if (t.empty() || !is_digit(t.front())) {
        f.has_proto = false;  // null, true, false, a negative number, an object or array
        return;
    }
    f.has_proto = parse_proto(t, f.proto);
}

// Reads one line's fields into an Event while Json checks it.
class Reader {
public:
    Reader(const char* end, Event& ev, TimeCache (&caches)[3], DecodedStrings& decoded)
        : json_(end), ev_(ev), f_(ev.fields), caches_(caches), decoded_(decoded) {}

    const Json& json() const { return json_; }
    /// Whether a field read for aggregation (a flow counter, a port, the vlan) was present but
    /// not valid.
    bool invalid() const { return invalid_; }

    /// The line's object at p; the byte after it, or nullptr if it is not JSON.
    const char* line(const char* p) {
        return json_.members<true>(p, 1,
                                   [this](const char* k, const char* v) { return field(k, v); });
    }

private:
    // One top-level field, dispatched on the key's first letter; the byte after its value.
    const char* field(const char* k, const char* v) {
        switch (k[0]) {
            case 't':
                if (key_is(k, "timestamp")) {
                    return scalar(v, 1, [&](auto t) { time_value(t, f_.ts, caches_[0]); });
                }
                break;
            case 'e':
                if (key_is(k, "event_type")) {
                    return scalar(v, 1, [&](auto t) {
                        if (string_value(t, ev_.type_name)) {
                            ev_.type = event_type_from_name(ev_.type_name);
                        }
                    });
                }
                break;
            case 'f':
                if (key_is(k, "flow_id")) {
                    return scalar(v, 1, [&](auto t) { number_value(t, f_.flow_id); });
                }
                // Alerts carry a flow object too; only flow events keep it (event_type usually
                // comes first; when it comes later the values are read and then dropped).
                if (key_is(k, "flow") && *v == '{' &&
                    (ev_.type_name.empty() || ev_.type == EventType::kFlow)) {
                    return flow(v);
                }
                break;
            case 's':
                if (key_is(k, "src_ip")) {
                    return scalar(v, 1, [&](auto t) { ip_value(t, f_.src_ip, f_.has_src_ip); });
                }
                if (key_is(k, "src_port")) {
                    return scalar(v, 1, [&](auto t) {
                        port_value(t, f_.src_port, f_.has_src_port, invalid_);
                    });
                }
                break;
            case 'd':
                if (key_is(k, "dest_ip")) {
                    return scalar(v, 1, [&](auto t) { ip_value(t, f_.dest_ip, f_.has_dest_ip); });
                }
                if (key_is(k, "dest_port")) {
                    return scalar(v, 1, [&](auto t) {
                        port_value(t, f_.dest_port, f_.has_dest_port, invalid_);
                    });
                }
                break;
            case 'p':
                if (key_is(k, "proto")) return scalar(v, 1, [&](auto t) { proto_value(t, f_); });
                break;
            case 'a':
                if (key_is(k, "app_proto")) {
                    return scalar(v, 1, [&](auto t) {
                        if (string_value(t, f_.app_proto)) {
                            f_.app_proto_words = NameWords::of(f_.app_proto);
                        }
                    });
                }
                break;
            case 'i':
                if (key_is(k, "in_iface")) {
                    return scalar(v, 1, [&](auto t) { string_value(t, f_.in_iface); });
                }
                if (key_is(k, "icmp_type")) return icmp(v, f_.icmp_type, true);
                if (key_is(k, "icmp_code")) return icmp(v, f_.icmp_code, false);
                break;
            case 'c':
                if (key_is(k, "community_id")) {
                    return scalar(v, 1, [&](auto t) { string_value(t, f_.community_id); });
                }
                break;
            case 'h':
                if (key_is(k, "host")) {
                    return scalar(v, 1, [&](auto t) { string_value(t, f_.host); });
                }
                break;
            case 'v':
                if (key_is(k, "vlan")) return vlan(v);
                break;
            default:
                break;
        }
        return json_.value(v, 1);
    }

    // icmp_type / icmp_code: a number 0-255 (anything else leaves the event without ICMP
    // fields; they only feed the Community ID).
    const char* icmp(const char* v, uint8_t& out, bool is_type) {
        return scalar(v, 1, [&](std::string_view t) {
            unsigned n = 0;
            auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
            if (t.empty() || ec != std::errc() || end != t.data() + t.size() || n > 255) return;
            out = static_cast<uint8_t>(n);
            if (is_type) f_.has_icmp = true;
        });
    }

    // A value at `depth`, checked, then given to `read` as its token: a scalar as written (a
    // string with its escapes decoded, still between quotes), an object or array as "" (no
    // field read takes one).
    template <typename Read>
    const char* scalar(const char* v, int depth, Read&& read) {
        bool escaped = false;
        const char* end = json_.value(v, depth, escaped);
        if (end) {
            std::string_view t(v, static_cast<size_t>(end - v));
            if (*v == '{' || *v == '[') t = {};
            if (escaped) [[unlikely]] {
                t = decoded(t);
            }
            read(t);
        }
        return end;
    }

    // The string token t (quotes included, with escapes) decoded into the batch's store.
    [[gnu::noinline]] std::string_view decoded(std::string_view t) {
        char* out = decoded_.allocate(t.size());
        out[0] = '"';
        char* last = json_bytes::decode_string(t.data() + 1, t.data() + t.size() - 1, out + 1);
        *last = '"';
        return {out, static_cast<size_t>(last + 1 - out)};
    }

    // The `flow` object: counters and the flow's own start and end.
    const char* flow(const char* p) {
        return json_.members<true>(p, 2, [this](const char* k, const char* v) {
            return scalar(v, 2, [&](std::string_view t) {
                if (key_is(k, "pkts_toserver")) {
                    counter_value(t, f_.pkts_toserver, invalid_);
                } else if (key_is(k, "pkts_toclient")) {
                    counter_value(t, f_.pkts_toclient, invalid_);
                } else if (key_is(k, "bytes_toserver")) {
                    counter_value(t, f_.bytes_toserver, invalid_);
                } else if (key_is(k, "bytes_toclient")) {
                    counter_value(t, f_.bytes_toclient, invalid_);
                } else if (key_is(k, "start")) {
                    time_value(t, f_.start, caches_[1]);
                } else if (key_is(k, "end")) {
                    time_value(t, f_.end, caches_[2]);
                }
            });
        });
    }

    // `vlan`: a number (Suricata before 4.1) or an array whose first element is the outer id.
    const char* vlan(const char* p) {
        auto outer = [this](std::string_view t) {
            uint64_t id = 0;
            if (integer_value(t, id) && id <= 4095) {
                f_.vlan = static_cast<uint16_t>(id);
            } else {
                f_.vlan = 0;
                invalid_ = true;
            }
        };
        if (*p != '[') return scalar(p, 1, outer);
        bool first = true;
        return json_.elements(p, 2, [&](const char* v) {
            const char* end = first ? scalar(v, 2, outer) : json_.value(v, 2);
            first = false;
            return end;
        });
    }

    Json json_;
    Event& ev_;
    FlowEntry& f_;
    TimeCache (&caches_)[3];  // timestamp, flow.start, flow.end
    DecodedStrings& decoded_;
    bool invalid_ = false;
};

// Only flow events keep the flow object's counters and times. A flow is aggregated only with
// all of its key and valid numbers: nothing is coerced into a value it did not have.
void finish_event(Event& ev, bool invalid) {
    FlowEntry& f = ev.fields;
    if (ev.type != EventType::kFlow) {
        f.pkts_toserver = f.pkts_toclient = f.bytes_toserver = f.bytes_toclient = 0;
        f.start = f.end = Timestamp::none();
        return;
    }
    ev.aggregatable = f.ts.valid() && f.has_src_ip && f.has_dest_ip && f.has_proto && !invalid;
}

}  // namespace

struct EveParser::Impl {
    // One per field: a flow's start is often minutes before its end and the event's time, so
    // one cache for all three would miss on every other timestamp.
    TimeCache caches[3];
};

EveParser::EveParser() : impl_(std::make_unique<Impl>()) {}
EveParser::~EveParser() = default;

ParseResult EveParser::parse(const char* data, size_t len, size_t capacity, Event& ev,
                             DecodedStrings& decoded) {
    ev = Event{};
    if (capacity < len + kEvePadding || !simdjson::validate_utf8(data, len)) {
        return ParseResult::kNotJson;
    }
    const char* end = data + len;
    const size_t decoded_before = decoded.size();
    Reader reader(end, ev, impl_->caches, decoded);
    const Json& json = reader.json();
    const char* p = json.ws(data);
    const bool object = p < end && *p == '{';
    p = object ? reader.line(p) : json.value(p, 0);
    // One value plus whitespace: nothing may follow it.
    if (p == nullptr || json.ws(p) != end) {
        ev = Event{};
        decoded.truncate(decoded_before);
        return ParseResult::kNotJson;
    }
    if (!object) return ParseResult::kNotObject;  // nothing was read into ev
    ev.raw = std::string_view(data, len);
    finish_event(ev, reader.invalid());
    return ParseResult::kOk;
}

}  // namespace eveflow::input
