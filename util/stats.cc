// Stats registry implementation.
#include "util/stats.h"

#include <algorithm>

#include "util/assert.h"

namespace eveflow {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
    std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double v) {
    std::lock_guard lock(mu_);
    size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
    ++counts_[i];
    sum_ += v;
    ++count_;
}

Histogram::Snapshot Histogram::snapshot() const {
    std::lock_guard lock(mu_);
    Snapshot s{bounds_, {}, sum_, count_};
    uint64_t acc = 0;
    for (uint64_t c : counts_) {
        acc += c;
        s.cumulative.push_back(acc);
    }
    return s;
}

Stats::Series& Stats::series(std::string_view name, std::string_view help, MetricKind kind,
                             const Labels& labels) {
    auto it = families_.find(name);
    if (it == families_.end()) {
        it = families_.emplace(std::string(name), Family{std::string(help), kind, {}}).first;
    }
    EVEFLOW_ASSERT(it->second.kind == kind, "a metric name is registered with two kinds");
    auto& s = it->second.series[labels];
    s.labels = labels;
    return s;
}

Counter& Stats::counter(std::string_view name, std::string_view help, const Labels& labels) {
    std::lock_guard lock(mu_);
    auto& s = series(name, help, MetricKind::kCounter, labels);
    if (!s.counter) s.counter = std::make_unique<Counter>();
    return *s.counter;
}

Gauge& Stats::gauge(std::string_view name, std::string_view help, const Labels& labels) {
    std::lock_guard lock(mu_);
    auto& s = series(name, help, MetricKind::kGauge, labels);
    if (!s.gauge) s.gauge = std::make_unique<Gauge>();
    return *s.gauge;
}

void Stats::gauge_fn(std::string_view name, std::string_view help, const Labels& labels,
                     std::function<double()> fn) {
    std::lock_guard lock(mu_);
    series(name, help, MetricKind::kGauge, labels).fn = std::move(fn);
}

Histogram& Stats::histogram(std::string_view name, std::string_view help, const Labels& labels,
                            std::vector<double> bounds) {
    std::lock_guard lock(mu_);
    auto& s = series(name, help, MetricKind::kHistogram, labels);
    if (!s.histogram) s.histogram = std::make_unique<Histogram>(std::move(bounds));
    return *s.histogram;
}

std::vector<MetricFamily> Stats::collect() const {
    std::lock_guard lock(mu_);
    std::vector<MetricFamily> out;
    for (const auto& [name, fam] : families_) {
        MetricFamily f{name, fam.help, fam.kind, {}};
        for (const auto& [labels, s] : fam.series) {
            MetricSample m{labels, 0, {}};
            if (s.counter) m.value = static_cast<double>(s.counter->value());
            if (s.gauge) m.value = s.gauge->value();
            if (s.fn) m.value = s.fn();
            if (s.histogram) m.histogram = s.histogram->snapshot();
            f.samples.push_back(std::move(m));
        }
        out.push_back(std::move(f));
    }
    return out;
}

double Stats::sum(std::string_view name, const Labels& match) const {
    double total = 0;
    for (const auto& f : collect()) {
        if (f.name != name) continue;
        for (const auto& s : f.samples) {
            bool all = std::all_of(match.begin(), match.end(), [&](const auto& kv) {
                return std::find(s.labels.begin(), s.labels.end(), kv) != s.labels.end();
            });
            if (all) total += f.kind == MetricKind::kHistogram ? s.histogram.count : s.value;
        }
    }
    return total;
}

}  // namespace eveflow
