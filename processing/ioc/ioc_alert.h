// The EVE alert event an indicator match makes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "types/event.h"

namespace eveflow::processing::ioc {

struct AlertText {
    std::string_view signature_prefix, category, list;
    uint64_t signature_id = 0;
    int severity = 2;
    std::string_view indicator;  // the list entry as written
    std::string_view field;      // where the value was (dns.rrname, tls.sni, src_ip, ...)
    std::string_view value;      // the value matched, in normal form
};

/// Appends the alert as one EVE line: the event's timestamp, flow_id, interface, 5-tuple,
/// app_proto and host; `alert` with signature `<prefix> <list>: <indicator>`, category,
/// signature_id, severity, gid 1, rev 1, action "allowed"; `ioc: {list, indicator, field,
/// value, event_type}`.
void render_alert(std::string& out, const Event& e, const AlertText& a);

}  // namespace eveflow::processing::ioc
