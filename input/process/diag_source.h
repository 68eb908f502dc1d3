// DiagSource: socket owners from sock_diag dumps and a /proc fd scan (the fallback backend).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "input/process/owner_source.h"

namespace eveflow::input::process {

/// Every `interval`, dumps the TCP and UDP sockets of eveflow's network namespace (sock_diag
/// gives each one's inode and uid, never its pid) and finds the process holding each new
/// inode in /proc/*/fd. Sockets that open and close between two scans are never seen.
/// nullptr, with the reason in `error`, when netlink or /proc cannot be read.
std::unique_ptr<OwnerSource> open_diag_source(std::chrono::milliseconds interval,
                                              std::string& error);

}  // namespace eveflow::input::process
