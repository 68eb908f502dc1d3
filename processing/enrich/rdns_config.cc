// Parsing of `enrich.rdns`, and which addresses count as private.
#include "processing/enrich/rdns_config.h"

#include <charconv>

namespace eveflow::processing {

std::string RdnsServer::text() const {
    std::string ip_text = ip.to_string();
    if (port == 0) return ip_text;
    if (!ip.is_v4()) ip_text = "[" + ip_text + "]";
    return ip_text + ":" + std::to_string(port);
}

namespace {

bool parse_port(std::string_view p, uint16_t& port) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || v == 0 || v > 65535)
        return false;
    port = static_cast<uint16_t>(v);
    return true;
}

}  // namespace

std::optional<RdnsServer> parse_rdns_server(std::string_view text) {
    RdnsServer s;
    std::string_view host = text;
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") return {};
        if (!parse_port(text.substr(close + 2), s.port)) return {};
        host = text.substr(1, close - 1);
        auto ip = IpAddr::parse(host);
        if (!ip || ip->is_v4() || host.find(':') == std::string_view::npos) return {};
        s.ip = *ip;
        return s;
    }
    const size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
        if (!parse_port(text.substr(colon + 1), s.port)) return {};
        host = text.substr(0, colon);
    }
    auto ip = IpAddr::parse(host);
    if (!ip) return {};
    // A port needs an IPv4 address here; IPv6 with a port is written [addr]:port.
    if (s.port != 0 && !ip->is_v4()) return {};
    s.ip = *ip;
    return s;
}

RdnsConfig parse_rdns_config(const ConfigNode& node) {
    RdnsConfig c;
    if (!node.is_map()) return c;  // child() reported it
    for (const std::string& item : node.strings("servers")) {
        auto s = parse_rdns_server(item);
        if (!s) {
            node.error("servers",
                       "not a name server: '" + item + "' (expected IP, IP:PORT or [IPv6]:PORT)");
            continue;
        }
        c.servers.push_back(*s);
    }
    if (node.has("servers") && node.yaml()["servers"].IsSequence() && c.servers.empty() &&
        node.yaml()["servers"].size() == 0)
        node.error("servers", "must list a server");
    c.private_only = node.boolean("private_only", true);
    c.cache_size = static_cast<size_t>(node.integer("cache_size", 100000, 1, int64_t{1} << 30));
    using std::chrono::milliseconds;
    c.ttl = node.duration("ttl", c.ttl, milliseconds(1), false);
    c.negative_ttl = node.duration("negative_ttl", c.negative_ttl, milliseconds(1), false);
    c.timeout = node.duration("timeout", c.timeout, milliseconds(1), false);
    c.max_inflight = static_cast<size_t>(node.integer("max_inflight", 1000, 1, 1000000));
    return c;
}

bool rdns_private_address(const IpAddr& ip) {
    const auto& b = ip.bytes();
    if (!ip.is_v4()) return (b[0] & 0xfe) == 0xfc;
    const uint32_t a = ip.v4_host_order();
    return (a >> 24) == 10 || (a >> 20) == (172u << 4 | 1) || (a >> 16) == (192u << 8 | 168);
}

}  // namespace eveflow::processing
