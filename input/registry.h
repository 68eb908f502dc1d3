// The table of input types: one line per source in registry.cc.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "input/source.h"
#include "util/config_node.h"
#include "util/context.h"
#include "util/registry.h"

namespace eveflow::input {

using SourceType = ComponentType<Source, Context>;

std::span<const SourceType> source_types();

/// Builds the source that `node.type` names; records an error (and returns nullptr) for an
/// unknown type: `inputs[1].type: unknown input 'eve_sock' (known: eve_file, eve_socket)`.
inline std::unique_ptr<Source> make_source(const ConfigNode& node, Context& ctx) {
    return make_component(source_types(), node, ctx, "input");
}

}  // namespace eveflow::input
