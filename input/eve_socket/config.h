// EveSocketConfig: the keys of an eve_socket input (`inputs[]` items of type eve_socket).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "input/eve/eve_batcher.h"
#include "util/config_node.h"

namespace eveflow::input {

struct EveSocketConfig {
    std::string name = "eve_socket";
    std::string path;
    std::string path_key = "path";  // its config key path, for messages
    mode_t mode = 0660;
    size_t max_line = kDefaultMaxLine;
    /// Threads that parse; 1 parses on the reading thread. With more, the reading thread only
    /// cuts the streams into batches of whole lines and the batches keep their order.
    size_t parse_threads = 2;

    /// Reads and checks the section; problems go to the node's diagnostics.
    static EveSocketConfig parse(const ConfigNode& node);
};

}  // namespace eveflow::input
