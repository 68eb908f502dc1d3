// UnixSocketConfig: the keys of a unix_socket output (`outputs[]` items of type unix_socket).
#pragma once

#include <sys/un.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "util/config_node.h"

namespace eveflow::output {

/// The longest socket path: sun_path less its terminating NUL.
inline constexpr size_t kMaxPathLen = sizeof(sockaddr_un::sun_path) - 1;

struct UnixSocketConfig {
    std::string name = "unix_socket";
    std::string path;
    uint64_t max_buffer = 16 << 20;
    std::chrono::microseconds reconnect_backoff_max{5'000'000};
};

/// Parses and checks the section (errors go to the node).
UnixSocketConfig parse_unix_socket_config(const ConfigNode& node);

}  // namespace eveflow::output
