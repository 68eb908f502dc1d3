// Forward: event selection, splicing of added fields into the raw line, emission to sinks.
#include "processing/forward/forward.h"

#include <algorithm>
#include <utility>

#include "types/record.h"
#include "util/json_bytes.h"
#include "util/json_writer.h"

namespace eveflow::processing {
namespace {

// A JSON number as RFC 8259 writes it: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view s) {
    size_t i = 0;
    auto digits = [&] {
        size_t from = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        return i > from;
    };
    if (i < s.size() && s[i] == '-') ++i;
    if (i < s.size() && s[i] == '0') {
        ++i;
    } else if (!digits()) {
        return false;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digits()) return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == s.size();
}

// Plain (unquoted) YAML scalars that are JSON literals go bare; everything else is a string.
std::vector<AddedField> build_added(const ConfigNode& node) {
    node.touch("add_fields");
    const YAML::Node& cnode = node.yaml();
    YAML::Node map = node.is_map() ? cnode["add_fields"] : YAML::Node();
    std::vector<AddedField> out;
    if (!map.IsDefined() || map.IsNull()) return out;
    if (!map.IsMap()) {
        node.error("add_fields", "must be a map of names to scalar values");
        return out;
    }
    for (const auto& kv : map) {
        std::string key = kv.first.as<std::string>();
        const YAML::Node& v = kv.second;
        if (!v.IsNull() && !v.IsScalar()) {
            node.error("add_fields." + key,
                       "must be a scalar value (string, number, true, "
                       "false or null)");
            continue;
        }
        std::string value = v.IsNull() ? "null" : v.Scalar();
        bool quoted = v.IsScalar() && v.Tag() == "!";
        bool bare = !quoted && (is_json_number(value) || value == "true" || value == "false" ||
                                value == "null");
        AddedField& f = out.emplace_back();
        f.key = key;
        if (bare) {
            f.value = value;
        } else {
            json::append_string(f.value, value);
        }
        f.member = ',';
        json::append_string(f.member, key);
        f.member += ':';
        f.member += f.value;
    }
    return out;
}

// A value of `line` to replace: [begin, end) by added[field].value.
struct Replacement {
    size_t begin, end, field;
};

// The added field whose key is the raw key [k, k_end) (between its quotes), or npos.
size_t added_index(const char* k, const char* k_end, bool escaped,
                   std::span<const AddedField> added) {
    std::string decoded;
    std::string_view key(k, static_cast<size_t>(k_end - k));
    if (escaped) {
        decoded.resize(key.size());
        decoded.resize(static_cast<size_t>(json_bytes::decode_string(k, k_end, decoded.data()) -
                                           decoded.data()));
        key = decoded;
    }
    for (size_t i = 0; i < added.size(); ++i) {
        if (added[i].key == key) return i;
    }
    return std::string_view::npos;
}

// Walks the top-level members of the object `line`, noting the values to replace; the offset
// of its final `}`, or npos if the line is not one object.
size_t scan_members(std::string_view line, std::span<const AddedField> added,
                    std::vector<Replacement>& repl) {
    using json_bytes::Bounds;
    const char* const begin = line.data();
    const char* const end = begin + line.size();
    const char* p = json_bytes::skip_ws<Bounds::kExact>(begin, end);
    if (p == end || *p != '{') return std::string_view::npos;
    p = json_bytes::skip_ws<Bounds::kExact>(p + 1, end);
    while (p < end && *p == '"') {
        bool escaped = false;
        const char* k_end = json_bytes::string_end<Bounds::kExact>(p, end, escaped);
        if (!k_end) return std::string_view::npos;
        const size_t field = added_index(p + 1, k_end - 1, escaped, added);
        p = json_bytes::skip_ws<Bounds::kExact>(k_end, end);
        if (p == end || *p != ':') return std::string_view::npos;
        const char* v = json_bytes::skip_ws<Bounds::kExact>(p + 1, end);
        if (v == end || !(p = json_bytes::value_end(v, end))) return std::string_view::npos;
        if (field != std::string_view::npos) {
            repl.push_back({static_cast<size_t>(v - begin), static_cast<size_t>(p - begin), field});
        }
        p = json_bytes::skip_ws<Bounds::kExact>(p, end);
        if (p < end && *p == ',') p = json_bytes::skip_ws<Bounds::kExact>(p + 1, end);
    }
    return p < end && *p == '}' ? static_cast<size_t>(p - begin) : std::string_view::npos;
}

// The line as before add_fields replaced values: `splice` before its last `}`.
void splice_last_brace(std::string& out, std::string_view line, std::string_view splice) {
    size_t close = line.rfind('}');
    if (close == std::string_view::npos) {
        out.append(line);
        return;
    }
    std::string_view head = line.substr(0, close);
    size_t last = head.find_last_not_of(" \t\r\n");
    bool empty_object = last != std::string_view::npos && head[last] == '{';
    out.append(head);
    out.append(empty_object ? splice.substr(1) : splice);
    out.append(line.substr(close));
}

}  // namespace

