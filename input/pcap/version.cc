// libpcap's version from pcap_lib_version(); nDPI's from the adapter (the one nDPI includer).
#include "input/pcap/version.h"

#include <pcap/pcap.h>

#include <string_view>

#include "input/pcap/ndpi_adapter.h"

namespace eveflow::input::pcap {

std::vector<LibraryVersion> library_versions() {
    // "libpcap version 1.10.3 (with TPACKET_V3)": the name is printed apart.
    std::string_view pcap = pcap_lib_version();
    constexpr std::string_view kPrefix = "libpcap version ";
    if (pcap.substr(0, kPrefix.size()) == kPrefix) pcap.remove_prefix(kPrefix.size());
    return {{"nDPI", ndpi_library_version()}, {"libpcap", std::string(pcap)}};
}

}  // namespace eveflow::input::pcap
