// Pipeline configuration: the top-level keys and their error messages, as --check-config prints.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cmd/eveflow/app.h"
#include "cmd/eveflow/cli.h"
#include "cmd/eveflow/plan.h"
#include "tests/cmd/plan_util.h"

namespace eveflow {
namespace {

struct Checked {
    std::vector<std::string> errors;
    std::vector<std::string> routes;
};

Checked plan_of(const std::string& yaml) {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s"};
    ctx.check_only = true;
    std::shared_ptr<ConfigDiagnostics> diag;
    cmd::Plan plan = testing::plan_from_yaml(yaml, ctx, diag);
    return {diag->errors(), plan.describe()};
}

std::vector<std::string> check(const std::string& yaml) { return plan_of(yaml).errors; }

bool has(const std::vector<std::string>& errors, const std::string& want) {
    for (const auto& e : errors) {
        if (e == want) return true;
    }
    ADD_FAILURE() << "missing error: " << want << "\ngot:\n"
                  << [&] {
                         std::string all;
                         for (const auto& e : errors) all += "  " + e + "\n";
                         return all;
                     }();
    return false;
}

TEST(PipelineConfig, RequiresAnInput) {
    auto errors = check("outputs: [{type: jsonl, path: /dev/null}]\n");
    has(errors,
        "eveflow.yaml:1: inputs: at least one input is required (--eve-socket, --eve-file, --pcap, "
        "--interface, --kafka-input, or inputs: in the configuration)");
}

TEST(PipelineConfig, UnknownTypesListTheKnownOnes) {
    auto errors = check(
        "inputs: [{type: eve_sock, path: /x}]\n"
        "handlers: [{type: top_talker}]\n"
        "outputs: [{type: jsnl, path: /x}]\n");
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0].rfind("eveflow.yaml:3: outputs[0].type: unknown output 'jsnl' (known: ", 0),
              0u)
        << errors[0];
    EXPECT_EQ(errors[1].rfind(
                  "eveflow.yaml:2: handlers[0].type: unknown handler 'top_talker' (known: ", 0),
              0u)
        << errors[1];
    EXPECT_EQ(
        errors[2].rfind("eveflow.yaml:1: inputs[0].type: unknown input 'eve_sock' (known: ", 0), 0u)
        << errors[2];
}

TEST(PipelineConfig, ProcessKeysAreChecked) {
    auto errors = check(
        "inputs: [{type: eve_file, path: /dev/null, on_full: later}]\n"
        "queue: {capacity: 10}\n"
        "log: {level: loud}\n"
        "sensor_id: ''\n"
        "shutdown_timeout: 1ms\n"
        "bogus: 1\n");
    has(errors, "eveflow.yaml:1: inputs[0].on_full: must be one of block | drop (got \"later\")");
    has(errors, "eveflow.yaml:2: queue.capacity: must be in [1024, 67108864] (got 10)");
    has(errors,
        "eveflow.yaml:3: log.level: must be one of trace | debug | info | warn | error | off "
        "(got \"loud\")");
    has(errors, "eveflow.yaml:4: sensor_id: must not be empty");
    has(errors, "eveflow.yaml:5: shutdown_timeout: must be >= 100ms (got \"1ms\")");
    EXPECT_EQ(errors.back().rfind("eveflow.yaml:6: bogus: unknown key (known: ", 0), 0u)
        << errors.back();
}

TEST(PipelineConfig, AValidConfigHasNoErrors) {
    EXPECT_EQ(check("inputs: [{type: eve_file, path: /dev/null}]\n"
                    "outputs: [{type: jsonl, path: /dev/null}]\n"),
              std::vector<std::string>{});
}

std::vector<std::string> routes(const std::string& yaml) {
    Checked c = plan_of(yaml);
    EXPECT_EQ(c.errors, std::vector<std::string>{});
    return c.routes;
}

// The plan of a config with every kind of route, written out by hand from the config.
TEST(PipelinePlan, ListsEveryRoute) {
    auto lines = routes(
        "inputs: [{type: eve_socket, path: /tmp/plan.sock}]\n"
        "handlers:\n"
        "  - {type: flow_aggregate}\n"
        "  - {type: flow_aggregate, period: 5m, outputs: [{type: jsonl, path: /dev/null}]}\n"
        "forward: [{types: [alert, dns], outputs: [{type: unix_socket, path: /tmp/fw.sock}]}]\n"
        "outputs: [{type: jsonl, path: /dev/null},\n"
        "          {type: postgres, dsn: 'host=127.0.0.1', raw_events: {types: [tls]}}]\n"
        "metrics: {listen: '127.0.0.1:0'}\n");
    EXPECT_EQ(lines, (std::vector<std::string>{
                         "input eve_socket -> handler flow_aggregate",
                         "input eve_socket -> handler flow_aggregate",
                         "input eve_socket -> handler forward[0]",
                         "input eve_socket -> handler raw:postgres",
                         "input eve_socket -> handler traffic_metrics",
                         "input eve_socket raw alert,dns,tls",
                         "handler flow_aggregate -> output jsonl[0]",
                         "handler flow_aggregate -> output postgres[1]",
                         "handler flow_aggregate -> output jsonl[2]",
                         "raw alert -> output unix_socket[3]",
                         "raw dns -> output unix_socket[3]",
                         "raw tls -> output postgres[1]",
                     }));
}

