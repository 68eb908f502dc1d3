// flow_hash: the two addresses in a fixed order, mixed with the VLAN id.
#include "input/pcap/flow_hash.h"

#include "util/hash.h"

namespace eveflow::input::pcap {

uint64_t flow_hash(const DecodedPacket& p) {
    // Any fixed order of the two addresses will do: word comparisons, no byte-wise memcmp.
    const uint64_t s0 = load64(p.src.data()), s1 = load64(p.src.data() + 8);
    const uint64_t d0 = load64(p.dst.data()), d1 = load64(p.dst.data() + 8);
    const bool swap = s0 > d0 || (s0 == d0 && s1 > d1);
    uint64_t h = mix64((swap ? d0 : s0) ^ p.inner_vlan);
    h = mix64(h ^ (swap ? d1 : s1));
    h = mix64(h ^ (swap ? s0 : d0));
    return mix64(h ^ (swap ? s1 : d1));
}

}  // namespace eveflow::input::pcap
