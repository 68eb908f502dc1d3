// The snapshot length of a live capture when `snaplen` is not configured: the interface's
// MTU plus the link header and two VLAN tags (docs/pcap.md, "Snapshot length").
#pragma once

#include <optional>
#include <string>

namespace eveflow::input::pcap {

constexpr int kMinSnaplen = 64;
constexpr int kMaxSnaplen = 262144;
constexpr int kFallbackSnaplen = 65535;  // the interface has no MTU (e.g. "any")

/// The interface's MTU from the kernel (SIOCGIFMTU, in the caller's network namespace);
/// nullopt when the interface does not exist or has none.
std::optional<int> interface_mtu(const std::string& iface);

/// MTU + 14 (Ethernet header) + 8 (two VLAN tags), rounded up to a multiple of 64 and
/// clamped to [kMinSnaplen, kMaxSnaplen].
int snaplen_for_mtu(int mtu);

/// `configured` when it is set (> 0); else snaplen_for_mtu(the interface's MTU), logged;
/// kFallbackSnaplen when the MTU is unknown.
int live_snaplen(const std::string& iface, int configured);

}  // namespace eveflow::input::pcap
