// OwnerSource: where socket owners come from (eBPF tracepoints, or sock_diag + /proc).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "input/process/socket_table.h"

namespace eveflow::input::process {

/// One socket owner as a backend reports it.
struct OwnerReport {
    Endpoint at;
    SocketOwner owner;
};
using ReportSink = std::function<void(const OwnerReport&)>;

/// Counts of what went wrong in a backend, cumulative.
struct OwnerSourceErrors {
    uint64_t lost = 0;     // reports the kernel could not queue (ring buffer full)
    uint64_t read = 0;     // sockets the kernel side could not read
    uint64_t netlink = 0;  // sock_diag dumps that failed
};

/// A backend. wait() runs on the attributor's thread; take() on whichever thread holds the
/// attributor's lock (its own, or the render thread before a lookup).
class OwnerSource {
public:
    virtual ~OwnerSource() = default;
    virtual std::string_view name() const = 0;
    /// Blocks up to `timeout`, or until there may be something to take.
    virtual void wait(std::chrono::milliseconds timeout) = 0;
    /// Hands every report not handed yet to `sink`.
    virtual void take(const ReportSink& sink) = 0;
    virtual OwnerSourceErrors errors() const = 0;
};

}  // namespace eveflow::input::process
