// flow_hash: the two addresses in a fixed order, mixed with the VLAN id.
#include "input/pcap/flow_hash.h"

#include <cstring>

#include "util/hash.h"

namespace eveflow::input::pcap {

uint64_t flow_hash(const DecodedPacket& p) {
    bool swap = std::memcmp(p.src.data(), p.dst.data(), p.src.size()) > 0;
    const uint8_t* lo = swap ? p.dst.data() : p.src.data();
    const uint8_t* hi = swap ? p.src.data() : p.dst.data();
    uint64_t h = mix64(load64(lo) ^ p.inner_vlan);
    h = mix64(h ^ load64(lo + 8));
    h = mix64(h ^ load64(hi));
    return mix64(h ^ load64(hi + 8));
}

}  // namespace eveflow::input::pcap
