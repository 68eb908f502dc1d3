// flow_hash: the sums of the two addresses' words, mixed with the VLAN id.
#include "input/pcap/flow_hash.h"

#include "util/hash.h"

namespace eveflow::input::pcap {

uint64_t flow_hash(const DecodedPacket& p) {
    // Sums of the two addresses' words do not depend on their order: one mix, no comparison
    // (every worker runs this on every packet of a file it reads).
    const uint64_t hi = load64(p.src.data()) + load64(p.dst.data());
    const uint64_t lo = load64(p.src.data() + 8) + load64(p.dst.data() + 8);
    return mix64(lo ^ ((hi + p.inner_vlan) * 0x9e3779b97f4a7c15ULL));
}

}  // namespace eveflow::input::pcap
