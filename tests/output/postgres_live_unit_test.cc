// PostgreSQL live flow table without a server: its config keys and checks, its staging rows.
#include <gtest/gtest.h>

#include "output/postgres/config.h"
#include "output/postgres/live_table.h"
#include "tests/output/test_util.h"

namespace eveflow::output::postgres {
namespace {

using testing::OutputSection;

std::vector<std::string> errors_of(const std::string& yaml) {
    OutputSection s(yaml);
    parse_config(s.node);
    return s.errors();
}

std::string joined(const std::vector<std::string>& e) {
    std::string all;
    for (const auto& s : e) all += s + "\n";
    return all;
}

TEST(PostgresLiveConfig, OffWithoutLiveTable) {
    OutputSection s("{type: postgres, dsn: 'dbname=x'}");
    PostgresConfig c = parse_config(s.node);
    EXPECT_TRUE(s.errors().empty());
    EXPECT_FALSE(c.live.enabled());
    EXPECT_EQ(c.live.log.table, "flow_log");
}

TEST(PostgresLiveConfig, ReadsLiveTableAndFlowLog) {
    OutputSection s(
        "{type: postgres, dsn: 'dbname=x', live_table: flow_live, flow_log: {table: finished,"
        " partition: hour, retention: 2d, partitions_ahead: 5}}");
    PostgresConfig c = parse_config(s.node);
    EXPECT_TRUE(s.errors().empty()) << joined(s.errors());
    EXPECT_EQ(c.live.table, "flow_live");
    EXPECT_EQ(c.live.log.table, "finished");
    EXPECT_EQ(c.live.log.partition, PartitionPeriod::kHour);
    EXPECT_EQ(c.live.log.retention, std::chrono::hours(48));
    EXPECT_EQ(c.live.log.partitions_ahead, 5);
}

TEST(PostgresLiveConfig, BadNamesAndClashesAreReported) {
    auto e = errors_of("{type: postgres, dsn: 'dbname=x', live_table: 'Flow-Live'}");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_NE(e[0].find("outputs[0].live_table: must be a lower-case SQL identifier"),
              std::string::npos)
        << e[0];
    e = errors_of("{type: postgres, dsn: 'dbname=x', flow_log: {table: finished}}");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_NE(e[0].find("outputs[0].flow_log: needs live_table"), std::string::npos) << e[0];
    e = errors_of(
        "{type: postgres, dsn: 'dbname=x', live_table: flow_aggregate,"
        " flow_log: {table: flow_aggregate, types: [flow]}}");
    const std::string all = joined(e);
    ASSERT_EQ(e.size(), 3u) << all;
    EXPECT_NE(all.find("outputs[0].live_table: must differ"), std::string::npos) << all;
    EXPECT_NE(all.find("outputs[0].flow_log: table must differ"), std::string::npos) << all;
    EXPECT_NE(all.find("outputs[0].flow_log.types"), std::string::npos) << all;
}

FlowLifecycle flow(FlowOp op) {
    FlowLifecycle f;
    f.op = op;
    f.flow_id = 4503599627370495;  // 2^52 - 1
    f.fields.src_ip = *IpAddr::parse("10.0.0.1");
    f.fields.dest_ip = *IpAddr::parse("2001:db8::1");
    f.fields.has_src_ip = f.fields.has_dest_ip = f.fields.has_src_port = true;
    f.fields.has_dest_port = f.fields.has_proto = true;
    f.fields.src_port = 40000;
    f.fields.dest_port = 443;
    f.fields.proto = 6;
    f.fields.pkts_toserver = 3;
    f.fields.pkts_toclient = 2;
    f.fields.bytes_toserver = 300;
    f.fields.bytes_toclient = 200;
    f.fields.start = Timestamp::from_us(1768003200000000);
    f.fields.end = Timestamp::from_us(1768003201500000);
    f.at = Timestamp::from_us(1768003202000000);
    return f;
}

TEST(PostgresLiveRow, UpdateRowCarriesTheTypedFieldsAndTheJson) {
    FlowLifecycle f = flow(FlowOp::kUpdate);
    f.json = "{\"flow_id\":4503599627370495,\"note\":\"a\\tb\"}";
    std::string out;
    Sanitised fixed;
    ASSERT_TRUE(append_live_row(out, f, 7, "sensor-a", Timestamp::none(), fixed));
    EXPECT_EQ(
        out,
        "7\tu\tsensor-a\t4503599627370495\t10.0.0.1\t40000\t2001:db8::1\t443\tTCP\t\\N\t3\t2"
        "\t300\t200\t2026-01-10T00:00:00.000000Z\t2026-01-10T00:00:01.500000Z\t\\N"
        "\t2026-01-10T00:00:02.000000Z\t{\"flow_id\":4503599627370495,\"note\":\"a\\\\tb\"}\n");
}

TEST(PostgresLiveRow, RemoveIsLoggedUnderTheFlowEndOrItsOwnTime) {
    FlowLifecycle f = flow(FlowOp::kRemove);
    f.sensor_id = "sensor-b";
    EXPECT_EQ(log_time(f).us, f.fields.end.us);
    std::string out;
    Sanitised fixed;
    ASSERT_TRUE(append_live_row(out, f, 1, "sensor-a", log_time(f), fixed));
    EXPECT_NE(out.find("1\tr\tsensor-b\t"), std::string::npos) << out;
    EXPECT_NE(out.find("\t2026-01-10T00:00:01.500000Z\t2026-01-10T00:00:01.500000Z\t"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.substr(out.size() - 4), "\t\\N\n");  // no JSON
    f.fields.end = Timestamp::none();
    EXPECT_EQ(log_time(f).us, f.at.us);
}

TEST(PostgresLiveRow, FlowIdBeyondBigintIsUnstorable) {
    FlowLifecycle f = flow(FlowOp::kInsert);
    f.flow_id = 1ull << 63;
    std::string out;
    Sanitised fixed;
    EXPECT_FALSE(append_live_row(out, f, 1, "s", Timestamp::none(), fixed));
    EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace eveflow::output::postgres
