// RdnsCache: a list in use order and a hash index into it.
#include "processing/enrich/rdns_cache.h"

#include <cstring>

#include "util/hash.h"

namespace eveflow::processing {

size_t IpAddrHash::operator()(const IpAddr& ip) const {
    uint64_t w[2];
    std::memcpy(w, ip.bytes().data(), sizeof w);
    return static_cast<size_t>(mix64(w[0] * 0x9e3779b97f4a7c15ULL ^ w[1]));
}

RdnsCache::RdnsCache(size_t capacity, std::chrono::microseconds ttl,
                     std::chrono::microseconds negative_ttl, const Clock& clock)
    : capacity_(capacity < 1 ? 1 : capacity),
      ttl_(ttl),
      negative_ttl_(negative_ttl),
      clock_(clock) {}

RdnsCache::List::iterator RdnsCache::live(const IpAddr& ip) {
    auto it = index_.find(ip);
    if (it == index_.end()) return lru_.end();
    List::iterator e = it->second;
    if (e->expires <= clock_.steady_now()) {
        lru_.erase(e);
        index_.erase(it);
        return lru_.end();
    }
    lru_.splice(lru_.begin(), lru_, e);
    return e;
}

void RdnsCache::put(const IpAddr& ip, std::string name) {
    const auto expires = clock_.steady_now() + (name.empty() ? negative_ttl_ : ttl_);
    std::lock_guard lock(mu_);
    auto it = index_.find(ip);
    if (it != index_.end()) {
        it->second->name = std::move(name);
        it->second->expires = expires;
        lru_.splice(lru_.begin(), lru_, it->second);
        return;
    }
    if (lru_.size() >= capacity_) {
        index_.erase(lru_.back().ip);
        lru_.pop_back();
    }
    lru_.push_front({ip, std::move(name), expires});
    index_.emplace(ip, lru_.begin());
}

std::string RdnsCache::name(const IpAddr& ip) {
    std::lock_guard lock(mu_);
    auto e = live(ip);
    return e == lru_.end() ? std::string() : e->name;
}

bool RdnsCache::fresh(const IpAddr& ip) {
    std::lock_guard lock(mu_);
    return live(ip) != lru_.end();
}

size_t RdnsCache::size() const {
    std::lock_guard lock(mu_);
    return lru_.size();
}

}  // namespace eveflow::processing
