// MetricsExporter: prometheus-cpp's Exposer with a collectable reading the Stats registry.
#include "output/prometheus/exporter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <prometheus/exposer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "output/prometheus/stats_collectable.h"
#include "util/log.h"
#include "util/status.h"

namespace eveflow::output {
namespace {

/// Why binding host:port fails, found by trying it with a plain socket (the exposer's own
/// exception does not say).
std::string bind_failure(const MetricsConfig& cfg) {
    bool v6 = cfg.host.front() == '[';
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return std::strerror(errno);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = 0;
    if (v6) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(cfg.port);
        inet_pton(AF_INET6, cfg.host.substr(1, cfg.host.size() - 2).c_str(), &a.sin6_addr);
        rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(cfg.port);
        inet_pton(AF_INET, cfg.host.c_str(), &a.sin_addr);
        rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    int err = rc == 0 ? 0 : errno;
    close(fd);
    switch (err) {
        case 0:
            return "the HTTP server did not start";
        case EADDRINUSE:
            return "address in use";
        case EADDRNOTAVAIL:
            return "address not available on this host";
        case EACCES:
            return "permission denied";
        default:
            return std::strerror(err);
    }
}

/// Opens and closes a TCP connection to host:port (ignoring failures).
void knock(const std::string& host, uint16_t port) {
    bool v6 = host.front() == '[';
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) return;
    if (v6) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(port);
        inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a.sin6_addr);
        if (IN6_IS_ADDR_UNSPECIFIED(&a.sin6_addr)) a.sin6_addr = in6addr_loopback;
        connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        inet_pton(AF_INET, host.c_str(), &a.sin_addr);
        if (a.sin_addr.s_addr == INADDR_ANY) a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    close(fd);
}

}  // namespace

MetricsExporter::MetricsExporter(MetricsConfig cfg, Context& ctx)
    : cfg_(std::move(cfg)), ctx_(ctx) {}

MetricsExporter::~MetricsExporter() { stop(); }

std::string MetricsExporter::address() const { return cfg_.host + ":" + std::to_string(cfg_.port); }

void MetricsExporter::open() {
    if (ctx_.check_only || exposer_) return;
    collectable_ = std::make_shared<StatsCollectable>(ctx_.stats);
    try {
        // Two HTTP threads: a scrape and a concurrent health check never wait on each other.
        exposer_ = std::make_unique<prometheus::Exposer>(address(), 2);
    } catch (const std::exception&) {
        throw StartupError("metrics: cannot listen on " + address() + ": " + bind_failure(cfg_));
    }
    exposer_->RegisterCollectable(collectable_);
    auto ports = exposer_->GetListeningPorts();
    bound_port_ = ports.empty() ? cfg_.port : static_cast<uint16_t>(ports.front());
    log::info("metrics: serving /metrics on {}:{}", cfg_.host, bound_port_);
}

void MetricsExporter::stop() {
    if (!exposer_) return;
    // The HTTP server's accept loop notices the stop request only when its poll() returns,
    // which takes up to 2 s when idle: knock on the port until it has shut down.
    std::atomic<bool> done{false};
    std::thread knocker([this, &done] {
        while (!done.load()) {
            knock(cfg_.host, bound_port_);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
    exposer_.reset();  // joins the HTTP threads and closes the port
    done = true;
    knocker.join();
    bound_port_ = 0;
    log::info("metrics: stopped");
}

}  // namespace eveflow::output
