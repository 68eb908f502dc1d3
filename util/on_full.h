// OnFull: what a stage does when the queue it writes to is full, for inputs and outputs alike.
#pragma once

#include "util/config_node.h"

namespace eveflow {

/// `block` waits (backpressure, nothing lost); `drop` drops and counts what did not fit.
enum class OnFull { kBlock, kDrop };

/// Reads the `on_full` key of a section (block | drop); `def` when it is absent.
inline OnFull parse_on_full(const ConfigNode& node, OnFull def) {
    std::string v = node.choice("on_full", "", {"block", "drop"});
    if (v.empty()) return def;
    return v == "drop" ? OnFull::kDrop : OnFull::kBlock;
}

}  // namespace eveflow
