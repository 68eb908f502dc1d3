// ForwardConfig: parsing of a forwarding rule and of its add_fields.
#include "processing/forward/config.h"

#include <algorithm>

#include "util/json_bytes.h"
#include "util/json_writer.h"

namespace eveflow::processing {
namespace {

// A JSON number as RFC 8259 writes it, the whole of `s`.
bool is_json_number(std::string_view s) {
    const char* end = s.data() + s.size();
    return !s.empty() && json_bytes::number_end(s.data(), end) == end;
}

// Plain (unquoted) YAML scalars that are JSON literals go bare; everything else is a string.
std::vector<AddedField> build_added(const ConfigNode& node) {
    node.touch("add_fields");
    const YAML::Node& cnode = node.yaml();
    YAML::Node map = node.is_map() ? cnode["add_fields"] : YAML::Node();
    std::vector<AddedField> out;
    if (!map.IsDefined() || map.IsNull()) return out;
    if (!map.IsMap()) {
        node.error("add_fields", "must be a map of names to scalar values");
        return out;
    }
    for (const auto& kv : map) {
        std::string key = kv.first.as<std::string>();
        const YAML::Node& v = kv.second;
        if (!v.IsNull() && !v.IsScalar()) {
            node.error("add_fields." + key,
                       "must be a scalar value (string, number, true, "
                       "false or null)");
            continue;
        }
        std::string value = v.IsNull() ? "null" : v.Scalar();
        bool quoted = v.IsScalar() && v.Tag() == "!";
        bool bare = !quoted && (is_json_number(value) || value == "true" || value == "false" ||
                                value == "null");
        AddedField& f = out.emplace_back();
        f.key = key;
        if (bare) {
            f.value = value;
        } else {
            json::append_string(f.value, value);
        }
        f.member = ',';
        json::append_string(f.member, key);
        f.member += ':';
        f.member += f.value;
    }
    return out;
}

}  // namespace

ForwardConfig parse_forward_config(const ConfigNode& node) {
    ForwardConfig c;
    node.touch("type");
    c.name = node.str("name", node.path().empty() ? "forward" : node.path());
    if (node.has("types")) {
        c.type_names = node.strings("types");
        c.all_types = c.type_names.empty() || std::find(c.type_names.begin(), c.type_names.end(),
                                                        "all") != c.type_names.end();
        if (c.type_names.empty()) node.error("types", "must list event types or be \"all\"");
    } else {
        node.touch("types");
    }
    c.added = build_added(node);
    for (const AddedField& f : c.added) c.splice += f.member;
    return c;
}

}  // namespace eveflow::processing
