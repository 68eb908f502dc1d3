// DNS wire format parser: bounds checked at every read, compression pointers backwards only.
#include "input/pcap/dns_wire.h"

namespace eveflow::input::pcap {
namespace {

constexpr size_t kHeader = 12;
constexpr size_t kMaxName = 255;
constexpr size_t kMaxRecords = 256;  // answers read from one message

struct Reader {
    const uint8_t* p;
    size_t len;
    size_t off = 0;

    bool has(size_t n) const { return off <= len && len - off >= n; }
    uint16_t be16(size_t at) const { return static_cast<uint16_t>(p[at] << 8 | p[at + 1]); }
    uint32_t be32(size_t at) const {
        return static_cast<uint32_t>(be16(at)) << 16 | static_cast<uint32_t>(be16(at + 2));
    }
};

// Appends one label to `name`, dot-separated, in presentation form (bytes as they are).
bool append_label(const uint8_t* label, size_t n, std::string& name) {
    if (name.size() + n + 1 > kMaxName) return false;
    if (!name.empty()) name += '.';
    name.append(reinterpret_cast<const char*>(label), n);
    return true;
}

// Reads a possibly compressed name at r.off into `name`; r.off moves past it as written.
// Each pointer must point before the place it was read from, so the walk always ends.
bool read_name(Reader& r, std::string& name) {
    name.clear();
    size_t at = r.off;
    size_t limit = r.off;  // a pointer must target bytes before this
    bool jumped = false;
    while (true) {
        if (at >= r.len) return false;
        const uint8_t b = r.p[at];
        if ((b & 0xc0) == 0xc0) {
            if (at + 1 >= r.len) return false;
            const size_t target = static_cast<size_t>(b & 0x3f) << 8 | r.p[at + 1];
            if (target >= limit) return false;
            if (!jumped) r.off = at + 2;
            jumped = true;
            limit = target;
            at = target;
            continue;
        }
        if ((b & 0xc0) != 0) return false;  // the reserved label types
        if (b == 0) {
            if (!jumped) r.off = at + 1;
            return true;
        }
        if (at + 1 + b > r.len || !append_label(r.p + at + 1, b, name)) return false;
        at += 1 + static_cast<size_t>(b);
    }
}

bool read_question(Reader& r, DnsWireMessage& out, bool first) {
    std::string name;
    if (!read_name(r, name) || !r.has(4)) return false;
    if (first) {
        out.qname = std::move(name);
        out.qtype = r.be16(r.off);
    }
    r.off += 4;
    return true;
}

bool read_answer(Reader& r, DnsWireMessage& out) {
    DnsWireRecord rec;
    if (!read_name(r, rec.owner) || !r.has(10)) return false;
    rec.type = r.be16(r.off);
    const uint16_t klass = r.be16(r.off + 2);
    rec.ttl = r.be32(r.off + 4);
    const uint16_t rdlen = r.be16(r.off + 8);
    r.off += 10;
    if (!r.has(rdlen)) return false;
    const size_t rdata = r.off;
    r.off += rdlen;
    if (klass != 1) return true;  // IN only
    if (rec.type == kDnsTypeA && rdlen == 4) {
        rec.addr = IpAddr::v4(r.be32(rdata));
    } else if (rec.type == kDnsTypeAaaa && rdlen == 16) {
        rec.addr = IpAddr::v6(r.p + rdata);
    } else if (rec.type == kDnsTypeCname) {
        Reader sub{r.p, rdata + rdlen, rdata};  // the name must lie within the rdata
        if (!read_name(sub, rec.target)) return false;
    } else {
        return true;
    }
    out.answers.push_back(std::move(rec));
    return true;
}

}  // namespace

bool parse_dns_wire(const uint8_t* p, size_t len, DnsWireMessage& out) {
    out = DnsWireMessage{};
    Reader r{p, len, 0};
    if (!r.has(kHeader)) return false;
    out.id = r.be16(0);
    out.response = (p[2] & 0x80) != 0;
    out.rcode = p[3] & 0x0f;
    const uint16_t qd = r.be16(4), an = r.be16(6);
    r.off = kHeader;
    for (uint16_t i = 0; i < qd; ++i) {
        if (!read_question(r, out, i == 0)) return false;
    }
    for (uint16_t i = 0; i < an && out.answers.size() < kMaxRecords; ++i) {
        if (!read_answer(r, out)) return false;
    }
    return true;
}

}  // namespace eveflow::input::pcap
