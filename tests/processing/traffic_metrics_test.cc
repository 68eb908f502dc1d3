// Tests of the traffic_metrics handler: label bucketing, monotonic counters, ports, alerts.
#include "processing/traffic_metrics/traffic_metrics.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "util/clock.h"

namespace eveflow::processing {
namespace {

class NullEmitter final : public Emitter {
public:
    void emit(SinkId, Record&&) override {}
};

Event flow(std::string_view app_proto, uint8_t proto, uint16_t dport, uint64_t bts, uint64_t btc,
           uint64_t pts = 1, uint64_t ptc = 1) {
    Event e;
    e.type = EventType::kFlow;
    e.fields.app_proto = app_proto;
    e.fields.proto = proto;
    e.fields.has_proto = true;
    e.fields.dest_port = dport;
    e.fields.has_dest_port = true;
    e.fields.bytes_toserver = bts;
    e.fields.bytes_toclient = btc;
    e.fields.pkts_toserver = pts;
    e.fields.pkts_toclient = ptc;
    return e;
}

Event alert(std::string_view raw) {
    Event e;
    e.type = EventType::kAlert;
    e.raw = raw;
    return e;
}

std::string label(const MetricSample& s, const std::string& key) {
    for (const auto& [k, v] : s.labels) {
        if (k == key) return v;
    }
    return "";
}

/// Every series of `name` as "label=value,..." -> value.
std::map<std::string, double> series_of(const Stats& stats, const std::string& name) {
    std::map<std::string, double> out;
    for (const auto& f : stats.collect()) {
        if (f.name != name) continue;
        for (const auto& s : f.samples) {
            std::string key;
            for (const auto& [k, v] : s.labels) key += k + "=" + v + ",";
            out[key] = s.value;
        }
    }
    return out;
}

std::set<std::string> app_proto_labels(const Stats& stats) {
    std::set<std::string> out;
    for (const auto& f : stats.collect()) {
        if (f.name != "eveflow_traffic_flows_total") continue;
        for (const auto& s : f.samples) out.insert(label(s, "app_proto"));
    }
    return out;
}

TrafficMetricsConfig config(int top, std::vector<uint16_t> ports = {22, 53, 80, 443}) {
    TrafficMetricsConfig c;
    c.app_proto_top = top;
    c.dest_ports = std::move(ports);
    return c;
}

TEST(TrafficMetrics, CountsFlowsBytesPacketsByProtoAndDirection) {
    Stats stats;
    TrafficMetrics h(config(20), stats);
    NullEmitter out;
    h.consume(flow("tls", IPPROTO_TCP, 443, 100, 1000, 3, 4), out);
    h.consume(flow("tls", IPPROTO_TCP, 443, 10, 20, 1, 2), out);
    h.consume(flow("dns", IPPROTO_UDP, 53, 60, 120, 1, 1), out);
    h.consume(flow("", IPPROTO_ICMP, 0, 5, 0, 1, 0), out);
    EXPECT_EQ(stats.sum("eveflow_traffic_flows_total"), 0)
        << "counts reach the registry on publish";
    h.flush(Timestamp::max(), out);
    EXPECT_EQ(stats.sum("eveflow_traffic_flows_total", {{"proto", "TCP"}, {"app_proto", "tls"}}),
              2);
    EXPECT_EQ(stats.sum("eveflow_traffic_flows_total", {{"proto", "UDP"}, {"app_proto", "dns"}}),
              1);
    EXPECT_EQ(stats.sum("eveflow_traffic_flows_total", {{"app_proto", "unknown"}}), 1);
    EXPECT_EQ(
        stats.sum("eveflow_traffic_bytes_total", {{"app_proto", "tls"}, {"direction", "toserver"}}),
        110);
    EXPECT_EQ(
        stats.sum("eveflow_traffic_bytes_total", {{"app_proto", "tls"}, {"direction", "toclient"}}),
        1020);
    EXPECT_EQ(stats.sum("eveflow_traffic_packets_total",
                        {{"app_proto", "tls"}, {"direction", "toclient"}}),
              6);
    EXPECT_EQ(stats.sum("eveflow_traffic_bytes_total"), 100 + 1000 + 10 + 20 + 60 + 120 + 5);
}

TEST(TrafficMetrics, NamesBeyondTopNCountAsOther) {
    Stats stats;
    TrafficMetrics h(config(2), stats);
    NullEmitter out;
    uint64_t total_flows = 0, total_bytes = 0;
    for (std::string_view name : {"tls", "dns", "http", "smb", "tls", "ssh"}) {
        h.consume(flow(name, IPPROTO_TCP, 1000, 10, 10), out);
        ++total_flows;
        total_bytes += 20;
    }
    h.publish();
    EXPECT_EQ(app_proto_labels(stats), (std::set<std::string>{"tls", "dns", "other"}));
    EXPECT_EQ(stats.sum("eveflow_traffic_flows_total", {{"app_proto", "other"}}), 3);
    EXPECT_EQ(stats.sum("eveflow_traffic_flows_total"), total_flows);
    EXPECT_EQ(stats.sum("eveflow_traffic_bytes_total"), total_bytes);
}

TEST(TrafficMetrics, OddNamesNeverBecomeLabels) {
    Stats stats;
    TrafficMetrics h(config(20), stats);
    NullEmitter out;
    const std::string long_name(100, 'x');
    h.consume(flow("bad\xff\x01", IPPROTO_TCP, 1, 1, 1), out);
    h.consume(flow(long_name, IPPROTO_TCP, 1, 1, 1), out);
    h.consume(flow("TLS.Google", IPPROTO_TCP, 1, 1, 1), out);
    h.publish();
    EXPECT_EQ(app_proto_labels(stats), (std::set<std::string>{"other", "TLS.Google"}));
    EXPECT_EQ(stats.sum("eveflow_traffic_flows_total", {{"app_proto", "other"}}), 2);
}

TEST(TrafficMetrics, HeavierNameTakesTheSmallestSlotAndCountersStayMonotonic) {
    Stats stats;
    TrafficMetrics h(config(2), stats);
    NullEmitter out;
    h.consume(flow("dns", IPPROTO_UDP, 53, 10, 10), out);
    h.consume(flow("tls", IPPROTO_TCP, 443, 1000, 1000), out);
    h.consume(flow("http", IPPROTO_TCP, 80, 5, 5), out);  // third: "other"
    h.publish();
    auto before = series_of(stats, "eveflow_traffic_bytes_total");
    EXPECT_EQ(app_proto_labels(stats), (std::set<std::string>{"dns", "tls", "other"}));
    h.consume(flow("http", IPPROTO_TCP, 80, 100, 100), out);
    h.publish();  // http (210 bytes seen) now outranks dns (20)
    h.consume(flow("http", IPPROTO_TCP, 80, 7, 7), out);
    h.consume(flow("dns", IPPROTO_UDP, 53, 3, 3), out);
    h.publish();
    auto after = series_of(stats, "eveflow_traffic_bytes_total");
    for (const auto& [key, v] : before) EXPECT_GE(after[key], v) << key;
    EXPECT_EQ(app_proto_labels(stats), (std::set<std::string>{"dns", "tls", "http", "other"}));
    EXPECT_EQ(stats.sum("eveflow_traffic_bytes_total", {{"app_proto", "http"}}), 14);
    // dns keeps its earlier 20 bytes; its later 6 go to "other" with http's first 210.
    EXPECT_EQ(stats.sum("eveflow_traffic_bytes_total", {{"app_proto", "dns"}}), 20);
    EXPECT_EQ(stats.sum("eveflow_traffic_bytes_total", {{"app_proto", "other"}}), 216);
    EXPECT_EQ(stats.sum("eveflow_traffic_bytes_total"), 20 + 2000 + 10 + 200 + 14 + 6);
}

TEST(TrafficMetrics, LabelValuesStayBoundedUnderChurn) {
    Stats stats;
    constexpr int kTop = 5;
    TrafficMetrics h(config(kTop), stats);
    NullEmitter out;
    std::mt19937 rng(42);
    std::vector<std::string> names;
    for (int i = 0; i < 200; ++i) names.push_back(std::string("p").append(std::to_string(i)));
    uint64_t total = 0;
    std::map<std::string, double> last;
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 100; ++i) {
            // Skewed and shifting popularity, so the ranking keeps changing.
            size_t idx = (rng() % 20 + static_cast<size_t>(round) * 3) % names.size();
            uint64_t bytes = rng() % 5000;
            h.consume(flow(names[idx], IPPROTO_TCP, 443, bytes, 0), out);
            total += bytes;
        }
        h.publish();
        auto now = series_of(stats, "eveflow_traffic_bytes_total");
        for (const auto& [key, v] : last) ASSERT_GE(now[key], v) << key;
        last = now;
    }
    EXPECT_LE(app_proto_labels(stats).size(), 2u * kTop + 1);
    EXPECT_EQ(stats.sum("eveflow_traffic_bytes_total"), total);
}

