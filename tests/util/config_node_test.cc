// ConfigNode: typed getters, every error message, unknown keys, --set overrides.
#include "util/config_node.h"

#include <gtest/gtest.h>

namespace eveflow {
namespace {

using namespace std::chrono_literals;

struct Parsed {
    std::shared_ptr<ConfigDiagnostics> diag = std::make_shared<ConfigDiagnostics>("eveflow.yaml");
    ConfigNode root;
    explicit Parsed(const std::string& yaml) : root(YAML::Load(yaml), "", diag) {}
    std::vector<std::string> errors() {
        diag->report_unknown();
        return diag->errors();
    }
};

TEST(ParseDuration, UnitsAndBareSeconds) {
    EXPECT_EQ(parse_duration("30s"), 30s);
    EXPECT_EQ(parse_duration("5m"), 5min);
    EXPECT_EQ(parse_duration("1h"), 1h);
    EXPECT_EQ(parse_duration("250ms"), 250ms);
    EXPECT_EQ(parse_duration("2d"), 48h);
    EXPECT_EQ(parse_duration("1.5s"), 1500ms);
    EXPECT_EQ(parse_duration("90"), 90s);
    EXPECT_FALSE(parse_duration("s"));
    EXPECT_FALSE(parse_duration("10 parsecs"));
    EXPECT_FALSE(parse_duration("-5s"));
    EXPECT_FALSE(parse_duration(""));
}

TEST(ParseSize, BinaryAndDecimalUnits) {
    EXPECT_EQ(parse_size("16MiB"), 16u << 20);
    EXPECT_EQ(parse_size("64 KiB"), 64u << 10);
    EXPECT_EQ(parse_size("10KB"), 10000u);
    EXPECT_EQ(parse_size("4096"), 4096u);
    EXPECT_EQ(parse_size("1GiB"), 1u << 30);
    EXPECT_FALSE(parse_size("12 apples"));
}

TEST(FormatDuration, RoundTrips) {
    for (std::chrono::seconds d :
         {90s, std::chrono::seconds(300), std::chrono::seconds(3600), 0s}) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(d);
        EXPECT_EQ(parse_duration(format_duration(us)), us);
    }
    EXPECT_EQ(format_duration(250ms), "250ms");
}

TEST(ConfigNode, ReadsValuesAndDefaults) {
    Parsed p("period: 30s\nmax_keys: 12\nfollow: true\nname: x\nsize: 2MiB\n");
    EXPECT_EQ(p.root.duration("period", 60s), 30s);
    EXPECT_EQ(p.root.integer("max_keys", 5, 1, 100), 12);
    EXPECT_TRUE(p.root.boolean("follow", false));
    EXPECT_EQ(p.root.str("name", "d"), "x");
    EXPECT_EQ(p.root.size("size", 0, 0, 1u << 30), 2u << 20);
    EXPECT_EQ(p.root.str("absent", "d"), "d");
    EXPECT_TRUE(p.errors().empty());
}

TEST(ConfigNode, ErrorsCarryFileLineKeyPathAndRange) {
    Parsed p(
        "handlers:\n  - type: flow_aggregate\n    period: 0s\n    max_keys: 0\n"
        "    follow: maybe\n    lateness: soon\n    size: huge\n    on_full: wait\n");
    auto h = p.root.items("handlers");
    ASSERT_EQ(h.size(), 1u);
    h[0].touch("type");
    h[0].duration("period", 60s, 0s, false);
    h[0].integer("max_keys", 1, 1, 1000000);
    h[0].boolean("follow", false);
    h[0].duration("lateness", 30s);
    h[0].size("size", 1, 1, 100);
    h[0].choice("on_full", "block", {"block", "drop"});
    EXPECT_EQ(p.errors(),
              (std::vector<std::string>{
                  "eveflow.yaml:3: handlers[0].period: must be > 0 (got \"0s\")",
                  "eveflow.yaml:4: handlers[0].max_keys: must be in [1, 1000000] (got 0)",
                  "eveflow.yaml:5: handlers[0].follow: must be true or false (got \"maybe\")",
                  "eveflow.yaml:6: handlers[0].lateness: must be a duration such as 30s, "
                  "5m, 1h or 250ms (got \"soon\")",
                  "eveflow.yaml:7: handlers[0].size: must be a size such as 4096, 64KiB "
                  "or 16MiB (got \"huge\")",
                  "eveflow.yaml:8: handlers[0].on_full: must be one of block | drop "
                  "(got \"wait\")",
              }));
}

TEST(ConfigNode, MinimumDurationIsReported) {
    Parsed p("poll: 1ms\n");
    p.root.duration("poll", 250ms, 10ms, false);
    EXPECT_EQ(p.errors(),
              (std::vector<std::string>{"eveflow.yaml:1: poll: must be >= 10ms (got \"1ms\")"}));
}

TEST(ConfigNode, UnknownKeysAreErrorsListingTheKnownOnes) {
    Parsed p("inputs:\n  - type: eve_file\n    pth: /x\nqueu: {}\n");
    for (auto& in : p.root.items("inputs")) {
        in.touch("type");
        in.str("path", "");
    }
    auto errors = p.errors();
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0], "eveflow.yaml:4: queu: unknown key (known: inputs)");
    EXPECT_EQ(errors[1], "eveflow.yaml:3: inputs[0].pth: unknown key (known: path, type)");
}

