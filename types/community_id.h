// Community ID v1 (corelight/community-id-spec): a flow's direction-free identifier.
#pragma once

#include <cstdint>

#include "types/enrichment.h"
#include "types/ip_addr.h"

namespace eveflow {

/// The inputs of a Community ID. For ICMP and ICMPv6 `src_port` is the type and `dest_port`
/// the code of the flow's first packet; for protocols other than TCP, UDP, SCTP, ICMP and
/// ICMPv6 the ports are not used.
struct CommunityTuple {
    IpAddr src, dest;
    uint8_t proto = 0;
    uint16_t src_port = 0, dest_port = 0;
};

/// Version 1 with seed 0, base64: `1:` and 28 characters. Both addresses must be of one
/// family (an IPv4 address hashes as 4 bytes, IPv6 as 16).
CommunityIdText community_id_v1(const CommunityTuple& t);

/// Whether the protocol's Community ID uses ports (or ICMP type and code).
bool community_id_has_ports(uint8_t proto);

}  // namespace eveflow
