// DnsNamesEnricher: EVE dns answers into (client, address) -> name asked.
#include "processing/enrich/dns_names_enricher.h"

namespace eveflow::processing {

namespace {

bool address_record(const dns::DnsRecord& r, IpAddr& addr) {
    if (r.rrtype != "A" && r.rrtype != "AAAA") return false;
    auto ip = IpAddr::parse(r.rdata);
    if (!ip) return false;
    addr = *ip;
    return true;
}

}  // namespace

DnsNamesEnricher::DnsNamesEnricher(std::shared_ptr<DnsNameTable> table)
    : table_(std::move(table)) {}

void DnsNamesEnricher::enrich(Event& e) {
    if (e.type != EventType::kDns || e.raw.empty()) return;
    const dns::DnsMessage* m = dns::read_shared(e.raw);
    if (m == nullptr || !m->response || m->answers.empty()) return;
    IpAddr client;
    if (!dns::dns_client(e.fields, client)) return;
    if (m->layout == dns::DnsLayout::kV1) {
        v1_record(client, *m);
        return;
    }
    records_.clear();
    for (const dns::DnsRecord& r : m->answers) {
        NameRecord n{r.rrname, r.rrtype == "CNAME", r.rdata, {}, r.ttl, r.has_ttl};
        if (n.cname || address_record(r, n.addr)) records_.push_back(n);
    }
    const std::string_view qname = m->queries.empty() ? std::string_view() : m->queries[0].rrname;
    feed_response(*table_, client, qname, records_);
}

std::string DnsNamesEnricher::chain_key(const IpAddr& client, uint16_t id,
                                        std::string_view name) const {
    std::string k(reinterpret_cast<const char*>(client.bytes().data()), client.bytes().size());
    k += static_cast<char>(id >> 8);
    k += static_cast<char>(id & 0xff);
    k += normalize_name(name);
    return k;
}

// One v1 record: a CNAME extends the chain its owner is on; an address record is stored
// under the start of its owner's chain.
void DnsNamesEnricher::v1_record(const IpAddr& client, const dns::DnsMessage& m) {
    const dns::DnsRecord& r = m.answers.front();
    if (r.rrname.empty()) return;
    auto it = chains_.find(chain_key(client, m.id, r.rrname));
    const std::string asked = it != chains_.end() ? it->second : std::string(r.rrname);
    if (r.rrtype == "CNAME") {
        if (r.rdata.empty()) return;
        if (order_.size() >= kMaxChainNames) {
            chains_.erase(order_.front());
            order_.pop_front();
        }
        std::string key = chain_key(client, m.id, r.rdata);
        if (chains_.insert_or_assign(key, asked).second) order_.push_back(std::move(key));
        return;
    }
    IpAddr addr;
    if (!address_record(r, addr)) return;
    if (r.has_ttl) {
        table_->insert(client, addr, asked, r.ttl);
    } else {
        table_->insert(client, addr, asked);
    }
}

}  // namespace eveflow::processing
