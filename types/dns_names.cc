// DnsNameTable: sharded LRU maps with expiry; feed_response: CNAME chains back to the name asked.
#include "types/dns_names.h"

#include <algorithm>
#include <cstring>

#include "util/hash.h"

namespace eveflow {

namespace {

struct PairKey {
    std::array<uint8_t, 32> bytes{};
    bool operator==(const PairKey&) const = default;
};

struct PairKeyHash {
    size_t operator()(const PairKey& k) const {
        uint64_t h = 0;
        for (size_t i = 0; i < k.bytes.size(); i += 8) {
            uint64_t w = 0;
            std::memcpy(&w, k.bytes.data() + i, 8);
            h = mix64(h ^ w);
        }
        return h;
    }
};

PairKey pair_key(const IpAddr& client, const IpAddr& server) {
    PairKey k;
    std::copy(client.bytes().begin(), client.bytes().end(), k.bytes.begin());
    std::copy(server.bytes().begin(), server.bytes().end(), k.bytes.begin() + 16);
    return k;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim_dot(std::string_view s) {
    if (!s.empty() && s.back() == '.') s.remove_suffix(1);
    return s;
}

}  // namespace

std::string normalize_name(std::string_view name) {
    name = trim_dot(name);
    std::string out(name);
    for (char& c : out) c = lower(c);
    return out;
}

bool same_name(std::string_view a, std::string_view b) {
    a = trim_dot(a);
    b = trim_dot(b);
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

struct DnsNameTable::Shard {
    struct Entry {
        PairKey key;
        std::string name;
        int64_t expires_us = 0;
    };
    std::mutex mu;
    std::list<Entry> lru;  // most recently used first
    std::unordered_map<PairKey, std::list<Entry>::iterator, PairKeyHash> index;
};

DnsNameTable::DnsNameTable(size_t max_entries, int64_t max_ttl_us, const Clock& clock, Stats& stats)
    : max_ttl_us_(max_ttl_us),
      clock_(clock),
      entries_(stats.gauge("eveflow_dns_names_entries", "Names held by enrich.dns_names")),
      insertions_(stats.counter("eveflow_dns_names_insertions_total",
                                "Names stored by enrich.dns_names (new or replaced)")),
      evictions_(stats.counter("eveflow_dns_names_evictions_total",
                               "Names dropped by enrich.dns_names at max_entries")),
      expirations_(stats.counter("eveflow_dns_names_expirations_total",
                                 "Names of enrich.dns_names dropped when their TTL ran out")) {
    const size_t shards =
        max_entries >= kMinShardEntries * kShards ? kShards : static_cast<size_t>(1);
    per_shard_ = std::max<size_t>(1, (max_entries + shards - 1) / shards);
    for (size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

DnsNameTable::~DnsNameTable() = default;

DnsNameTable::Shard& DnsNameTable::shard_of(const IpAddr& client, const IpAddr& server) {
    if (shards_.size() == 1) return *shards_.front();
    return *shards_[PairKeyHash{}(pair_key(client, server)) % shards_.size()];
}

void DnsNameTable::insert(const IpAddr& client, const IpAddr& server, std::string_view name,
                          uint32_t ttl_s) {
    put(client, server, name, std::min(max_ttl_us_, int64_t{ttl_s} * 1'000'000));
}

void DnsNameTable::insert(const IpAddr& client, const IpAddr& server, std::string_view name) {
    put(client, server, name, max_ttl_us_);
}

void DnsNameTable::put(const IpAddr& client, const IpAddr& server, std::string_view name,
                       int64_t ttl_us) {
    name = trim_dot(name);
    if (name.empty() || name.size() > kMaxName) return;
    // DNS names on the wire are ASCII (IDNs travel as punycode); anything else is garbage that
    // would only reach the records.
    for (char ch : name) {
        if (ch <= ' ' || ch > '~') return;
    }
    const int64_t now = clock_.now_us();
    const PairKey key = pair_key(client, server);
    Shard& s = shard_of(client, server);
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key);
    if (it == s.index.end()) {
        s.lru.push_front({key, {}, 0});
        it = s.index.emplace(key, s.lru.begin()).first;
        entries_.add(1);
    } else {
        s.lru.splice(s.lru.begin(), s.lru, it->second);
    }
    Shard::Entry& e = *it->second;
    e.name = normalize_name(name);
    e.expires_us = now + ttl_us;
    insertions_.inc();
    // Expired entries at the tail go first (counted as such), then the least recently used.
    while (s.lru.size() > 1 && s.lru.back().expires_us <= now) {
        s.index.erase(s.lru.back().key);
        s.lru.pop_back();
        entries_.add(-1);
        expirations_.inc();
    }
    while (s.lru.size() > per_shard_) {
        s.index.erase(s.lru.back().key);
        s.lru.pop_back();
        entries_.add(-1);
        evictions_.inc();
    }
}

std::string DnsNameTable::lookup(const IpAddr& client, const IpAddr& server) {
    const PairKey key = pair_key(client, server);
    Shard& s = shard_of(client, server);
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key);
    if (it == s.index.end()) return {};
    if (it->second->expires_us <= clock_.now_us()) {
        s.lru.erase(it->second);
        s.index.erase(it);
        entries_.add(-1);
        expirations_.inc();
        return {};
    }
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    return it->second->name;
}

size_t DnsNameTable::size() const {
    size_t n = 0;
    for (const auto& s : shards_) {
        std::lock_guard lock(s->mu);
        n += s->lru.size();
    }
    return n;
}

namespace {

// The CNAME of `records` whose target is `name`, or null.
const NameRecord* cname_to(std::span<const NameRecord> records, std::string_view name) {
    for (const NameRecord& r : records) {
        if (r.cname && !r.owner.empty() && same_name(r.target, name)) return &r;
    }
    return nullptr;
}

// Whether `owner` is `qname` or reached from it through the CNAMEs (walked backwards; at
// most one step per record, so a loop ends).
bool reached_from(std::span<const NameRecord> records, std::string_view qname,
                  std::string_view owner) {
    for (size_t steps = 0; steps <= records.size(); ++steps) {
        if (same_name(owner, qname)) return true;
        const NameRecord* c = cname_to(records, owner);
        if (c == nullptr) return false;
        owner = c->owner;
    }
    return false;
}

// The start of the chain that ends at `owner`.
std::string_view chain_start(std::span<const NameRecord> records, std::string_view owner) {
    for (size_t steps = 0; steps < records.size(); ++steps) {
        const NameRecord* c = cname_to(records, owner);
        if (c == nullptr) break;
        owner = c->owner;
    }
    return owner;
}

}  // namespace

void feed_response(DnsNameTable& table, const IpAddr& client, std::string_view qname,
                   std::span<const NameRecord> records) {
    for (const NameRecord& r : records) {
        if (r.cname) continue;
        std::string_view name;
        if (!qname.empty()) {
            if (!r.owner.empty() && !reached_from(records, qname, r.owner)) continue;
            name = qname;
        } else {
            name = chain_start(records, r.owner);
        }
        if (r.has_ttl) {
            table.insert(client, r.addr, name, r.ttl);
        } else {
            table.insert(client, r.addr, name);
        }
    }
}

}  // namespace eveflow
