// --set overrides (paths, new list items and their identity keys) and duplicate-key checks.
#include <charconv>
#include <map>

#include "util/config_node.h"

namespace eveflow {
namespace {

struct PathStep {
    std::string key;
    std::optional<size_t> index;
};

std::optional<std::vector<PathStep>> parse_path(std::string_view path) {
    std::vector<PathStep> steps;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = i;
        while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
        if (j == i) return std::nullopt;
        steps.push_back({std::string(path.substr(i, j - i)), std::nullopt});
        while (j < path.size() && path[j] == '[') {
            size_t close = path.find(']', j);
            if (close == std::string_view::npos) return std::nullopt;
            size_t idx = 0;
            auto [p, ec] = std::from_chars(path.data() + j + 1, path.data() + close, idx);
            if (ec != std::errc() || p != path.data() + close || idx > 1000) return std::nullopt;
            steps.push_back({"", idx});
            j = close + 1;
        }
        if (j < path.size()) {
            if (path[j] != '.') return std::nullopt;
            ++j;
        }
        i = j;
    }
    if (steps.empty()) return std::nullopt;
    return steps;
}

// The path of steps[0..end), as the user writes it: `forward[0].outputs[1]`.
std::string path_text(const std::vector<PathStep>& steps, size_t end) {
    std::string out;
    for (size_t i = 0; i < end; ++i) {
        if (steps[i].index)
            out += "[" + std::to_string(*steps[i].index) + "]";
        else
            out += (out.empty() ? "" : ".") + steps[i].key;
    }
    return out;
}

struct SetTarget {
    const std::vector<PathStep>& steps;
    const YAML::Node& value;
    std::string& err;
    std::vector<std::string>* created;
};

// Returns `node` with the value at steps[pos..] set, creating maps and list items as needed.
YAML::Node set_at(YAML::Node node, size_t pos, const SetTarget& t) {
    if (pos == t.steps.size()) return t.value;
    const PathStep& s = t.steps[pos];
    if (s.index) {
        if (!node.IsDefined() || node.IsNull()) node = YAML::Node(YAML::NodeType::Sequence);
        if (!node.IsSequence()) {
            t.err = "not a list";
            return node;
        }
        const std::string list = path_text(t.steps, pos);
        while (node.size() <= *s.index) {
            if (t.created) t.created->push_back(list + "[" + std::to_string(node.size()) + "]");
            node.push_back(YAML::Node(YAML::NodeType::Map));
        }
        node[*s.index] = set_at(node[*s.index], pos + 1, t);
        return node;
    }
    if (!node.IsDefined() || node.IsNull()) node = YAML::Node(YAML::NodeType::Map);
    if (!node.IsMap()) {
        t.err = "not a map";
        return node;
    }
    YAML::Node sub = node[s.key];
    node[s.key] = set_at(sub, pos + 1, t);
    return node;
}

struct Duplicate {
    std::string path;
    int line = 0, first_line = 0;
};

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

void find_duplicates(const YAML::Node& node, const std::string& path, std::vector<Duplicate>& out) {
    auto join = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
    if (node.IsSequence()) {
        for (size_t i = 0; i < node.size(); ++i)
            find_duplicates(node[i], path + "[" + std::to_string(i) + "]", out);
        return;
    }
    if (!node.IsMap()) return;
    std::map<std::string, int> seen;  // key -> line of its first occurrence
    for (const auto& kv : node) {
        if (!kv.first.IsScalar()) continue;
        const std::string& key = kv.first.Scalar();
        auto [it, fresh] = seen.emplace(key, line_of(kv.first));
        if (!fresh) out.push_back({join(key), line_of(kv.first), it->second});
        find_duplicates(kv.second, join(key), out);
    }
}

std::string duplicate_message(const Duplicate& d) {
    return d.first_line > 0 ? "duplicate key (first at line " + std::to_string(d.first_line) + ")"
                            : "duplicate key";
}

// The keys a list item added by --set must be given, by the name of its list.
std::vector<std::string> identity_keys(std::string_view item_path) {
    std::string_view list = item_path.substr(0, item_path.rfind('['));
    size_t dot = list.rfind('.');
    if (dot != std::string_view::npos) list.remove_prefix(dot + 1);
    if (list == "inputs" || list == "outputs" || list == "handlers") return {"type"};
    if (list == "forward") return {"types", "outputs"};
    return {};
}

// The node at `item_path` (`a.b[1]`), or an undefined node.
YAML::Node node_at(const YAML::Node& root, std::string_view item_path) {
    auto steps = parse_path(item_path);
    YAML::Node n = root;
    for (const auto& s : steps.value_or(std::vector<PathStep>{})) {
        if (s.index ? !n.IsSequence() || *s.index >= n.size() : !n.IsMap())
            return YAML::Node(YAML::NodeType::Undefined);
        const YAML::Node& cn = n;
        // reset(), not operator=: assigning to a Node writes through to the node it refers to.
        n.reset(s.index ? cn[*s.index] : cn[s.key]);
    }
    return n;
}

std::string missing_identity(const YAML::Node& root, const std::string& item) {
    auto keys = identity_keys(item);
    if (keys.empty()) return {};
    const YAML::Node n = node_at(root, item);
    if (!n.IsMap()) return {};
    std::string want;
    for (const auto& k : keys) {
        if (n[k]) return {};
        want += (want.empty() ? "--set " : " or --set ") + item + "." + k + "=...";
    }
    return item + ": a new list item needs its " + keys[0] +
           (keys.size() > 1 ? " or " + keys[1] : std::string()) + " (add " + want + ")";
}

}  // namespace

