// RdnsResolver: reverse lookups with c-ares on a thread of its own, answers into an RdnsCache.
#pragma once

#include <ares.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "processing/enrich/rdns_cache.h"
#include "processing/enrich/rdns_config.h"
#include "util/context.h"
#include "util/log.h"

namespace eveflow::processing {

/// c-ares 1.18 runs no thread of its own: run() polls the channel's sockets and an eventfd
/// that request() writes, starting at most max_inflight lookups at a time. Addresses with a
/// live cache entry or a lookup in flight are not asked again.
class RdnsResolver {
public:
    RdnsResolver(const RdnsConfig& config, RdnsCache& cache, Context& ctx);
    ~RdnsResolver();
    RdnsResolver(const RdnsResolver&) = delete;
    RdnsResolver& operator=(const RdnsResolver&) = delete;

    /// Sets up the channel (servers) and starts the thread; throws StartupError.
    void start();
    /// Cancels what is in flight, joins the thread and destroys the channel. Idempotent.
    void stop();
    /// Any thread, never blocks on the network: queues a lookup of `ip`. False (counted and
    /// logged) when the queue is full.
    bool request(const IpAddr& ip);

private:
    struct Lookup;
    void run();
    void poll_once();
    void take_requests();
    void start_lookup(const IpAddr& ip);
    void answered(const IpAddr& ip, int status, const unsigned char* abuf, int alen);
    void refuse(const IpAddr& ip, Counter& counter, const char* reason);
    static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);

    const RdnsConfig config_;
    RdnsCache& cache_;
    ares_channel channel_ = nullptr;
    bool library_ = false;
    int wake_fd_ = -1;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::mutex mu_;  // guards queue_
    std::vector<IpAddr> queue_;
    std::vector<IpAddr> taken_;                         // resolver thread only
    std::unordered_set<IpAddr, IpAddrHash> in_flight_;  // resolver thread only
    log::RateLimit refused_log_;
    Counter &started_, &names_, &nxdomain_, &failed_, &timeouts_;
    Counter &refused_queue_, &refused_inflight_;
    Gauge& entries_;
};

}  // namespace eveflow::processing
