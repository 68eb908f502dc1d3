// UnixSocketConfig: parsing and checks of a unix_socket output's section.
#include "output/unix_socket/config.h"

namespace eveflow::output {
UnixSocketConfig parse_unix_socket_config(const ConfigNode& node) {
    UnixSocketConfig c;
    node.touch("type");
    c.name = node.str("name", "unix_socket");
    c.path = node.required_str("path");
    if (c.path.size() > kMaxPathLen) {
        node.error("path", "must be at most " + std::to_string(kMaxPathLen) + " bytes long (got " +
                               std::to_string(c.path.size()) + ")");
    }
    c.max_buffer = node.size("max_buffer", c.max_buffer, 1, uint64_t{1} << 34);
    c.reconnect_backoff_max = node.duration("reconnect_backoff_max", c.reconnect_backoff_max,
                                            std::chrono::milliseconds(100), false);
    return c;
}

}  // namespace eveflow::output
