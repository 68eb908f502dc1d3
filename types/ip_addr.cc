// IpAddr parsing (inet_pton semantics, no allocation) and RFC 5952 formatting.
#include "types/ip_addr.h"

#include <arpa/inet.h>

namespace eveflow {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// Four decimal octets of 1-3 digits, 0-255, no leading zeros ("010" looks octal), dots between.
// Unrolled per octet: this runs for two addresses of almost every event.
bool parse_v4(std::string_view s, uint8_t out[4]) {
    const char* p = s.data();
    const char* const end = p + s.size();
    auto digit = [&](unsigned& d) {
        if (p == end) return false;
        d = static_cast<unsigned>(static_cast<unsigned char>(*p)) - unsigned{'0'};
        return d <= 9;
    };
    for (int part = 0; part < 4; ++part) {
        unsigned v = 0, d = 0;
        if (!digit(v)) return false;
        ++p;
        if (digit(d)) {
            if (v == 0) return false;
            v = v * 10 + d;
            ++p;
            if (digit(d)) {
                v = v * 10 + d;
                ++p;
                if (v > 255) return false;
            }
        }
        out[part] = static_cast<uint8_t>(v);
        if (part < 3) {
            if (p == end || *p != '.') return false;
            ++p;
        }
    }
    return p == end;
}

}  // namespace

IpAddr IpAddr::v4(uint32_t h) {
    IpAddr a;
    std::memcpy(a.bytes_.data(), kMappedPrefix, 12);
    a.bytes_[12] = static_cast<uint8_t>(h >> 24);
    a.bytes_[13] = static_cast<uint8_t>(h >> 16);
    a.bytes_[14] = static_cast<uint8_t>(h >> 8);
    a.bytes_[15] = static_cast<uint8_t>(h);
    return a;
}

IpAddr IpAddr::v6(const uint8_t bytes[16]) {
    IpAddr a;
    std::memcpy(a.bytes_.data(), bytes, 16);
    return a;
}

std::optional<IpAddr> IpAddr::parse(std::string_view s) {
    if (s.empty() || s.size() > 45) return std::nullopt;
    IpAddr a;
    // Dotted quads first, without a scan for ':' (what parse_v4 accepts has none).
    uint8_t v4[4];
    if (s.size() <= 15 && parse_v4(s, v4)) {
        std::memcpy(a.bytes_.data(), kMappedPrefix, 12);
        std::memcpy(a.bytes_.data() + 12, v4, 4);
        return a;
    }
    if (s.find(':') == std::string_view::npos) return std::nullopt;
    char buf[48];
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    if (inet_pton(AF_INET6, buf, a.bytes_.data()) != 1) return std::nullopt;
    return a;
}

bool IpAddr::is_v4() const { return std::memcmp(bytes_.data(), kMappedPrefix, 12) == 0; }

uint32_t IpAddr::v4_host_order() const {
    return (uint32_t{bytes_[12]} << 24) | (uint32_t{bytes_[13]} << 16) |
           (uint32_t{bytes_[14]} << 8) | bytes_[15];
}

void IpAddr::append_to(std::string& out) const {
    char buf[48];
    char* p = buf;
    auto put_dec = [&](unsigned v) {
        if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
        if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
        *p++ = static_cast<char>('0' + v % 10);
    };
    if (is_v4()) {
        for (int i = 12; i < 16; ++i) {
            if (i > 12) *p++ = '.';
            put_dec(bytes_[i]);
        }
        out.append(buf, p);
        return;
    }
    uint16_t g[8];
    for (int i = 0; i < 8; ++i)
        g[i] = static_cast<uint16_t>(bytes_[2 * i] << 8 | bytes_[2 * i + 1]);
    // Longest run of zero groups, first one on ties, only if 2 groups or more (RFC 5952 4.2).
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0) ++j;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best_len < 2) best = -1;
    static const char* kHex = "0123456789abcdef";
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            *p++ = ':';
            *p++ = ':';
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len) *p++ = ':';
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned nib = (g[i] >> shift) & 15;
            if (nib || started || shift == 0) {
                *p++ = kHex[nib];
                started = true;
            }
        }
    }
    out.append(buf, p);
}

std::string IpAddr::to_string() const {
    std::string s;
    append_to(s);
    return s;
}

}  // namespace eveflow
