// StatsCollectable: Stats::collect() -> prometheus::MetricFamily, plus build and process info.
#include "output/prometheus/stats_collectable.h"

#include <limits>
#include <string>

#include "output/prometheus/build_info.h"
#include "output/prometheus/process_metrics.h"

namespace eveflow::output {
namespace {

prometheus::MetricType to_type(MetricKind kind) {
    switch (kind) {
        case MetricKind::kCounter:
            return prometheus::MetricType::Counter;
        case MetricKind::kGauge:
            return prometheus::MetricType::Gauge;
        case MetricKind::kHistogram:
            return prometheus::MetricType::Histogram;
    }
    return prometheus::MetricType::Untyped;
}

prometheus::ClientMetric::Histogram to_histogram(const Histogram::Snapshot& s) {
    prometheus::ClientMetric::Histogram h;
    h.sample_count = s.count;
    h.sample_sum = s.sum;
    for (size_t i = 0; i < s.cumulative.size(); ++i) {
        double bound = i < s.bounds.size() ? s.bounds[i] : std::numeric_limits<double>::infinity();
        h.bucket.push_back({s.cumulative[i], bound});
    }
    return h;
}

prometheus::MetricFamily single(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
    prometheus::MetricFamily f{std::move(name), std::move(help), type, {}};
    prometheus::ClientMetric m;
    if (type == prometheus::MetricType::Counter) {
        m.counter.value = value;
    } else {
        m.gauge.value = value;
    }
    f.metric.push_back(std::move(m));
    return f;
}

}  // namespace

prometheus::MetricFamily to_prometheus(const MetricFamily& family) {
    prometheus::MetricFamily out{family.name, family.help, to_type(family.kind), {}};
    out.metric.reserve(family.samples.size());
    for (const auto& s : family.samples) {
        prometheus::ClientMetric m;
        for (const auto& [k, v] : s.labels) m.label.push_back({k, v});
        switch (family.kind) {
            case MetricKind::kCounter:
                m.counter.value = s.value;
                break;
            case MetricKind::kGauge:
                m.gauge.value = s.value;
                break;
            case MetricKind::kHistogram:
                m.histogram = to_histogram(s.histogram);
                break;
        }
        out.metric.push_back(std::move(m));
    }
    return out;
}

prometheus::MetricFamily build_info_family() {
    BuildInfo b = build_info();
    auto f =
        single("eveflow_build_info", "eveflow version and the library versions it was built with",
               prometheus::MetricType::Gauge, 1);
    f.metric[0].label = {{"librdkafka", b.librdkafka},
                         {"ndpi", b.ndpi},
                         {"simdjson", b.simdjson},
                         {"version", b.version}};
    return f;
}

std::vector<prometheus::MetricFamily> process_families() {
    auto p = read_process_metrics();
    if (!p) return {};
    using prometheus::MetricType;
    return {
        single("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               MetricType::Counter, p->cpu_seconds),
        single("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
               p->resident_bytes),
        single("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
               p->virtual_bytes),
        single("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
               p->open_fds),
        single("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
               p->max_fds),
        single("process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
               p->start_time_seconds),
    };
}

std::vector<prometheus::MetricFamily> StatsCollectable::Collect() const {
    std::vector<prometheus::MetricFamily> out;
    for (const auto& f : stats_.collect()) out.push_back(to_prometheus(f));
    out.push_back(build_info_family());
    for (auto& f : process_families()) out.push_back(std::move(f));
    return out;
}

}  // namespace eveflow::output
