// Parsing and checking of `home_net` and the `enrich:` section.
#include "processing/enrich/config.h"

#include <charconv>

#include "types/enrichment.h"

namespace eveflow::processing {

bool parse_home_net_entry(std::string_view text, HomeNetEntry& out) {
    out.negated = !text.empty() && text.front() == '!';
    if (out.negated) text.remove_prefix(1);
    const size_t slash = text.find('/');
    auto ip = IpAddr::parse(text.substr(0, slash));
    if (!ip) return false;
    const unsigned max = ip->is_v4() ? 32 : 128;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
        std::string_view p = text.substr(slash + 1);
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
        if (p.empty() || ec != std::errc() || end != p.data() + p.size() || prefix > max)
            return false;
    }
    uint8_t used = 0;
    const auto pl = static_cast<uint8_t>(prefix);
    out.net = network_of(*ip, pl, pl, used);
    out.bits = static_cast<uint8_t>(ip->is_v4() ? 96 + prefix : prefix);
    return true;
}

namespace {

void parse_home_net(const ConfigNode& root, EnrichConfig& c) {
    for (const std::string& item : root.strings("home_net")) {
        HomeNetEntry e;
        if (!parse_home_net_entry(item, e)) {
            root.error("home_net", "not a network: '" + item +
                                       "' (expected CIDR such as 10.0.0.0/8 or !10.9.0.0/16)");
            continue;
        }
        c.home_net.push_back(e);
    }
    if (root.has("home_net") && c.home_net.empty())
        root.error("home_net", "must list at least one network");
}

void parse_dns_names(const ConfigNode& enrich, EnrichConfig& c) {
    if (!enrich.has("dns_names")) return;
    c.dns_names = true;
    ConfigNode n = enrich.child("dns_names");
    c.dns_names_max_entries = static_cast<uint64_t>(
        n.integer("max_entries", static_cast<int64_t>(c.dns_names_max_entries), 1, 1LL << 32));
    c.dns_names_ttl = n.duration("ttl", c.dns_names_ttl, std::chrono::seconds(1), false);
}

}  // namespace

EnrichConfig parse_enrich_config(const ConfigNode& root) {
    EnrichConfig c;
    parse_home_net(root, c);
    if (!root.has("enrich")) return c;
    ConfigNode enrich = root.child("enrich");
    c.community_id = enrich.boolean("community_id", false);
    if (enrich.has("geo")) {
        c.geo = true;
        ConfigNode geo = enrich.child("geo");
        c.geo_database = geo.str("database", kDefaultGeoDatabase);
        if (c.geo_database.empty()) geo.error("database", "must not be empty");
    }
    if (enrich.has("rdns")) {
        c.rdns = true;
        c.rdns_config = parse_rdns_config(enrich.child("rdns"));
    }
    parse_dns_names(enrich, c);
    return c;
}

}  // namespace eveflow::processing
