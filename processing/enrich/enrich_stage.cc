// EnrichStage: builds the configured enrichers and runs them over each batch.
#include "processing/enrich/community_id_enricher.h"
#include "processing/enrich/dns_names_enricher.h"
#include "processing/enrich/enricher.h"
#include "processing/enrich/geo_enricher.h"
#include "processing/enrich/home_net.h"
#include "processing/enrich/rdns_enricher.h"

namespace eveflow::processing {

EnrichStage::EnrichStage(std::vector<std::unique_ptr<Enricher>> enrichers)
    : enrichers_(std::move(enrichers)) {}

std::unique_ptr<EnrichStage> EnrichStage::create(const EnrichConfig& config, Context& ctx) {
    if (!config.any()) return nullptr;
    std::vector<std::unique_ptr<Enricher>> list;
    if (!config.home_net.empty())
        list.push_back(std::make_unique<HomeNetEnricher>(config.home_net));
    if (config.geo) list.push_back(std::make_unique<GeoEnricher>(config.geo_database, ctx));
    if (config.community_id) list.push_back(std::make_unique<CommunityIdEnricher>());
    if (config.rdns) list.push_back(std::make_unique<RdnsEnricher>(config.rdns_config, ctx));
    if (config.dns_names) {
        ctx.dns_names =
            std::make_shared<DnsNameTable>(static_cast<size_t>(config.dns_names_max_entries),
                                           config.dns_names_ttl.count(), ctx.clock, ctx.stats);
        list.push_back(std::make_unique<DnsNamesEnricher>(ctx.dns_names));
    }
    return std::make_unique<EnrichStage>(std::move(list));
}

void EnrichStage::set_raw_types(const EventTypeSet& types) {
    for (auto& e : enrichers_) {
        if (auto* cid = dynamic_cast<CommunityIdEnricher*>(e.get())) cid->set_raw_types(types);
    }
}

HostNames* EnrichStage::host_names() {
    for (auto& e : enrichers_) {
        if (auto* names = dynamic_cast<RdnsEnricher*>(e.get())) return names;
    }
    return nullptr;
}

void EnrichStage::open() {
    for (auto& e : enrichers_) e->open();
}

void EnrichStage::request_reopen() {
    for (auto& e : enrichers_) e->request_reopen();
}

void EnrichStage::enrich(EventBatch& batch) {
    for (Event& ev : batch.events) {
        for (auto& e : enrichers_) e->enrich(ev);
    }
}

void EnrichStage::tick() {
    for (auto& e : enrichers_) e->tick();
}

}  // namespace eveflow::processing
