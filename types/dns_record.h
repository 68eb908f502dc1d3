// DNS records handlers emit: per-name aggregates and passive DNS tuples.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "types/timestamp.h"

namespace eveflow {

/// One (window, rrname, rrtype) of DNS traffic (dns_aggregate). Sinks that merge partial
/// records of one key (PostgreSQL) add the counts and unite the sets.
struct DnsAggregateRecord {
    Timestamp window_start, window_end;
    std::string rrname, rrtype;  // the question, as logged
    uint64_t queries = 0;        // request events
    uint64_t responses = 0;      // response messages, whatever their number of answers
    /// The distinct clients, as text, ascending: exact, so `clients` = its size.
    std::vector<std::string> clients;
    /// Responses per rcode, by rcode name, ascending.
    std::vector<std::pair<std::string, uint64_t>> rcodes;
    /// Distinct answer rdata, ascending, at most the handler's max_answers.
    std::vector<std::string> answers;
    /// Answer records whose rdata was not kept because `answers` was full.
    uint64_t answers_overflow = 0;
    bool late = false;      // for a window already emitted
    std::string sensor_id;  // the events' EVE `host`; empty: the configured sensor_id
};

/// One passive DNS tuple seen in a window (pdns), with the Passive DNS Common Output Format's
/// fields: `count` records seen, `time_first`/`time_last` in epoch seconds. Partial records of
/// one (rrname, rrtype, rdata, sensor_id) add up (sum, min, max).
struct PdnsRecord {
    std::string rrname, rrtype, rdata;
    uint64_t count = 0;
    int64_t time_first = 0, time_last = 0;
    std::string sensor_id;  // empty: the configured sensor_id
};

}  // namespace eveflow
