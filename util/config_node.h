// ConfigNode: typed, checked access to one YAML section; every problem is collected, not thrown.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace eveflow {

/// Parses `30s`, `5m`, `1h`, `250ms`, `2d`, or a bare number of seconds.
std::optional<std::chrono::microseconds> parse_duration(std::string_view text);
/// Parses `64MiB`, `16 MiB`, `1GiB`, `10KB`, `4096` (bytes).
std::optional<uint64_t> parse_size(std::string_view text);
/// Prints a duration the way parse_duration reads it back (`90s`, `5m`, `250ms`).
std::string format_duration(std::chrono::microseconds d);

/// Every problem found in one configuration, in the order found. Shared by all nodes of it.
class ConfigDiagnostics {
public:
    explicit ConfigDiagnostics(std::string file) : file_(std::move(file)) {}
    /// `line` is 1-based, 0 when unknown (a value from --set or a default).
    void add(int line, const std::string& path, const std::string& message);
    const std::vector<std::string>& errors() const { return errors_; }
    bool ok() const { return errors_.empty(); }
    const std::string& file() const { return file_; }

    /// Remembers a map node whose keys must all be known; see report_unknown().
    void track(const YAML::Node& map, std::string path,
               std::shared_ptr<std::set<std::string>> used);
    /// Adds an error for every key that no component read. Call once, after all parsing.
    void report_unknown();

private:
    struct Tracked {
        YAML::Node node;
        std::string path;
        std::shared_ptr<std::set<std::string>> used;
    };
    std::string file_;
    std::vector<std::string> errors_;
    std::vector<Tracked> tracked_;
};

/// A view of one YAML map (a section such as `outputs[0]`). Reading a key marks it known;
/// a bad value records an error with file:line, the key path and the valid range, and the
/// getter returns the default so parsing goes on and every error is reported at once.
class ConfigNode {
public:
    ConfigNode(YAML::Node node, std::string path, std::shared_ptr<ConfigDiagnostics> diag);

    const std::string& path() const { return path_; }
    bool has(std::string_view key) const;
    bool is_map() const { return node_.IsMap(); }
    int line() const;

    std::string str(std::string_view key, std::string_view def) const;
    std::optional<std::string> str_opt(std::string_view key) const;
    /// The key must be present and a non-empty string.
    std::string required_str(std::string_view key) const;
    std::string choice(std::string_view key, std::string_view def,
                       const std::vector<std::string>& allowed) const;
    int64_t integer(std::string_view key, int64_t def, int64_t min, int64_t max) const;
    bool boolean(std::string_view key, bool def) const;
    std::chrono::microseconds duration(std::string_view key, std::chrono::microseconds def,
                                       std::chrono::microseconds min = std::chrono::microseconds(0),
                                       bool allow_zero = true) const;
    uint64_t size(std::string_view key, uint64_t def, uint64_t min, uint64_t max) const;
    std::vector<std::string> strings(std::string_view key) const;
    /// A map of scalar values (add_fields, properties); insertion order kept.
    std::vector<std::pair<std::string, std::string>> string_map(std::string_view key) const;

    /// A nested map section; an absent key gives an empty section.
    ConfigNode child(std::string_view key) const;
    /// The items of a sequence of maps; an absent key gives none.
    std::vector<ConfigNode> items(std::string_view key) const;

    /// Records an error about `key` (or about this section when key is empty).
    void error(std::string_view key, const std::string& message) const;
    /// Marks a key as known without reading it (read by someone else).
    void touch(std::string_view key) const;
    ConfigDiagnostics& diagnostics() const { return *diag_; }
    std::shared_ptr<ConfigDiagnostics> shared_diagnostics() const { return diag_; }
    const YAML::Node& yaml() const { return node_; }

private:
    YAML::Node get(std::string_view key) const;
    std::string key_path(std::string_view key) const;
    int line_of(std::string_view key) const;

    YAML::Node node_;
    std::string path_;
    std::shared_ptr<ConfigDiagnostics> diag_;
    std::shared_ptr<std::set<std::string>> used_;
};

/// Adds an error for every key that repeats a key of the same map, in every map at every
/// depth under `node` (yaml-cpp keeps both entries; a lookup would see only the first).
void report_duplicate_keys(const YAML::Node& node, const std::string& path,
                           ConfigDiagnostics& diag);

/// Applies one `--set a.b[0].c=value` override to a YAML tree (value parsed as YAML).
/// Returns an error message, or empty on success. `created`, when given, receives the path
/// of every list item the override added (`handlers[1]`).
std::string apply_set_override(YAML::Node& root, std::string_view assignment,
                               std::vector<std::string>* created = nullptr);

/// Applies every `--set` in order, then checks the list items they added: an item of
/// `inputs`, `outputs` or `handlers` (at any depth) must have been given its `type`, an item
/// of `forward` its `types` or `outputs`, so that a typo in an index cannot add a component
/// of the default type. Returns one message per problem, each starting with `--set A=V: `.
std::vector<std::string> apply_set_overrides(YAML::Node& root,
                                             const std::vector<std::string>& assignments);

}  // namespace eveflow
