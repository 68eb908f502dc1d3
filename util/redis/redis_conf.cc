// Redis connection keys: parsed once for the Redis input and the Redis flow-table output.
#include "util/redis/redis_conf.h"

#include <charconv>

namespace eveflow::redis {
namespace {

// `host:port`, `[v6]:port`; false if it is neither.
bool split_address(const std::string& text, std::string& host, uint16_t& port) {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
    host = text.substr(0, colon);
    if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) return false;
    const char* first = text.data() + colon + 1;
    const char* last = text.data() + text.size();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || end != last || value == 0 || value > 65535) return false;
    port = static_cast<uint16_t>(value);
    return true;
}

}  // namespace

std::string RedisEndpoint::describe() const {
    if (!unix_path.empty()) return "unix:" + unix_path;
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

RedisEndpoint parse_redis_endpoint(const ConfigNode& node) {
    RedisEndpoint e;
    const auto address = node.str_opt("address");
    const auto unix_path = node.str_opt("unix");
    if (address && unix_path) node.error("unix", "give either address or unix, not both");
    if (address && !split_address(*address, e.host, e.port)) {
        node.error("address",
                   "must be HOST:PORT with a port of 1-65535 (got \"" + *address + "\")");
    }
    if (unix_path) {
        if (unix_path->empty() || unix_path->front() != '/') {
            node.error("unix", "must be an absolute socket path (got \"" + *unix_path + "\")");
        }
        e.unix_path = *unix_path;
    }
    e.password_file = node.str("password_file", "");
    e.db = node.integer("db", 0, 0, 1 << 20);
    return e;
}

}  // namespace eveflow::redis
