// RdnsEnricher: the table of recently asked addresses in front of the resolver.
#include "processing/enrich/rdns_enricher.h"

#include <algorithm>

namespace eveflow::processing {

namespace {
constexpr size_t kSeenSlots = size_t{1} << 16;
}

RdnsEnricher::RdnsEnricher(const RdnsConfig& config, Context& ctx)
    : private_only_(config.private_only),
      again_(std::min(config.ttl, config.negative_ttl)),
      clock_(ctx.clock),
      now_(ctx.clock.steady_now()),
      seen_(kSeenSlots),
      cache_(config.cache_size, config.ttl, config.negative_ttl, ctx.clock),
      resolver_(config, cache_, ctx) {}

void RdnsEnricher::open() {
    now_ = clock_.steady_now();
    resolver_.start();
}

void RdnsEnricher::tick() { now_ = clock_.steady_now(); }

void RdnsEnricher::see(const IpAddr& ip) {
    if (private_only_ && !rdns_private_address(ip)) return;
    Seen& s = seen_[IpAddrHash{}(ip) & (kSeenSlots - 1)];
    if (s.used && s.ip == ip && now_ - s.asked < again_) return;
    if (resolver_.request(ip)) s = {ip, now_, true};
}

void RdnsEnricher::enrich(Event& e) {
    if (e.type != EventType::kFlow) return;  // only flows are aggregated
    const FlowEntry& f = e.fields;
    if (f.has_src_ip) see(f.src_ip);
    if (f.has_dest_ip) see(f.dest_ip);
}

}  // namespace eveflow::processing
