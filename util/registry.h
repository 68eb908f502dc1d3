// Component tables: each of input/, processing/ and output/ lists its types in registry.cc.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "util/config_node.h"
#include "util/context.h"

namespace eveflow {

/// One line of a component table: the `type` name and the factory that builds the component
/// from its config section (no side effects: --check-config builds everything too).
/// `Product` is Source, Handler, Sink or Service; `Env` what its factory needs besides the
/// section (the Context, or a handler's HandlerContext).
template <typename Product, typename Env>
struct ComponentType {
    using Factory = std::unique_ptr<Product> (*)(const ConfigNode& node, Env& env);
    std::string_view name;
    Factory create;
};

/// The factory of a component whose constructor takes its parsed config and `Env`:
/// `T(Parse(node), env)`; Parse records the section's problems in the node's diagnostics.
/// A table line reads `{"jsonl", &construct<Sink, JsonlSink, parse_jsonl_config>}`.
template <typename Product, typename T, auto Parse, typename Env = Context>
std::unique_ptr<Product> construct(const ConfigNode& node, Env& env) {
    return std::make_unique<T>(Parse(node), env);
}

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

/// Builds the component `node.type` names from `table`; nullptr (and an error recorded in
/// the node's diagnostics) for an unknown type.
template <typename Product, typename Env>
std::unique_ptr<Product> make_component(std::span<const ComponentType<Product, Env>> table,
                                        const ConfigNode& node, Env& env, std::string_view what,
                                        std::string_view def = {}) {
    const auto* t = find_type(table, node, what, def);
    return t ? t->create(node, env) : nullptr;
}

}  // namespace eveflow
