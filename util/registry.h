// Lookup in the explicit tables of component types (input/, processing/, output/ registry.cc).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "util/config_node.h"

namespace eveflow {

/// Finds the entry named by `node.type` (or `def` if absent). Records
/// `outputs[1].type: unknown output 'jsnl' (known: jsonl, unix_socket)` when there is none.
template <typename Entry>
const Entry* find_type(std::span<const Entry> table, const ConfigNode& node, std::string_view what,
                       std::string_view def = {}) {
    std::string type = def.empty() ? node.required_str("type") : node.str("type", def);
    if (type.empty()) return nullptr;
    for (const auto& e : table) {
        if (e.name == type) return &e;
    }
    std::string known;
    for (const auto& e : table) known += (known.empty() ? "" : ", ") + std::string(e.name);
    node.error("type", "unknown " + std::string(what) + " '" + type + "' (known: " + known + ")");
    // The section's other keys cannot be judged without its type: don't report them too.
    if (node.yaml().IsMap()) {
        for (const auto& kv : node.yaml()) node.touch(kv.first.Scalar());
    }
    return nullptr;
}

}  // namespace eveflow
