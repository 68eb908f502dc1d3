// JsonlConfig: parsing and checks of a jsonl output's section.
#include "output/jsonl/config.h"

namespace eveflow::output {

JsonlConfig parse_jsonl_config(const ConfigNode& node) {
    JsonlConfig c;
    node.touch("type");
    c.name = node.str("name", "jsonl");
    c.path = node.required_str("path");
    c.path_key = node.path() + ".path";
    c.append = node.boolean("append", c.append);
    c.buffer = node.size("buffer", c.buffer, 0, uint64_t{1} << 30);
    c.flush_interval = node.duration("flush_interval", c.flush_interval);
    c.binned = parse_binned_config(node, c.path);
    return c;
}

}  // namespace eveflow::output
