// DnsNamesEnricher: feeds the names-seen-in-DNS table from EVE dns answers.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "processing/dns/dns_event.h"
#include "processing/enrich/enricher.h"
#include "types/dns_names.h"

namespace eveflow::processing {

/// Reads the answers of EVE `dns` events into the shared DnsNameTable, keyed by (client,
/// answer address); the client is dns::dns_client()'s. v2 `answers` / `grouped` and v3
/// `answers` come whole: CNAME chains resolve within the event back to the question. v1 logs
/// one event per record, so the CNAMEs of recent answers are remembered per (client, DNS id)
/// and an address record's owner is followed back through them. Leaves events unchanged.
class DnsNamesEnricher final : public Enricher {
public:
    static constexpr size_t kMaxChainNames = 4096;  // v1 CNAMEs remembered

    explicit DnsNamesEnricher(std::shared_ptr<DnsNameTable> table);
    std::string_view name() const override { return "dns_names"; }
    void enrich(Event& e) override;

private:
    void v1_record(const IpAddr& client, const dns::DnsMessage& m);
    std::string chain_key(const IpAddr& client, uint16_t id, std::string_view name) const;

    std::shared_ptr<DnsNameTable> table_;
    std::vector<NameRecord> records_;
    // v1: (client, id, CNAME target) -> the name asked, oldest first in `order_`.
    std::unordered_map<std::string, std::string> chains_;
    std::deque<std::string> order_;
};

}  // namespace eveflow::processing
