// Stats: the process's counters, gauges and histograms, one registry every stage writes to
// and every exporter (Prometheus, the end-of-run summary) reads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eveflow {

using Labels = std::vector<std::pair<std::string, std::string>>;

/// Monotonic counter. Increments are relaxed atomics: cheap enough per batch, not per event
/// on a shared cache line (hot loops count locally and add once per batch).
class Counter {
public:
    void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> value_{0};
};

class Gauge {
public:
    void set(double v) { value_.store(v, std::memory_order_relaxed); }
    void add(double d) {
        double cur = value_.load(std::memory_order_relaxed);
        while (!value_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
        }
    }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class Histogram {
public:
    explicit Histogram(std::vector<double> bounds);
    void observe(double v);
    struct Snapshot {
        std::vector<double> bounds;
        std::vector<uint64_t> cumulative;  // one per bound, then +Inf
        double sum = 0;
        uint64_t count = 0;
    };
    Snapshot snapshot() const;

private:
    mutable std::mutex mu_;
    std::vector<double> bounds_;
    std::vector<uint64_t> counts_;
    double sum_ = 0;
    uint64_t count_ = 0;
};

enum class MetricKind { kCounter, kGauge, kHistogram };

/// One sample series of a family, as exporters see it.
struct MetricSample {
    Labels labels;
    double value = 0;               // counters and gauges
    Histogram::Snapshot histogram;  // histograms
};
struct MetricFamily {
    std::string name, help;
    MetricKind kind;
    std::vector<MetricSample> samples;
};

/// The registry. Lookups take a lock and return references that stay valid for the
/// registry's lifetime: look a series up once at set-up, then increment it freely.
class Stats {
public:
    Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
    Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
    /// A gauge read through `fn` at collection time (queue lengths, open keys).
    void gauge_fn(std::string_view name, std::string_view help, const Labels& labels,
                  std::function<double()> fn);
    Histogram& histogram(std::string_view name, std::string_view help, const Labels& labels,
                         std::vector<double> bounds);

    /// A consistent-enough copy of everything, sorted by name then labels.
    std::vector<MetricFamily> collect() const;
    /// Sum over all series of `name` whose labels include every pair in `match`.
    double sum(std::string_view name, const Labels& match = {}) const;

private:
    struct Series {
        Labels labels;
        std::unique_ptr<Counter> counter;
        std::unique_ptr<Gauge> gauge;
        std::unique_ptr<Histogram> histogram;
        std::function<double()> fn;
    };
    struct Family {
        std::string help;
        MetricKind kind;
        std::map<Labels, Series> series;
    };
    Series& series(std::string_view name, std::string_view help, MetricKind kind,
                   const Labels& labels);

    mutable std::mutex mu_;
    std::map<std::string, Family, std::less<>> families_;
};

}  // namespace eveflow
