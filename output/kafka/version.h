// The version of librdkafka the Kafka input and output run with.
#pragma once

#include "util/library_version.h"

namespace eveflow::output {

/// librdkafka's version, asked of the loaded library (rd_kafka_version_str()). Any thread.
LibraryVersion kafka_library_version();

}  // namespace eveflow::output
