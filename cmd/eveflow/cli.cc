// Command line parsing (CLI11) and the shorthand flags' mapping onto configuration keys.
#include "cmd/eveflow/cli.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "util/config_node.h"

namespace eveflow::cmd {
namespace {

struct Shorthand {
    std::vector<std::string> eve_files, eve_sockets, pcaps, interfaces, jsonl, postgres, kafka;
    std::string period, flows_jsonl, metrics, bpf, ndpi_config_dir, sensor_id, log_level;
    std::string kafka_input, kafka_input_topic, kafka_group;
    bool follow = false, no_flow_expiry = false, no_dpi = false;
};

YAML::Node map_of(std::initializer_list<std::pair<const char*, std::string>> kv) {
    YAML::Node n(YAML::NodeType::Map);
    for (const auto& [k, v] : kv) n[k] = v;
    return n;
}

void add_inputs(YAML::Node& flags, const Shorthand& s) {
    YAML::Node inputs(YAML::NodeType::Sequence);
    for (const auto& p : s.eve_sockets)
        inputs.push_back(map_of({{"type", "eve_socket"}, {"path", p}}));
    for (const auto& p : s.eve_files) {
        YAML::Node n = map_of({{"type", "eve_file"}, {"path", p}});
        if (s.follow) n["follow"] = true;
        inputs.push_back(n);
    }
    auto pcap = [&](const char* key, const std::string& v) {
        YAML::Node n = map_of({{"type", "pcap"}, {key, v}});
        if (!s.bpf.empty()) n["bpf"] = s.bpf;
        if (s.no_flow_expiry) n["expiry"] = false;
        if (s.no_dpi) n["dpi"] = false;
        if (!s.ndpi_config_dir.empty()) n["ndpi_config_dir"] = s.ndpi_config_dir;
        inputs.push_back(n);
    };
    for (const auto& p : s.pcaps) pcap("file", p);
    for (const auto& i : s.interfaces) pcap("interface", i);
    if (!s.kafka_input.empty()) {
        YAML::Node n = map_of({{"type", "kafka"}, {"brokers", s.kafka_input}});
        if (!s.kafka_input_topic.empty()) n["topics"].push_back(s.kafka_input_topic);
        if (!s.kafka_group.empty()) n["group"] = s.kafka_group;
        inputs.push_back(n);
    }
    if (inputs.size()) flags["inputs"] = inputs;
}

void add_outputs(YAML::Node& flags, const Shorthand& s) {
    YAML::Node outputs(YAML::NodeType::Sequence);
    for (const auto& p : s.jsonl) outputs.push_back(map_of({{"type", "jsonl"}, {"path", p}}));
    for (const auto& d : s.postgres) outputs.push_back(map_of({{"type", "postgres"}, {"dsn", d}}));
    for (const auto& b : s.kafka) outputs.push_back(map_of({{"type", "kafka"}, {"brokers", b}}));
    if (outputs.size()) flags["outputs"] = outputs;
    if (!s.flows_jsonl.empty()) {
        YAML::Node rule(YAML::NodeType::Map);
        rule["types"].push_back("flow");
        rule["outputs"].push_back(map_of({{"type", "jsonl"}, {"path", s.flows_jsonl}}));
        flags["forward"].push_back(rule);
    }
}

YAML::Node shorthand_tree(const Shorthand& s) {
    YAML::Node flags(YAML::NodeType::Map);
    add_inputs(flags, s);
    add_outputs(flags, s);
    if (!s.period.empty()) flags["period"] = s.period;
    if (!s.metrics.empty()) flags["metrics"]["listen"] = s.metrics;
    if (!s.sensor_id.empty()) flags["sensor_id"] = s.sensor_id;
    if (!s.log_level.empty()) flags["log"]["level"] = s.log_level;
    return flags;
}

void append_list(YAML::Node& root, const char* key, const YAML::Node& items) {
    YAML::Node list = root[key];
    if (!list.IsDefined() || list.IsNull()) list = YAML::Node(YAML::NodeType::Sequence);
    for (const auto& item : items) list.push_back(item);
    root[key] = list;
}

// Applies the shorthand flags: lists are appended to, scalars replace.
void merge_flags(YAML::Node& root, const YAML::Node& flags, bool has_output_flag) {
    if (!root.IsMap()) root = YAML::Node(YAML::NodeType::Map);
    for (const char* key : {"inputs", "outputs", "forward"}) {
        if (flags[key]) append_list(root, key, flags[key]);
    }
    if (flags["period"]) {
        YAML::Node handlers = root["handlers"];
        if (!handlers.IsDefined() || handlers.IsNull() || handlers.size() == 0) {
            handlers = YAML::Node(YAML::NodeType::Sequence);
            handlers.push_back(map_of({{"type", "flow_aggregate"}}));
        }
        handlers[0]["period"] = flags["period"];
        root["handlers"] = handlers;
    }
    if (flags["metrics"]) root["metrics"]["listen"] = flags["metrics"]["listen"];
    if (flags["sensor_id"]) root["sensor_id"] = flags["sensor_id"];
    if (flags["log"]) root["log"]["level"] = flags["log"]["level"];
    // No output anywhere: aggregates go to stdout.
    if (!has_output_flag && (!root["outputs"] || root["outputs"].IsNull())) {
        YAML::Node outputs(YAML::NodeType::Sequence);
        outputs.push_back(map_of({{"type", "jsonl"}, {"path", "-"}}));
        root["outputs"] = outputs;
    }
}

}  // namespace

std::string version_text() {
    std::ostringstream o;
    o << "eveflow " << EVEFLOW_VERSION;
    return o.str();
}

std::optional<int> parse_cli(int argc, char** argv, CliOptions& out) {
    CLI::App app{
        "eveflow: Suricata EVE and packet flows in; flow aggregates and forwarded "
        "events out.\nEvery shorthand flag sets configuration keys; --set sets any key."};
    Shorthand s;
    app.add_option("-c,--config", out.config_path, "YAML configuration file");
    app.add_option("--set", out.sets, "Override a configuration key: KEY=VALUE (repeatable)")
        ->type_name("KEY=VALUE");
    app.add_flag("--check-config", out.check_config, "Validate the configuration and exit");
    app.add_flag("--print-plan", out.print_plan,
                 "Print the pipeline's routes, one per line, and exit (implies --check-config)");
    app.add_flag("-V,--version", out.show_version, "Print the version and exit");
    app.add_option("--eve-socket", s.eve_sockets, "Listen on a unix stream socket for EVE");
    app.add_option("--eve-file", s.eve_files,
                   "Read EVE lines from a file, - for stdin (repeatable)");
    app.add_flag("--follow", s.follow, "Keep reading --eve-file as it grows (tail -F)");
    app.add_option("--pcap", s.pcaps, "Meter flows from a capture file (repeatable)");
    app.add_option("--interface", s.interfaces, "Meter flows live from an interface");
    app.add_option("--bpf", s.bpf, "BPF filter for --pcap/--interface");
    app.add_flag("--no-flow-expiry", s.no_flow_expiry,
                 "One record per flow key for the whole capture (as ndpiReader)");
    app.add_flag("--no-dpi", s.no_dpi, "Meter flows without nDPI classification");
    app.add_option("--ndpi-config-dir", s.ndpi_config_dir, "Directory of nDPI's config files");
    app.add_option("--kafka-input", s.kafka_input, "Consume EVE from these Kafka brokers");
    app.add_option("--kafka-input-topic", s.kafka_input_topic, "Topic for --kafka-input");
    app.add_option("--kafka-group", s.kafka_group, "Consumer group for --kafka-input");
    app.add_option("--period", s.period, "Aggregation period, e.g. 60s (handlers[0].period)");
    app.add_option("--jsonl", s.jsonl, "Write aggregates as JSON lines to PATH (- = stdout)");
    app.add_option("--flows-jsonl", s.flows_jsonl, "Write one JSON line per flow to PATH");
    app.add_option("--postgres", s.postgres, "Write aggregates to PostgreSQL (libpq DSN)");
    app.add_option("--kafka", s.kafka, "Write aggregates to Kafka (broker list)");
    app.add_option("--metrics", s.metrics, "Serve Prometheus /metrics on ADDR:PORT");
    app.add_option("--sensor-id", s.sensor_id, "Sensor id in records (default: host name)");
    app.add_option("--log-level", s.log_level, "trace|debug|info|warn|error|off");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    out.flags = shorthand_tree(s);
    bool has_output =
        !s.jsonl.empty() || !s.postgres.empty() || !s.kafka.empty() || !s.flows_jsonl.empty();
    out.has_output_flag = has_output;
    if (out.print_plan) out.check_config = true;
    return std::nullopt;
}

YAML::Node build_config_tree(const CliOptions& opts, std::vector<std::string>& errors) {
    YAML::Node root(YAML::NodeType::Map);
    if (!opts.config_path.empty()) {
        std::ifstream in(opts.config_path);
        if (!in) {
            errors.push_back(opts.config_path + ": cannot open: " + std::strerror(errno));
            return root;
        }
        try {
            root = YAML::Load(in);
        } catch (const YAML::Exception& e) {
            errors.push_back(opts.config_path + ":" + std::to_string(e.mark.line + 1) +
                             ": invalid YAML: " + e.msg);
            return YAML::Node(YAML::NodeType::Map);
        }
        if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
        if (!root.IsMap()) {
            errors.push_back(opts.config_path + ": must be a map of keys at the top level");
            return YAML::Node(YAML::NodeType::Map);
        }
    }
    merge_flags(root, YAML::Clone(opts.flags), opts.has_output_flag);
    for (const auto& set : opts.sets) {
        std::string err = apply_set_override(root, set);
        if (!err.empty()) errors.push_back("--set " + set + ": " + err);
    }
    return root;
}

}  // namespace eveflow::cmd
