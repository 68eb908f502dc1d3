// ConfigNode: typed getters with range checks, unknown-key detection and --set overrides.
#include "util/config_node.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace eveflow {
namespace {

std::string quoted(const YAML::Node& n) {
    if (n.IsScalar()) return "\"" + n.Scalar() + "\"";
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a map";
    return "null";
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Splits "12.5ms" into 12.5 and "ms".
bool split_number(std::string_view text, double& value, std::string_view& unit) {
    text = trim(text);
    size_t i = 0;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
        ++i;
    }
    if (i == 0) return false;
    auto [p, ec] = std::from_chars(text.data(), text.data() + i, value);
    if (ec != std::errc() || p != text.data() + i || !std::isfinite(value)) return false;
    unit = trim(text.substr(i));
    return true;
}

}  // namespace

std::optional<std::chrono::microseconds> parse_duration(std::string_view text) {
    double v;
    std::string_view unit;
    if (!split_number(text, v, unit)) return std::nullopt;
    double us;
    if (unit.empty() || unit == "s")
        us = v * 1e6;
    else if (unit == "ms")
        us = v * 1e3;
    else if (unit == "us")
        us = v;
    else if (unit == "m" || unit == "min")
        us = v * 60e6;
    else if (unit == "h")
        us = v * 3600e6;
    else if (unit == "d")
        us = v * 86400e6;
    else
        return std::nullopt;
    if (us > 1e17) return std::nullopt;
    return std::chrono::microseconds(static_cast<int64_t>(std::llround(us)));
}

