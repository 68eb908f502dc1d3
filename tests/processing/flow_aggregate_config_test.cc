// Tests of the flow_aggregate config section: defaults and every error message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "processing/flow_aggregate/config.h"
#include "tests/processing/test_util.h"

namespace eveflow::processing {
namespace {

using eveflow::testing::Section;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> errors_of(const std::string& yaml) {
    Section s(yaml);
    parse_flow_aggregate_config(s.node);
    return s.errors();
}

TEST(FlowAggregateConfig, Defaults) {
    Section s("{type: flow_aggregate}");
    FlowAggregateConfig c = parse_flow_aggregate_config(s.node);
    EXPECT_TRUE(s.errors().empty());
    EXPECT_EQ(c.name, "flow_aggregate");
    EXPECT_EQ(c.period, std::chrono::seconds(60));
    EXPECT_EQ(c.allowed_lateness, std::chrono::seconds(30));
    EXPECT_EQ(c.idle_flush, std::chrono::seconds(60));
    EXPECT_EQ(c.time_field, TimeField::kTimestamp);
    EXPECT_EQ(c.key_fields, kKeySrcIp | kKeyDestIp | kKeyDestPort | kKeyProto);
    EXPECT_EQ(c.max_keys, 1000000u);
}

TEST(FlowAggregateConfig, ReadsEveryKey) {
    Section s(
        "{name: agg2, period: 5m, allowed_lateness: 0s, idle_flush: 0, time_field: flow_end,\n"
        " key: [src_ip, src_port, app_proto, vlan, in_iface], max_keys: 10}");
    FlowAggregateConfig c = parse_flow_aggregate_config(s.node);
    EXPECT_TRUE(s.errors().empty());
    EXPECT_EQ(c.name, "agg2");
    EXPECT_EQ(c.period, std::chrono::minutes(5));
    EXPECT_EQ(c.allowed_lateness.count(), 0);
    EXPECT_EQ(c.idle_flush.count(), 0);
    EXPECT_EQ(c.time_field, TimeField::kFlowEnd);
    EXPECT_EQ(c.key_fields, kKeySrcIp | kKeySrcPort | kKeyAppProto | kKeyVlan | kKeyInIface);
    EXPECT_EQ(c.max_keys, 10u);
}

TEST(FlowAggregateConfig, ZeroPeriod) {
    EXPECT_THAT(errors_of("{period: 0s}"),
                ElementsAre("eveflow.yaml:1: handlers[0].period: must be > 0 (got \"0s\")"));
}

TEST(FlowAggregateConfig, BadPeriodText) {
    EXPECT_THAT(errors_of("{period: soon}"),
                ElementsAre("eveflow.yaml:1: handlers[0].period: must be a duration such as 30s, "
                            "5m, 1h or 250ms (got \"soon\")"));
}

TEST(FlowAggregateConfig, NegativeLateness) {
    EXPECT_THAT(errors_of("{allowed_lateness: -5s}"),
                ElementsAre(HasSubstr("handlers[0].allowed_lateness: must be a duration")));
}

TEST(FlowAggregateConfig, BadIdleFlush) {
    EXPECT_THAT(errors_of("{idle_flush: [1]}"),
                ElementsAre(HasSubstr("handlers[0].idle_flush: must be a duration")));
}

TEST(FlowAggregateConfig, UnknownKeyFieldListsValidOnes) {
    EXPECT_THAT(errors_of("{key: [src_ip, dst_ip]}"),
                ElementsAre("eveflow.yaml:1: handlers[0].key: unknown key field 'dst_ip' (valid: "
                            "src_ip, dest_ip, src_port, dest_port, proto, app_proto, vlan, "
                            "in_iface, src_process_name, dest_process_name, src_net, dest_net, "
                            "home_direction, src_country, dest_country, src_asn, dest_asn)"));
}

TEST(FlowAggregateConfig, EmptyKeyList) {
    EXPECT_THAT(errors_of("{key: []}"),
                ElementsAre(HasSubstr("handlers[0].key: must list at least one of src_ip, ")));
}

TEST(FlowAggregateConfig, KeyNotAList) {
    EXPECT_THAT(errors_of("{key: {a: b}}"),
                ElementsAre(HasSubstr("handlers[0].key: must be a list of strings")));
}

TEST(FlowAggregateConfig, ZeroMaxKeys) {
    EXPECT_THAT(errors_of("{max_keys: 0}"),
                ElementsAre("eveflow.yaml:1: handlers[0].max_keys: must be in [1, 2147483647] "
                            "(got 0)"));
}

TEST(FlowAggregateConfig, BadTimeField) {
    EXPECT_THAT(errors_of("{time_field: flow_age}"),
                ElementsAre("eveflow.yaml:1: handlers[0].time_field: must be one of timestamp | "
                            "flow_start | flow_end (got \"flow_age\")"));
}

TEST(FlowAggregateConfig, EmptyName) {
    EXPECT_THAT(errors_of("{name: \"\"}"),
                ElementsAre(HasSubstr("handlers[0].name: must not be empty")));
}

TEST(FlowAggregateConfig, UnknownKeyIsAnError) {
    EXPECT_THAT(errors_of("{perod: 30s}"),
                ElementsAre(HasSubstr("handlers[0].perod: unknown key (known: ")));
}

TEST(FlowAggregateConfig, AllErrorsAtOnce) {
    EXPECT_EQ(errors_of("{period: 0s, max_keys: 0, key: [x], time_field: y}").size(), 4u);
}

TEST(FlowAggregateConfig, DeploySnippetParsesToTheDefaults) {
    YAML::Node root = YAML::LoadFile(EVEFLOW_SOURCE_DIR "/deploy/snippets/flow_aggregate.yaml");
    auto diag = std::make_shared<ConfigDiagnostics>("flow_aggregate.yaml");
    ConfigNode node(root["handlers"][0], "handlers[0]", diag);
    FlowAggregateConfig c = parse_flow_aggregate_config(node);
    diag->report_unknown();
    EXPECT_TRUE(diag->errors().empty());
    FlowAggregateConfig def;
    EXPECT_EQ(c.period, def.period);
    EXPECT_EQ(c.allowed_lateness, def.allowed_lateness);
    EXPECT_EQ(c.idle_flush, def.idle_flush);
    EXPECT_EQ(c.key_fields, def.key_fields);
    EXPECT_EQ(c.max_keys, def.max_keys);
}

}  // namespace
}  // namespace eveflow::processing
