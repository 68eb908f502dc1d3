// Record helpers: proto names as records carry them.
#include "types/record.h"

namespace eveflow {

std::string proto_text(uint8_t proto) {
    const char* n = proto_name(proto);
    return n ? std::string(n) : std::to_string(proto);
}

}  // namespace eveflow
