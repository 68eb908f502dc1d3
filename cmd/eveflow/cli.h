// Command line: flags, and how shorthand flags map onto configuration keys.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

namespace eveflow::cmd {

struct CliOptions {
    std::string config_path;        // -c
    std::vector<std::string> sets;  // --set KEY=VALUE, in order
    bool check_config = false;
    bool print_plan = false;       // --print-plan: print the routes, then exit as --check-config
    bool has_output_flag = false;  // an output flag was given: no default stdout output
    bool show_version = false;
    YAML::Node flags;  // shorthand flags, as config edits (see cli.cc)
};

/// Parses argv. On --help/usage errors prints and returns the exit code to use.
std::optional<int> parse_cli(int argc, char** argv, CliOptions& out);

/// The configuration tree: the file (if any), then the shorthand flags, then --set, in that
/// order. Problems (unreadable file, bad YAML, bad --set) are appended to `errors`.
YAML::Node build_config_tree(const CliOptions& opts, std::vector<std::string>& errors);

std::string version_text();

}  // namespace eveflow::cmd
