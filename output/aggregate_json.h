// The aggregate record as JSON: the format of the jsonl, Kafka and unix socket outputs.
#pragma once

#include <string>
#include <string_view>

#include "types/record.h"

namespace eveflow::output {

/// Appends the aggregate as one JSON object (no newline):
/// {"event_type":"flow_aggregate","window_start":...,"sensor_id":...}. `sensor_id` is used when
/// the record has none of its own.
void append_aggregate_json(std::string& out, const AggregateRecord& r, std::string_view sensor_id);

}  // namespace eveflow::output
