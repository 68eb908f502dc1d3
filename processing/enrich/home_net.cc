// HomeNet: prefix matching over the 16-byte address form.
#include "processing/enrich/home_net.h"

namespace eveflow::processing {
namespace {

bool in_network(const IpAddr& ip, const HomeNetEntry& n) {
    const auto& a = ip.bytes();
    const auto& b = n.net.bytes();
    const unsigned full = n.bits / 8u;
    for (unsigned i = 0; i < full; ++i) {
        if (a[i] != b[i]) return false;
    }
    const unsigned rest = n.bits % 8u;
    if (rest == 0) return true;
    const auto mask = static_cast<uint8_t>(0xffu << (8 - rest));
    return (a[full] & mask) == b[full];
}

}  // namespace

HomeNet::HomeNet(std::vector<HomeNetEntry> entries) {
    for (auto& e : entries) (e.negated ? exclude_ : include_).push_back(e);
}

bool HomeNet::contains(const IpAddr& ip) const {
    for (const auto& n : exclude_) {
        if (in_network(ip, n)) return false;
    }
    if (include_.empty()) return true;
    for (const auto& n : include_) {
        if (in_network(ip, n)) return true;
    }
    return false;
}

HomeDirection HomeNet::direction(const IpAddr& src, const IpAddr& dest) const {
    const bool s = contains(src), d = contains(dest);
    if (s && d) return HomeDirection::kInternal;
    if (s) return HomeDirection::kOutbound;
    if (d) return HomeDirection::kInbound;
    return HomeDirection::kExternal;
}

void HomeNetEnricher::enrich(Event& e) {
    FlowEntry& f = e.fields;
    // Only flows are aggregated and counted; other events would pay for nothing.
    if (e.type != EventType::kFlow || !f.has_src_ip || !f.has_dest_ip) return;
    f.enrich.home_direction = net_.direction(f.src_ip, f.dest_ip);
}

}  // namespace eveflow::processing
