// DNS wire format: the header, question and answer records of a message (RFC 1035), for the
// meter's names seen in DNS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "types/ip_addr.h"

namespace eveflow::input::pcap {

/// One answer record the meter uses: A, AAAA or CNAME (others are skipped).
struct DnsWireRecord {
    std::string owner;
    uint16_t type = 0;  // 1 A, 28 AAAA, 5 CNAME
    uint32_t ttl = 0;
    std::string target;  // CNAME
    IpAddr addr;         // A / AAAA
};

struct DnsWireMessage {
    uint16_t id = 0;
    bool response = false;
    uint8_t rcode = 0;
    std::string qname;  // the first question's name; empty when there is none
    uint16_t qtype = 0;
    std::vector<DnsWireRecord> answers;
};

inline constexpr uint16_t kDnsTypeA = 1, kDnsTypeCname = 5, kDnsTypeAaaa = 28;

/// Parses `len` bytes of a DNS message (a UDP payload). Never reads outside [p, p + len);
/// names follow compression pointers only backwards (no loop) and stay within 255 bytes.
/// False when the header, a question or an answer record is cut short or malformed (the
/// records read before stay in `out`).
bool parse_dns_wire(const uint8_t* p, size_t len, DnsWireMessage& out);

}  // namespace eveflow::input::pcap
