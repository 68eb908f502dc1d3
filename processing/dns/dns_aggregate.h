// DnsAggregate: per window and (rrname, rrtype): queries, responses, distinct clients, rcodes
// and the set of answers.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include "processing/dns/windowed_handler.h"

namespace eveflow::processing::dns {

struct NameKey {
    std::string sensor, rrname, rrtype;
    bool operator==(const NameKey&) const = default;
};
struct NameKeyHash {
    size_t operator()(const NameKey& k) const;
};
struct NameState {
    uint64_t queries = 0, responses = 0;
    std::set<IpAddr> clients;
    std::map<std::string, uint64_t, std::less<>> rcodes;
    std::set<std::string, std::less<>> answers;
    uint64_t answers_overflow = 0;
};

/// A response is keyed by its question. v1 logs one event per record and no question in
/// them: consecutive v1 answer events of one (sensor, flow_id, id, timestamp) are one
/// response, keyed by the question of the query event with that flow_id and id when it was
/// seen (a bounded table), else by the first record's rrname and rrtype.
class DnsAggregate final : public WindowedDnsHandler<NameKey, NameState, NameKeyHash> {
public:
    DnsAggregate(DnsHandlerConfig config, HandlerContext& hctx);

private:
    void add(const Event& e, const DnsMessage& m, Table& table) override;
    void emit_table(int64_t window_start, Table& table, bool late, Emitter& out) override;
    NameState& state(Table& table, std::string_view sensor, std::string_view rrname,
                     std::string_view rrtype);
    /// The question a response counts under; sets `continued` for a v1 response's later records.
    void response_key(const Event& e, const DnsMessage& m, bool& continued);

    struct PendingKey {
        uint64_t flow_id;
        uint16_t id;
        bool operator==(const PendingKey&) const = default;
    };
    struct PendingHash {
        size_t operator()(const PendingKey& k) const;
    };
    std::unordered_map<PendingKey, std::pair<std::string, std::string>, PendingHash> pending_;
    NameKey key_;  // scratch: the key being looked up
    NameKey last_v1_key_;
    struct V1Response {
        std::string sensor;
        uint64_t flow_id = 0;
        int64_t ts = 0;
        uint16_t id = 0;
        bool valid = false;
    } last_v1_;
};

}  // namespace eveflow::processing::dns
