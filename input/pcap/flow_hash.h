// flow_hash: which meter worker a packet goes to, the same for both directions of a flow.
#pragma once

#include <cstddef>
#include <cstdint>

#include "input/pcap/decoder.h"

namespace eveflow::input::pcap {

/// A hash of the unordered address pair and the innermost VLAN of a decoded packet (after
/// decapsulation, as the flow key sees it). Symmetric: swapping source and destination gives
/// the same value. Every packet of a flow (ports, protocol and the flow key's other fields
/// aside) and every fragment of a datagram (the decoder fills the addresses of the
/// fragments it skips) hash alike. Packets without addresses hash like the all-zero pair.
uint64_t flow_hash(const DecodedPacket& p);

/// The worker of `hash` among `workers` (> 0).
inline size_t worker_of(uint64_t hash, size_t workers) {
    return static_cast<size_t>((hash >> 32) * workers >> 32);
}

}  // namespace eveflow::input::pcap
