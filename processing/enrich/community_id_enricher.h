// CommunityIdEnricher: a Community ID for EVE events that have a 5-tuple but none of their own.
#pragma once

#include <array>

#include "processing/enrich/enricher.h"

namespace eveflow::processing {

/// Computes only for the event types whose raw line some handler reads (forwarding, raw
/// rows): nothing else prints it. ICMP needs the event's icmp_type and icmp_code.
class CommunityIdEnricher final : public Enricher {
public:
    std::string_view name() const override { return "community_id"; }
    void set_raw_types(const EventTypeSet& types);
    void enrich(Event& e) override;

private:
    bool wanted(const Event& e) const;

    EventTypeSet types_;
    std::array<bool, kEventTypeCount> by_type_{};
};

}  // namespace eveflow::processing
