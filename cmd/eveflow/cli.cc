// Command line parsing (CLI11) and the shorthand flags' mapping onto configuration keys.
#include "cmd/eveflow/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>

#include "input/eve/version.h"
#include "input/pcap/version.h"
#include "output/kafka/version.h"
#include "output/postgres/version.h"
#include "output/sink.h"
#include "util/config_node.h"

namespace eveflow::cmd {
namespace {

struct Shorthand {
    std::vector<std::string> eve_files, eve_sockets, pcaps, interfaces, jsonl, postgres, kafka;
    std::string period, flows_jsonl, metrics, bpf, ndpi_config_dir, sensor_id, log_level, state_dir;
    std::string kafka_input, kafka_input_topic, kafka_group;
    std::string redis_input, redis_key, redis_flows;
    std::string flow_update_interval;
    std::string workers;
    bool follow = false, no_flow_expiry = false, no_dpi = false;
    bool process_visibility = false;
    std::string home_net, geo_db;
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
        if (s.follow && p != "-") n["follow"] = true;
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
    for (const auto& i : s.interfaces) {
        pcap("interface", i);
        if (s.process_visibility) inputs[inputs.size() - 1]["process_visibility"] = true;
    }
    if (!s.kafka_input.empty()) {
        YAML::Node n = map_of({{"type", "kafka"}, {"brokers", s.kafka_input}});
        if (!s.kafka_input_topic.empty()) n["topics"].push_back(s.kafka_input_topic);
        if (!s.kafka_group.empty()) n["group"] = s.kafka_group;
        inputs.push_back(n);
    }
    if (!s.redis_input.empty()) {
        YAML::Node n = map_of({{"type", "redis"}, {"address", s.redis_input}});
        if (!s.redis_key.empty()) n["key"] = s.redis_key;
        inputs.push_back(n);
    }
    if (inputs.size()) flags["inputs"] = inputs;
}

// A file named on the command line is rewritten by each run (truncated once start-up has
// succeeded); in a configuration file `append` defaults to true.
YAML::Node jsonl_flag_output(const std::string& path) {
    return map_of({{"type", "jsonl"}, {"path", path}, {"append", "false"}});
}

void add_outputs(YAML::Node& flags, const Shorthand& s) {
    YAML::Node outputs(YAML::NodeType::Sequence);
    for (const auto& p : s.jsonl) outputs.push_back(jsonl_flag_output(p));
    for (const auto& d : s.postgres) outputs.push_back(map_of({{"type", "postgres"}, {"dsn", d}}));
    for (const auto& b : s.kafka) outputs.push_back(map_of({{"type", "kafka"}, {"brokers", b}}));
    if (!s.redis_flows.empty()) {
        outputs.push_back(map_of({{"type", "redis"}, {"address", s.redis_flows}}));
    }
    if (outputs.size()) flags["outputs"] = outputs;
    if (!s.flows_jsonl.empty()) {
        YAML::Node rule(YAML::NodeType::Map);
        rule["types"].push_back("flow");
        rule["outputs"].push_back(jsonl_flag_output(s.flows_jsonl));
        flags["forward"].push_back(rule);
    }
}

// A flag that modifies the inputs other flags create. Given with none of those inputs it
// would do nothing, so it is an error; every such flag gets a row here.
struct FlagRule {
    const char* flag;
    bool (*given)(const Shorthand&);
    bool (*applies)(const Shorthand&);  // some flag-created input it modifies exists
    const char* needs;
};

bool has_meter(const Shorthand& s) { return !s.pcaps.empty() || !s.interfaces.empty(); }
bool has_eve_file_path(const Shorthand& s) {
    return std::any_of(s.eve_files.begin(), s.eve_files.end(),
                       [](const std::string& p) { return p != "-"; });
}
bool has_kafka_input(const Shorthand& s) { return !s.kafka_input.empty(); }
bool has_redis_input(const Shorthand& s) { return !s.redis_input.empty(); }

constexpr const char* kMeterFlags = "--pcap or --interface";
constexpr FlagRule kFlagRules[] = {
    {"--bpf", [](const Shorthand& s) { return !s.bpf.empty(); }, has_meter, kMeterFlags},
    {"--no-flow-expiry", [](const Shorthand& s) { return s.no_flow_expiry; }, has_meter,
     kMeterFlags},
    {"--no-dpi", [](const Shorthand& s) { return s.no_dpi; }, has_meter, kMeterFlags},
    {"--ndpi-config-dir", [](const Shorthand& s) { return !s.ndpi_config_dir.empty(); }, has_meter,
     kMeterFlags},
    {"--process-visibility", [](const Shorthand& s) { return s.process_visibility; },
     [](const Shorthand& s) { return !s.interfaces.empty(); },
     "--interface (a capture file's processes are gone)"},
    {"--follow", [](const Shorthand& s) { return s.follow; }, has_eve_file_path,
     "--eve-file with a file path (stdin, -, is always read to its end)"},
    {"--kafka-input-topic", [](const Shorthand& s) { return !s.kafka_input_topic.empty(); },
     has_kafka_input, "--kafka-input"},
    {"--kafka-group", [](const Shorthand& s) { return !s.kafka_group.empty(); }, has_kafka_input,
     "--kafka-input"},
    {"--redis-key", [](const Shorthand& s) { return !s.redis_key.empty(); }, has_redis_input,
     "--redis-input"},
};

// Usage errors: flags given without the inputs they apply to.
std::vector<std::string> unused_flags(const Shorthand& s) {
    std::vector<std::string> errors;
    for (const auto& r : kFlagRules) {
        if (r.given(s) && !r.applies(s)) {
            errors.push_back(
                std::string(r.flag) + " needs " + r.needs +
                ": it applies only to the inputs those flags create (for an input "
                "of the configuration file, set its key with --set inputs[N].KEY=...)");
        }
    }
    return errors;
}

// --home-net CIDR[,CIDR...] -> home_net; --geo-db PATH -> enrich.geo.database.
void add_enrichment(YAML::Node& flags, const Shorthand& s) {
    if (!s.home_net.empty()) {
        YAML::Node nets(YAML::NodeType::Sequence);
        std::string_view rest = s.home_net;
        while (!rest.empty()) {
            const size_t comma = rest.find(',');
            nets.push_back(std::string(rest.substr(0, comma)));
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        }
        flags["home_net"] = nets;
    }
    if (!s.geo_db.empty()) flags["geo_db"] = s.geo_db;
}

YAML::Node shorthand_tree(const Shorthand& s) {
    YAML::Node flags(YAML::NodeType::Map);
    add_inputs(flags, s);
    add_outputs(flags, s);
    if (!s.period.empty()) flags["period"] = s.period;
    if (!s.metrics.empty()) flags["metrics"]["listen"] = s.metrics;
    if (!s.sensor_id.empty()) flags["sensor_id"] = s.sensor_id;
    if (!s.state_dir.empty()) flags["state_dir"] = s.state_dir;
    if (!s.log_level.empty()) flags["log"]["level"] = s.log_level;
    if (!s.flow_update_interval.empty()) flags["flow_update_interval"] = s.flow_update_interval;
    if (!s.workers.empty()) flags["workers"] = s.workers;
    add_enrichment(flags, s);
    return flags;
}

void set_on_pcap_inputs(YAML::Node& root, const char* key, const YAML::Node& value) {
    if (!root["inputs"].IsSequence()) return;
    for (auto in : root["inputs"]) {
        if (in.IsMap() && in["type"] && in["type"].IsScalar() && in["type"].Scalar() == "pcap")
            in[key] = value;
    }
}

void append_list(YAML::Node& root, const char* key, const YAML::Node& items) {
    YAML::Node list = root[key];
    if (!list.IsDefined() || list.IsNull()) list = YAML::Node(YAML::NodeType::Sequence);
    for (const auto& item : items) list.push_back(item);
    root[key] = list;
}

// Whether the top-level `outputs` (absent, or a list) leave aggregates without an output: none
// listed, or only lifecycle outputs (a Redis flow table takes no aggregates). Anything else is
// left to the plan to judge.
bool aggregates_unrouted(const YAML::Node& outputs) {
    if (!outputs || outputs.IsNull()) return true;
    if (!outputs.IsSequence()) return false;
    auto diag = std::make_shared<ConfigDiagnostics>("");
    for (const auto& item : outputs) {
        if (!item.IsMap() || !item["type"] || !item["type"].IsScalar()) return false;
        const ConfigNode node(item, "outputs[]", diag);
        if (output::takes_lifecycle(item["type"].Scalar(), node) != output::LifecycleRoute::kOnly)
            return false;
    }
    return true;
}

// Applies the shorthand flags: lists are appended to, scalars replace.
void merge_flags(YAML::Node& root, const YAML::Node& flags, bool has_output_flag) {
    if (!root.IsMap()) root = YAML::Node(YAML::NodeType::Map);
    for (const char* key : {"inputs", "outputs", "forward"}) {
        if (flags[key]) append_list(root, key, flags[key]);
    }
    // No handlers key: the default handler, written out, so that --period and
    // --set handlers[0].KEY edit it rather than add a handler.
    YAML::Node handlers = root["handlers"];
    bool absent = !handlers.IsDefined() || handlers.IsNull();
    if (absent || (flags["period"] && handlers.IsSequence() && handlers.size() == 0)) {
        handlers = YAML::Node(YAML::NodeType::Sequence);
        handlers.push_back(map_of({{"type", "flow_aggregate"}}));
        root["handlers"] = handlers;
    }
    if (flags["period"]) root["handlers"][0]["period"] = flags["period"];
    if (flags["metrics"]) root["metrics"]["listen"] = flags["metrics"]["listen"];
    if (flags["sensor_id"]) root["sensor_id"] = flags["sensor_id"];
    if (flags["state_dir"]) root["state_dir"] = flags["state_dir"];
    if (flags["log"]) root["log"]["level"] = flags["log"]["level"];
    // --flow-update-interval, --workers: every pcap input, the configuration file's too.
    if (flags["flow_update_interval"])
        set_on_pcap_inputs(root, "update_interval", flags["flow_update_interval"]);
    if (flags["workers"]) set_on_pcap_inputs(root, "workers", flags["workers"]);
    if (flags["home_net"]) root["home_net"] = flags["home_net"];
    if (flags["geo_db"]) root["enrich"]["geo"]["database"] = flags["geo_db"];
    // No output that takes aggregates (lifecycle outputs do not count): they go to stdout.
    if (!has_output_flag && aggregates_unrouted(root["outputs"])) {
        YAML::Node stdout_output(YAML::NodeType::Sequence);
        stdout_output.push_back(map_of({{"type", "jsonl"}, {"path", "-"}}));
        append_list(root, "outputs", stdout_output);
    }
}

}  // namespace

std::vector<LibraryVersion> library_versions() {
    std::vector<LibraryVersion> out = input::pcap::library_versions();
    out.push_back(output::kafka_library_version());
    for (auto& v : output::postgres::library_versions()) out.push_back(std::move(v));
    out.push_back(input::simdjson_library_version());
    out.push_back({"yaml-cpp", EVEFLOW_YAML_CPP_VERSION, false});
    return out;
}

std::string version_text() {
    std::ostringstream o;
    o << "eveflow " << EVEFLOW_VERSION;
    for (const auto& v : library_versions()) {
        o << "\n" << v.name << " " << v.version << (v.runtime ? "" : " (build time)");
    }
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
    app.add_option("--flow-update-interval", s.flow_update_interval,
                   "Interim flow updates every D of packet time on every pcap input "
                   "(update_interval)");
    app.add_option("--workers", s.workers,
                   "Meter threads per pcap input, 1-64 (workers; default: the online CPUs)");
    app.add_flag("--no-dpi", s.no_dpi, "Meter flows without nDPI classification");
    app.add_flag("--process-visibility", s.process_visibility,
                 "Attribute --interface flows to local processes (docs/process.md)");
    app.add_option("--ndpi-config-dir", s.ndpi_config_dir, "Directory of nDPI's config files");
    app.add_option("--kafka-input", s.kafka_input, "Consume EVE from these Kafka brokers");
    app.add_option("--kafka-input-topic", s.kafka_input_topic, "Topic for --kafka-input");
    app.add_option("--kafka-group", s.kafka_group, "Consumer group for --kafka-input");
    app.add_option("--redis-input", s.redis_input,
                   "Read EVE from a Redis list (Suricata's redis output) at HOST:PORT");
    app.add_option("--redis-key", s.redis_key, "List key for --redis-input (default suricata)");
    app.add_option("--redis-flows", s.redis_flows,
                   "Keep the live flows in a Redis hash at HOST:PORT (eveflow:flows:SENSOR)");
    app.add_option("--period", s.period, "Aggregation period, e.g. 60s (handlers[0].period)");
    app.add_option("--jsonl", s.jsonl, "Write aggregates as JSON lines to PATH (- = stdout)");
    app.add_option("--flows-jsonl", s.flows_jsonl, "Write one JSON line per flow to PATH");
    app.add_option("--postgres", s.postgres, "Write aggregates to PostgreSQL (libpq DSN)");
    app.add_option("--kafka", s.kafka, "Write aggregates to Kafka (broker list)");
    app.add_option("--metrics", s.metrics, "Serve Prometheus /metrics on ADDR:PORT");
    app.add_option("--sensor-id", s.sensor_id, "Sensor id in records (default: host name)");
    app.add_option("--state-dir", s.state_dir,
                   "Keep followed files' positions in DIR across restarts (state_dir)");
    app.add_option("--log-level", s.log_level, "trace|debug|info|warn|error|off");
    app.add_option("--home-net", s.home_net,
                   "Home networks, CIDR[,CIDR...] (!CIDR takes one out): sets home_net");
    app.add_option("--geo-db", s.geo_db,
                   "Country and AS database (libloc or MaxMind DB): sets enrich.geo.database");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    out.flag_errors = unused_flags(s);
    out.flags = shorthand_tree(s);
    bool has_output =
        !s.jsonl.empty() || !s.postgres.empty() || !s.kafka.empty() || !s.flows_jsonl.empty();
    out.has_output_flag = has_output;
    if (out.print_plan) out.check_config = true;
    return std::nullopt;
}

namespace {

// The bytes of the configuration file; an error goes to `errors`.
std::optional<std::string> read_file(const std::string& path, std::vector<std::string>& errors) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        errors.push_back(path + ": is a directory; -c takes a YAML configuration file");
        return std::nullopt;
    }
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) {
        errors.push_back(path + ": cannot open: " + std::strerror(errno));
        return std::nullopt;
    }
    std::string text;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) text.append(buf, n);
    if (std::ferror(f.get())) {
        errors.push_back(path + ": cannot read: " + std::strerror(errno));
        return std::nullopt;
    }
    return text;
}

