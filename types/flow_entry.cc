// IP protocol names as Suricata writes them in EVE (its "proto" field).
#include "types/flow_entry.h"

#include <strings.h>

#include <charconv>
#include <utility>

namespace eveflow {
namespace {

struct ProtoName {
    uint8_t number;
    const char* name;
};
// Suricata prints these names from its own table (IPPROTO_* via getprotobynumber on most
// builds); the ones that appear in practice.
constexpr ProtoName kProtos[] = {
    {0, "HOPOPT"}, {1, "ICMP"},   {2, "IGMP"},   {4, "IPIP"},      {6, "TCP"},        {17, "UDP"},
    {41, "IPv6"},  {47, "GRE"},   {50, "ESP"},   {51, "AH"},       {58, "IPv6-ICMP"}, {89, "OSPF"},
    {103, "PIM"},  {112, "VRRP"}, {132, "SCTP"}, {136, "UDPLite"},
};

}  // namespace

const char* proto_name(uint8_t proto) {
    for (const auto& p : kProtos) {
        if (p.number == proto) return p.name;
    }
    return nullptr;
}

bool parse_proto(std::string_view text, uint8_t& out) {
    if (text.empty()) return false;
    if (text[0] >= '0' && text[0] <= '9') {
        unsigned v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || p != text.data() + text.size() || v > 255) return false;
        out = static_cast<uint8_t>(v);
        return true;
    }
    // Suricata writes the names in upper case: the common ones without a case-blind compare.
    for (const auto& [name, number] : {std::pair{"TCP", 6}, std::pair{"UDP", 17}}) {
        if (text == name) {
            out = static_cast<uint8_t>(number);
            return true;
        }
    }
    for (const auto& p : kProtos) {
        if (text.size() == std::char_traits<char>::length(p.name) &&
            strncasecmp(text.data(), p.name, text.size()) == 0) {
            out = p.number;
            return true;
        }
    }
    if (text.size() == 6 && strncasecmp(text.data(), "ICMPv6", 6) == 0) {
        out = 58;
        return true;
    }
    return false;
}

}  // namespace eveflow