TEST(ConfigNode, MissingRequiredAndWrongShapes) {
    Parsed p(
        "outputs:\n  - type: jsonl\n    path: ''\n  - type: jsonl\nforward: 3\nlist: {a: 1}\n");
    auto outs = p.root.items("outputs");
    outs[0].touch("type");
    outs[1].touch("type");
    outs[0].required_str("path");
    outs[1].required_str("path");
    p.root.items("forward");
    p.root.strings("list");
    EXPECT_EQ(p.errors(), (std::vector<std::string>{
                              "eveflow.yaml:3: outputs[0].path: must not be empty",
                              "eveflow.yaml:4: outputs[1].path: missing",
                              "eveflow.yaml:5: forward: must be a list (got \"3\")",
                              "eveflow.yaml:6: list: must be a list of strings (got a map)",
                          }));
}

TEST(ConfigNode, NullValuesCountAsAbsent) {
    Parsed p("period: ~\n");
    EXPECT_EQ(p.root.duration("period", 60s), 60s);
    EXPECT_TRUE(p.errors().empty());
}

TEST(SetOverride, CreatesAndReplacesNestedKeys) {
    YAML::Node root = YAML::Load("handlers:\n  - type: flow_aggregate\n    period: 60s\n");
    EXPECT_EQ(apply_set_override(root, "handlers[0].period=30s"), "");
    EXPECT_EQ(apply_set_override(root, "outputs[0].type=jsonl"), "");
    EXPECT_EQ(apply_set_override(root, "forward[0].types=[alert, dns]"), "");
    EXPECT_EQ(apply_set_override(root, "sensor_id=s1"), "");
    EXPECT_EQ(root["handlers"][0]["period"].as<std::string>(), "30s");
    EXPECT_EQ(root["handlers"][0]["type"].as<std::string>(), "flow_aggregate");
    EXPECT_EQ(root["outputs"][0]["type"].as<std::string>(), "jsonl");
    EXPECT_EQ(root["forward"][0]["types"].size(), 2u);
    EXPECT_EQ(root["sensor_id"].as<std::string>(), "s1");
}

TEST(SetOverride, RejectsMalformedAssignments) {
    YAML::Node root = YAML::Load("sensor_id: a\n");
    EXPECT_EQ(apply_set_override(root, "sensor_id"), "expected KEY=VALUE");
    EXPECT_EQ(apply_set_override(root, "a..b=1"), "bad key path \"a..b\"");
    EXPECT_EQ(apply_set_override(root, "x[q]=1"), "bad key path \"x[q]\"");
    EXPECT_EQ(apply_set_override(root, "sensor_id.x=1"), "sensor_id.x: not a map");
}

