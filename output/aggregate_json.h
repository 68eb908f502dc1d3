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

/// The JSON line of a record, without newline, as the line outputs write it: an aggregate
/// rendered into `scratch` (cleared first), a raw event's line as it is; empty for a
/// checkpoint mark. The view is valid until `scratch` or the record changes.
inline std::string_view record_json(const Record& r, std::string& scratch,
                                    std::string_view sensor_id) {
    if (const auto* raw = std::get_if<RawEvent>(&r)) return raw->line;
    const auto* agg = std::get_if<AggregateRecord>(&r);
    if (!agg) return {};
    scratch.clear();
    append_aggregate_json(scratch, *agg, sensor_id);
    return scratch;
}

}  // namespace eveflow::output
