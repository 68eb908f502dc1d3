// Live snapshot length from the interface's MTU.
#include "input/pcap/snaplen.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "util/log.h"

namespace eveflow::input::pcap {
namespace {

constexpr int kLinkHeader = 14;   // Ethernet; cooked (SLL) and loopback headers are no longer
constexpr int kVlanTags = 2 * 4;  // QinQ: the tags libpcap puts back into the frame
constexpr int kAlign = 64;

}  // namespace

std::optional<int> interface_mtu(const std::string& iface) {
    if (iface.empty() || iface.size() >= IFNAMSIZ) return std::nullopt;
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::nullopt;
    ifreq req{};
    std::memcpy(req.ifr_name, iface.data(), iface.size());
    int rc = ::ioctl(fd, SIOCGIFMTU, &req);
    ::close(fd);
    if (rc != 0 || req.ifr_mtu <= 0) return std::nullopt;
    return req.ifr_mtu;
}

int snaplen_for_mtu(int mtu) {
    int64_t want = int64_t{mtu} + kLinkHeader + kVlanTags;
    want = (want + kAlign - 1) / kAlign * kAlign;
    return static_cast<int>(std::clamp<int64_t>(want, kMinSnaplen, kMaxSnaplen));
}

int live_snaplen(const std::string& iface, int configured) {
    if (configured > 0) return configured;
    std::optional<int> mtu = interface_mtu(iface);
    if (!mtu) {
        log::info("pcap: {}: no MTU known: snaplen {}", iface, kFallbackSnaplen);
        return kFallbackSnaplen;
    }
    int snaplen = snaplen_for_mtu(*mtu);
    log::info(
        "pcap: {}: snaplen {} from MTU {} (frames merged by GRO/LRO beyond it are truncated "
        "and counted at their wire length)",
        iface, snaplen, *mtu);
    return snaplen;
}

}  // namespace eveflow::input::pcap
