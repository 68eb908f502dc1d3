// EveFileConfig: parsing and checks of an eve_file input's section.
#include "input/eve_file/config.h"

namespace eveflow::input {
namespace {

constexpr uint64_t kMinMaxLine = 1024;
constexpr uint64_t kMaxMaxLine = uint64_t{1} << 30;

}  // namespace

EveFileConfig EveFileConfig::parse(const ConfigNode& node) {
    EveFileConfig c;
    c.name = node.str("name", "eve_file");
    c.path = node.required_str("path");
    c.follow = node.boolean("follow", false);
    c.poll_interval =
        node.duration("poll_interval", c.poll_interval, std::chrono::milliseconds(1), false);
    c.max_line = node.size("max_line", kDefaultMaxLine, kMinMaxLine, kMaxMaxLine);
    c.checkpoint_interval = parse_checkpoint_interval(node);
    c.parse_threads = static_cast<size_t>(node.integer("parse_threads", 2, 1, 64));
    if (c.path == "-") c.follow = false;  // a pipe cannot be rotated: read it to its end
    return c;
}

}  // namespace eveflow::input
