// Indicators as written in list files: their kinds, the line syntax and the normal forms
// lookups compare.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "types/ip_addr.h"

namespace eveflow::processing::ioc {

enum class Kind : uint8_t { kDomain, kIp, kUrl, kSni, kJa3, kHash };
inline constexpr std::string_view kKindNames[] = {"domain", "ip", "url", "sni", "ja3", "hash"};

std::string_view kind_name(Kind k);
std::optional<Kind> kind_from_name(std::string_view name);

/// One indicator of a list file: `original` is the entry as written (without comment and
/// surrounding blanks), `key` its normal form (empty for kIp, which fills `ip` and `bits`).
struct Indicator {
    std::string_view original;
    std::string key;
    IpAddr ip;         // kIp: the network address (host bits cleared)
    uint8_t bits = 0;  // kIp: prefix length over the 16-byte form (IPv4: 96 + n)
};

/// A name as lookups compare it: ASCII lower case, one trailing dot dropped.
void normalize_name(std::string_view name, std::string& out);
/// A URL as lookups compare it: no scheme, host in lower case without trailing dot, a path
/// (at least "/") kept as it is.
void normalize_url(std::string_view url, std::string& out);

enum class LineResult { kSkip, kOk, kInvalid };

/// Reads one line of a list file (no newline): blank lines and lines whose first non-blank
/// byte is `#` are skipped; a `#` after a blank starts a trailing comment (URLs may hold a
/// `#` without a blank before it). The entry must be one word valid for `kind`.
LineResult parse_line(Kind kind, std::string_view line, Indicator& out);

/// Calls `f(const Indicator&)` for each valid entry of `text` (lines split on '\n', a
/// trailing '\r' dropped); gives the number of invalid lines.
template <typename F>
size_t for_each_indicator(Kind kind, std::string_view text, F&& f) {
    size_t invalid = 0;
    Indicator ind;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        switch (parse_line(kind, line, ind)) {
            case LineResult::kOk:
                f(static_cast<const Indicator&>(ind));
                break;
            case LineResult::kInvalid:
                ++invalid;
                break;
            case LineResult::kSkip:
                break;
        }
    }
    return invalid;
}

}  // namespace eveflow::processing::ioc
