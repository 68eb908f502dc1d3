// Pdns: sightings per tuple, emitted as Passive DNS Common Output Format records.
#include "processing/dns/pdns.h"

#include <algorithm>
#include <functional>

#include "util/hash.h"

namespace eveflow::processing::dns {

size_t TupleKeyHash::operator()(const TupleKey& k) const {
    std::hash<std::string_view> h;
    return mix64(h(k.rrname) ^ (h(k.rrtype) * 31) ^ (h(k.rdata) * 131) ^ (h(k.sensor) * 257));
}

Pdns::Pdns(DnsHandlerConfig config, HandlerContext& hctx)
    : WindowedDnsHandler(std::move(config), hctx, "Passive DNS records emitted") {}

void Pdns::sighting(Table& table, std::string_view sensor, const DnsRecord& r, int64_t t) {
    if (r.rrname.empty() || r.rrtype.empty() || r.rdata.empty()) return;
    key_.sensor.assign(sensor);
    key_.rrname.assign(r.rrname);
    key_.rrtype.assign(r.rrtype);
    key_.rdata.assign(r.rdata);
    auto [it, inserted] = table.try_emplace(key_, TupleState{0, t, t});
    TupleState& s = it->second;
    ++s.count;
    s.first_us = std::min(s.first_us, t);
    s.last_us = std::max(s.last_us, t);
}

void Pdns::add(const Event& e, const DnsMessage& m, Table& table) {
    if (!m.response) return;
    const std::string_view s = sensor(e);
    for (const DnsRecord& r : m.answers) sighting(table, s, r, e.fields.ts.us);
    for (const DnsRecord& r : m.authorities) sighting(table, s, r, e.fields.ts.us);
}

void Pdns::emit_table(int64_t /*window_start*/, Table& table, bool /*late*/, Emitter& out) {
    for (auto& [key, s] : table) {
        PdnsRecord r;
        r.rrname = key.rrname;
        r.rrtype = key.rrtype;
        r.rdata = key.rdata;
        r.sensor_id = key.sensor;
        r.count = s.count;
        r.time_first = floor_to(s.first_us, 1'000'000) / 1'000'000;
        r.time_last = floor_to(s.last_us, 1'000'000) / 1'000'000;
        emit(Record(std::move(r)), out);
    }
    table.clear();
}

}  // namespace eveflow::processing::dns
