// Record: what handlers hand to sinks: an aggregate of flows, or a forwarded raw event.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "types/dns_record.h"
#include "types/event.h"
#include "types/flow_entry.h"
#include "types/ip_addr.h"
#include "types/timestamp.h"

namespace eveflow {

/// Aggregation key fields (pmacct's aggregate primitives), as bits of a mask.
enum KeyField : uint32_t {
    kKeySrcIp = 1u << 0,
    kKeyDestIp = 1u << 1,
    kKeySrcPort = 1u << 2,
    kKeyDestPort = 1u << 3,
    kKeyProto = 1u << 4,
    kKeyAppProto = 1u << 5,
    kKeyVlan = 1u << 6,
    kKeyInIface = 1u << 7,
    kKeySrcProcessName = 1u << 8,  // the meter's process visibility (docs/process.md)
    kKeyDestProcessName = 1u << 9,
    kKeySrcNet = 1u << 10,
    kKeyDestNet = 1u << 11,
    kKeyHomeDirection = 1u << 12,
    kKeySrcCountry = 1u << 13,
    kKeyDestCountry = 1u << 14,
    kKeySrcAsn = 1u << 15,
    kKeyDestAsn = 1u << 16,
};
constexpr uint32_t kDefaultKeyFields = kKeySrcIp | kKeyDestIp | kKeyDestPort | kKeyProto;
/// Config names of the key fields, in bit order.
constexpr std::string_view kKeyFieldNames[] = {
    "src_ip",    "dest_ip",  "src_port",       "dest_port",        "proto",
    "app_proto", "vlan",     "in_iface",       "src_process_name", "dest_process_name",
    "src_net",   "dest_net", "home_direction", "src_country",      "dest_country",
    "src_asn",   "dest_asn"};
/// Key fields that come from the enrichment stage's geo database.
constexpr uint32_t kGeoKeyFields = kKeySrcCountry | kKeyDestCountry | kKeySrcAsn | kKeyDestAsn;

/// One (window, key) aggregate. Fields outside `key_fields` are zero/empty and not printed.
struct AggregateRecord {
    Timestamp window_start, window_end;
    uint32_t key_fields = kDefaultKeyFields;
    IpAddr src_ip, dest_ip;
    uint16_t src_port = 0, dest_port = 0;
    uint8_t proto = 0;
    uint16_t vlan = 0;
    std::string app_proto, in_iface;
    std::string src_process_name, dest_process_name;  // empty: remote, unknown or off
    uint64_t flows = 0, src_ports = 0;
    /// With the meter's interim updates: distinct flows of the key with packets in the window
    /// (printed only when `has_flows_active`).
    uint64_t flows_active = 0;
    bool has_flows_active = false;
    uint64_t pkts_toserver = 0, pkts_toclient = 0, bytes_toserver = 0, bytes_toclient = 0;
    Timestamp first_seen, last_seen;
    bool late = false;  // a record for a window already emitted: add it to the earlier ones
    /// Part of the window may have gone out already at a checkpoint (a partial record before
    /// this one is likely): sinks that merge skip their insert-only fast path. Not printed.
    bool after_checkpoint = false;
    /// The sensor the events came from (their EVE `host` field); empty: the configured one.
    std::string sensor_id;
    /// The distinct source ports counted in `src_ports`, ascending; its size equals
    /// `src_ports`. Filled by flow_aggregate at emission. Sinks that merge partial records of
    /// one (window, key) (PostgreSQL) union these sets to keep `src_ports` exact; a producer
    /// that leaves it empty while `src_ports` > 0 means "set unknown". Not part of the JSON
    /// record format.
    std::vector<uint16_t> src_port_list;
    /// Enriched fields. A key field among them with no value prints as null; outside the key,
    /// countries and ASNs (of an address in the key, with a geo database) print when known.
    IpAddr src_net, dest_net;  // with key src_net / dest_net
    uint8_t src_net_prefix = 0, dest_net_prefix = 0;
    HomeDirection home_direction = HomeDirection::kUnknown;
    CountryCode src_country, dest_country;
    uint32_t src_asn = 0, dest_asn = 0;
    /// Names: reverse DNS of an address in the key (enrich.rdns) and the name the source
    /// resolved to the destination (enrich.dns_names); empty: unknown, absent from the record.
    std::string src_host, dest_host, dest_name;
};

/// A raw event forwarded as received (plus configured fields).
struct RawEvent {
    EventType type = EventType::kOther;
    std::string type_name;
    std::string line;       // the JSON object, without newline, add_fields already spliced in
    FlowEntry fields;       // its common fields (views cleared: they would dangle)
    std::string sensor_id;  // the event's EVE `host` field; empty: the configured sensor_id
};

/// The sensor_id a record is written with: its own when set, else `configured`.
inline std::string_view sensor_of(const std::string& own, std::string_view configured) {
    return own.empty() ? configured : std::string_view(own);
}

/// A kStored or kWritten checkpoint in a sink's queue: it follows every record built from the
/// events it covers. A kStored one reaches only the sink that stores offsets (the sink runner
/// takes it out for the others); a kWritten one no sink sees (its runner acknowledges it after
/// writing). It is not a record that counts as written.
struct CheckpointMark {
    std::shared_ptr<const Checkpoint> checkpoint;
};

/// An operation on a live flow table (the database adaptor's shape): a store is told `insert`
/// when a flow passes the meter's insert policy, `update` at each interim report and `remove`
/// after its final record. Only lifecycle outputs (Redis flow hashes, PostgreSQL live tables)
/// receive these; they are never aggregates.
enum class FlowOp : uint8_t { kInsert, kUpdate, kRemove };
struct FlowLifecycle {
    FlowOp op = FlowOp::kInsert;
    uint64_t flow_id = 0;
    /// The flow as one JSON object (flow_id, community_id, 5-tuple, proto, app_proto, the
    /// four cumulative counters, start, last packet time, update time); empty for kRemove.
    std::string json;
    FlowEntry fields;       // cumulative counters and times (views cleared: they would dangle)
    Timestamp at;           // when the operation happened, in packet time
    std::string sensor_id;  // empty: the configured sensor_id
};

/// What handlers hand to sinks: an aggregate, a raw event, a checkpoint mark or a flow
/// lifecycle operation.
using Record = std::variant<AggregateRecord, RawEvent, CheckpointMark, FlowLifecycle,
                            DnsAggregateRecord, PdnsRecord>;

/// Proto as Suricata names it, else the number.
std::string proto_text(uint8_t proto);

}  // namespace eveflow
