// librdkafka's version from the loaded library.
#include "output/kafka/version.h"

#include <librdkafka/rdkafka.h>

namespace eveflow::output {

LibraryVersion kafka_library_version() { return {"librdkafka", rd_kafka_version_str()}; }

}  // namespace eveflow::output