void report_duplicate_keys(const YAML::Node& node, const std::string& path,
                           ConfigDiagnostics& diag) {
    std::vector<Duplicate> found;
    find_duplicates(node, path, found);
    for (const auto& d : found) diag.add(d.line, d.path, duplicate_message(d));
}

std::string apply_set_override(YAML::Node& root, std::string_view assignment,
                               std::vector<std::string>* created) {
    size_t eq = assignment.find('=');
    if (eq == std::string_view::npos) return "expected KEY=VALUE";
    auto steps = parse_path(assignment.substr(0, eq));
    if (!steps) return "bad key path \"" + std::string(assignment.substr(0, eq)) + "\"";
    YAML::Node value;
    try {
        value = YAML::Load(std::string(assignment.substr(eq + 1)));
    } catch (const YAML::Exception& e) {
        return "bad value: " + std::string(e.what());
    }
    if (value.IsNull() && assignment.size() > eq + 1)
        value = YAML::Node(std::string(assignment.substr(eq + 1)));
    std::vector<Duplicate> dups;
    find_duplicates(value, std::string(assignment.substr(0, eq)), dups);
    if (!dups.empty()) return dups.front().path + ": duplicate key";
    std::string err;
    root = set_at(root, 0, SetTarget{*steps, value, err, created});
    if (!err.empty()) return std::string(assignment.substr(0, eq)) + ": " + err;
    return {};
}

std::vector<std::string> apply_set_overrides(YAML::Node& root,
                                             const std::vector<std::string>& assignments) {
    std::vector<std::string> errors;
    std::vector<std::pair<std::string, std::string>> created;  // item path, its --set
    for (const auto& a : assignments) {
        std::vector<std::string> items;
        std::string err = apply_set_override(root, a, &items);
        if (!err.empty()) errors.push_back("--set " + a + ": " + err);
        for (auto& item : items) created.emplace_back(std::move(item), a);
    }
    for (const auto& [item, assignment] : created) {
        std::string err = missing_identity(root, item);
        if (!err.empty()) errors.push_back("--set " + assignment + ": " + err);
    }
    return errors;
}

}  // namespace eveflow
