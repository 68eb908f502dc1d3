// DnsEventReader: the `dns` object of a Suricata EVE event, in any of its layouts, as one
// message of queries, answers and authorities.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "types/event.h"
#include "types/ip_addr.h"

namespace eveflow::processing::dns {

/// The layout the event was written in.
///  - kV1: Suricata up to 4.x, `type: query|answer`, one answer event per record (also the
///    records of the authority section), each with `rrname`, `rrtype`, `ttl`, `rdata`; an
///    answer without records carries only the query name and `rcode`.
///  - kV2: Suricata 5-7, `version: 2`, `type: answer` with the query's `rrname`/`rrtype`,
///    `answers[]` and/or `grouped{rrtype: [rdata]}`, `authorities[]`; queries stay v1-shaped.
///    Alerts carry `dns: {query: [...], answer: {...}}`.
///  - kV3: Suricata 8, `version: 3`, `type: request|response`, `queries[]`, `answers[]`,
///    `authorities[]` (the same in alerts).
enum class DnsLayout : uint8_t { kV1, kV2, kV3 };

/// A question: the name and type asked for, as logged.
struct DnsQuestion {
    std::string_view rrname, rrtype;
};

/// A resource record. `rdata` is the logged text; for records Suricata logs as objects (SOA,
/// SRV, ...) it is their presentation form ("mname rname serial refresh retry expire minimum",
/// "priority weight port target"); empty when the event holds none.
struct DnsRecord {
    std::string_view rrname, rrtype, rdata;
    uint32_t ttl = 0;
    bool has_ttl = false;
};

/// One DNS event read. Views point into the reader's storage and stay valid until its next
/// read().
struct DnsMessage {
    DnsLayout layout = DnsLayout::kV1;
    bool response = false;  // an answer / response (else a query / request)
    bool has_id = false;
    uint16_t id = 0;
    std::string_view rcode;  // empty for requests
    std::vector<DnsQuestion> queries;
    std::vector<DnsRecord> answers;
    std::vector<DnsRecord> authorities;
};

/// Reads the `dns` object of EVE lines (dns events and alerts). One per thread; not
/// thread-safe. Each answer is listed once: from `answers` when the event has it, else from
/// `grouped`, which logs neither owner names nor TTLs: the rrname is then the question's when
/// the answer holds no CNAME, the question's for a single CNAME and its target's for the other
/// records, and empty (unknown) when there are several CNAMEs.
class DnsEventReader {
public:
    DnsEventReader();
    ~DnsEventReader();
    DnsEventReader(const DnsEventReader&) = delete;
    DnsEventReader& operator=(const DnsEventReader&) = delete;

    /// Reads `line` (one EVE JSON object). False if it is not JSON or has no `dns` object.
    bool read(std::string_view line, DnsMessage& out);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The line read by this thread's reader: several handlers on one processing thread that read
/// the same event parse it once (the last line read is kept and compared). nullptr if it is
/// not JSON or has no `dns` object. The message stays valid until the next call on this
/// thread.
const DnsMessage* read_shared(std::string_view line);

/// The client of a DNS exchange: the endpoint not on port 53 when exactly one is (older
/// Suricata logs responses in packet direction, newer ones in flow direction), else the
/// source. False when the event has no address for it.
bool dns_client(const FlowEntry& f, IpAddr& out);

}  // namespace eveflow::processing::dns
