// Command line: flags, and how shorthand flags map onto configuration keys.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "util/library_version.h"

namespace eveflow::cmd {

struct CliOptions {
    std::string config_path;        // -c
    std::vector<std::string> sets;  // --set KEY=VALUE, in order
    bool check_config = false;
    bool print_plan = false;       // --print-plan: print the routes, then exit as --check-config
    bool has_output_flag = false;  // an output flag was given: no default stdout output
    bool show_version = false;
    YAML::Node flags;                      // shorthand flags, as config edits (see cli.cc)
    std::vector<std::string> flag_errors;  // flags given without the inputs they apply to
};

/// Parses argv. On --help/usage errors prints and returns the exit code to use.
std::optional<int> parse_cli(int argc, char** argv, CliOptions& out);

/// The configuration tree: the file (if any), then the shorthand flags, then --set, in that
/// order. Problems (flags that apply to no input, an unreadable file, bad YAML, a duplicate
/// key, a bad --set) are appended to `errors`.
YAML::Node build_config_tree(const CliOptions& opts, std::vector<std::string>& errors);

/// The libraries eveflow runs with and their versions: from the loaded library where it can
/// tell (nDPI, libpcap, librdkafka, libpq), else from its headers at build time.
std::vector<LibraryVersion> library_versions();

/// `eveflow VERSION`, then one line per library: `NAME VERSION`, `(build time)` appended
/// for versions taken from headers.
std::string version_text();

}  // namespace eveflow::cmd
