// RdnsEnricher: starts a reverse lookup the first time a flow's address is seen; handlers
// read the answers when they emit records.
#pragma once

#include <chrono>
#include <vector>

#include "processing/enrich/enricher.h"
#include "processing/enrich/host_names.h"
#include "processing/enrich/rdns_cache.h"
#include "processing/enrich/rdns_config.h"
#include "processing/enrich/rdns_resolver.h"

namespace eveflow::processing {

/// enrich() (the hot path) asks the resolver only for addresses it has not asked for in the
/// last min(ttl, negative_ttl), remembered in a fixed table of recent addresses; the resolver
/// drops requests for addresses it has a live answer for.
class RdnsEnricher final : public Enricher, public HostNames {
public:
    RdnsEnricher(const RdnsConfig& config, Context& ctx);
    std::string_view name() const override { return "rdns"; }
    void open() override;
    void enrich(Event& e) override;
    void tick() override;
    std::string host(const IpAddr& ip) override { return cache_.name(ip); }

    /// Asks for `ip` unless private_only leaves it out or it was asked for recently.
    void see(const IpAddr& ip);

private:
    struct Seen {
        IpAddr ip;
        std::chrono::steady_clock::time_point asked;
        bool used = false;
    };

    const bool private_only_;
    const std::chrono::microseconds again_;
    const Clock& clock_;
    std::chrono::steady_clock::time_point now_;
    std::vector<Seen> seen_;
    RdnsCache cache_;
    RdnsResolver resolver_;  // after cache_: stopped (destroyed) before it
};

}  // namespace eveflow::processing
