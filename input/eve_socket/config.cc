// EveSocketConfig: parsing and checks of an eve_socket input's section.
#include "input/eve_socket/config.h"

#include <sys/un.h>

namespace eveflow::input {
namespace {

bool parse_mode(const std::string& text, mode_t& out) {
    if (text.empty() || text.size() > 4) return false;
    unsigned v = 0;
    for (char c : text) {
        if (c < '0' || c > '7') return false;
        v = v * 8 + static_cast<unsigned>(c - '0');
    }
    out = static_cast<mode_t>(v);
    return v <= 0777;
}

}  // namespace

EveSocketConfig EveSocketConfig::parse(const ConfigNode& node) {
    EveSocketConfig c;
    c.name = node.str("name", "eve_socket");
    c.path = node.required_str("path");
    c.path_key = node.path() + ".path";
    if (c.path.size() >= sizeof(sockaddr_un::sun_path)) {
        node.error("path", "too long for a unix socket (at most " +
                               std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes)");
    }
    std::string mode = node.str("mode", "0660");
    if (!parse_mode(mode, c.mode)) {
        node.error("mode",
                   "must be an octal file mode 0000-0777 such as \"0660\" (got \"" + mode + "\")");
    }
    c.max_line = node.size("max_line", kDefaultMaxLine, 1024, uint64_t{1} << 30);
    c.parse_threads = static_cast<size_t>(node.integer("parse_threads", 2, 1, 64));
    return c;
}

}  // namespace eveflow::input
