// MetricsExporter: serves the Stats registry at /metrics in the Prometheus text format.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "output/sink.h"

namespace prometheus {
class Exposer;
}

namespace eveflow::output {

class StatsCollectable;

struct MetricsConfig {
    std::string host = "127.0.0.1";  // IPv4 literal or [IPv6] literal
    uint16_t port = 9464;            // 0: the kernel picks a free port (logged)
};

/// Parses the `metrics:` section (`listen`; `traffic_labels` belongs to the traffic_metrics
/// handler and is only marked known here). Errors go to the node's diagnostics.
MetricsConfig parse_metrics_config(const ConfigNode& node);

/// The `metrics:` service. open() binds the port (StartupError when it cannot) and starts
/// the HTTP threads, which scrape the Stats registry on request; stop() closes the port.
/// open() and stop() are called from the main thread.
class MetricsExporter final : public Service {
public:
    MetricsExporter(MetricsConfig cfg, Context& ctx);
    ~MetricsExporter() override;

    static std::unique_ptr<Service> create(const ConfigNode& node, Context& ctx);

    void open() override;
    void stop() override;
    /// The bound port after open() (the real one when configured as 0), else 0.
    uint16_t port() const { return bound_port_; }
    /// "host:port" as configured.
    std::string address() const;

private:
    MetricsConfig cfg_;
    Context& ctx_;
    std::shared_ptr<StatsCollectable> collectable_;
    std::unique_ptr<prometheus::Exposer> exposer_;
    uint16_t bound_port_ = 0;
};

}  // namespace eveflow::output
