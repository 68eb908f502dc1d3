// Indicator line syntax and normal forms.
#include "processing/ioc/indicator.h"

#include <charconv>

namespace eveflow::processing::ioc {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// `prefix` is lower case.
bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        if (lower(s[i]) != prefix[i]) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

// The entry of a line: comments and blanks removed.
std::string_view entry_of(std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() == '#') return {};
    for (size_t i = 1; i < line.size(); ++i) {
        if (line[i] == '#' && is_blank(line[i - 1])) return trim(line.substr(0, i));
    }
    return line;
}

bool has_blank(std::string_view s) {
    for (char c : s) {
        if (is_blank(c) || static_cast<unsigned char>(c) < 0x20) return true;
    }
    return false;
}

bool all_hex(std::string_view s) {
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

bool parse_name(std::string_view e, bool wildcard, Indicator& out) {
    if (wildcard && e.starts_with("*.")) e.remove_prefix(2);
    if (wildcard && e.starts_with(".")) e.remove_prefix(1);
    if (e.find('/') != std::string_view::npos) return false;
    normalize_name(e, out.key);
    return !out.key.empty() && out.key.front() != '.';
}

bool parse_ip(std::string_view e, Indicator& out) {
    size_t slash = e.find('/');
    auto ip = IpAddr::parse(e.substr(0, slash));
    if (!ip) return false;
    const bool v4 = ip->is_v4();
    unsigned bits = v4 ? 32 : 128;
    if (slash != std::string_view::npos) {
        std::string_view len = e.substr(slash + 1);
        auto r = std::from_chars(len.data(), len.data() + len.size(), bits);
        if (len.empty() || r.ec != std::errc() || r.ptr != len.data() + len.size() ||
            bits > (v4 ? 32u : 128u)) {
            return false;
        }
    }
    if (v4) bits += 96;
    auto bytes = ip->bytes();
    for (unsigned i = 0; i < 16; ++i) {
        unsigned keep = bits > i * 8 ? std::min(8u, bits - i * 8) : 0;
        bytes[i] &= static_cast<uint8_t>(keep == 8 ? 0xFF : (0xFF00 >> keep) & 0xFF);
    }
    out.ip = IpAddr::v6(bytes.data());
    out.bits = static_cast<uint8_t>(bits);
    out.key.clear();
    return true;
}

bool parse_hex(std::string_view e, bool hash, Indicator& out) {
    bool length_ok = hash ? (e.size() == 32 || e.size() == 40 || e.size() == 64) : e.size() == 32;
    if (!length_ok || !all_hex(e)) return false;
    normalize_name(e, out.key);
    return true;
}

}  // namespace

std::string_view kind_name(Kind k) { return kKindNames[static_cast<size_t>(k)]; }

std::optional<Kind> kind_from_name(std::string_view name) {
    for (size_t i = 0; i < std::size(kKindNames); ++i) {
        if (kKindNames[i] == name) return static_cast<Kind>(i);
    }
    return std::nullopt;
}

void normalize_name(std::string_view name, std::string& out) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    out.resize(name.size());
    for (size_t i = 0; i < name.size(); ++i) out[i] = lower(name[i]);
}

void normalize_url(std::string_view url, std::string& out) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (starts_with_nocase(url, scheme)) url.remove_prefix(scheme.size());
    }
    size_t slash = url.find('/');
    normalize_name(url.substr(0, slash), out);
    if (slash == std::string_view::npos) {
        out += '/';
    } else {
        out.append(url.substr(slash));
    }
}

LineResult parse_line(Kind kind, std::string_view line, Indicator& out) {
    std::string_view e = entry_of(line);
    if (e.empty()) return LineResult::kSkip;
    out.original = e;
    if (has_blank(e)) return LineResult::kInvalid;
    bool ok = false;
    switch (kind) {
        case Kind::kDomain:
            ok = parse_name(e, true, out);
            break;
        case Kind::kSni:
            ok = parse_name(e, false, out);
            break;
        case Kind::kIp:
            ok = parse_ip(e, out);
            break;
        case Kind::kUrl:
            normalize_url(e, out.key);
            ok = out.key.size() > 1 && out.key.front() != '/';
            break;
        case Kind::kJa3:
            ok = parse_hex(e, false, out);
            break;
        case Kind::kHash:
            ok = parse_hex(e, true, out);
            break;
    }
    return ok ? LineResult::kOk : LineResult::kInvalid;
}

}  // namespace eveflow::processing::ioc
