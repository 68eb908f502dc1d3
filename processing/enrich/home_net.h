// HomeNet: the configured home networks, and the enricher that sets each flow's direction.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "processing/enrich/enricher.h"

namespace eveflow::processing {

/// An address is home when it lies in a listed network and in no negated one (Suricata's
/// HOME_NET); with negated networks only, every address outside them is home.
class HomeNet {
public:
    explicit HomeNet(std::vector<HomeNetEntry> entries);
    bool contains(const IpAddr& ip) const;
    HomeDirection direction(const IpAddr& src, const IpAddr& dest) const;

private:
    /// A network as masks over the address's two words (types/enrichment.h).
    struct Masked {
        std::array<uint64_t, 2> net, mask;
    };
    static bool in(const std::array<uint64_t, 2>& addr, const Masked& n);

    std::vector<Masked> include_, exclude_;
};

class HomeNetEnricher final : public Enricher {
public:
    explicit HomeNetEnricher(std::vector<HomeNetEntry> entries) : net_(std::move(entries)) {}
    std::string_view name() const override { return "home_net"; }
    void enrich(Event& e) override;

private:
    HomeNet net_;
};

}  // namespace eveflow::processing
