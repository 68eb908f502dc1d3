// The versions of libpqxx and libpq the PostgreSQL output runs with.
#pragma once

#include <vector>

#include "util/library_version.h"

namespace eveflow::output::postgres {

/// libpqxx's version from its headers (it has no runtime call) and libpq's from the loaded
/// library (PQlibVersion()). Any thread.
std::vector<LibraryVersion> library_versions();

}  // namespace eveflow::output::postgres
