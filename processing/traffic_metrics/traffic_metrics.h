// TrafficMetrics: what is on the network, as Prometheus counters with bounded label sets.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "processing/handler.h"
#include "processing/traffic_metrics/config.h"
#include "util/stats.h"

namespace eveflow::processing {

/// alert.severity of an EVE alert line (0-255), or -1 when absent or not such an integer.
/// A scan for the key, not a JSON parse: it runs on every alert. The `"alert"` key is looked
/// for from `from` first (where event_type ended), then from the start.
int alert_severity(std::string_view raw, size_t from = 0);

/// Counts flow events into eveflow_traffic_{flows,bytes,packets}_total{proto,app_proto[,direction]}
/// (with traffic_labels.home_direction, a home_direction label on each of them too)
/// and eveflow_traffic_port_{flows,bytes}_total{proto,dest_port}, and alert events into
/// eveflow_alerts_total{severity}.
///
/// Label cardinality: at most app_proto_top app_proto names have a label of their own, the rest
/// count under "other". Names fill free slots as first seen; at each publish() the ranking by
/// cumulative bytes is revisited and an unlabelled name with more bytes than the smallest
/// labelled one takes its slot. The demoted name's series stay (frozen, so every counter stays
/// monotonic) and its later traffic counts under "other". At most 2 * app_proto_top label values
/// are ever created; after that only names that already own a label value can be promoted.
///
/// Threading: one processing thread calls consume()/flush()/tick(); counts accumulate in plain
/// members and reach the shared registry in publish() (from tick() and flush()), so the hot path
/// has no atomics and no registry lookups. A flow costs one probe of a small open-addressing
/// table keyed by (app_proto, proto) and five additions; publish() moves those sums to the
/// series of the name's current label value.
class TrafficMetrics final : public Handler {
public:
    TrafficMetrics(TrafficMetricsConfig cfg, Stats& stats);
    ~TrafficMetrics() override;

    static std::unique_ptr<Handler> create(const ConfigNode& node, HandlerContext& hctx);

    std::string_view name() const override { return "traffic_metrics"; }
    std::span<const EventType> event_types() const override;
    uint32_t enriched_fields() const override {
        return cfg_.home_direction ? uint32_t{kKeyHomeDirection} : 0u;
    }
    void consume(const Event& e, Emitter& out) override;
    void flush(Timestamp watermark, Emitter& out) override;
    void tick(std::chrono::steady_clock::time_point now, Emitter& out) override;

    /// Re-ranks app_protos and adds the counts kept since the last call to the registry.
    void publish();

private:
    static constexpr size_t kProtoSlots = 257;  // IP protocol numbers, then "unknown"
    static constexpr size_t kMaxTrackedNames = 1024;

    struct Pending {
        uint64_t flows = 0, bytes[2] = {0, 0}, pkts[2] = {0, 0};
    };
    struct Series {
        Counter* flows;
        Counter* bytes[2];
        Counter* pkts[2];
        Pending pending;
    };
    /// One app_proto label value and its series per IP protocol (created on first use); with
    /// the home_direction label, per protocol and direction: slot + kProtoSlots * direction.
    struct Bucket {
        std::string label;
        std::vector<std::unique_ptr<Series>> by_proto;
    };
    struct Name {
        std::string text;
        uint64_t volume = 0;        // bytes, cumulative
        Bucket* current = nullptr;  // own bucket when labelled, else other_
        Bucket* own = nullptr;      // kept after a demotion, reused on promotion
    };
    /// An app_proto (and protocol slot) as open-addressing tables compare it: the name's first
    /// and last 8 bytes (overlapping, zero-extended when shorter) and its size identify names
    /// of up to 16 bytes, as Suricata's and nDPI's are, without a call to memcmp; longer ones
    /// are compared in full.
    struct Key {
        uint64_t head = 0, tail = 0;
        uint64_t meta = 0;  // size | proto << 32; never 0 for a real key (names are not empty)
        bool operator==(const Key&) const = default;
        uint32_t size() const { return static_cast<uint32_t>(meta); }
        uint32_t proto() const { return static_cast<uint32_t>(meta >> 32); }
    };
    static Key key_of(const NameWords& words, size_t proto_slot);
    static Key key_of(std::string_view app_proto, size_t proto_slot);
    static size_t hash_of(const Key& k) {
        uint64_t h = (k.head + k.meta) * 0x9e3779b97f4a7c15ull;
        h = (h ^ k.tail) * 0xff51afd7ed558ccdull;
        return static_cast<size_t>(h >> 32);
    }
    /// names_ by text (proto 0).
    struct NameSlot {
        Key key;
        Name* name = nullptr;
    };
    static constexpr size_t kNameSlots = 2 * kMaxTrackedNames;  // a power of two
    /// Sums per (app_proto, proto) since the last publish(); name is null while unused.
    struct Entry {
        Key key;
        Name* name = nullptr;
        Pending pending;
    };
    static constexpr size_t kMaxEntries = 4096;
    static constexpr size_t kEntrySlots = 2 * kMaxEntries;  // a power of two
    struct PortSeries {
        Counter* flows;
        Counter* bytes;
        uint64_t pending_flows = 0, pending_bytes = 0;
    };

    void count_flow(const Event& e);
    void count_alert(const Event& e);
    /// `k` is key_of(app_proto, proto slot); app_proto is read only when longer than 16 bytes
    /// or new. Inline: the first probe hits for all but new or colliding pairs.
    Pending& pending_for(std::string_view app_proto, const Key& k) {
        Entry& s = entries_[hash_of(k) & (kEntrySlots - 1)];
        if (s.key == k && k.size() <= 16) return s.pending;
        return probe(app_proto, k);
    }
    Pending& probe(std::string_view app_proto, const Key& k);
    Pending& add_entry(std::string_view app_proto, size_t proto_slot, Entry& slot);
    Name* lookup(std::string_view app_proto);
    Name* add_name(std::string_view app_proto, NameSlot& slot);
    void fold_entries();
    Series& series(Bucket& b, size_t proto_slot) {
        auto& s = b.by_proto[proto_slot];
        return s ? *s : make_series(b, proto_slot);
    }
    Series& make_series(Bucket& b, size_t proto_slot);
    PortSeries& port_series(size_t proto_slot, size_t port_ordinal) {
        auto& ps = port_series_[proto_slot * cfg_.dest_ports.size() + port_ordinal];
        return ps ? *ps : make_port_series(proto_slot, port_ordinal);
    }
    PortSeries& make_port_series(size_t proto_slot, size_t port_ordinal);
    Bucket* make_bucket(std::string label);
    void rerank();

    TrafficMetricsConfig cfg_;
    Stats& stats_;
    std::vector<std::unique_ptr<Bucket>> buckets_;
    Bucket* other_ = nullptr;
    size_t labelled_ = 0;
    std::vector<std::unique_ptr<Name>> names_;
    std::vector<NameSlot> index_;
    std::vector<Entry> entries_;
    std::vector<Entry*> used_entries_;
    std::bitset<65536> ports_;
    /// By proto slot * number of ports + the port's position in cfg_.dest_ports.
    std::vector<std::unique_ptr<PortSeries>> port_series_;
    std::array<Counter*, 257> alerts_{};  // severity 0-255, then "unknown"
    std::array<uint64_t, 257> alert_pending_{};
};

}  // namespace eveflow::processing