// Keys have one owner: `metrics.traffic_labels` is checked by the traffic counters, `listen`
// by the exporter; an unknown key in either place is reported once.
TEST(PipelinePlan, MetricsKeysHaveOneOwner) {
    auto errors = check(
        "inputs: [{type: eve_file, path: /dev/null}]\n"
        "metrics: {listen: '127.0.0.1:0', port: 1, traffic_labels: {app_proto_top: 2000}}\n");
    EXPECT_EQ(errors,
              (std::vector<std::string>{
                  "eveflow.yaml:2: metrics.traffic_labels.app_proto_top: must be in [0, "
                  "1000] (got 2000)",
                  "eveflow.yaml:2: metrics.port: unknown key (known: listen, traffic_labels)",
              }));
}

// The errors of a command line, as main() prints them before any parsing of the tree.
struct CommandLine {
    std::vector<std::string> errors;
    YAML::Node tree;
};

CommandLine command_line(std::vector<std::string> args) {
    args.insert(args.begin(), "eveflow");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    cmd::CliOptions opts;
    EXPECT_EQ(cmd::parse_cli(static_cast<int>(argv.size()), argv.data(), opts), std::nullopt);
    CommandLine out;
    out.tree = cmd::build_config_tree(opts, out.errors);
    return out;
}

TEST(CommandLine, FlagsThatApplyToNoInputAreErrors) {
    const std::string why =
        ": it applies only to the inputs those flags create (for an input of the configuration "
        "file, set its key with --set inputs[N].KEY=...)";
    EXPECT_EQ(command_line(
                  {"--eve-file", "-", "--bpf", "tcp", "--no-dpi", "--follow", "--kafka-group", "g"})
                  .errors,
              (std::vector<std::string>{
                  "--bpf needs --pcap or --interface" + why,
                  "--no-dpi needs --pcap or --interface" + why,
                  "--follow needs --eve-file with a file path (stdin, -, is always read to its "
                  "end)" +
                      why,
                  "--kafka-group needs --kafka-input" + why,
              }));
}

TEST(CommandLine, FlagsApplyToTheInputsFlagsCreate) {
    auto c = command_line({"--eve-file", "-", "--eve-file", "/x", "--follow", "--pcap", "/p",
                           "--bpf", "tcp", "--no-flow-expiry", "--kafka-input", "b:9",
                           "--kafka-input-topic", "t"});
    EXPECT_EQ(c.errors, std::vector<std::string>{});
    const YAML::Node in = c.tree["inputs"];
    ASSERT_EQ(in.size(), 4u);
    EXPECT_FALSE(in[0]["follow"]);  // stdin is read to its end
    EXPECT_EQ(in[1]["follow"].as<std::string>(), "true");
    EXPECT_EQ(in[2]["bpf"].as<std::string>(), "tcp");
    EXPECT_EQ(in[2]["expiry"].as<std::string>(), "false");
    EXPECT_EQ(in[3]["topics"][0].as<std::string>(), "t");
}

// With no handlers in the configuration, handlers[0] is the default handler: --set edits it.
TEST(CommandLine, SetEditsTheDefaultHandlerButAddsNoUntypedOne) {
    auto c = command_line({"--eve-file", "/x", "--set", "handlers[0].max_keys=10"});
    EXPECT_EQ(c.errors, std::vector<std::string>{});
    ASSERT_EQ(c.tree["handlers"].size(), 1u);
    EXPECT_EQ(c.tree["handlers"][0]["type"].as<std::string>(), "flow_aggregate");
    EXPECT_EQ(c.tree["handlers"][0]["max_keys"].as<std::string>(), "10");
    EXPECT_EQ(command_line({"--eve-file", "/x", "--set", "handlers[1].period=30s"}).errors,
              (std::vector<std::string>{"--set handlers[1].period=30s: handlers[1]: a new list "
                                        "item needs its type (add --set handlers[1].type=...)"}));
}

TEST(CommandLine, DuplicateKeysInTheFileAreErrors) {
    auto path = std::filesystem::temp_directory_path() / "eveflow_dup_test.yaml";
    std::ofstream(path) << "inputs: [{type: eve_file, path: /x}]\nsensor_id: a\nsensor_id: b\n";
    auto c = command_line({"-c", path.string()});
    std::filesystem::remove(path);
    EXPECT_EQ(c.errors, (std::vector<std::string>{
                            path.string() + ":3: sensor_id: duplicate key (first at line 2)"}));
}

TEST(CommandLine, ADirectoryIsNotAConfigurationFile) {
    auto dir = std::filesystem::temp_directory_path();
    EXPECT_EQ(command_line({"-c", dir.string()}).errors,
              (std::vector<std::string>{dir.string() +
                                        ": is a directory; -c takes a YAML configuration file"}));
}

}  // namespace
}  // namespace eveflow
