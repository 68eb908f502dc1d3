// GeoEnricher: country and AS of both addresses of each event, through a bounded cache.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "processing/enrich/enricher.h"
#include "processing/enrich/geo_db.h"
#include "util/stats.h"

namespace eveflow::processing {

/// A direct-mapped cache of lookups: a fixed number of slots indexed by the address's hash,
/// a newer address replacing an older one in its slot. Bounded, no allocation after start.
class GeoCache {
public:
    explicit GeoCache(size_t slots_log2 = 16) : slots_(size_t{1} << slots_log2) {}
    /// The cached result for `ip`, or null.
    const GeoInfo* find(const IpAddr& ip) const;
    void put(const IpAddr& ip, const GeoInfo& info);
    void clear();

private:
    struct Slot {
        IpAddr ip;
        GeoInfo info;
        bool used = false;
    };
    size_t index(const IpAddr& ip) const;
    std::vector<Slot> slots_;
};

class GeoEnricher final : public Enricher {
public:
    GeoEnricher(std::string path, Context& ctx);
    std::string_view name() const override { return "geo"; }
    void open() override;
    void enrich(Event& e) override;
    void request_reopen() override;
    void tick() override;

    /// The address's country and AS, looked up once per distinct address while cached.
    GeoInfo lookup(const IpAddr& ip);

private:
    void take_reopened();

    std::string path_;
    std::unique_ptr<GeoDb> db_;
    GeoCache cache_;
    std::mutex mu_;  // guards reopened_
    std::unique_ptr<GeoDb> reopened_;
    std::atomic<bool> has_reopened_{false};
    uint64_t pending_lookups_ = 0, pending_hits_ = 0;  // published by tick()
    Counter& lookups_;
    Counter& hits_;
};

}  // namespace eveflow::processing