// Names are told apart by their whole text: long ones sharing their first and last 8 bytes,
// short ones of every length, over many protocols (more (name, proto) pairs than the handler
// keeps sums for). Every name below the label bound gets its own series; totals per name and
// protocol equal a plain map's.
TEST(TrafficMetrics, EveryNameAndProtoCountedApart) {
    Stats stats;
    TrafficMetrics h(config(1000), stats);
    NullEmitter out;
    std::vector<std::string> names;
    for (int i = 0; i < 40; ++i) names.push_back("aaaaaaaa" + std::to_string(i) + "bbbbbbbb");
    for (int len = 1; len <= 16; ++len) {
        for (char c : {'a', 'b', 'c'}) names.push_back(std::string(len - 1, 'x') + c);
    }
    names.push_back("x");  // a second "x": the same name again
    std::mt19937 rng(7);
    std::map<std::pair<std::string, std::string>, uint64_t> want;  // (name, proto) -> bytes
    for (int i = 0; i < 100000; ++i) {
        const std::string& n = names[rng() % names.size()];
        auto proto = static_cast<uint8_t>(rng() % 200);
        uint64_t bytes = rng() % 1000;
        h.consume(flow(n, proto, 1, bytes, 0), out);
        want[{n, proto_name(proto) ? proto_name(proto) : std::to_string(proto)}] += bytes;
        if (i % 30000 == 0) h.publish();
    }
    h.publish();
    std::map<std::pair<std::string, std::string>, uint64_t> got;
    for (const auto& f : stats.collect()) {
        if (f.name != "eveflow_traffic_bytes_total") continue;
        for (const auto& s : f.samples) {
            got[{label(s, "app_proto"), label(s, "proto")}] += static_cast<uint64_t>(s.value);
        }
    }
    std::erase_if(want, [](const auto& kv) { return kv.second == 0; });
    std::erase_if(got, [](const auto& kv) { return kv.second == 0; });
    EXPECT_EQ(got, want);
}

