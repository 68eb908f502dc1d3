// Pdns: passive DNS: (rrname, rrtype, rdata) tuples of answers and authorities, per window.
#pragma once

#include <cstdint>
#include <string>

#include "processing/dns/windowed_handler.h"

namespace eveflow::processing::dns {

struct TupleKey {
    std::string sensor, rrname, rrtype, rdata;
    bool operator==(const TupleKey&) const = default;
};
struct TupleKeyHash {
    size_t operator()(const TupleKey& k) const;
};
struct TupleState {
    uint64_t count = 0;
    int64_t first_us = 0, last_us = 0;
};

/// Every answer and authority record of a response with an owner name, a type and rdata is
/// one sighting of its tuple (a CNAME link is a tuple of its own); `count` is the number of
/// sightings in the window, `time_first`/`time_last` the seconds of the first and last.
class Pdns final : public WindowedDnsHandler<TupleKey, TupleState, TupleKeyHash> {
public:
    Pdns(DnsHandlerConfig config, HandlerContext& hctx);

private:
    void add(const Event& e, const DnsMessage& m, Table& table) override;
    void emit_table(int64_t window_start, Table& table, bool late, Emitter& out) override;
    void sighting(Table& table, std::string_view sensor, const DnsRecord& r, int64_t t);

    TupleKey key_;  // scratch: the key being looked up
};

}  // namespace eveflow::processing::dns
