// Build information, from compile definitions set by deps.cmake.
#include "output/prometheus/build_info.h"

#ifndef EVEFLOW_BUILD_VERSION
#define EVEFLOW_BUILD_VERSION "unknown"
#endif
#ifndef EVEFLOW_NDPI_VERSION
#define EVEFLOW_NDPI_VERSION "unknown"
#endif
#ifndef EVEFLOW_SIMDJSON_VERSION
#define EVEFLOW_SIMDJSON_VERSION "unknown"
#endif
#ifndef EVEFLOW_RDKAFKA_VERSION
#define EVEFLOW_RDKAFKA_VERSION "unknown"
#endif

namespace eveflow::output {

BuildInfo build_info() {
    return {EVEFLOW_BUILD_VERSION, EVEFLOW_NDPI_VERSION, EVEFLOW_SIMDJSON_VERSION,
            EVEFLOW_RDKAFKA_VERSION};
}

}  // namespace eveflow::output
