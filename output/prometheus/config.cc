// MetricsConfig: parsing and checks of the `metrics.listen` address.
#include "output/prometheus/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>

namespace eveflow::output {
namespace {

constexpr std::string_view kDefaultListen = "127.0.0.1:9464";

bool valid_host(const std::string& host) {
    in_addr v4{};
    in6_addr v6{};
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6) == 1;
    }
    return inet_pton(AF_INET, host.c_str(), &v4) == 1;
}

}  // namespace

MetricsConfig parse_metrics_config(const ConfigNode& node) {
    MetricsConfig cfg;
    std::string listen = node.str("listen", kDefaultListen);
    auto colon = listen.rfind(':');
    std::string host = colon == std::string::npos ? std::string() : listen.substr(0, colon);
    std::string port = colon == std::string::npos ? listen : listen.substr(colon + 1);
    if (host == "localhost") host = "127.0.0.1";
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (host.empty() || !valid_host(host) || port.empty() || ec != std::errc() ||
        p != port.data() + port.size() || value > 65535) {
        node.error("listen",
                   "must be ADDRESS:PORT with an IP address and a port in [0, 65535], "
                   "e.g. 127.0.0.1:9464 or [::1]:9464 (got \"" +
                       listen + "\")");
        return cfg;
    }
    cfg.host = host;
    cfg.port = static_cast<uint16_t>(value);
    return cfg;
}

}  // namespace eveflow::output
