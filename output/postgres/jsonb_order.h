// JSON text rewritten into the member order jsonb stores, so the server need not sort it.
#pragma once

#include <string>
#include <string_view>

namespace eveflow::output::postgres {

/// Appends JSON text `json` to `out` with the members of every object in the order jsonb keeps
/// them (shorter keys first, keys of equal length bytewise) and no whitespace between tokens.
/// jsonb keeps neither the order of keys nor whitespace, so the server stores the same value
/// either way; in this order it finds every object sorted already and skips the sort (about an
/// eighth of its CPU per EVE row; see docs/postgres.md, Throughput). Objects with an escaped key
/// keep their order (the server compares the unescaped keys), and duplicate keys stay in their
/// order (jsonb keeps the last). Returns false, with `out` as it was, if `json` is not one JSON
/// value with balanced brackets and nothing after it: the caller then sends `json` as it is.
bool append_in_jsonb_order(std::string& out, std::string_view json);

/// `json` in jsonb's order, in a buffer of the calling thread that the next call reuses; or
/// `json` itself when append_in_jsonb_order cannot rewrite it.
std::string_view in_jsonb_order(std::string_view json);

}  // namespace eveflow::output::postgres
