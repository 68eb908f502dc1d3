// Pipeline configuration: the top-level keys and their error messages, as --check-config prints.
#include <gtest/gtest.h>

#include "cmd/eveflow/app.h"
#include "cmd/eveflow/pipeline.h"

namespace eveflow {
namespace {

std::vector<std::string> check(const std::string& yaml) {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s"};
    ctx.check_only = true;
    auto diag = std::make_shared<ConfigDiagnostics>("eveflow.yaml");
    ConfigNode root(YAML::Load(yaml), "", diag);
    std::string level;
    cmd::read_process_keys(root, ctx, level);
    cmd::Pipeline p(ctx);
    p.build(root);
    diag->report_unknown();
    return diag->errors();
}

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

}  // namespace
}  // namespace eveflow