void splice_fields(std::string& out, std::string_view line, std::span<const AddedField> added,
                   std::string_view splice) {
    if (added.empty()) {
        out.append(line);
        return;
    }
    out.reserve(line.size() + splice.size());
    std::vector<Replacement> repl;
    const size_t close = scan_members(line, added, repl);
    if (close == std::string_view::npos || repl.empty()) {
        splice_last_brace(out, line, splice);
        return;
    }
    size_t at = 0;
    std::vector<bool> replaced(added.size());
    for (const Replacement& r : repl) {
        out.append(line.substr(at, r.begin - at));
        out.append(added[r.field].value);
        replaced[r.field] = true;
        at = r.end;
    }
    out.append(line.substr(at, close - at));
    for (size_t i = 0; i < added.size(); ++i) {
        if (!replaced[i]) out.append(added[i].member);  // a member precedes: a comma is due
    }
    out.append(line.substr(close));
}

ForwardConfig parse_forward_config(const ConfigNode& node) {
    ForwardConfig c;
    node.touch("type");
    c.name = node.str("name", node.path().empty() ? "forward" : node.path());
    if (node.has("types")) {
        c.type_names = node.strings("types");
        c.all_types = c.type_names.empty() || std::find(c.type_names.begin(), c.type_names.end(),
                                                        "all") != c.type_names.end();
        if (c.type_names.empty()) node.error("types", "must list event types or be \"all\"");
    } else {
        node.touch("types");
    }
    c.added = build_added(node);
    for (const AddedField& f : c.added) c.splice += f.member;
    return c;
}

Forward::Forward(ForwardConfig config, std::vector<SinkId> sinks, Context& ctx)
    : config_(std::move(config)),
      sinks_(std::move(sinks)),
      forwarded_(ctx.stats.counter("eveflow_forward_events_total", "Raw events forwarded by a rule",
                                   {{"rule", config_.name}})),
      sensor_from_host_(ctx.sensor_id_from_host) {
    if (config_.all_types) return;
    for (const auto& n : config_.type_names) {
        EventType t = event_type_from_name(n);
        if (std::find(types_.begin(), types_.end(), t) == types_.end()) types_.push_back(t);
    }
}

std::unique_ptr<Handler> Forward::create(const ConfigNode& node, HandlerContext& hctx) {
    ForwardConfig c = parse_forward_config(node);
    if (hctx.outputs.empty()) node.error("outputs", "must list at least one output");
    return std::make_unique<Forward>(std::move(c), hctx.outputs, hctx.ctx);
}

bool Forward::selected(const Event& e) const {
    if (config_.all_types) return true;
    return std::find(config_.type_names.begin(), config_.type_names.end(), e.type_name) !=
           config_.type_names.end();
}

void Forward::consume(const Event& e, Emitter& out) {
    if (sinks_.empty() || !selected(e)) return;
    RawEvent r;
    r.type = e.type;
    r.type_name.assign(e.type_name);
    splice_fields(r.line, e.raw, config_.added, config_.splice);
    r.fields = e.fields;
    r.fields.app_proto = {};
    r.fields.in_iface = {};
    r.fields.host = {};
    if (sensor_from_host_) r.sensor_id.assign(e.fields.host);
    for (size_t i = 0; i + 1 < sinks_.size(); ++i) out.emit(sinks_[i], Record(r));
    out.emit(sinks_.back(), Record(std::move(r)));
    ++pending_;
}

void Forward::flush(Timestamp /*watermark*/, Emitter& /*out*/) {
    forwarded_.inc(pending_);
    pending_ = 0;
}

void Forward::tick(std::chrono::steady_clock::time_point /*now*/, Emitter& /*out*/) {
    forwarded_.inc(pending_);
    pending_ = 0;
}

}  // namespace eveflow::processing
