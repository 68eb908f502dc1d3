// DnsNameTable: the name each client resolved to each server address (enrich.dns_names).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "types/ip_addr.h"
#include "util/clock.h"
#include "util/stats.h"

namespace eveflow {

/// (client, server address) -> the most recent name the client resolved to that address
/// (or reached it by, as a TLS SNI or HTTP Host). Bounded: least recently used entries go
/// first past `max_entries` (evictions); an entry expires with its answer's TTL, capped by
/// `max_ttl_us` (expired entries are dropped when met: at lookup and at the LRU tail).
///
/// Thread-safe: fed by the processing thread (EVE dns events) and every meter thread, read by
/// flow_aggregate at emission. Sharded by key, one mutex per shard; a table of fewer than
/// kMinShardEntries * kShards entries has one shard, so its LRU bound is exact.
class DnsNameTable {
public:
    static constexpr size_t kShards = 16;
    static constexpr size_t kMinShardEntries = 4096;
    static constexpr size_t kMaxName = 255;

    DnsNameTable(size_t max_entries, int64_t max_ttl_us, const Clock& clock, Stats& stats);
    ~DnsNameTable();
    DnsNameTable(const DnsNameTable&) = delete;
    DnsNameTable& operator=(const DnsNameTable&) = delete;

    /// Stores `name` (lower-cased, without a trailing dot) for the pair, for `ttl_s` seconds
    /// capped by the table's ttl. Empty or over-long names, and names with bytes other than
    /// printable ASCII, are ignored. Any thread.
    void insert(const IpAddr& client, const IpAddr& server, std::string_view name, uint32_t ttl_s);
    /// The same with the table's ttl (names with no TTL of their own: SNI, Host).
    void insert(const IpAddr& client, const IpAddr& server, std::string_view name);
    /// The pair's name, or empty when unknown or expired. Any thread.
    std::string lookup(const IpAddr& client, const IpAddr& server);

    size_t size() const;

private:
    struct Shard;
    Shard& shard_of(const IpAddr& client, const IpAddr& server);
    void put(const IpAddr& client, const IpAddr& server, std::string_view name, int64_t ttl_us);

    size_t per_shard_;
    int64_t max_ttl_us_;
    const Clock& clock_;
    std::vector<std::unique_ptr<Shard>> shards_;
    Gauge& entries_;
    Counter& insertions_;
    Counter& evictions_;
    Counter& expirations_;
};

/// One answer record of a DNS response, as the table is fed: an address record (A/AAAA) or a
/// CNAME. An empty owner is unknown (EVE's `grouped` with several CNAMEs).
struct NameRecord {
    std::string_view owner;
    bool cname = false;
    std::string_view target;  // CNAME
    IpAddr addr;              // A/AAAA
    uint32_t ttl = 0;
    bool has_ttl = false;
};

/// The name asked for each address record of a response: with a question `qname`, the
/// address records whose owner it reaches through the response's CNAMEs (or whose owner is
/// unknown) get `qname`; without one, each address record's owner followed back through the
/// CNAMEs to the start of its chain. Loops in the CNAMEs end the walk. Names compare without
/// case.
void feed_response(DnsNameTable& table, const IpAddr& client, std::string_view qname,
                   std::span<const NameRecord> records);

/// Lower-cased, trailing dot removed.
std::string normalize_name(std::string_view name);
bool same_name(std::string_view a, std::string_view b);

}  // namespace eveflow
