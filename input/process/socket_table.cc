// SocketTable: the bounded endpoint → owner map.
#include "input/process/socket_table.h"

#include <algorithm>
#include <cstring>

namespace eveflow::input::process {

std::string_view SocketOwner::name() const {
    return {comm.data(),
            static_cast<size_t>(std::find(comm.begin(), comm.end() - 1, '\0') - comm.begin())};
}

bool is_wildcard(const Addr& a) {
    static constexpr Addr kAny{};
    static constexpr Addr kAny4{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
    return a == kAny || a == kAny4;
}

size_t SocketTable::KeyHash::operator()(const Key& k) const {
    uint64_t w[2];
    std::memcpy(w, k.addr.data(), sizeof w);
    uint64_t h = (w[0] * 0x9e3779b97f4a7c15ULL) ^ w[1];
    h ^= (uint64_t{k.port} << 8 | k.proto) * 0xbf58476d1ce4e5b9ULL;
    return static_cast<size_t>(h ^ (h >> 29));
}

void SocketTable::put(uint8_t proto, const Addr& addr, uint16_t port, const SocketOwner& owner) {
    Key key{is_wildcard(addr) ? Addr{} : addr, port, proto};
    auto it = index_.find(key);
    if (it != index_.end()) {
        Slot& s = *it->second;
        // The same process again (another connection accepted on a listening port, another
        // datagram) has owned the endpoint since its first report; a new one shifts.
        if (s.latest.pid == owner.pid) {
            int64_t since = std::min(s.latest.seen_us, owner.seen_us);
            s.latest = owner;
            s.latest.seen_us = since;
        } else {
            s.previous = s.latest;
            s.latest = owner;
        }
        lru_.splice(lru_.begin(), lru_, it->second);
        return;
    }
    if (index_.size() >= capacity_ && !lru_.empty()) {
        index_.erase(lru_.back().key);
        lru_.pop_back();
        ++evicted_;
    }
    lru_.push_front(Slot{key, owner, SocketOwner{}});
    index_.emplace(key, lru_.begin());
}

const SocketOwner* SocketTable::match(const Key& k, int64_t before_us) const {
    auto it = index_.find(k);
    if (it == index_.end()) return nullptr;
    const Slot& s = *it->second;
    if (s.latest.seen_us <= before_us) return &s.latest;
    if (s.previous.pid != 0 && s.previous.seen_us <= before_us) return &s.previous;
    return nullptr;
}

const SocketOwner* SocketTable::find(uint8_t proto, const Addr& addr, uint16_t port,
                                     int64_t last_us, int64_t slack_us) const {
    int64_t before = last_us + slack_us;
    if (const SocketOwner* o = match(Key{addr, port, proto}, before)) return o;
    return match(Key{Addr{}, port, proto}, before);
}

}  // namespace eveflow::input::process
