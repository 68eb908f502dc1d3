// The version of simdjson the EVE parser is built with.
#pragma once

#include "util/library_version.h"

namespace eveflow::input {

/// simdjson's version from its headers (the parser is mostly inlined into eveflow). Any thread.
LibraryVersion simdjson_library_version();

}  // namespace eveflow::input