std::optional<uint64_t> parse_size(std::string_view text) {
    double v;
    std::string_view unit;
    if (!split_number(text, v, unit)) return std::nullopt;
    static const std::pair<std::string_view, double> kUnits[] = {
        {"", 1},     {"B", 1},        {"KB", 1e3},        {"MB", 1e6},
        {"GB", 1e9}, {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
        {"k", 1e3},  {"K", 1024.0},   {"M", 1048576.0},   {"G", 1073741824.0}};
    for (const auto& [name, mult] : kUnits) {
        if (unit == name) {
            double bytes = v * mult;
            if (bytes > 1.8e19) return std::nullopt;
            return static_cast<uint64_t>(bytes);
        }
    }
    return std::nullopt;
}

std::string format_duration(std::chrono::microseconds d) {
    int64_t us = d.count();
    if (us % 3600'000'000 == 0 && us) return std::to_string(us / 3600'000'000) + "h";
    if (us % 60'000'000 == 0 && us) return std::to_string(us / 60'000'000) + "m";
    if (us % 1'000'000 == 0) return std::to_string(us / 1'000'000) + "s";
    if (us % 1000 == 0) return std::to_string(us / 1000) + "ms";
    return std::to_string(us) + "us";
}

void ConfigDiagnostics::add(int line, const std::string& path, const std::string& message) {
    std::string where = line > 0 ? file_ + ":" + std::to_string(line) + ": " : file_ + ": ";
    errors_.push_back(where + path + ": " + message);
}

void ConfigDiagnostics::track(const YAML::Node& map, std::string path,
                              std::shared_ptr<std::set<std::string>> used) {
    tracked_.push_back({map, std::move(path), std::move(used)});
}

void ConfigDiagnostics::report_unknown() {
    for (const auto& t : tracked_) {
        if (!t.node.IsMap()) continue;
        for (const auto& kv : t.node) {
            std::string key = kv.first.as<std::string>();
            if (t.used->count(key)) continue;
            std::string known;
            for (const auto& k : *t.used) known += (known.empty() ? "" : ", ") + k;
            int line = kv.first.Mark().line >= 0 ? kv.first.Mark().line + 1 : 0;
            add(line, t.path.empty() ? key : t.path + "." + key,
                "unknown key" + (known.empty() ? std::string() : " (known: " + known + ")"));
        }
    }
    tracked_.clear();
}

ConfigNode::ConfigNode(YAML::Node node, std::string path, std::shared_ptr<ConfigDiagnostics> diag)
    : node_(std::move(node)),
      path_(std::move(path)),
      diag_(std::move(diag)),
      used_(std::make_shared<std::set<std::string>>()) {
    if (node_.IsMap()) {
        diag_->track(node_, path_, used_);
    } else if (node_.IsDefined() && !node_.IsNull()) {
        diag_->add(line(), path_.empty() ? "(top level)" : path_,
                   "must be a map of keys (got " + quoted(node_) + ")");
    }
}

int ConfigNode::line() const { return node_.Mark().line >= 0 ? node_.Mark().line + 1 : 0; }

std::string ConfigNode::key_path(std::string_view key) const {
    if (key.empty()) return path_;
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

YAML::Node ConfigNode::get(std::string_view key) const {
    used_->insert(std::string(key));
    if (!node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& cn = node_;
    YAML::Node v = cn[std::string(key)];
    // A missing key gives yaml-cpp's invalid "zombie" node, which throws on most calls.
    if (!v.IsDefined() || v.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
    return v;
}

int ConfigNode::line_of(std::string_view key) const {
    if (node_.IsMap()) {
        const YAML::Node& cn = node_;
        YAML::Node v = cn[std::string(key)];
        if (v.IsDefined() && v.Mark().line >= 0) return v.Mark().line + 1;
    }
    return line();
}

void ConfigNode::error(std::string_view key, const std::string& message) const {
    diag_->add(line_of(key), key_path(key), message);
}

void ConfigNode::touch(std::string_view key) const { used_->insert(std::string(key)); }

bool ConfigNode::has(std::string_view key) const {
    if (!node_.IsMap()) return false;
    const YAML::Node& cn = node_;
    YAML::Node v = cn[std::string(key)];
    return v.IsDefined() && !v.IsNull();
}

std::optional<std::string> ConfigNode::str_opt(std::string_view key) const {
    YAML::Node v = get(key);
    if (!v.IsDefined()) return std::nullopt;
    if (!v.IsScalar()) {
        error(key, "must be a string (got " + quoted(v) + ")");
        return std::nullopt;
    }
    return v.Scalar();
}

std::string ConfigNode::str(std::string_view key, std::string_view def) const {
    auto v = str_opt(key);
    return v ? *v : std::string(def);
}

std::string ConfigNode::required_str(std::string_view key) const {
    auto v = str_opt(key);
    if (!v || v->empty()) {
        if (!has(key))
            error(key, "missing");
        else if (v)
            error(key, "must not be empty");
        return {};
    }
    return *v;
}

std::string ConfigNode::choice(std::string_view key, std::string_view def,
                               const std::vector<std::string>& allowed) const {
    auto v = str_opt(key);
    if (!v) return std::string(def);
    if (std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : " | ") + a;
        error(key, "must be one of " + list + " (got \"" + *v + "\")");
        return std::string(def);
    }
    return *v;
}

int64_t ConfigNode::integer(std::string_view key, int64_t def, int64_t min, int64_t max) const {
    YAML::Node v = get(key);
    if (!v.IsDefined()) return def;
    std::string range = "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
    int64_t out = 0;
    const std::string& s = v.IsScalar() ? v.Scalar() : std::string();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (!v.IsScalar() || s.empty() || ec != std::errc() || p != s.data() + s.size()) {
        error(key, "must be an integer in " + range + " (got " + quoted(v) + ")");
        return def;
    }
    if (out < min || out > max) {
        error(key, "must be in " + range + " (got " + s + ")");
        return def;
    }
    return out;
}

bool ConfigNode::boolean(std::string_view key, bool def) const {
    YAML::Node v = get(key);
    if (!v.IsDefined()) return def;
    if (v.IsScalar()) {
        const std::string& s = v.Scalar();
        if (s == "true" || s == "yes" || s == "on") return true;
        if (s == "false" || s == "no" || s == "off") return false;
    }
    error(key, "must be true or false (got " + quoted(v) + ")");
    return def;
}

std::chrono::microseconds ConfigNode::duration(std::string_view key, std::chrono::microseconds def,
                                               std::chrono::microseconds min,
                                               bool allow_zero) const {
    YAML::Node v = get(key);
    if (!v.IsDefined()) return def;
    auto d = v.IsScalar() ? parse_duration(v.Scalar()) : std::nullopt;
    if (!d) {
        error(key, "must be a duration such as 30s, 5m, 1h or 250ms (got " + quoted(v) + ")");
        return def;
    }
    if (d->count() == 0 && allow_zero) return *d;
    if (d->count() == 0 || *d < min) {
        std::string bound = min.count() > 0 ? ">= " + format_duration(min) : "> 0";
        error(key, "must be " + bound + " (got " + quoted(v) + ")");
        return def;
    }
    return *d;
}

uint64_t ConfigNode::size(std::string_view key, uint64_t def, uint64_t min, uint64_t max) const {
    YAML::Node v = get(key);
    if (!v.IsDefined()) return def;
    auto s = v.IsScalar() ? parse_size(v.Scalar()) : std::nullopt;
    if (!s) {
        error(key, "must be a size such as 4096, 64KiB or 16MiB (got " + quoted(v) + ")");
        return def;
    }
    if (*s < min || *s > max) {
        error(key, "must be in [" + std::to_string(min) + ", " + std::to_string(max) +
                       "] bytes (got " + quoted(v) + ")");
        return def;
    }
    return *s;
}

std::vector<std::string> ConfigNode::strings(std::string_view key) const {
    YAML::Node v = get(key);
    std::vector<std::string> out;
    if (!v.IsDefined()) return out;
    if (v.IsScalar()) return {v.Scalar()};
    if (!v.IsSequence()) {
        error(key, "must be a list of strings (got " + quoted(v) + ")");
        return out;
    }
    for (const auto& item : v) {
        if (!item.IsScalar()) {
            error(key, "must be a list of strings (an item is " + quoted(item) + ")");
            continue;
        }
        out.push_back(item.Scalar());
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> ConfigNode::string_map(
    std::string_view key) const {
    YAML::Node v = get(key);
    std::vector<std::pair<std::string, std::string>> out;
    if (!v.IsDefined()) return out;
    if (!v.IsMap()) {
        error(key, "must be a map of names to values (got " + quoted(v) + ")");
        return out;
    }
    for (const auto& kv : v) {
        if (!kv.second.IsScalar()) {
            error(std::string(key) + "." + kv.first.as<std::string>(), "must be a scalar value");
            continue;
        }
        out.emplace_back(kv.first.as<std::string>(), kv.second.Scalar());
    }
    return out;
}

ConfigNode ConfigNode::child(std::string_view key) const {
    return ConfigNode(get(key), key_path(key), diag_);
}

std::vector<ConfigNode> ConfigNode::items(std::string_view key) const {
    YAML::Node v = get(key);
    std::vector<ConfigNode> out;
    if (!v.IsDefined()) return out;
    if (!v.IsSequence()) {
        error(key, "must be a list (got " + quoted(v) + ")");
        return out;
    }
    for (size_t i = 0; i < v.size(); ++i) {
        out.emplace_back(v[i], key_path(key) + "[" + std::to_string(i) + "]", diag_);
    }
    return out;
}

}  // namespace eveflow
