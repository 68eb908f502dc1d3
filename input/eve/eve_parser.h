// EveParser: one EVE-JSON line to an Event, in place: checked and read in one pass.
#pragma once

#include <cstddef>
#include <memory>

#include "types/event.h"

namespace eveflow::input {

/// Bytes that must be readable after the end of a line given to EveParser::parse().
inline constexpr size_t kEvePadding = 64;

enum class ParseResult { kOk, kNotJson, kNotObject };

/// Parses EVE lines. Not thread-safe: one per reading thread (it keeps the last timestamps'
/// minutes to read the next ones faster).
class EveParser {
public:
    EveParser();
    ~EveParser();
    EveParser(const EveParser&) = delete;
    EveParser& operator=(const EveParser&) = delete;

    /// Parses the line [data, data + len). `capacity` is the number of readable bytes from
    /// `data` on and must be >= len + kEvePadding. On kOk fills `ev`: type, type_name, raw,
    /// fields (any event type), counters and flow.start/end for flow events, aggregatable.
    /// Every string view in `ev` points into the line, or, for a string written with JSON
    /// escapes, to its decoded text added to `decoded` (which must live as long as the line:
    /// the line's batch's store). The line is never modified.
    /// A line is valid only if it is one JSON object (RFC 8259: UTF-8, no limit on numbers)
    /// plus whitespace, checked throughout, also in the values that are not read.
    /// A flow event is aggregatable only with a valid timestamp, src_ip, dest_ip and proto (a
    /// number 0-255 or a known name) and, where present, ports, vlan and flow counters that
    /// are integers in range (digits only: 1e3 and 1.0 are not).
    ParseResult parse(const char* data, size_t len, size_t capacity, Event& ev,
                      DecodedStrings& decoded);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace eveflow::input
