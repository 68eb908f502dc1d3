// StatsCollectable: converts the Stats registry into Prometheus metric families at scrape time.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "util/stats.h"

namespace eveflow::output {

/// Registered with the exposer; Collect() runs on the exposer's HTTP threads and reads the
/// registry through Stats::collect() (thread-safe). Adds eveflow_build_info and process_*.
/// `stats` must outlive it.
class StatsCollectable final : public prometheus::Collectable {
public:
    explicit StatsCollectable(const Stats& stats) : stats_(stats) {}
    std::vector<prometheus::MetricFamily> Collect() const override;

private:
    const Stats& stats_;
};

/// One registry family in Prometheus' form (counters, gauges, histograms with +Inf bucket).
prometheus::MetricFamily to_prometheus(const MetricFamily& family);

/// eveflow_build_info{version,ndpi,simdjson,librdkafka} 1.
prometheus::MetricFamily build_info_family();

/// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
/// process_open_fds, process_max_fds, process_start_time_seconds; empty without /proc.
std::vector<prometheus::MetricFamily> process_families();

}  // namespace eveflow::output