TEST(TrafficMetrics, PortSeriesOnlyForConfiguredPorts) {
    Stats stats;
    TrafficMetrics h(config(20, {53, 443}), stats);
    NullEmitter out;
    h.consume(flow("tls", IPPROTO_TCP, 443, 10, 20), out);
    h.consume(flow("tls", IPPROTO_TCP, 443, 1, 2), out);
    h.consume(flow("dns", IPPROTO_UDP, 53, 5, 5), out);
    h.consume(flow("dns", IPPROTO_TCP, 53, 5, 5), out);
    h.consume(flow("http", IPPROTO_TCP, 80, 5, 5), out);
    h.publish();
    auto flows = series_of(stats, "eveflow_traffic_port_flows_total");
    EXPECT_EQ(flows, (std::map<std::string, double>{{"proto=TCP,dest_port=443,", 2},
                                                    {"proto=UDP,dest_port=53,", 1},
                                                    {"proto=TCP,dest_port=53,", 1}}));
    EXPECT_EQ(stats.sum("eveflow_traffic_port_bytes_total", {{"dest_port", "443"}}), 33);
}

TEST(TrafficMetrics, AlertsBySeverity) {
    Stats stats;
    TrafficMetrics h(config(20), stats);
    NullEmitter out;
    h.consume(alert(R"({"event_type":"alert","alert":{"signature_id":1,"severity":2}})"), out);
    h.consume(alert(R"({"event_type":"alert","alert":{"severity":2,"signature":"x"}})"), out);
    h.consume(alert(R"({"event_type":"alert","alert":{"severity":1}})"), out);
    h.consume(alert(R"({"event_type":"alert","alert":{"signature":"no severity"}})"), out);
    h.consume(alert(R"({"event_type":"alert","alert":{"severity":"high"}})"), out);
    h.consume(alert(R"({"event_type":"alert", truncated)"), out);
    h.tick(std::chrono::steady_clock::now(), out);
    EXPECT_EQ(series_of(stats, "eveflow_alerts_total"),
              (std::map<std::string, double>{
                  {"severity=1,", 1}, {"severity=2,", 2}, {"severity=unknown,", 3}}));
}

TEST(TrafficMetrics, AlertSeverityScanSkipsLookalikes) {
    EXPECT_EQ(alert_severity(R"({"alert":{"signature":"x \"severity\": 9","severity":3}})"), 3);
    EXPECT_EQ(alert_severity(R"({"alert":{"metadata":{"severity":["high"]},"severity": 1}})"), 1);
    EXPECT_EQ(alert_severity(R"({"severity":7,"alert":{"severity":2}})"), 2);
    EXPECT_EQ(alert_severity(R"({"alert":{"severity":"2"}})"), -1);
    EXPECT_EQ(alert_severity(R"({"alert":{"severity":2.5}})"), -1);
    EXPECT_EQ(alert_severity(R"({"alert":{"severity":300}})"), -1);
    EXPECT_EQ(alert_severity(R"({"alert":{"severity":255}})"), 255);
    EXPECT_EQ(alert_severity(R"({"alert":{"severity":)"), -1);
    // From a position past the alert object: found again from the start.
    EXPECT_EQ(alert_severity(R"({"alert":{"severity":4},"event_type":"alert"})", 26), 4);
    EXPECT_EQ(alert_severity(""), -1);
}

