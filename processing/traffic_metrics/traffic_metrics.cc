// TrafficMetrics: flow and alert events into traffic counters with bounded app_proto labels.
#include "processing/traffic_metrics/traffic_metrics.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>

namespace eveflow::processing {
namespace {

constexpr std::array<EventType, 2> kTypes = {EventType::kFlow, EventType::kAlert};
constexpr size_t kUnknownSlot = 256;
constexpr std::string_view kToServer = "toserver", kToClient = "toclient";

std::string proto_label(size_t slot) {
    if (slot == kUnknownSlot) return "unknown";
    const char* name = proto_name(static_cast<uint8_t>(slot));
    return name ? name : std::to_string(slot);
}

constexpr std::string_view kUnknownName = "unknown";

/// Position of `key` (its quotes included) in `hay` from `from`, or npos. memchr looks for
/// key[pivot], a byte of the key that is rare in EVE lines, and one compare checks the rest:
/// twice as fast on real alerts as finding the key's first byte, which is common.
size_t find_key(std::string_view hay, std::string_view key, size_t pivot, size_t from) {
    if (from > hay.size() || hay.size() - from < key.size()) return std::string_view::npos;
    const char* base = hay.data();
    const char* end = base + hay.size();
    const char* p = base + from + pivot;
    while (p < end) {
        p = static_cast<const char*>(std::memchr(p, key[pivot], static_cast<size_t>(end - p)));
        if (p == nullptr) return std::string_view::npos;
        const char* start = p - pivot;
        if (static_cast<size_t>(end - start) >= key.size() &&
            std::memcmp(start, key.data(), key.size()) == 0) {
            return static_cast<size_t>(start - base);
        }
        ++p;
    }
    return std::string_view::npos;
}

/// Printable ASCII, at most 64 bytes: what app_proto names look like.
bool label_worthy(std::string_view s) {
    if (s.size() > 64) return false;
    for (char ch : s) {
        if (ch < 0x20 || ch > 0x7e) return false;
    }
    return true;
}

}  // namespace

namespace {

// The first `"severity"` key after an `"alert"` found from `from` whose value is an integer:
// keys are the only place an unescaped `"severity"` followed by ':' can appear, and a rule's
// metadata key of that name has an array value, which is skipped. Its value, or nullopt.
std::optional<int> severity_after(std::string_view raw, size_t from) {
    constexpr std::string_view kKey = "\"severity\"";
    size_t pos = find_key(raw, "\"alert\"", 2, from);  // pivot 'l'
    while (pos != std::string_view::npos) {
        pos = find_key(raw, kKey, 8, pos);  // pivot 'y'
        if (pos == std::string_view::npos) break;
        size_t i = pos + kKey.size();
        pos = i;
        while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t')) ++i;
        if (i >= raw.size() || raw[i] != ':') continue;
        ++i;
        while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t')) ++i;
        int v = 0;
        auto [p, ec] = std::from_chars(raw.data() + i, raw.data() + raw.size(), v);
        if (ec != std::errc() || p == raw.data() + i) continue;
        bool ends = p == raw.data() + raw.size() || *p == ',' || *p == '}' || *p == ' ';
        if (!ends) continue;
        return v;
    }
    return std::nullopt;
}

}  // namespace

int alert_severity(std::string_view raw, size_t from) {
    std::optional<int> v = severity_after(raw, from);
    if (!v && from > 0) v = severity_after(raw, 0);
    return v && *v >= 0 && *v <= 255 ? *v : -1;
}

TrafficMetrics::TrafficMetrics(TrafficMetricsConfig cfg, Stats& stats)
    : cfg_(std::move(cfg)), stats_(stats), index_(kNameSlots), entries_(kEntrySlots) {
    other_ = make_bucket("other");
    for (uint16_t p : cfg_.dest_ports) ports_.set(p);
    port_series_.resize(kProtoSlots * cfg_.dest_ports.size());
}

TrafficMetrics::~TrafficMetrics() = default;

std::unique_ptr<Handler> TrafficMetrics::create(const ConfigNode& node, HandlerContext& hctx) {
    return std::make_unique<TrafficMetrics>(parse_traffic_metrics_config(node), hctx.ctx.stats);
}

std::span<const EventType> TrafficMetrics::event_types() const { return kTypes; }

void TrafficMetrics::consume(const Event& e, Emitter& /*out*/) {
    if (e.type == EventType::kFlow) {
        count_flow(e);
    } else if (e.type == EventType::kAlert) {
        count_alert(e);
    }
}

void TrafficMetrics::flush(Timestamp /*watermark*/, Emitter& /*out*/) { publish(); }

void TrafficMetrics::tick(std::chrono::steady_clock::time_point /*now*/, Emitter& /*out*/) {
    publish();
}

TrafficMetrics::Key TrafficMetrics::key_of(const NameWords& words, size_t proto_slot) {
    return {words.head, words.tail, words.size | (uint64_t{proto_slot} << 32)};
}

TrafficMetrics::Key TrafficMetrics::key_of(std::string_view app_proto, size_t proto_slot) {
    return key_of(NameWords::of(app_proto), proto_slot);
}

void TrafficMetrics::count_flow(const Event& e) {
    const FlowEntry& f = e.fields;
    if (f.report == FlowReport::kInsert) return;
    // With interim updates each report adds its delta; a flow counts once, at its end.
    const bool final = f.report == FlowReport::kFinal;
    const uint64_t flows = final ? 1 : 0;
    const uint64_t bytes[2] = {f.has_delta ? f.delta.bytes_toserver : f.bytes_toserver,
                               f.has_delta ? f.delta.bytes_toclient : f.bytes_toclient};
    const uint64_t pkts[2] = {f.has_delta ? f.delta.pkts_toserver : f.pkts_toserver,
                              f.has_delta ? f.delta.pkts_toclient : f.pkts_toclient};
    const size_t slot = f.has_proto ? f.proto : kUnknownSlot;
    const size_t series_slot =
        slot + kProtoSlots * static_cast<size_t>(cfg_.home_direction ? f.enrich.home_direction
                                                                     : HomeDirection::kUnknown);
    // The parser's words of the name save reading it from the line, which the processing
    // thread has not touched (a cache miss: most of this handler's cost without them).
    const std::string_view name = f.app_proto.empty() ? kUnknownName : f.app_proto;
    const bool have_words = !f.app_proto.empty() && f.app_proto_words.size == f.app_proto.size();
    Pending& p = pending_for(
        name, have_words ? key_of(f.app_proto_words, series_slot) : key_of(name, series_slot));
    p.flows += flows;
    for (int d = 0; d < 2; ++d) {
        p.bytes[d] += bytes[d];
        p.pkts[d] += pkts[d];
    }
    if (f.has_dest_port && ports_.test(f.dest_port)) {
        size_t ordinal = 0;
        while (cfg_.dest_ports[ordinal] != f.dest_port) ++ordinal;
        PortSeries& ps = port_series(slot, ordinal);
        ps.pending_flows += flows;
        ps.pending_bytes += bytes[0] + bytes[1];
    }
}

void TrafficMetrics::count_alert(const Event& e) {
    // Suricata writes the alert object after event_type: start there when the type name is a
    // view into the line (it is for parsed lines).
    const char* type_end = e.type_name.data() + e.type_name.size();
    const bool in_line = !e.type_name.empty() && e.type_name.data() >= e.raw.data() &&
                         type_end <= e.raw.data() + e.raw.size();
    int parsed = alert_severity(e.raw, in_line ? static_cast<size_t>(type_end - e.raw.data()) : 0);
    size_t sev = parsed < 0 ? kUnknownSlot : static_cast<size_t>(parsed);
    if (!alerts_[sev]) {
        std::string label = sev == kUnknownSlot ? "unknown" : std::to_string(sev);
        alerts_[sev] = &stats_.counter("eveflow_alerts_total", "Alert events by alert.severity",
                                       {{"severity", label}});
    }
    ++alert_pending_[sev];
}

TrafficMetrics::Pending& TrafficMetrics::probe(std::string_view app_proto, const Key& k) {
    for (size_t i = hash_of(k);; ++i) {
        Entry& s = entries_[i & (kEntrySlots - 1)];
        if (!s.name) return add_entry(app_proto, k.proto(), s);
        if (s.key == k && (k.size() <= 16 || s.name->text == app_proto)) return s.pending;
    }
}

// A new (app_proto, proto) pair. Names that get no Name (past the bounds, unfit for a label)
// count straight into "other"; pairs past kMaxEntries (junk protocols) into the name's current
// series, without adding to its ranking volume.
TrafficMetrics::Pending& TrafficMetrics::add_entry(std::string_view app_proto, size_t proto_slot,
                                                   Entry& slot) {
    Name* name = lookup(app_proto);
    if (!name) return series(*other_, proto_slot).pending;
    if (used_entries_.size() >= kMaxEntries) return series(*name->current, proto_slot).pending;
    slot = {key_of(app_proto, proto_slot), name, {}};
    used_entries_.push_back(&slot);
    return slot.pending;
}

TrafficMetrics::Name* TrafficMetrics::lookup(std::string_view app_proto) {
    const Key k = key_of(app_proto, 0);
    for (size_t i = hash_of(k);; ++i) {
        NameSlot& s = index_[i & (kNameSlots - 1)];
        if (!s.name) return add_name(app_proto, s);
        if (s.key == k && (k.size() <= 16 || s.name->text == app_proto)) return s.name;
    }
}

TrafficMetrics::Name* TrafficMetrics::add_name(std::string_view app_proto, NameSlot& slot) {
    // Counted under "other" untracked: past the bound, or not fit for a label value (the
    // text format needs UTF-8; a label of control bytes or a whole line helps nobody).
    if (names_.size() >= kMaxTrackedNames || !label_worthy(app_proto)) return nullptr;
    names_.push_back(std::make_unique<Name>());
    Name& n = *names_.back();
    n.text = app_proto;
    n.current = other_;
    if (labelled_ < static_cast<size_t>(cfg_.app_proto_top)) {
        n.own = make_bucket(n.text);
        n.current = n.own;
        ++labelled_;
    }
    slot = {key_of(app_proto, 0), &n};
    return &n;
}

TrafficMetrics::Series& TrafficMetrics::make_series(Bucket& b, size_t proto_slot) {
    auto& s = b.by_proto[proto_slot];
    s = std::make_unique<Series>();
    const std::string proto = proto_label(proto_slot % kProtoSlots);
    Labels base = {{"proto", proto}, {"app_proto", b.label}};
    if (cfg_.home_direction) {
        auto dir = home_direction_name(static_cast<HomeDirection>(proto_slot / kProtoSlots));
        base.emplace_back("home_direction", dir.empty() ? "unknown" : std::string(dir));
    }
    s->flows = &stats_.counter("eveflow_traffic_flows_total", "Flow events", base);
    for (int d = 0; d < 2; ++d) {
        Labels l = base;
        l.emplace_back("direction", std::string(d == 0 ? kToServer : kToClient));
        s->bytes[d] = &stats_.counter("eveflow_traffic_bytes_total", "Bytes of flow events", l);
        s->pkts[d] = &stats_.counter("eveflow_traffic_packets_total", "Packets of flow events", l);
    }
    return *s;
}

TrafficMetrics::PortSeries& TrafficMetrics::make_port_series(size_t proto_slot, size_t ordinal) {
    auto& ps = port_series_[proto_slot * cfg_.dest_ports.size() + ordinal];
    Labels l = {{"proto", proto_label(proto_slot)},
                {"dest_port", std::to_string(cfg_.dest_ports[ordinal])}};
    ps = std::make_unique<PortSeries>(PortSeries{
        &stats_.counter("eveflow_traffic_port_flows_total", "Flow events to a configured port", l),
        &stats_.counter("eveflow_traffic_port_bytes_total", "Bytes of flows to a configured port",
                        l)});
    return *ps;
}

TrafficMetrics::Bucket* TrafficMetrics::make_bucket(std::string label) {
    buckets_.push_back(std::make_unique<Bucket>());
    buckets_.back()->label = std::move(label);
    // Five home directions (unknown first) when that label is on.
    buckets_.back()->by_proto.resize(kProtoSlots * (cfg_.home_direction ? 5 : 1));
    return buckets_.back().get();
}

void TrafficMetrics::rerank() {
    // Bucket 0 is "other"; the label values ever created besides it are capped at 2N.
    const size_t cap = 2 * static_cast<size_t>(cfg_.app_proto_top) + 1;
    for (int round = 0; round < cfg_.app_proto_top; ++round) {
        Name* smallest = nullptr;
        Name* best = nullptr;
        for (auto& n : names_) {
            bool labelled = n->current != other_;
            if (labelled && (!smallest || n->volume < smallest->volume)) smallest = n.get();
            if (!labelled && (n->own || buckets_.size() < cap) &&
                (!best || n->volume > best->volume)) {
                best = n.get();
            }
        }
        if (!smallest || !best || best->volume <= smallest->volume) return;
        smallest->current = other_;
        if (!best->own) best->own = make_bucket(best->text);
        best->current = best->own;
    }
}

// The sums since the last publish() go to the series of each name's current label value, and
// into the volume that ranks names.
void TrafficMetrics::fold_entries() {
    for (Entry* entry : used_entries_) {
        Entry& e = *entry;
        if (e.pending.flows == 0 &&
            e.pending.bytes[0] + e.pending.bytes[1] + e.pending.pkts[0] + e.pending.pkts[1] == 0)
            continue;
        e.name->volume += e.pending.bytes[0] + e.pending.bytes[1];
        Pending& to = series(*e.name->current, e.key.proto()).pending;
        to.flows += e.pending.flows;
        for (int d = 0; d < 2; ++d) {
            to.bytes[d] += e.pending.bytes[d];
            to.pkts[d] += e.pending.pkts[d];
        }
        e.pending = Pending{};
    }
}

void TrafficMetrics::publish() {
    fold_entries();
    rerank();
    for (auto& b : buckets_) {
        for (auto& s : b->by_proto) {
            if (!s) continue;
            Pending& p = s->pending;
            if (p.flows) s->flows->inc(p.flows);
            for (int d = 0; d < 2; ++d) {
                if (p.bytes[d]) s->bytes[d]->inc(p.bytes[d]);
                if (p.pkts[d]) s->pkts[d]->inc(p.pkts[d]);
            }
            p = Pending{};
        }
    }
    for (auto& ps : port_series_) {
        if (!ps) continue;
        if (ps->pending_flows) ps->flows->inc(ps->pending_flows);
        if (ps->pending_bytes) ps->bytes->inc(ps->pending_bytes);
        ps->pending_flows = ps->pending_bytes = 0;
    }
    for (size_t i = 0; i < alerts_.size(); ++i) {
        if (alert_pending_[i]) alerts_[i]->inc(alert_pending_[i]);
        alert_pending_[i] = 0;
    }
}

}  // namespace eveflow::processing
