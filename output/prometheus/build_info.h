// Build information: the versions of eveflow and the libraries it was built against.
#pragma once

#include <string>

namespace eveflow::output {

struct BuildInfo {
    std::string version, ndpi, simdjson, librdkafka;
};

/// The versions known at build time (from the package lookups of the build).
BuildInfo build_info();

}  // namespace eveflow::output
