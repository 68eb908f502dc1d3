// FlowKey: the typed aggregation key (never a joined string) and its hash over all its bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "types/flow_entry.h"
#include "types/record.h"
#include "util/hash.h"

namespace eveflow::processing {

/// Fields outside the configured key are zero, so equal keys are equal bytes. Strings
/// (app_proto, in_iface, the sensor's EVE `host`) are ids from a StringInterner: the event's
/// views would dangle. The sensor is always part of the key: two sensors never share a record.
struct FlowKey {
    IpAddr src_ip, dest_ip;
    uint16_t src_port = 0, dest_port = 0;
    uint16_t vlan = 0;
    uint8_t proto = 0;
    uint8_t pad = 0;  // explicit, so every byte of the key is defined
    uint16_t app_proto = 0, in_iface = 0, sensor = 0;
    uint16_t src_process = 0, dest_process = 0;  // process names (StringInterner ids)
    uint16_t pad2 = 0;
    // Enriched fields. src_net / dest_net need no room: src_ip / dest_ip hold the network when
    // the address itself is not in the key. With a geo database, the country and AS of an
    // address in the key are kept too (they follow from it, so they split no key).
    uint32_t src_asn = 0, dest_asn = 0;
    CountryCode src_country, dest_country;
    HomeDirection home_direction = HomeDirection::kUnknown;
    uint8_t pad3[7] = {};

    bool operator==(const FlowKey& o) const { return std::memcmp(this, &o, sizeof o) == 0; }
};
static_assert(sizeof(FlowKey) == 72, "FlowKey must have no hidden padding");
static_assert(std::is_trivially_copyable_v<FlowKey>);

/// Multiply-xorshift over the key's 8-byte words, then a full-avalanche finaliser.
inline uint64_t hash_key(const FlowKey& k) {
    uint64_t w[sizeof(FlowKey) / 8];
    std::memcpy(w, &k, sizeof w);
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (uint64_t x : w) {
        h ^= x;
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
    }
    return mix64(h);
}

/// Maps the few distinct app_proto / in_iface strings to small ids, without allocating on a
/// hit. Id 0 is the empty string. Bounded: past kMaxStrings new strings share one id whose
/// text is "other" (Suricata writes a handful of values; this only guards against junk).
class StringInterner {
public:
    static constexpr size_t kMaxStrings = 65535;  // ids, the "other" one included, fit 16 bits
    StringInterner() { names_.emplace_back(); }
    uint16_t intern(std::string_view s);
    /// intern() with a one-entry cache, for a value that rarely changes between events.
    uint16_t intern_repeated(std::string_view s) {
        if (s.empty()) return 0;
        if (s.size() == last_.size() && std::memcmp(s.data(), last_.data(), s.size()) == 0)
            return last_id_;
        last_id_ = intern(s);
        last_.assign(s);
        return last_id_;
    }
    const std::string& name(uint32_t id) const { return names_[id]; }

private:
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids_;
    std::vector<std::string> names_;
    uint16_t overflow_id_ = 0;
    std::string last_;
    uint16_t last_id_ = 0;
};

/// Prefix lengths of the src_net / dest_net key fields.
struct NetPrefixes {
    uint8_t v4 = 24, v6 = 64;
};

/// The country and AS of the addresses in the key, and the geo key fields.
inline void add_geo(FlowKey& k, const Enrichment& en, uint32_t key_fields) {
    if (key_fields & (kKeySrcIp | kKeySrcCountry)) k.src_country = en.src_country;
    if (key_fields & (kKeyDestIp | kKeyDestCountry)) k.dest_country = en.dest_country;
    if (key_fields & (kKeySrcIp | kKeySrcAsn)) k.src_asn = en.src_asn;
    if (key_fields & (kKeyDestIp | kKeyDestAsn)) k.dest_asn = en.dest_asn;
}

/// The key of `f` with only the fields in `key_fields` set, and its sensor when `by_sensor`.
inline FlowKey make_key(const FlowEntry& f, uint32_t key_fields, StringInterner& strings,
                        bool by_sensor, NetPrefixes nets = {}) {
    FlowKey k;
    uint8_t prefix = 0;
    if (key_fields & kKeySrcIp) {
        k.src_ip = f.src_ip;
    } else if (key_fields & kKeySrcNet) {
        k.src_ip = network_of(f.src_ip, nets.v4, nets.v6, prefix);
    }
    if (key_fields & kKeyDestIp) {
        k.dest_ip = f.dest_ip;
    } else if (key_fields & kKeyDestNet) {
        k.dest_ip = network_of(f.dest_ip, nets.v4, nets.v6, prefix);
    }
    if (key_fields & kKeyHomeDirection) k.home_direction = f.enrich.home_direction;
    add_geo(k, f.enrich, key_fields);
    if (key_fields & kKeySrcPort) k.src_port = f.src_port;
    if (key_fields & kKeyDestPort) k.dest_port = f.dest_port;
    if (key_fields & kKeyProto) k.proto = f.proto;
    if (key_fields & kKeyVlan) k.vlan = f.vlan;
    if (key_fields & kKeyAppProto) k.app_proto = strings.intern(f.app_proto);
    if (key_fields & kKeyInIface) k.in_iface = strings.intern(f.in_iface);
    if (key_fields & kKeySrcProcessName) k.src_process = strings.intern(f.src_process_name);
    if (key_fields & kKeyDestProcessName) k.dest_process = strings.intern(f.dest_process_name);
    if (by_sensor) k.sensor = strings.intern_repeated(f.host);
    return k;
}

}  // namespace eveflow::processing
