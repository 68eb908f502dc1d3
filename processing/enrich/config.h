// EnrichConfig: the top-level `home_net` and the `enrich:` section, parsed and checked once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "processing/enrich/rdns_config.h"
#include "types/ip_addr.h"
#include "util/config_node.h"

namespace eveflow::processing {

/// One `home_net` item: a network, or (written with a leading `!`) a network taken out.
struct HomeNetEntry {
    IpAddr net;        // host bits cleared
    uint8_t bits = 0;  // prefix length over the 16-byte form (IPv4: 96 + its prefix)
    bool negated = false;
};

/// Debian's libloc-database.
inline constexpr const char* kDefaultGeoDatabase = "/usr/share/libloc-location/location.db";

struct EnrichConfig {
    std::vector<HomeNetEntry> home_net;  // empty: not configured
    bool geo = false;                    // enrich.geo present
    std::string geo_database = kDefaultGeoDatabase;
    bool community_id = false;  // compute it for EVE events that have a 5-tuple but none
    bool rdns = false;          // enrich.rdns present
    RdnsConfig rdns_config;
    bool dns_names = false;  // enrich.dns_names present
    uint64_t dns_names_max_entries = 1000000;
    std::chrono::microseconds dns_names_ttl = std::chrono::hours(1);

    bool any() const { return !home_net.empty() || geo || community_id || rdns || dns_names; }
};

/// Parses `CIDR` or `!CIDR` (a bare address is a /32 or /128); false when malformed.
bool parse_home_net_entry(std::string_view text, HomeNetEntry& out);

/// Reads `home_net` and `enrich` from the top level. Each enricher has a key of its own
/// under `enrich` (geo, community_id); unknown keys are errors.
EnrichConfig parse_enrich_config(const ConfigNode& root);

}  // namespace eveflow::processing
