// Aggregate JSON rendering: field set per key mask, escaping, proto names.
#include "output/aggregate_json.h"

#include <gtest/gtest.h>

namespace eveflow::output {
namespace {

AggregateRecord sample() {
    AggregateRecord r;
    r.window_start = *parse_timestamp("2024-05-01T10:00:00Z");
    r.window_end = *parse_timestamp("2024-05-01T10:01:00Z");
    r.src_ip = *IpAddr::parse("10.0.0.1");
    r.dest_ip = *IpAddr::parse("2001:db8::2");
    r.dest_port = 443;
    r.proto = 6;
    r.flows = 12;
    r.src_ports = 9;
    r.pkts_toserver = 120;
    r.pkts_toclient = 98;
    r.bytes_toserver = 15000;
    r.bytes_toclient = 870000;
    r.first_seen = *parse_timestamp("2024-05-01T10:00:01.5Z");
    r.last_seen = *parse_timestamp("2024-05-01T10:00:59Z");
    return r;
}

TEST(AggregateJson, DefaultKeyRecord) {
    std::string out;
    append_aggregate_json(out, sample(), "s\"1");
    EXPECT_EQ(out,
              "{\"event_type\":\"flow_aggregate\",\"window_start\":\"2024-05-01T10:00:00.000000Z\","
              "\"window_end\":\"2024-05-01T10:01:00.000000Z\",\"src_ip\":\"10.0.0.1\","
              "\"dest_ip\":\"2001:db8::2\",\"dest_port\":443,\"proto\":\"TCP\",\"flows\":12,"
              "\"src_ports\":9,\"pkts_toserver\":120,\"pkts_toclient\":98,"
              "\"bytes_toserver\":15000,\"bytes_toclient\":870000,"
              "\"first_seen\":\"2024-05-01T10:00:01.500000Z\","
              "\"last_seen\":\"2024-05-01T10:00:59.000000Z\",\"sensor_id\":\"s\\\"1\"}");
}

// Records of different windows in turn, and one with only its end changed, each with its
// own bounds.
TEST(AggregateJson, EachRecordHasItsOwnWindow) {
    AggregateRecord a = sample();
    AggregateRecord b = sample();
    b.window_start = *parse_timestamp("2024-05-01T10:01:00Z");
    b.window_end = *parse_timestamp("2024-05-01T10:02:00Z");
    AggregateRecord c = a;
    c.window_end = *parse_timestamp("2024-05-01T10:00:30Z");
    const std::string a_window =
        "\"window_start\":\"2024-05-01T10:00:00.000000Z\","
        "\"window_end\":\"2024-05-01T10:01:00.000000Z\"";
    const std::string b_window =
        "\"window_start\":\"2024-05-01T10:01:00.000000Z\","
        "\"window_end\":\"2024-05-01T10:02:00.000000Z\"";
    const std::string c_window =
        "\"window_start\":\"2024-05-01T10:00:00.000000Z\","
        "\"window_end\":\"2024-05-01T10:00:30.000000Z\"";
    const std::pair<const AggregateRecord*, const std::string*> turns[] = {
        {&a, &a_window}, {&b, &b_window}, {&a, &a_window}, {&c, &c_window}, {&a, &a_window}};
    for (const auto& [r, window] : turns) {
        std::string out;
        append_aggregate_json(out, *r, "s1");
        EXPECT_EQ(out.rfind("{\"event_type\":\"flow_aggregate\"," + *window + ",", 0), 0u) << out;
    }
}

TEST(AggregateJson, CustomKeyFieldsAndLateFlag) {
    AggregateRecord r = sample();
    r.key_fields = kKeySrcIp | kKeyAppProto | kKeyVlan;
    r.app_proto = "tls\n";
    r.vlan = 100;
    r.late = true;
    std::string out;
    append_aggregate_json(out, r, "s1");
    EXPECT_NE(out.find("\"src_ip\":\"10.0.0.1\",\"app_proto\":\"tls\\n\",\"vlan\":100,"),
              std::string::npos);
    EXPECT_EQ(out.find("dest_ip"), std::string::npos);
    EXPECT_EQ(out.find("dest_port"), std::string::npos);
    EXPECT_NE(out.find("\"late\":true"), std::string::npos);
}

TEST(AggregateJson, DestNameWhenKnownOnly) {
    AggregateRecord r = sample();
    r.dest_name = "www.example.com";
    std::string out;
    append_aggregate_json(out, r, "s1");
    EXPECT_NE(out.find("\"proto\":\"TCP\",\"dest_name\":\"www.example.com\",\"flows\":12"),
              std::string::npos);
    out.clear();
    append_aggregate_json(out, sample(), "s1");
    EXPECT_EQ(out.find("dest_name"), std::string::npos);  // unknown: absent, not null
}

TEST(AggregateJson, ProcessNameKeyFields) {
    AggregateRecord r = sample();
    r.key_fields = kKeyDestPort | kKeySrcProcessName | kKeyDestProcessName;
    r.src_process_name = "curl";
    std::string out;
    append_aggregate_json(out, r, "s1");
    EXPECT_NE(out.find("\"src_process_name\":\"curl\",\"dest_process_name\":\"\","),
              std::string::npos)
        << out;
    r.key_fields = kDefaultKeyFields;
    out.clear();
    append_aggregate_json(out, r, "s1");
    EXPECT_EQ(out.find("process"), std::string::npos) << out;
}

TEST(AggregateJson, RecordsOwnSensorIdWinsOverTheConfiguredOne) {
    AggregateRecord r = sample();
    r.sensor_id = "sensor-\"7";
    std::string out;
    append_aggregate_json(out, r, "configured");
    EXPECT_NE(out.find(",\"sensor_id\":\"sensor-\\\"7\"}"), std::string::npos) << out;
    EXPECT_EQ(out.find("configured"), std::string::npos);
}

}  // namespace
}  // namespace eveflow::output
