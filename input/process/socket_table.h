// SocketTable: which process owns which local socket endpoint; bounded (docs/process.md).
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <string_view>
#include <unordered_map>

namespace eveflow::input::process {

using Addr = std::array<uint8_t, 16>;  // IPv4 v4-mapped, as the meter keeps flow endpoints

/// The process behind a socket, as the kernel (or a /proc scan) reported it.
struct SocketOwner {
    uint32_t pid = 0;  // the process id (thread group id)
    uint32_t uid = 0;
    std::array<char, 16> comm{};  // NUL-terminated, at most 15 bytes
    int64_t seen_us = 0;          // first reported for this endpoint, µs since the epoch

    std::string_view name() const;
};

/// A local socket endpoint.
struct Endpoint {
    uint8_t proto = 0;  // IPPROTO_TCP or IPPROTO_UDP
    Addr addr{};        // all zero (or v4-mapped 0.0.0.0) for a wildcard bind
    uint16_t port = 0;
};

/// True for :: and the v4-mapped 0.0.0.0: a socket bound to every address.
bool is_wildcard(const Addr& a);

/// Local endpoint (proto, address, port) → the owners last reported for it. An endpoint keeps
/// its two latest owners, so a port reused by a new socket after a flow ended still finds
/// the flow's. Sockets bound to a wildcard address are found by (proto, port) for any local
/// address. Least recently reported endpoints go first when full. Not thread-safe.
class SocketTable {
public:
    explicit SocketTable(size_t capacity) : capacity_(capacity) {}

    void put(uint8_t proto, const Addr& addr, uint16_t port, const SocketOwner& owner);
    /// The owner of a local endpoint for a flow whose last packet was at `last_us`: the latest
    /// one reported before `last_us` + `slack_us` (exact address first, then the wildcard);
    /// nullptr when none was.
    const SocketOwner* find(uint8_t proto, const Addr& addr, uint16_t port, int64_t last_us,
                            int64_t slack_us) const;
    size_t size() const { return index_.size(); }
    uint64_t evicted() const { return evicted_; }

private:
    struct Key {
        Addr addr;
        uint16_t port;
        uint8_t proto;
        uint8_t pad = 0;
        bool operator==(const Key& o) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const;
    };
    struct Slot {
        Key key;
        SocketOwner latest, previous;  // previous.pid == 0: none
    };
    const SocketOwner* match(const Key& k, int64_t before_us) const;

    size_t capacity_;
    std::list<Slot> lru_;  // front: most recently reported
    std::unordered_map<Key, std::list<Slot>::iterator, KeyHash> index_;
    uint64_t evicted_ = 0;
};

}  // namespace eveflow::input::process
