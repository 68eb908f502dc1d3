// libFuzzer target: the meter's DNS wire parser over any bytes, checking what it gives back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "input/pcap/dns_wire.h"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace eveflow::input::pcap;
    // A copy of exactly `size` bytes, so a read past the end is seen by ASan.
    const std::vector<uint8_t> bytes(data, data + size);
    DnsWireMessage m;
    const bool ok = parse_dns_wire(bytes.data(), bytes.size(), m);
    check(m.qname.size() <= 255 && m.answers.size() <= 256);
    for (const DnsWireRecord& r : m.answers) {
        check(r.owner.size() <= 255 && r.target.size() <= 255);
        check(r.type == kDnsTypeA || r.type == kDnsTypeAaaa || r.type == kDnsTypeCname);
    }
    // The same bytes give the same message.
    DnsWireMessage again;
    check(parse_dns_wire(bytes.data(), bytes.size(), again) == ok);
    check(again.answers.size() == m.answers.size() && again.qname == m.qname);
    return 0;
}
