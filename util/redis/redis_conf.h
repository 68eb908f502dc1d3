// RedisEndpoint: the connection keys every Redis component shares (address, unix, password_file,
// db).
#pragma once

#include <cstdint>
#include <string>

#include "util/config_node.h"

namespace eveflow::redis {

/// Where a Redis server is and how to log in: `address: host:port` or `unix: /path` (one of
/// them; `address` defaults to 127.0.0.1:6379 when neither is given), `password_file` (its
/// first line is the password, read at connect), `db` (0-15 by default; SELECTed at connect).
struct RedisEndpoint {
    std::string host = "127.0.0.1";
    uint16_t port = 6379;
    std::string unix_path;  // set: connect over this socket instead of TCP
    std::string password_file;
    int64_t db = 0;

    /// `host:port` or `unix:/path`, for logs.
    std::string describe() const;
};

/// Reads the connection keys of a Redis section; problems go to the node's diagnostics.
RedisEndpoint parse_redis_endpoint(const ConfigNode& node);

}  // namespace eveflow::redis
