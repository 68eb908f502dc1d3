// EveFileConfig: the keys of an eve_file input (`inputs[]` items of type eve_file).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "input/eve/eve_batcher.h"
#include "input/source.h"
#include "util/config_node.h"

namespace eveflow::input {

struct EveFileConfig {
    std::string name = "eve_file";
    std::string path;  // "-" = stdin
    bool follow = false;
    std::chrono::microseconds poll_interval{250000};
    size_t max_line = kDefaultMaxLine;
    /// With `follow` and a top-level state_dir: how often the position is checkpointed.
    std::chrono::milliseconds checkpoint_interval = kDefaultCheckpointInterval;
    /// Threads that parse; 1 parses on the reading thread. With more, the reading thread only
    /// cuts the file into batches of whole lines (ParsePool) and the batches keep their order.
    size_t parse_threads = 2;

    /// Reads and checks the section; problems go to the node's diagnostics.
    static EveFileConfig parse(const ConfigNode& node);
};

}  // namespace eveflow::input
