// HostNames: names of addresses that outputs attach to records (reverse DNS).
#pragma once

#include <string>

#include "types/ip_addr.h"

namespace eveflow::processing {

/// What handlers ask when they emit a record; any thread, never blocks on the network.
class HostNames {
public:
    virtual ~HostNames() = default;
    /// The name known for `ip` now, or "" when none is (not asked yet, no answer, NXDOMAIN).
    virtual std::string host(const IpAddr& ip) = 0;
};

}  // namespace eveflow::processing
