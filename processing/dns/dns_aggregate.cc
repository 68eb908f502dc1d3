// DnsAggregate: counting per question, v1 responses regrouped, records at window close.
#include "processing/dns/dns_aggregate.h"

#include <functional>

#include "util/hash.h"

namespace eveflow::processing::dns {
namespace {

constexpr size_t kMaxPending = 65536;  // v1 queries waiting for their answer events

}  // namespace

size_t NameKeyHash::operator()(const NameKey& k) const {
    std::hash<std::string_view> h;
    return mix64(h(k.rrname) ^ (h(k.rrtype) * 31) ^ (h(k.sensor) * 131));
}

size_t DnsAggregate::PendingHash::operator()(const PendingKey& k) const {
    return mix64(k.flow_id ^ (uint64_t{k.id} << 48));
}

DnsAggregate::DnsAggregate(DnsHandlerConfig config, HandlerContext& hctx)
    : WindowedDnsHandler(std::move(config), hctx, "DNS aggregate records emitted") {}

NameState& DnsAggregate::state(Table& table, std::string_view sensor, std::string_view rrname,
                               std::string_view rrtype) {
    key_.sensor.assign(sensor);
    key_.rrname.assign(rrname);
    key_.rrtype.assign(rrtype);
    auto it = table.find(key_);
    if (it == table.end()) it = table.emplace(key_, NameState{}).first;
    return it->second;
}

void DnsAggregate::response_key(const Event& e, const DnsMessage& m, bool& continued) {
    continued = false;
    if (m.layout != DnsLayout::kV1) {
        if (m.has_id) pending_.erase({e.fields.flow_id, m.id});
        const DnsQuestion q = m.queries.empty() ? DnsQuestion{} : m.queries.front();
        last_v1_key_ = {std::string(sensor(e)), std::string(q.rrname), std::string(q.rrtype)};
        return;
    }
    const std::string_view s = sensor(e);
    V1Response& l = last_v1_;
    if (l.valid && l.flow_id == e.fields.flow_id && l.id == m.id && l.ts == e.fields.ts.us &&
        l.sensor == s) {
        continued = true;
        return;
    }
    l = {std::string(s), e.fields.flow_id, e.fields.ts.us, m.id, m.has_id};
    auto it = m.has_id ? pending_.find({e.fields.flow_id, m.id}) : pending_.end();
    if (it != pending_.end()) {
        last_v1_key_ = {l.sensor, it->second.first, it->second.second};
        pending_.erase(it);
    } else if (!m.queries.empty()) {
        last_v1_key_ = {l.sensor, std::string(m.queries[0].rrname),
                        std::string(m.queries[0].rrtype)};
    } else if (!m.answers.empty()) {
        last_v1_key_ = {l.sensor, std::string(m.answers[0].rrname),
                        std::string(m.answers[0].rrtype)};
    } else {
        last_v1_key_ = {l.sensor, {}, {}};
    }
}

void DnsAggregate::add(const Event& e, const DnsMessage& m, Table& table) {
    IpAddr client;
    const bool has_client = dns_client(e.fields, client);
    if (!m.response) {
        const DnsQuestion q = m.queries.empty() ? DnsQuestion{} : m.queries.front();
        if (m.layout != DnsLayout::kV3 && m.has_id) {
            if (pending_.size() >= kMaxPending) pending_.clear();
            pending_[{e.fields.flow_id, m.id}] = {std::string(q.rrname), std::string(q.rrtype)};
        }
        NameState& s = state(table, sensor(e), q.rrname, q.rrtype);
        ++s.queries;
        if (has_client) s.clients.insert(client);
        return;
    }
    bool continued = false;
    response_key(e, m, continued);
    NameState& s = state(table, last_v1_key_.sensor, last_v1_key_.rrname, last_v1_key_.rrtype);
    if (!continued) {
        ++s.responses;
        if (!m.rcode.empty()) ++s.rcodes[std::string(m.rcode)];
    }
    if (has_client) s.clients.insert(client);
    for (const DnsRecord& r : m.answers) {
        if (r.rdata.empty() || s.answers.count(r.rdata)) continue;
        if (s.answers.size() < config_.max_answers) {
            s.answers.emplace(r.rdata);
        } else {
            ++s.answers_overflow;
        }
    }
}

void DnsAggregate::emit_table(int64_t window_start, Table& table, bool late, Emitter& out) {
    for (auto& [key, s] : table) {
        DnsAggregateRecord r;
        r.window_start = Timestamp::from_us(window_start);
        r.window_end = Timestamp::from_us(window_start + config_.period.count());
        r.rrname = key.rrname;
        r.rrtype = key.rrtype;
        r.sensor_id = key.sensor;
        r.queries = s.queries;
        r.responses = s.responses;
        r.clients.reserve(s.clients.size());
        for (const IpAddr& ip : s.clients) r.clients.push_back(ip.to_string());
        r.rcodes.assign(s.rcodes.begin(), s.rcodes.end());
        r.answers.assign(std::make_move_iterator(s.answers.begin()),
                         std::make_move_iterator(s.answers.end()));
        r.answers_overflow = s.answers_overflow;
        r.late = late;
        emit(Record(std::move(r)), out);
    }
    table.clear();
}

}  // namespace eveflow::processing::dns