// The configuration file as a map; an error goes to `errors`.
YAML::Node load_file(const std::string& path, std::vector<std::string>& errors) {
    auto text = read_file(path, errors);
    if (!text) return YAML::Node(YAML::NodeType::Map);
    YAML::Node root;
    try {
        root = YAML::Load(*text);
    } catch (const YAML::Exception& e) {
        errors.push_back(path + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
        return YAML::Node(YAML::NodeType::Map);
    }
    if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) {
        errors.push_back(path + ": must be a map of keys at the top level");
        return YAML::Node(YAML::NodeType::Map);
    }
    ConfigDiagnostics diag(path);
    report_duplicate_keys(root, "", diag);
    errors.insert(errors.end(), diag.errors().begin(), diag.errors().end());
    return root;
}

}  // namespace

YAML::Node build_config_tree(const CliOptions& opts, std::vector<std::string>& errors) {
    errors.insert(errors.end(), opts.flag_errors.begin(), opts.flag_errors.end());
    YAML::Node root(YAML::NodeType::Map);
    if (!opts.config_path.empty()) root = load_file(opts.config_path, errors);
    merge_flags(root, YAML::Clone(opts.flags), opts.has_output_flag);
    auto set_errors = apply_set_overrides(root, opts.sets);
    errors.insert(errors.end(), set_errors.begin(), set_errors.end());
    return root;
}

}  // namespace eveflow::cmd
