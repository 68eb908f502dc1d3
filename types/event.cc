// EventType names.
#include "types/event.h"

namespace eveflow {
namespace {

constexpr std::array<std::string_view, kEventTypeCount> kNames = {
    "flow", "netflow",  "alert", "anomaly", "dns", "http",     "tls",  "ssh",
    "smtp", "fileinfo", "stats", "dhcp",    "nfs", "smb",      "krb5", "snmp",
    "sip",  "rdp",      "rfb",   "mqtt",    "ftp", "ftp_data", "tftp", "ike",
    "quic", "http2",    "dnp3",  "modbus",  "arp", "pgsql",    "drop", "other",
};

}  // namespace

std::string_view event_type_name(EventType t) { return kNames[static_cast<size_t>(t)]; }

EventType event_type_from_name(std::string_view name) {
    // Flow-heavy input: check the common types first.
    if (name == "flow") return EventType::kFlow;
    for (size_t i = 0; i + 1 < kEventTypeCount; ++i) {
        if (kNames[i] == name) return static_cast<EventType>(i);
    }
    return EventType::kOther;
}

}  // namespace eveflow
