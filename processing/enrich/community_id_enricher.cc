// CommunityIdEnricher: which events get one, and from which of their fields.
#include "processing/enrich/community_id_enricher.h"

#include "types/community_id.h"

namespace eveflow::processing {

void CommunityIdEnricher::set_raw_types(const EventTypeSet& types) {
    types_ = types;
    for (size_t t = 0; t + 1 < kEventTypeCount; ++t) {
        by_type_[t] = types.contains(event_type_name(static_cast<EventType>(t)));
    }
}

bool CommunityIdEnricher::wanted(const Event& e) const {
    if (e.type != EventType::kOther) return by_type_[static_cast<size_t>(e.type)];
    return types_.contains(e.type_name);
}

void CommunityIdEnricher::enrich(Event& e) {
    const FlowEntry& f = e.fields;
    if (!f.community_id.empty() || f.enrich.community_id.known() || !f.has_src_ip ||
        !f.has_dest_ip || !f.has_proto)
        return;
    if (f.src_ip.is_v4() != f.dest_ip.is_v4() || !wanted(e)) return;
    CommunityTuple t{f.src_ip, f.dest_ip, f.proto, f.src_port, f.dest_port};
    if (f.proto == 1 || f.proto == 58) {
        if (!f.has_icmp) return;
        t.src_port = f.icmp_type;
        t.dest_port = f.icmp_code;
    } else if (community_id_has_ports(f.proto) && (!f.has_src_port || !f.has_dest_port)) {
        return;
    }
    e.fields.enrich.community_id = community_id_v1(t);
}

}  // namespace eveflow::processing
