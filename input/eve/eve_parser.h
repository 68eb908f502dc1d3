// EveParser: one EVE-JSON line to an Event, in place, with simdjson on-demand.
#pragma once

#include <cstddef>
#include <memory>

#include "types/event.h"

namespace eveflow::input {

/// Bytes that must be readable after the end of a line given to EveParser::parse().
inline constexpr size_t kEvePadding = 64;

enum class ParseResult { kOk, kNotJson, kNotObject };

/// Parses EVE lines. Not thread-safe: one per reading thread (it reuses simdjson's buffers).
/// The simdjson types stay in the .cc file.
class EveParser {
public:
    EveParser();
    ~EveParser();
    EveParser(const EveParser&) = delete;
    EveParser& operator=(const EveParser&) = delete;

    /// Parses the line [data, data + len). `capacity` is the number of readable bytes from
    /// `data` on and must be >= len + kEvePadding. On kOk fills `ev`: type, type_name, raw,
    /// fields (any event type), counters and flow.start/end for flow events, aggregatable.
    /// Every string view in `ev` points into the line, as written (JSON escapes are not
    /// decoded; EVE never escapes the fields read). The line is never modified.
    /// Values that are not read are skipped, not validated in depth (simdjson on-demand).
    /// A line is valid only if it is one JSON object plus whitespace.
    ParseResult parse(const char* data, size_t len, size_t capacity, Event& ev);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace eveflow::input
