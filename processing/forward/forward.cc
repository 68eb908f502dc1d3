// Forward: event selection, splicing of added fields into the raw line, emission to sinks.
#include "processing/forward/forward.h"

#include <algorithm>
#include <utility>

#include "types/record.h"
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
std::string build_splice(const ConfigNode& node) {
    node.touch("add_fields");
    const YAML::Node& cnode = node.yaml();
    YAML::Node map = node.is_map() ? cnode["add_fields"] : YAML::Node();
    std::string out;
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
        out += ',';
        json::append_string(out, key);
        out += ':';
        if (bare) {
            out += value;
        } else {
            json::append_string(out, value);
        }
    }
    return out;
}

}  // namespace

void splice_fields(std::string& out, std::string_view line, std::string_view splice) {
    size_t close = line.rfind('}');
    if (splice.empty() || close == std::string_view::npos) {
        out.append(line);
        return;
    }
    std::string_view head = line.substr(0, close);
    size_t last = head.find_last_not_of(" \t\r\n");
    bool empty_object = last != std::string_view::npos && head[last] == '{';
    out.reserve(line.size() + splice.size());
    out.append(head);
    out.append(empty_object ? splice.substr(1) : splice);
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
    c.splice = build_splice(node);
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
    splice_fields(r.line, e.raw, config_.splice);
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
