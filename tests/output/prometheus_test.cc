// Tests of the Prometheus exporter: scraped over HTTP on loopback and parsed as text.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "output/prometheus/exporter.h"
#include "output/prometheus/process_metrics.h"
#include "tests/output/prometheus_text.h"
#include "util/clock.h"

namespace eveflow::output {
namespace {

using eveflow::testing::find_sample;
using eveflow::testing::http_get;
using eveflow::testing::parse_text;

struct Fixture {
    Stats stats;
    SystemClock clock;
    Context ctx{stats, clock, "sensor"};
};

std::unique_ptr<MetricsExporter> open_exporter(Context& ctx, const std::string& listen) {
    auto diag = std::make_shared<ConfigDiagnostics>("test.yaml");
    ConfigNode node(YAML::Load("{listen: '" + listen + "'}"), "metrics", diag);
    EXPECT_TRUE(diag->ok());
    auto e = std::make_unique<MetricsExporter>(parse_metrics_config(node), ctx);
    e->open();
    return e;
}

std::string scrape(const MetricsExporter& e) {
    auto body = http_get(e.port(), "/metrics");
    EXPECT_TRUE(body.has_value());
    return body.value_or("");
}

TEST(PrometheusExporter, ServesCountersAndGaugesWithLabels) {
    Fixture f;
    f.stats.counter("eveflow_input_events_total", "events", {{"input", "a"}, {"event_type", "dns"}})
        .inc(7);
    f.stats
        .counter("eveflow_input_events_total", "events", {{"input", "a"}, {"event_type", "flow"}})
        .inc(3);
    f.stats.gauge("eveflow_queue_length", "len", {{"queue", "q\"1\\"}}).set(12.5);
    f.stats.gauge_fn("eveflow_aggregate_open_keys", "keys", {}, [] { return 42.0; });
    auto e = open_exporter(f.ctx, "127.0.0.1:0");
    ASSERT_GT(e->port(), 0);
    std::map<std::string, std::string> types;
    auto samples = parse_text(scrape(*e), &types);
    EXPECT_EQ(
        find_sample(samples, "eveflow_input_events_total", {{"input", "a"}, {"event_type", "dns"}}),
        7);
    EXPECT_EQ(find_sample(samples, "eveflow_input_events_total",
                          {{"input", "a"}, {"event_type", "flow"}}),
              3);
    EXPECT_EQ(find_sample(samples, "eveflow_queue_length", {{"queue", "q\"1\\"}}), 12.5);
    EXPECT_EQ(find_sample(samples, "eveflow_aggregate_open_keys"), 42);
    EXPECT_EQ(types["eveflow_input_events_total"], "counter");
    EXPECT_EQ(types["eveflow_queue_length"], "gauge");
}

TEST(PrometheusExporter, HistogramBucketsAreCumulative) {
    Fixture f;
    std::vector<double> bounds = {0.001, 0.01, 0.1, 1};
    auto& h = f.stats.histogram("eveflow_window_flush_seconds", "flush", {}, bounds);
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> dist(0, 2);
    std::vector<double> seen;
    for (int i = 0; i < 1000; ++i) {
        double v = dist(rng) * dist(rng) * dist(rng) / 4;
        seen.push_back(v);
        h.observe(v);
    }
    auto e = open_exporter(f.ctx, "127.0.0.1:0");
    std::map<std::string, std::string> types;
    auto samples = parse_text(scrape(*e), &types);
    EXPECT_EQ(types["eveflow_window_flush_seconds"], "histogram");
    double sum = 0;
    for (double v : seen) sum += v;
    for (double b : bounds) {
        double expect = static_cast<double>(
            std::count_if(seen.begin(), seen.end(), [&](double v) { return v <= b; }));
        char le[32];
        std::snprintf(le, sizeof le, "%g", b);
        EXPECT_EQ(find_sample(samples, "eveflow_window_flush_seconds_bucket", {{"le", le}}), expect)
            << le;
    }
    EXPECT_EQ(find_sample(samples, "eveflow_window_flush_seconds_bucket", {{"le", "+Inf"}}), 1000);
    EXPECT_EQ(find_sample(samples, "eveflow_window_flush_seconds_count"), 1000);
    EXPECT_NEAR(*find_sample(samples, "eveflow_window_flush_seconds_sum"), sum, 1e-6 * sum);
}

std::string pkg_config_version(const std::string& pkg) {
    std::string cmd = "pkg-config --modversion " + pkg;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[64] = {0};
    if (!p) return "";
    if (!fgets(buf, sizeof buf, p)) buf[0] = 0;
    pclose(p);
    std::string v = buf;
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
    return v;
}

TEST(PrometheusExporter, BuildInfoCarriesLibraryVersions) {
    Fixture f;
    auto e = open_exporter(f.ctx, "127.0.0.1:0");
    auto samples = parse_text(scrape(*e));
    const testing::Sample* info = nullptr;
    for (const auto& s : samples) {
        if (s.name == "eveflow_build_info") info = &s;
    }
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->value, 1);
    EXPECT_EQ(info->labels.at("ndpi"), pkg_config_version("libndpi"));
    EXPECT_EQ(info->labels.at("librdkafka"), pkg_config_version("rdkafka"));
    EXPECT_EQ(info->labels.at("simdjson").substr(0, 2), "3.");
    EXPECT_FALSE(info->labels.at("version").empty());
}

/// VmRSS from /proc/self/status, in bytes: a second source for the RSS figure.
double status_rss_bytes() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024;
    }
    return -1;
}

