// Integration test against a real Prometheus server (scripts/start-prometheus.sh): it scrapes
// the exporter and its HTTP API returns what was counted.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "output/prometheus/exporter.h"
#include "processing/traffic_metrics/traffic_metrics.h"
#include "tests/output/prometheus_text.h"
#include "util/clock.h"

namespace eveflow::output {
namespace {

using namespace std::chrono_literals;

struct Server {
    uint16_t port = 0;
    std::string targets_dir;
};

/// The test server from the environment; skips (or fails under EVEFLOW_REQUIRE_SERVICES=1).
std::optional<Server> server() {
    const char* url = std::getenv("EVEFLOW_TEST_PROM_URL");
    const char* targets = std::getenv("EVEFLOW_TEST_PROM_TARGETS");
    if (!url || !targets) return std::nullopt;
    std::string u = url;
    return Server{static_cast<uint16_t>(std::stoi(u.substr(u.rfind(':') + 1))), targets};
}

#define REQUIRE_SERVER(s)                                                                      \
    auto s = server();                                                                         \
    if (!s) {                                                                                  \
        const char* req = std::getenv("EVEFLOW_REQUIRE_SERVICES");                             \
        if (req && std::string(req) == "1") FAIL() << "EVEFLOW_TEST_PROM_URL is not set";      \
        GTEST_SKIP() << "no Prometheus test server: run eval \"$(scripts/start-prometheus.sh " \
                        "DIR)\" first";                                                        \
    }

std::string url_encode(const std::string& s) {
    std::string out;
    char buf[4];
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '_' || c == '-' || c == '.') {
            out += static_cast<char>(c);
        } else {
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

/// The values of an instant query's result series (one per series, as text).
std::vector<std::string> query(const Server& s, const std::string& promql) {
    auto body = testing::http_get(s.port, "/api/v1/query?query=" + url_encode(promql));
    std::vector<std::string> values;
    if (!body || body->find("\"status\":\"success\"") == std::string::npos) return values;
    size_t pos = 0;
    while ((pos = body->find("\"value\":[", pos)) != std::string::npos) {
        size_t q1 = body->find('"', body->find(',', pos) + 1);
        size_t q2 = body->find('"', q1 + 1);
        values.push_back(body->substr(q1 + 1, q2 - q1 - 1));
        pos = q2;
    }
    return values;
}

/// Polls `promql` until it returns exactly one series with value `want`, up to `timeout`.
std::string wait_for_value(const Server& s, const std::string& promql, const std::string& want,
                           std::chrono::seconds timeout = 40s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last = "(no result)";
    while (std::chrono::steady_clock::now() < deadline) {
        auto v = query(s, promql);
        if (v.size() == 1) {
            last = v[0];
            if (last == want) return last;
        }
        std::this_thread::sleep_for(250ms);
    }
    return last;
}

/// Registers the exporter as a file-discovered target of the test server while alive.
class Target {
public:
    Target(const Server& s, uint16_t port)
        : path_(s.targets_dir + "/eveflow-test-" + std::to_string(getpid()) + ".json") {
        std::string tmp = path_ + ".tmp";
        std::ofstream(tmp) << R"([{"targets":["127.0.0.1:)" << port << R"("]}])";
        std::filesystem::rename(tmp, path_);
    }
    ~Target() { std::filesystem::remove(path_); }

private:
    std::string path_;
};

class NullEmitter final : public processing::Emitter {
public:
    void emit(processing::SinkId, Record&&) override {}
};

TEST(PrometheusServer, ScrapesTheExporterAndReturnsWhatWasCounted) {
    REQUIRE_SERVER(srv);
    Stats stats;
    SystemClock clock;
    Context ctx{stats, clock, "sensor"};
    // Pipeline-style counters, counted from several threads.
    const std::vector<std::pair<std::string, int>> types = {
        {"dns", 1234}, {"flow", 567}, {"alert", 3}};
    std::vector<std::thread> threads;
    for (const auto& [type, n] : types) {
        threads.emplace_back([&stats, type = type, n = n] {
            auto& c = stats.counter("eveflow_input_events_total", "events",
                                    {{"input", "eve_socket"}, {"event_type", type}});
            for (int i = 0; i < n; ++i) c.inc();
        });
    }
    for (auto& t : threads) t.join();
    auto& h =
        stats.histogram("eveflow_sink_batch_seconds", "batch", {{"sink", "jsonl"}}, {0.01, 0.1, 1});
    for (double v : {0.005, 0.05, 0.5, 5.0}) h.observe(v);
    // Traffic counters through the handler.
    processing::TrafficMetrics traffic(processing::TrafficMetricsConfig{}, stats);
    NullEmitter out;
    uint64_t bytes = 0;
    for (int i = 0; i < 50; ++i) {
        Event e;
        e.type = EventType::kFlow;
        e.fields.app_proto = i % 2 ? "tls" : "dns";
        e.fields.proto = i % 2 ? IPPROTO_TCP : IPPROTO_UDP;
        e.fields.has_proto = true;
        e.fields.bytes_toserver = static_cast<uint64_t>(i) * 10;
        bytes += e.fields.bytes_toserver;
        traffic.consume(e, out);
    }
    traffic.publish();

    MetricsExporter exporter(MetricsConfig{"127.0.0.1", 0}, ctx);
    exporter.open();
    const std::string inst = "instance=\"127.0.0.1:" + std::to_string(exporter.port()) + "\"";
    Target target(*srv, exporter.port());

    EXPECT_EQ(wait_for_value(*srv, "up{" + inst + "}", "1"), "1");
    for (const auto& [type, n] : types) {
        EXPECT_EQ(wait_for_value(
                      *srv, "eveflow_input_events_total{" + inst + ",event_type=\"" + type + "\"}",
                      std::to_string(n), 10s),
                  std::to_string(n));
    }
    EXPECT_EQ(query(*srv, "eveflow_sink_batch_seconds_bucket{" + inst + ",le=\"0.1\"}"),
              std::vector<std::string>{"2"});
    EXPECT_EQ(query(*srv, "eveflow_sink_batch_seconds_count{" + inst + "}"),
              std::vector<std::string>{"4"});
    EXPECT_EQ(query(*srv, "sum(eveflow_traffic_bytes_total{" + inst + "})"),
              std::vector<std::string>{std::to_string(bytes)});
    EXPECT_EQ(query(*srv, "sum(eveflow_traffic_flows_total{" + inst + ",app_proto=\"tls\"})"),
              std::vector<std::string>{"25"});
    EXPECT_EQ(query(*srv, "eveflow_build_info{" + inst + "}"), std::vector<std::string>{"1"});
    EXPECT_EQ(query(*srv, "count(process_resident_memory_bytes{" + inst + "} > 0)"),
              std::vector<std::string>{"1"});

    // Later increments show up on the next scrapes.
    stats
        .counter("eveflow_input_events_total", "", {{"input", "eve_socket"}, {"event_type", "dns"}})
        .inc(766);
    EXPECT_EQ(wait_for_value(*srv, "eveflow_input_events_total{" + inst + ",event_type=\"dns\"}",
                             "2000", 10s),
              "2000");

    auto targets = testing::http_get(srv->port, "/api/v1/targets");
    ASSERT_TRUE(targets.has_value());
    auto at = targets->find("\"scrapeUrl\":\"http://127.0.0.1:" + std::to_string(exporter.port()));
    ASSERT_NE(at, std::string::npos) << *targets;
    auto health = targets->find("\"health\":", at);
    EXPECT_EQ(targets->substr(health, 13), "\"health\":\"up\"") << *targets;
}

TEST(PrometheusServer, SecondExporterOnTheScrapedPortFails) {
    REQUIRE_SERVER(srv);
    Stats stats;
    SystemClock clock;
    Context ctx{stats, clock, "sensor"};
    MetricsExporter first(MetricsConfig{"127.0.0.1", 0}, ctx);
    first.open();
    Target target(*srv, first.port());
    const std::string inst = "instance=\"127.0.0.1:" + std::to_string(first.port()) + "\"";
    EXPECT_EQ(wait_for_value(*srv, "up{" + inst + "}", "1"), "1");
    MetricsExporter second(MetricsConfig{"127.0.0.1", first.port()}, ctx);
    try {
        second.open();
        FAIL() << "a second exporter opened a busy port";
    } catch (const StartupError& e) {
        EXPECT_EQ(std::string(e.what()), "metrics: cannot listen on 127.0.0.1:" +
                                             std::to_string(first.port()) + ": address in use");
    }
    EXPECT_EQ(query(*srv, "up{" + inst + "}"), std::vector<std::string>{"1"});
}

}  // namespace
}  // namespace eveflow::output