TEST(DuplicateKeys, ReportedInEveryMapAtEveryDepth) {
    YAML::Node root = YAML::Load(
        "sensor_id: a\n"
        "handlers:\n"
        "  - type: flow_aggregate\n"
        "    period: 60s\n"
        "    period: 30s\n"
        "outputs: [{type: jsonl, path: /a, path: /b}]\n"
        "metrics:\n"
        "  traffic_labels: {app_proto_top: 1}\n"
        "  traffic_labels: {app_proto_top: 2}\n"
        "sensor_id: b\n");
    ConfigDiagnostics diag("eveflow.yaml");
    report_duplicate_keys(root, "", diag);
    EXPECT_EQ(diag.errors(),
              (std::vector<std::string>{
                  "eveflow.yaml:5: handlers[0].period: duplicate key (first at line 4)",
                  "eveflow.yaml:6: outputs[0].path: duplicate key (first at line 6)",
                  "eveflow.yaml:9: metrics.traffic_labels: duplicate key (first at line 8)",
                  "eveflow.yaml:10: sensor_id: duplicate key (first at line 1)",
              }));
}

TEST(DuplicateKeys, DistinctKeysAndRepeatedValuesAreFine) {
    YAML::Node root = YAML::Load("a: {x: 1, y: 1}\nb: [{x: 1}, {x: 1}]\nc: [x, x]\n");
    ConfigDiagnostics diag("eveflow.yaml");
    report_duplicate_keys(root, "", diag);
    EXPECT_TRUE(diag.ok());
}

TEST(SetOverride, RejectsDuplicateKeysInTheValue) {
    YAML::Node root = YAML::Load("sensor_id: a\n");
    EXPECT_EQ(
        apply_set_override(root, "handlers[0]={type: flow_aggregate, period: 1s, period: 2s}"),
        "handlers[0].period: duplicate key");
}

TEST(SetOverrides, ANewListItemNeedsItsType) {
    YAML::Node root = YAML::Load("handlers: [{type: flow_aggregate}]\n");
    EXPECT_EQ(apply_set_overrides(root, {"handlers[1].period=30s"}),
              (std::vector<std::string>{
                  "--set handlers[1].period=30s: handlers[1]: a new list item needs its type "
                  "(add --set handlers[1].type=...)"}));
}

TEST(SetOverrides, TheTypeMayComeInAnotherSet) {
    YAML::Node root = YAML::Load("handlers: [{type: flow_aggregate}]\n");
    EXPECT_EQ(
        apply_set_overrides(root, {"handlers[1].period=30s", "handlers[1].type=flow_aggregate",
                                   "handlers[0].period=10s", "inputs[0]={type: eve_file}"}),
        std::vector<std::string>{});
    EXPECT_EQ(root["handlers"].size(), 2u);
}

TEST(SetOverrides, EveryListItemAddedOnTheWayIsChecked) {
    YAML::Node root = YAML::Load("outputs: [{type: jsonl, path: /x}]\n");
    EXPECT_EQ(apply_set_overrides(root, {"outputs[2].type=jsonl", "inputs[0].path=/y"}),
              (std::vector<std::string>{
                  "--set outputs[2].type=jsonl: outputs[1]: a new list item needs its type "
                  "(add --set outputs[1].type=...)",
                  "--set inputs[0].path=/y: inputs[0]: a new list item needs its type "
                  "(add --set inputs[0].type=...)"}));
}

TEST(SetOverrides, ForwardRulesNeedTypesOrOutputs) {
    YAML::Node root = YAML::Load("forward: [{types: [alert]}]\n");
    EXPECT_EQ(apply_set_overrides(root, {"forward[1].name=x", "forward[2].types=[dns]",
                                         "forward[0].outputs[0].path=/z"}),
              (std::vector<std::string>{
                  "--set forward[1].name=x: forward[1]: a new list item needs its types or "
                  "outputs (add --set forward[1].types=... or --set forward[1].outputs=...)",
                  "--set forward[0].outputs[0].path=/z: forward[0].outputs[0]: a new list item "
                  "needs its type (add --set forward[0].outputs[0].type=...)"}));
}

TEST(SetOverrides, ScalarListItemsNeedNothing) {
    YAML::Node root = YAML::Load("forward: [{types: [alert]}]\n");
    EXPECT_EQ(apply_set_overrides(root, {"forward[0].types[1]=dns"}), std::vector<std::string>{});
    EXPECT_EQ(root["forward"][0]["types"][1].as<std::string>(), "dns");
}

}  // namespace
}  // namespace eveflow
