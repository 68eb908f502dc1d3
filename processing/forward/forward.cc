// Forward: event selection, splicing of added fields into the raw line, emission to sinks.
#include "processing/forward/forward.h"

#include <string.h>

#include <algorithm>
#include <utility>

#include "types/record.h"
#include "util/json_bytes.h"

namespace eveflow::processing {
namespace {

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

// The line's own community_id goes where a computed one would (fixed storage: the view is
// cleared with the others), so raw rows have it in a column either way.
void keep_own_community_id(FlowEntry& f) {
    CommunityIdText& id = f.enrich.community_id;
    if (!id.known() && f.community_id.size() == CommunityIdText::kSize) {
        std::copy(f.community_id.begin(), f.community_id.end(), id.c.begin());
    }
    f.community_id = {};
}

// Whether a member named `key` may be in `line`: `key` occurs there between quotes, or the
// line has a \u escape (the only other spelling of a key that needs no escape of its own).
// Keys that JSON writes with other escapes (quote, backslash, slash, control bytes) may.
bool may_hold_key(std::string_view line, std::string_view key) {
    const bool plain = !key.empty() && std::none_of(key.begin(), key.end(), [](char c) {
        return c == '"' || c == '\\' || c == '/' || static_cast<unsigned char>(c) < 0x20;
    });
    if (!plain || line.find("\\u") != std::string_view::npos) return true;
    const char* p = line.data();
    const char* const end = p + line.size();
    while (const void* found = ::memmem(p, static_cast<size_t>(end - p), key.data(), key.size())) {
        const char* hit = static_cast<const char*>(found);
        if (hit > line.data() && hit[-1] == '"' && hit + key.size() < end && hit[key.size()] == '"')
            return true;
        p = hit + 1;
    }
    return false;
}

}  // namespace

void splice_fields(std::string& out, std::string_view line, std::span<const AddedField> added,
                   std::string_view splice) {
    if (added.empty()) {
        out.append(line);
        return;
    }
    out.reserve(line.size() + splice.size());
    // Most lines have none of the keys: no walk of their members then.
    if (std::none_of(added.begin(), added.end(),
                     [&](const AddedField& a) { return may_hold_key(line, a.key); })) {
        splice_last_brace(out, line, splice);
        return;
    }
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

Forward::Forward(ForwardConfig config, std::vector<SinkId> sinks, Context& ctx)
    : config_(std::move(config)),
      sinks_(std::move(sinks)),
      forwarded_(ctx.stats.counter("eveflow_forward_events_total", "Raw events forwarded by a rule",
                                   {{"rule", config_.name}})),
      sensor_from_host_(ctx.sensor_id_from_host) {
    with_id_ = config_.added;
    for (const auto& a : config_.added) adds_id_ = adds_id_ && a.key != "community_id";
    with_id_.push_back({"community_id", {}, {}});
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
    // A meter's insert signal has no line: it is for lifecycle outputs only.
    if (sinks_.empty() || e.fields.report == FlowReport::kInsert || !selected(e)) return;
    RawEvent r;
    r.type = e.type;
    r.type_name.assign(e.type_name);
    splice(r.line, e);
    r.fields = e.fields;
    keep_own_community_id(r.fields);
    r.fields.app_proto = {};
    r.fields.in_iface = {};
    r.fields.host = {};
    r.fields.src_process_name = r.fields.dest_process_name = {};
    if (sensor_from_host_) r.sensor_id.assign(e.fields.host);
    for (size_t i = 0; i + 1 < sinks_.size(); ++i) out.emit(sinks_[i], Record(r));
    out.emit(sinks_.back(), Record(std::move(r)));
    ++pending_;
}

void Forward::splice(std::string& out, const Event& e) {
    const CommunityIdText& id = e.fields.enrich.community_id;
    if (!id.known() || !e.fields.community_id.empty() || !adds_id_) {
        splice_fields(out, e.raw, config_.added, config_.splice);
        return;
    }
    AddedField& f = with_id_.back();
    f.value.assign(1, '"').append(id.text()).append(1, '"');
    f.member.assign(",\"community_id\":").append(f.value);
    with_id_splice_.assign(config_.splice).append(f.member);
    splice_fields(out, e.raw, with_id_, with_id_splice_);
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
