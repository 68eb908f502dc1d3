// simdjson's version from its headers.
#include "input/eve/version.h"

#include <simdjson.h>

#include <string>

namespace eveflow::input {

LibraryVersion simdjson_library_version() {
    return {"simdjson",
            std::to_string(simdjson::SIMDJSON_VERSION_MAJOR) + "." +
                std::to_string(simdjson::SIMDJSON_VERSION_MINOR) + "." +
                std::to_string(simdjson::SIMDJSON_VERSION_REVISION),
            false};
}

}  // namespace eveflow::input
