// MetricsExporter: serves the Stats registry at /metrics in the Prometheus text format.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "output/prometheus/config.h"
#include "output/sink.h"

namespace prometheus {
class Exposer;
}

namespace eveflow::output {

class StatsCollectable;

/// The `metrics:` service. open() binds the port (StartupError when it cannot) and starts
/// the HTTP threads, which scrape the Stats registry on request; stop() closes the port.
/// open() and stop() are called from the main thread.
class MetricsExporter final : public Service {
public:
    MetricsExporter(MetricsConfig cfg, Context& ctx);
    ~MetricsExporter() override;

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
