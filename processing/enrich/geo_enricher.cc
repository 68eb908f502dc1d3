// GeoEnricher: cached lookups, and a database swapped in after SIGHUP.
#include "processing/enrich/geo_enricher.h"

#include "util/hash.h"
#include "util/log.h"
#include "util/status.h"

namespace eveflow::processing {

size_t GeoCache::index(const IpAddr& ip) const {
    uint64_t w[2];
    std::memcpy(w, ip.bytes().data(), sizeof w);
    return mix64(w[0] * 0x9e3779b97f4a7c15ULL ^ w[1]) & (slots_.size() - 1);
}

const GeoInfo* GeoCache::find(const IpAddr& ip) const {
    const Slot& s = slots_[index(ip)];
    return s.used && s.ip == ip ? &s.info : nullptr;
}

void GeoCache::put(const IpAddr& ip, const GeoInfo& info) {
    Slot& s = slots_[index(ip)];
    s.ip = ip;
    s.info = info;
    s.used = true;
}

void GeoCache::clear() {
    for (Slot& s : slots_) s.used = false;
}

GeoEnricher::GeoEnricher(std::string path, Context& ctx)
    : path_(std::move(path)),
      lookups_(ctx.stats.counter("eveflow_enrich_lookups_total",
                                 "Address lookups of the enrichment stage, by enricher",
                                 {{"enricher", "geo"}})),
      hits_(ctx.stats.counter("eveflow_enrich_cache_hits_total",
                              "Lookups answered from the enrichment cache, by enricher",
                              {{"enricher", "geo"}})) {}

void GeoEnricher::open() {
    db_ = open_geo_db(path_);
    log::info("enrich: geo database opened path={} format={}", path_, db_->format());
}

void GeoEnricher::request_reopen() {
    try {
        auto db = open_geo_db(path_);
        std::lock_guard lock(mu_);
        reopened_ = std::move(db);
        has_reopened_.store(true, std::memory_order_release);
        log::info("enrich: geo database reopened path={}", path_);
    } catch (const StartupError& e) {
        log::warn("enrich: geo database not reopened, keeping the open one: {}", e.what());
    }
}

void GeoEnricher::take_reopened() {
    std::lock_guard lock(mu_);
    db_ = std::move(reopened_);
    has_reopened_.store(false, std::memory_order_relaxed);
    cache_.clear();
}

GeoInfo GeoEnricher::lookup(const IpAddr& ip) {
    if (has_reopened_.load(std::memory_order_acquire)) [[unlikely]] {
        take_reopened();
    }
    ++pending_lookups_;
    if (const GeoInfo* hit = cache_.find(ip)) {
        ++pending_hits_;
        return *hit;
    }
    GeoInfo info = db_ ? db_->lookup(ip) : GeoInfo{};
    cache_.put(ip, info);
    return info;
}

void GeoEnricher::tick() {
    lookups_.inc(pending_lookups_);
    hits_.inc(pending_hits_);
    pending_lookups_ = pending_hits_ = 0;
}

void GeoEnricher::enrich(Event& e) {
    FlowEntry& f = e.fields;
    if (e.type != EventType::kFlow) return;  // only flows are aggregated
    if (f.has_src_ip) {
        GeoInfo g = lookup(f.src_ip);
        f.enrich.src_country = g.country;
        f.enrich.src_asn = g.asn;
    }
    if (f.has_dest_ip) {
        GeoInfo g = lookup(f.dest_ip);
        f.enrich.dest_country = g.country;
        f.enrich.dest_asn = g.asn;
    }
}

}  // namespace eveflow::processing
