// HomeNet: prefix matching over the 16-byte address form, as two masked words.
#include "processing/enrich/home_net.h"

namespace eveflow::processing {
HomeNet::HomeNet(std::vector<HomeNetEntry> entries) {
    for (const auto& e : entries) {
        (e.negated ? exclude_ : include_).push_back({address_words(e.net), prefix_mask(e.bits)});
    }
}

bool HomeNet::in(const std::array<uint64_t, 2>& addr, const Masked& n) {
    return ((addr[0] & n.mask[0]) == n.net[0]) & ((addr[1] & n.mask[1]) == n.net[1]);
}

bool HomeNet::contains(const IpAddr& ip) const {
    const std::array<uint64_t, 2> a = address_words(ip);
    for (const auto& n : exclude_) {
        if (in(a, n)) return false;
    }
    if (include_.empty()) return true;
    for (const auto& n : include_) {
        if (in(a, n)) return true;
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
