// Kafka sink against librdkafka's mock cluster over TCP; kcat reads back what arrived.
#include "output/kafka/kafka_sink.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "output/aggregate_json.h"
#include "tests/log_capture.h"
#include "tests/tools/kafka_cluster.h"
#include "util/clock.h"

namespace eveflow::output {
namespace {

using eveflow::testing::LogCapture;
using test::KafkaCluster;
using namespace std::chrono_literals;

struct Harness {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s1"};
    std::shared_ptr<ConfigDiagnostics> diag = std::make_shared<ConfigDiagnostics>("test.yaml");

    std::unique_ptr<Sink> make(const std::string& yaml) {
        ConfigNode node(YAML::Load(yaml), "outputs[0]", diag);
        node.touch("type");  // read by the registry
        auto sink = std::make_unique<KafkaSink>(parse_kafka_sink_config(node), ctx);
        diag->report_unknown();
        return sink;
    }
    double delivered() const { return stats.sum("eveflow_kafka_delivered_total"); }
    double failed() const { return stats.sum("eveflow_kafka_failed_total"); }
    double dropped() const { return stats.sum("eveflow_sink_dropped_total"); }
    double written() const { return stats.sum("eveflow_sink_records_total"); }
};

void require_kcat() {
    if (test::have_kcat()) return;
    if (getenv("EVEFLOW_REQUIRE_SERVICES")) FAIL() << "kcat is not installed";
    GTEST_SKIP() << "kcat is not installed (apt-get install kcat)";
}

/// Distinct aggregate records: IPv4 and IPv6 sources, counters from the index.
std::vector<Record> aggregates(size_t n) {
    std::vector<Record> out(n);
    for (size_t i = 0; i < n; ++i) {
        AggregateRecord& a = std::get<AggregateRecord>(out[i]);
        std::string src = i % 3 == 0
                              ? "2001:db8::" + std::to_string(i % 50 + 1)
                              : "10.0." + std::to_string(i % 7) + "." + std::to_string(i % 200 + 1);
        a.src_ip = IpAddr::parse(src).value();
        a.dest_ip = IpAddr::parse("192.168.1.1").value();
        a.window_start = Timestamp::from_us(1700000000000000 + int64_t(i / 100) * 60000000);
        a.window_end = Timestamp::from_us(a.window_start.us + 60000000);
        a.dest_port = static_cast<uint16_t>(i);
        a.proto = 6;
        a.flows = i + 1;
        a.bytes_toserver = i * 10;
    }
    return out;
}

std::string field_of(const std::string& json, const std::string& name) {
    std::smatch m;
    std::regex re("\"" + name + "\" ?: ?\"?([^\",}]*)");
    return std::regex_search(json, m, re) ? m[1].str() : std::string();
}

Status write_all(Sink& sink, const std::vector<Record>& records, size_t batch = 100) {
    for (size_t i = 0; i < records.size(); i += batch) {
        size_t n = std::min(batch, records.size() - i);
        Status s = sink.write(std::span<const Record>(records).subspan(i, n));
        if (!s.ok()) return s;
    }
    return {};
}

/// The JSON values of `records` as the sink must send them, sorted.
std::vector<std::string> expected_values(const std::vector<Record>& records) {
    std::vector<std::string> out;
    for (const Record& r : records) {
        std::string v;
        append_aggregate_json(v, std::get<AggregateRecord>(r), "s1");
        out.push_back(v);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> values_only(const std::vector<std::string>& key_tab_value) {
    std::vector<std::string> out;
    for (const auto& l : key_tab_value) out.push_back(l.substr(l.find('\t') + 1));
    std::sort(out.begin(), out.end());
    return out;
}

TEST(KafkaSinkConfig, ErrorsNameKeyAndRange) {
    Harness h;
    h.make(
        "{type: kafka, topic: 'a b', key: port, on_full: wait, flush_timeout: x,"
        " properties: {no.such.property: 1, bootstrap.servers: z}}");
    std::string all;
    for (const auto& e : h.diag->errors()) all += e + "\n";
    EXPECT_NE(all.find("outputs[0].brokers: "), std::string::npos) << all;
    EXPECT_NE(all.find("outputs[0].topic: may hold only"), std::string::npos) << all;
    EXPECT_NE(all.find("outputs[0].key: must be one of"), std::string::npos) << all;
    EXPECT_NE(all.find("outputs[0].on_full: must be one of"), std::string::npos) << all;
    EXPECT_NE(all.find("outputs[0].flush_timeout: must be a duration"), std::string::npos) << all;
    EXPECT_NE(all.find("outputs[0].properties.no.such.property: No such configuration"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("properties.bootstrap.servers: set by eveflow"), std::string::npos) << all;
}

TEST(KafkaSinkConfig, TopicTemplateExpandsAndSanitises) {
    EXPECT_EQ(expand_topic("eveflow.{event_type}", "flow_aggregate"), "eveflow.flow_aggregate");
    EXPECT_EQ(expand_topic("suricata.{event_type}.x", "dns"), "suricata.dns.x");
    EXPECT_EQ(expand_topic("fixed", "dns"), "fixed");
    EXPECT_EQ(expand_topic("e.{event_type}", "we ird/ü"), "e.we_ird___");
}

TEST(KafkaSink, AggregatesArriveEachExactlyOnceKeyedBySrcIp) {
    require_kcat();
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    ASSERT_TRUE(kafka.command("topic eveflow.flow_aggregate 3"));
    Harness h;
    auto sink = h.make("{type: kafka, brokers: '" + kafka.bootstrap() + "'}");
    ASSERT_TRUE(h.diag->ok()) << h.diag->errors()[0];
    sink->open();
    auto records = aggregates(3000);
    ASSERT_TRUE(write_all(*sink, records).ok());
    ASSERT_TRUE(sink->close().ok());

    auto got = test::kcat_read(kafka.bootstrap(), "eveflow.flow_aggregate");
    EXPECT_EQ(values_only(got), expected_values(records));  // each exactly once
    for (const auto& l : got) {
        std::string key = l.substr(0, l.find('\t'));
        ASSERT_EQ(key, field_of(l.substr(l.find('\t') + 1), "src_ip")) << l;
    }
    EXPECT_EQ(h.delivered(), 3000);
    EXPECT_EQ(h.failed(), 0);
    EXPECT_EQ(h.stats.sum("eveflow_sink_up"), 1);
}

/// Real EVE lines with their event type and flow_id, read independently of the parser.
std::vector<Record> raw_events(const std::string& path) {
    std::vector<Record> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        Record r;
        r = RawEvent{};
        std::get<RawEvent>(r).type_name = field_of(line, "event_type");
        std::get<RawEvent>(r).line = line;
        std::string id = field_of(line, "flow_id");
        std::get<RawEvent>(r).fields.flow_id = id.empty() ? 0 : std::stoull(id);
        out.push_back(std::move(r));
    }
    return out;
}

// Each topic holds exactly `want[topic]` ("key\tvalue" lines), in any order.
void expect_topics(const KafkaCluster& kafka,
                   std::map<std::string, std::vector<std::string>>& want) {
    for (auto& [topic, lines] : want) {
        auto got = test::kcat_read(kafka.bootstrap(), topic);
        std::sort(got.begin(), got.end());
        std::sort(lines.begin(), lines.end());
        EXPECT_EQ(got, lines) << topic;
    }
}

TEST(KafkaSink, ForwardedEventsGoToTheirTypeTopicKeyedByFlowId) {
    require_kcat();
    std::string path = std::string(EVEFLOW_SHARED_DATA) + "/eve/rhaist-surevego/eve.json";
    if (!std::ifstream(path)) GTEST_SKIP() << "shared test data absent: " << path;
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    Harness h;
    auto sink = h.make("{type: kafka, brokers: '" + kafka.bootstrap() +
                       "', topic: 'suricata.{event_type}'}");
    ASSERT_TRUE(h.diag->ok());
    sink->open();
    auto records = raw_events(path);
    std::map<std::string, std::vector<std::string>> want;  // topic -> "flow_id\tline"
    for (const Record& r : records) {
        const auto& raw = std::get<RawEvent>(r);
        want["suricata." + raw.type_name].push_back(field_of(raw.line, "flow_id") + "\t" +
                                                    raw.line);
    }
    ASSERT_GE(want.size(), 5u);
    ASSERT_TRUE(write_all(*sink, records, 17).ok());
    ASSERT_TRUE(sink->close().ok());
    expect_topics(kafka, want);
    EXPECT_EQ(h.delivered(), static_cast<double>(records.size()));
}

TEST(KafkaSink, BrokersDownThenUpLosesNothingWithBlock) {
    require_kcat();
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    ASSERT_TRUE(kafka.command("topic eveflow.flow_aggregate 3"));
    Harness h;
    LogCapture log;
    auto sink = h.make("{type: kafka, brokers: '" + kafka.bootstrap() +
                       "', on_full: block, properties: {queue.buffering.max.messages: 200}}");
    sink->open();
    auto records = aggregates(2000);
    ASSERT_TRUE(write_all(*sink, std::vector<Record>(records.begin(), records.begin() + 100)).ok());
    ASSERT_TRUE(kafka.command("down -1"));
    std::thread up([&] {
        std::this_thread::sleep_for(3s);
        kafka.command("up -1");
    });
    auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(write_all(*sink, std::vector<Record>(records.begin() + 100, records.end())).ok());
    EXPECT_GE(std::chrono::steady_clock::now() - start, 2s);  // it waited for the brokers
    up.join();
    ASSERT_TRUE(sink->close().ok());
    EXPECT_EQ(values_only(test::kcat_read(kafka.bootstrap(), "eveflow.flow_aggregate")),
              expected_values(records));
    EXPECT_EQ(h.dropped(), 0);
    EXPECT_EQ(h.delivered(), 2000);
    // The 3 s stall is logged; the short waits for room once the brokers are back are not.
    EXPECT_GE(log.count("producer queue full, waiting for the brokers"), 1u) << log.text();
    EXPECT_LE(log.count("producer queue full, waiting for the brokers"), 2u) << log.text();
    EXPECT_EQ(log.count("producer queue accepts again"),
              log.count("producer queue full, waiting for the brokers"));
}

TEST(KafkaSink, BrokersDownWithDropCountsExactlyWhatIsMissing) {
    require_kcat();
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    ASSERT_TRUE(kafka.command("topic eveflow.flow_aggregate 3"));
    Harness h;
    auto sink = h.make("{type: kafka, brokers: '" + kafka.bootstrap() +
                       "', on_full: drop, properties: {queue.buffering.max.messages: 200}}");
    sink->open();
    auto records = aggregates(2000);
    ASSERT_TRUE(kafka.command("down -1"));
    ASSERT_TRUE(write_all(*sink, records).ok());
    ASSERT_TRUE(kafka.command("up -1"));
    ASSERT_TRUE(sink->close().ok());
    auto got = values_only(test::kcat_read(kafka.bootstrap(), "eveflow.flow_aggregate"));
    auto sent = expected_values(records);
    EXPECT_GE(h.dropped(), 1700);  // the queue holds 200
    EXPECT_EQ(got.size() + h.dropped(), sent.size());
    EXPECT_TRUE(std::includes(sent.begin(), sent.end(), got.begin(), got.end()));
    EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end());  // no duplicates
    EXPECT_EQ(h.delivered(), static_cast<double>(got.size()));
    EXPECT_EQ(h.written(), static_cast<double>(got.size()));  // delivered, not produced
}

TEST(KafkaSink, CloseIsBoundedByFlushTimeoutAndCountsWhatIsLeft) {
    Harness h;
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    ASSERT_TRUE(kafka.command("down -1"));
    auto sink = h.make("{type: kafka, brokers: '" + kafka.bootstrap() + "', flush_timeout: 1s}");
    sink->open();
    ASSERT_TRUE(write_all(*sink, aggregates(150)).ok());
    std::this_thread::sleep_for(1500ms);  // librdkafka statistics come every second
    sink->idle();
    EXPECT_EQ(h.stats.sum("eveflow_sink_up"), 0);
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(sink->close().ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
    EXPECT_EQ(h.failed(), 150);
    EXPECT_EQ(h.delivered(), 0);
    EXPECT_EQ(h.written(), 0);
    EXPECT_EQ(h.dropped(), 150);
}

TEST(KafkaSink, BrokerDownAtStartIsNotAStartupError) {
    Harness h;
    auto sink = h.make("{type: kafka, brokers: '127.0.0.1:1', flush_timeout: 0s}");
    EXPECT_NO_THROW(sink->open());
    EXPECT_TRUE(sink->write(aggregates(3)).ok());
    EXPECT_FALSE(sink->close().ok());
    EXPECT_EQ(h.failed(), 3);
}

TEST(KafkaSink, SecretsNeverReachTheLog) {
    LogCapture log;
    {
        Harness h;
        auto sink = h.make(
            "{type: kafka, brokers: '127.0.0.1:1', flush_timeout: 0s, properties: {"
            "security.protocol: sasl_plaintext, sasl.mechanisms: PLAIN, sasl.username: u,"
            " sasl.password: hunter2secret, debug: 'all'}}");
        sink->open();
        std::this_thread::sleep_for(500ms);
        (void)sink->close();
    }
    std::string text = log.text();
    EXPECT_NE(text.find("sasl.password=***"), std::string::npos);
    EXPECT_GT(text.size(), 1000u);  // librdkafka's debug lines were there
    EXPECT_EQ(text.find("hunter2secret"), std::string::npos);
}

}  // namespace
}  // namespace eveflow::output

namespace eveflow::output {
namespace {

TEST(KafkaSink, DnsRecordsGoToTheirTypeTopicKeyedByName) {
    require_kcat();
    KafkaCluster kafka;
    ASSERT_TRUE(kafka.ok());
    Harness h;
    auto sink = h.make("{type: kafka, brokers: '" + kafka.bootstrap() + "'}");
    ASSERT_TRUE(h.diag->ok());
    sink->open();
    std::vector<Record> records;
    std::map<std::string, std::vector<std::string>> want;  // topic -> "key\tline"
    std::string line;
    for (int i = 0; i < 30; ++i) {
        DnsAggregateRecord d;
        d.rrname = "host" + std::to_string(i) + ".example";
        d.rrtype = "A";
        d.queries = static_cast<uint64_t>(i);
        d.clients = {"10.0.0." + std::to_string(i)};
        PdnsRecord p;
        p.rrname = d.rrname;
        p.rrtype = "A";
        p.rdata = "192.0.2." + std::to_string(i);
        p.count = 1;
        records.emplace_back(d);
        records.emplace_back(p);
        want["eveflow.dns_aggregate"].push_back(
            d.rrname + "\t" + std::string(record_json(records[records.size() - 2], line, "s1")));
        want["eveflow.pdns"].push_back(p.rrname + "\t" +
                                       std::string(record_json(records.back(), line, "s1")));
    }
    ASSERT_TRUE(sink->write(records).ok());
    ASSERT_TRUE(sink->close().ok());
    expect_topics(kafka, want);
    EXPECT_EQ(h.delivered(), 60.0);
}

}  // namespace
}  // namespace eveflow::output