TEST(PrometheusExporter, ProcessMetricsAgreeWithOtherSources) {
    Fixture f;
    auto e = open_exporter(f.ctx, "127.0.0.1:0");
    auto samples = parse_text(scrape(*e));
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    EXPECT_NEAR(*find_sample(samples, "process_cpu_seconds_total"), cpu, 0.1);
    EXPECT_NEAR(*find_sample(samples, "process_resident_memory_bytes"), status_rss_bytes(),
                4 << 20);
    EXPECT_GT(*find_sample(samples, "process_virtual_memory_bytes"),
              *find_sample(samples, "process_resident_memory_bytes"));
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    EXPECT_EQ(*find_sample(samples, "process_max_fds"), static_cast<double>(lim.rlim_cur));
    double fds = 0;
    for ([[maybe_unused]] const auto& d : std::filesystem::directory_iterator("/proc/self/fd")) {
        ++fds;
    }
    // The iterator holds one descriptor; the scrape's client socket is closed by now.
    EXPECT_NEAR(*find_sample(samples, "process_open_fds"), fds - 1, 2);
    double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    double start = *find_sample(samples, "process_start_time_seconds");
    EXPECT_LE(start, now + 1);
    EXPECT_GT(start, now - 3600);
}

TEST(ProcessMetrics, ParsesStatWithSpacesInCommandName) {
    std::string line =
        "42 (a b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 1000 "
        "8192000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";
    ProcessMetrics m;
    ASSERT_TRUE(parse_proc_stat(line, 1000.0, m));
    double tck = static_cast<double>(sysconf(_SC_CLK_TCK));
    EXPECT_DOUBLE_EQ(m.cpu_seconds, 300 / tck);
    EXPECT_DOUBLE_EQ(m.start_time_seconds, 1000.0 + 1000 / tck);
    EXPECT_DOUBLE_EQ(m.virtual_bytes, 8192000);
    EXPECT_DOUBLE_EQ(m.resident_bytes, 300.0 * static_cast<double>(sysconf(_SC_PAGESIZE)));
    EXPECT_FALSE(parse_proc_stat("42 (x) S 1 2", 0, m));
}

TEST(PrometheusExporter, SecondExporterOnSamePortFailsClearly) {
    Fixture f;
    auto first = open_exporter(f.ctx, "127.0.0.1:0");
    std::string addr = "127.0.0.1:" + std::to_string(first->port());
    auto diag = std::make_shared<ConfigDiagnostics>("test.yaml");
    ConfigNode node(YAML::Load("{listen: '" + addr + "'}"), "metrics", diag);
    MetricsExporter second(parse_metrics_config(node), f.ctx);
    try {
        second.open();
        FAIL() << "open() on a busy port succeeded";
    } catch (const StartupError& e) {
        EXPECT_EQ(std::string(e.what()), "metrics: cannot listen on " + addr + ": address in use");
    }
    EXPECT_TRUE(http_get(first->port(), "/metrics").has_value());
}

