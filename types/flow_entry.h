// FlowEntry: the typed fields of one event; for a flow, its key, times and counters.
#pragma once

#include <cstdint>
#include <string_view>

#include "types/enrichment.h"
#include "types/ip_addr.h"
#include "types/name_words.h"
#include "types/timestamp.h"

namespace eveflow {

/// What a flow event reports. EVE input gives final records only; the pcap meter with interim
/// updates on also gives kUpdate (a flow still alive, `"reason": "update"`) and, with a
/// lifecycle output, kInsert (the flow passed the insert policy: no line, not aggregatable,
/// never forwarded). Handlers that act once per flow act on kFinal only.
enum class FlowReport : uint8_t { kFinal, kUpdate, kInsert };

/// What a meter flow's update or final record adds since the flow's previous report: packets
/// and bytes per direction and the first and last packet time of that span (none when the
/// span has no packet). `prev_last` is the last packet time of the previous report (none for
/// the first one), so a consumer knows whether the flow already had packets in a window.
struct FlowDelta {
    uint64_t pkts_toserver = 0, pkts_toclient = 0;
    uint64_t bytes_toserver = 0, bytes_toclient = 0;
    Timestamp first, last, prev_last;
};

/// Filled from any EVE event's common fields (what the line has), or by the pcap meter for
/// a finished flow. Counters are set for flow events only; absent counters are 0.
/// String views point into the owning EventBatch's buffer (or static storage).
struct FlowEntry {
    Timestamp ts;          // top-level "timestamp": when Suricata logged it
    Timestamp start, end;  // flow.start / flow.end, none() when absent
    IpAddr src_ip, dest_ip;
    bool has_src_ip = false, has_dest_ip = false;
    bool has_src_port = false, has_dest_port = false;
    uint16_t src_port = 0, dest_port = 0;
    uint8_t proto = 0;  // IPPROTO_* number
    bool has_proto = false;
    uint16_t vlan = 0;  // outermost VLAN id, 0 when untagged
    uint64_t flow_id = 0;
    uint64_t pkts_toserver = 0, pkts_toclient = 0;
    uint64_t bytes_toserver = 0, bytes_toclient = 0;
    std::string_view app_proto;  // "tls", "failed", nDPI's "TLS.Google"; empty if none
    /// NameWords::of(app_proto), taken by a producer that has the bytes in cache (the EVE
    /// parser); left empty by others. Valid when its size equals app_proto.size() and is not
    /// 0: a consumer on another core then needs not read the line again.
    NameWords app_proto_words;
    std::string_view in_iface;
    std::string_view host;  // top-level "host": Suricata's sensor-name; empty if none
    FlowReport report = FlowReport::kFinal;
    /// Set by the pcap meter when interim updates are on: the counters above stay cumulative
    /// (as Suricata prints them), `delta` holds what this record adds.
    bool has_delta = false;
    /// The flow passed the meter's insert policy: lifecycle outputs hold it (an update is sent
    /// to them, a final record removes it). False for EVE input.
    bool live = false;
    FlowDelta delta;
    /// When the meter made the report, in packet time (lifecycle records' `at`).
    Timestamp reported_at;
    /// The meter's process visibility: the comm of the local process at each end; empty
    /// when the end is remote, unknown or the option is off (docs/process.md).
    std::string_view src_process_name, dest_process_name;
    uint8_t icmp_type = 0, icmp_code = 0;  // EVE icmp_type/icmp_code; the meter: first packet's
    bool has_icmp = false;
    std::string_view community_id;  // the line's own community_id (its text); empty if none
    Enrichment enrich;              // set by the enrichment stage, before any handler
};

/// Suricata's names for IP protocols: TCP, UDP, ICMP, IPv6-ICMP, SCTP, ... else nullptr.
const char* proto_name(uint8_t proto);
/// Accepts a name (any case) or a decimal number 0-255.
bool parse_proto(std::string_view text, uint8_t& out);

}  // namespace eveflow
