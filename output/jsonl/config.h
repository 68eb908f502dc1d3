// JsonlConfig: the keys of a jsonl output (`outputs[]` items of type jsonl).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "output/jsonl/binned_file.h"
#include "util/config_node.h"

namespace eveflow::output {

struct JsonlConfig {
    std::string name = "jsonl";
    std::string path;               // "-" is stdout
    std::string path_key = "path";  // its config key path, for messages
    bool append = true;             // false: truncated at start, once every component has opened
    uint64_t buffer = 1 << 20;
    std::chrono::microseconds flush_interval{1'000'000};
    BinnedConfig binned;  // rotate, compress, retention
};

/// Parses and checks the section (errors go to the node).
JsonlConfig parse_jsonl_config(const ConfigNode& node);

}  // namespace eveflow::output
