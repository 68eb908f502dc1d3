// RdnsCache: answers of reverse lookups, bounded (least recently used goes first), each
// entry living its ttl; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "types/ip_addr.h"
#include "util/clock.h"

namespace eveflow::processing {

struct IpAddrHash {
    size_t operator()(const IpAddr& ip) const;
};

class RdnsCache {
public:
    /// `ttl` for names, `negative_ttl` for answers without one (NXDOMAIN, failures).
    RdnsCache(size_t capacity, std::chrono::microseconds ttl,
              std::chrono::microseconds negative_ttl, const Clock& clock);

    /// Stores the answer for `ip`: its name, or "" when there is none.
    void put(const IpAddr& ip, std::string name);
    /// The name of `ip` while its entry lives; "" for an unknown or expired address and for a
    /// negative answer. Marks the entry used.
    std::string name(const IpAddr& ip);
    /// True while an answer (a name or a negative one) for `ip` lives.
    bool fresh(const IpAddr& ip);
    size_t size() const;

private:
    struct Entry {
        IpAddr ip;
        std::string name;
        std::chrono::steady_clock::time_point expires;
    };
    using List = std::list<Entry>;
    /// The live entry of `ip`, moved to the front; end() when absent or expired (then erased).
    List::iterator live(const IpAddr& ip);

    const size_t capacity_;
    const std::chrono::microseconds ttl_, negative_ttl_;
    const Clock& clock_;
    mutable std::mutex mu_;
    List lru_;  // most recently used first
    std::unordered_map<IpAddr, List::iterator, IpAddrHash> index_;
};

}  // namespace eveflow::processing
