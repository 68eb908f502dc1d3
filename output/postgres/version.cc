// libpqxx's build-time version and libpq's runtime version.
#include "output/postgres/version.h"

#include <libpq-fe.h>

#include <pqxx/version.hxx>
#include <string>

namespace eveflow::output::postgres {

std::vector<LibraryVersion> library_versions() {
    // PQlibVersion() is major * 10000 + minor since PostgreSQL 10 (150018 is 15.18).
    const int v = PQlibVersion();
    return {{"libpqxx", PQXX_VERSION, false},
            {"libpq", std::to_string(v / 10000) + "." + std::to_string(v % 10000)}};
}

}  // namespace eveflow::output::postgres