TrafficMetricsConfig parse(const std::string& yaml, std::vector<std::string>* errors) {
    auto diag = std::make_shared<ConfigDiagnostics>("eveflow.yaml");
    ConfigNode node(YAML::Load(yaml), "metrics", diag);
    node.touch("listen");  // the exporter's key
    auto cfg = parse_traffic_metrics_config(node.child("traffic_labels"));
    diag->report_unknown();
    *errors = diag->errors();
    return cfg;
}

// Every alert of the real EVE files: the scan agrees with Python's json module.
TEST(TrafficMetrics, AlertSeverityOfRealAlertsEqualsAJsonParse) {
    const std::string dir = EVEFLOW_SHARED_DATA "/eve";
    if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no EVE files under " << dir;
    const std::string script =
        "import glob, json, sys\n"
        "for f in sorted(glob.glob(sys.argv[1] + '/*/*.json')):\n"
        "    for line in open(f, 'rb'):\n"
        "        line = line.rstrip(b'\\r\\n')\n"
        "        try: e = json.loads(line)\n"
        "        except ValueError: continue\n"
        "        if not isinstance(e, dict) or e.get('event_type') != 'alert': continue\n"
        "        s = e.get('alert', {}).get('severity') if isinstance(e.get('alert'), dict) else "
        "None\n"
        "        ok = isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= 255\n"
        "        sys.stdout.buffer.write(b'%d\\t' % (s if ok else -1) + line + b'\\n')\n";
    std::string cmd = "/usr/bin/python3 -c \"" + script + "\" '" + dir + "'";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ASSERT_EQ(pclose(p), 0);
    size_t alerts = 0, pos = 0;
    while (pos < out.size()) {
        size_t nl = out.find('\n', pos);
        std::string_view line(out.data() + pos, nl - pos);
        pos = nl + 1;
        size_t tab = line.find('\t');
        int want = std::stoi(std::string(line.substr(0, tab)));
        const std::string_view raw = line.substr(tab + 1);
        EXPECT_EQ(alert_severity(raw), want) << line.substr(0, 300);
        // The handler starts after the event_type value (falling back to the whole line).
        size_t type_end = raw.find("\"event_type\":\"alert\"");
        if (type_end != std::string_view::npos) {
            type_end += std::string_view("\"event_type\":\"alert").size();
            EXPECT_EQ(alert_severity(raw, type_end), want) << line.substr(0, 300);
        }
        ++alerts;
    }
    EXPECT_GT(alerts, 1000u);
}

TEST(TrafficMetricsConfig, DefaultsAndValues) {
    std::vector<std::string> errors;
    auto cfg = parse("{listen: '127.0.0.1:1'}", &errors);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(cfg.app_proto_top, 20);
    EXPECT_EQ(cfg.dest_ports, (std::vector<uint16_t>{22, 53, 80, 443}));
    cfg = parse("{traffic_labels: {app_proto_top: 5, dest_ports: [8080, 3389]}}", &errors);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(cfg.app_proto_top, 5);
    EXPECT_EQ(cfg.dest_ports, (std::vector<uint16_t>{8080, 3389}));
    cfg = parse("{traffic_labels: {dest_ports: []}}", &errors);
    EXPECT_TRUE(cfg.dest_ports.empty());
}

TEST(TrafficMetricsConfig, ErrorsNameKeyAndRange) {
    std::vector<std::string> errors;
    parse("{traffic_labels: {app_proto_top: -1, dest_ports: [0, 80, http], top: 3}}", &errors);
    ASSERT_EQ(errors.size(), 4u);
    EXPECT_NE(errors[0].find("metrics.traffic_labels.app_proto_top: must be in [0, 1000] (got -1)"),
              std::string::npos)
        << errors[0];
    EXPECT_NE(errors[1].find("metrics.traffic_labels.dest_ports: must be a list of ports in "
                             "[1, 65535] (got \"0\")"),
              std::string::npos)
        << errors[1];
    EXPECT_NE(errors[2].find("(got \"http\")"), std::string::npos) << errors[2];
    EXPECT_NE(errors[3].find("metrics.traffic_labels.top: unknown key"), std::string::npos)
        << errors[3];
}

}  // namespace
}  // namespace eveflow::processing