TEST(PrometheusExporter, CheckOnlyOpensNothing) {
    Fixture f;
    f.ctx.check_only = true;
    auto e = open_exporter(f.ctx, "127.0.0.1:0");
    EXPECT_EQ(e->port(), 0);
}

TEST(PrometheusExporter, StopClosesThePort) {
    Fixture f;
    auto e = open_exporter(f.ctx, "127.0.0.1:0");
    uint16_t port = e->port();
    ASSERT_TRUE(http_get(port, "/metrics").has_value());
    e->stop();
    EXPECT_FALSE(http_get(port, "/metrics").has_value());
}

TEST(PrometheusExporter, CountsFromManyThreadsAreExactWhileScraped) {
    Fixture f;
    auto e = open_exporter(f.ctx, "127.0.0.1:0");
    constexpr int kThreads = 4, kPerThread = 200000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&f, t] {
            Labels l = {{"input", std::string("t").append(std::to_string(t % 2))}};
            auto& c = f.stats.counter("eveflow_input_bytes_total", "bytes", l);
            for (int i = 0; i < kPerThread; ++i) c.inc();
        });
    }
    double last = 0;
    for (int i = 0; i < 20; ++i) {
        auto s = parse_text(scrape(*e));
        double a = find_sample(s, "eveflow_input_bytes_total", {{"input", "t0"}}).value_or(0);
        EXPECT_GE(a, last);
        last = a;
    }
    for (auto& t : threads) t.join();
    auto s = parse_text(scrape(*e));
    EXPECT_EQ(find_sample(s, "eveflow_input_bytes_total", {{"input", "t0"}}), 2 * kPerThread);
    EXPECT_EQ(find_sample(s, "eveflow_input_bytes_total", {{"input", "t1"}}), 2 * kPerThread);
}

std::vector<std::string> config_errors(const std::string& yaml) {
    auto diag = std::make_shared<ConfigDiagnostics>("eveflow.yaml");
    ConfigNode node(YAML::Load(yaml), "metrics", diag);
    parse_metrics_config(node);
    node.touch("traffic_labels");  // the plan hands it to the traffic counters
    diag->report_unknown();
    return diag->errors();
}

TEST(MetricsConfig, DefaultsAndAddresses) {
    auto diag = std::make_shared<ConfigDiagnostics>("eveflow.yaml");
    auto cfg = parse_metrics_config(ConfigNode(YAML::Load("{}"), "metrics", diag));
    EXPECT_EQ(cfg.host, "127.0.0.1");
    EXPECT_EQ(cfg.port, 9464);
    cfg = parse_metrics_config(ConfigNode(YAML::Load("{listen: '[::1]:9100'}"), "metrics", diag));
    EXPECT_EQ(cfg.host, "[::1]");
    EXPECT_EQ(cfg.port, 9100);
    EXPECT_TRUE(config_errors("{listen: '0.0.0.0:0', traffic_labels: {x: 1}}").empty());
}

TEST(MetricsConfig, RejectsBadListen) {
    for (std::string bad : {"9464", "host:9464", "127.0.0.1:70000", "127.0.0.1:", "1.2.3.4:x"}) {
        auto errors = config_errors("{listen: '" + bad + "'}");
        ASSERT_EQ(errors.size(), 1u) << bad;
        EXPECT_NE(errors[0].find("metrics.listen: must be ADDRESS:PORT"), std::string::npos)
            << errors[0];
        EXPECT_NE(errors[0].find("(got \"" + bad + "\")"), std::string::npos) << errors[0];
    }
    auto errors = config_errors("{lisen: '127.0.0.1:1'}");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("metrics.lisen: unknown key"), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace eveflow::output
