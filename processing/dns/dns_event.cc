// DnsEventReader: simdjson's DOM over the line, then the layout's fields into a DnsMessage.
#include "processing/dns/dns_event.h"

#include <simdjson.h>

namespace eveflow::processing::dns {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

std::string_view str(const element& e, std::string_view key) {
    std::string_view v;
    if (e.is_object() && e.at_key(key).get(v) == simdjson::SUCCESS) return v;
    return {};
}

// A number field as decimal text (Suricata writes them as JSON integers); empty if absent.
std::string number_text(const object& o, std::string_view key) {
    element v;
    if (o.at_key(key).get(v) != simdjson::SUCCESS) return {};
    if (v.is_uint64()) return std::to_string(v.get_uint64().value_unsafe());
    if (v.is_int64()) return std::to_string(v.get_int64().value_unsafe());
    if (v.is_string()) return std::string(v.get_string().value_unsafe());
    return {};
}

// The presentation form of a record Suricata logs as an object, fields in RFC 1035 / 2782
// order; empty if `o` has none of them.
std::string structured_rdata(const object& o, std::initializer_list<std::string_view> fields) {
    std::string out;
    for (std::string_view f : fields) {
        std::string part = number_text(o, f);
        if (part.empty()) continue;
        if (!out.empty()) out += ' ';
        out += part;
    }
    return out;
}

uint64_t version_of(const element& dns) {
    uint64_t version = 0;
    if (dns.at_key("version").get(version) != simdjson::SUCCESS) return 0;
    return version;
}

}  // namespace

struct DnsEventReader::Impl {
    simdjson::dom::parser parser;
    std::deque<std::string> rendered;  // rdata built from objects; a deque never moves them
    std::string padded;                // the line being read, then SIMDJSON_PADDING bytes

    std::string_view keep(std::string s) { return rendered.emplace_back(std::move(s)); }

    // rdata of a record object (or of one element of `grouped`, whose type is `rrtype`).
    std::string_view rdata_of(const element& rec, std::string_view rrtype) {
        std::string_view text;
        if (rec.get(text) == simdjson::SUCCESS) return text;
        object o;
        if (rec.get(o) != simdjson::SUCCESS) return {};
        if (o.at_key("rdata").get(text) == simdjson::SUCCESS) return text;
        // In a record the fields are under "soa" / "srv"; an element of `grouped` is the object.
        auto fields_of = [&](std::string_view key, std::string_view type, object& inner) {
            if (o.at_key(key).get(inner) == simdjson::SUCCESS) return true;
            inner = o;
            return rrtype == type;
        };
        object inner;
        if (fields_of("soa", "SOA", inner)) {
            return keep(structured_rdata(
                inner, {"mname", "rname", "serial", "refresh", "retry", "expire", "minimum"}));
        }
        if (fields_of("srv", "SRV", inner)) {
            return keep(structured_rdata(inner, {"priority", "weight", "port", "name"}));
        }
        return {};
    }

    DnsRecord record(const element& rec) {
        DnsRecord r;
        r.rrname = str(rec, "rrname");
        r.rrtype = str(rec, "rrtype");
        uint64_t ttl = 0;
        if (rec.is_object() && rec.at_key("ttl").get(ttl) == simdjson::SUCCESS) {
            r.ttl = static_cast<uint32_t>(ttl > UINT32_MAX ? UINT32_MAX : ttl);
            r.has_ttl = true;
        }
        r.rdata = rdata_of(rec, r.rrtype);
        return r;
    }

    void records(const element& dns, std::string_view key, std::vector<DnsRecord>& out) {
        array a;
        if (dns.at_key(key).get(a) != simdjson::SUCCESS) return;
        for (element rec : a) {
            if (rec.is_object()) out.push_back(record(rec));
        }
    }

    // `grouped: {"A": ["1.2.3.4"], "SOA": [{...}]}`: type and rdata only.
    void grouped(const element& dns, std::vector<DnsRecord>& out) {
        object g;
        if (dns.at_key("grouped").get(g) != simdjson::SUCCESS) return;
        for (auto [type, values] : g) {
            array a;
            if (values.get(a) != simdjson::SUCCESS) continue;
            for (element v : a) out.push_back({{}, type, rdata_of(v, type), 0, false});
        }
    }

    // `grouped` logs no owner names. Without CNAME every record is the question's; with one
    // CNAME, it is the question's and the others its target's; with more the chain's order is
    // lost, and the names stay empty.
    static void grouped_owners(std::string_view qname, std::vector<DnsRecord>& answers) {
        const DnsRecord* cname = nullptr;
        size_t cnames = 0;
        for (const DnsRecord& r : answers) {
            if (r.rrtype == "CNAME") cname = &r, ++cnames;
        }
        if (cnames > 1) return;
        const std::string_view target = cname ? cname->rdata : qname;
        for (DnsRecord& r : answers) r.rrname = &r == cname ? qname : target;
    }

    // answers[] when present (even empty), else grouped; then authorities[].
    void sections(const element& dns, DnsMessage& m) {
        array a;
        if (dns.at_key("answers").get(a) == simdjson::SUCCESS) {
            records(dns, "answers", m.answers);
        } else {
            grouped(dns, m.answers);
            if (!m.queries.empty()) grouped_owners(m.queries.front().rrname, m.answers);
        }
        records(dns, "authorities", m.authorities);
    }

    void header(const element& dns, DnsMessage& m) {
        uint64_t id = 0;
        if (dns.at_key("id").get(id) == simdjson::SUCCESS && id <= 0xffff) {
            m.id = static_cast<uint16_t>(id);
            m.has_id = true;
        }
        m.rcode = str(dns, "rcode");
    }

    void v3(const element& dns, DnsMessage& m) {
        m.layout = DnsLayout::kV3;
        m.response = str(dns, "type") == "response";
        header(dns, m);
        array q;
        if (dns.at_key("queries").get(q) == simdjson::SUCCESS) {
            for (element e : q) m.queries.push_back({str(e, "rrname"), str(e, "rrtype")});
        }
        sections(dns, m);
    }

    // A v1 event (query or one record) or a v2 one (query, or answer with sections).
    void v1v2(const element& dns, DnsMessage& m, bool v2) {
        m.layout = v2 ? DnsLayout::kV2 : DnsLayout::kV1;
        std::string_view type = str(dns, "type");
        m.response = type == "answer" || type == "response";
        header(dns, m);
        std::string_view rrname = str(dns, "rrname"), rrtype = str(dns, "rrtype");
        if (!m.response || v2) {
            if (!rrname.empty() || !rrtype.empty()) m.queries.push_back({rrname, rrtype});
            if (m.response) sections(dns, m);
            return;
        }
        element unused;
        const bool has_record =
            dns.at_key("rdata").get(unused) == simdjson::SUCCESS || !rrtype.empty();
        if (has_record) {
            m.answers.push_back(record(dns));
        } else if (!rrname.empty()) {
            m.queries.push_back({rrname, {}});  // no records: Suricata logs the query name
        }
    }

    // Alerts before v3: `dns: {query: [{v1 query}], answer: {v2 answer}}`.
    void alert_v2(const element& dns, DnsMessage& m) {
        element answer;
        if (dns.at_key("answer").get(answer) == simdjson::SUCCESS && answer.is_object()) {
            v1v2(answer, m, version_of(answer) >= 2);
            return;
        }
        array q;
        if (dns.at_key("query").get(q) != simdjson::SUCCESS) return;
        for (element e : q) {
            if (m.queries.empty()) header(e, m);
            m.queries.push_back({str(e, "rrname"), str(e, "rrtype")});
        }
    }
};

DnsEventReader::DnsEventReader() : impl_(std::make_unique<Impl>()) {}
DnsEventReader::~DnsEventReader() = default;

bool DnsEventReader::read(std::string_view line, DnsMessage& out) {
    // Cleared, not replaced: the vectors keep their capacity from one event to the next.
    out.queries.clear();
    out.answers.clear();
    out.authorities.clear();
    out.layout = DnsLayout::kV1;
    out.response = out.has_id = false;
    out.id = 0;
    out.rcode = {};
    impl_->rendered.clear();
    // The line with simdjson's padding after it, in a buffer kept from one line to the next
    // (parse() would otherwise allocate a padded copy each time).
    std::string& padded = impl_->padded;
    padded.assign(line);
    padded.append(simdjson::SIMDJSON_PADDING, '\0');
    element root;
    if (impl_->parser.parse(padded.data(), line.size(), false).get(root) != simdjson::SUCCESS) {
        return false;
    }
    element dns;
    if (!root.is_object() || root.at_key("dns").get(dns) != simdjson::SUCCESS || !dns.is_object()) {
        return false;
    }
    const uint64_t version = version_of(dns);
    element probe;
    if (version >= 3 || dns.at_key("queries").get(probe) == simdjson::SUCCESS) {
        impl_->v3(dns, out);
    } else if (dns.at_key("type").get(probe) != simdjson::SUCCESS) {
        impl_->alert_v2(dns, out);
    } else {
        impl_->v1v2(dns, out, version == 2);
    }
    return true;
}

const DnsMessage* read_shared(std::string_view line) {
    struct Cache {
        DnsEventReader reader;
        DnsMessage msg;
        std::string line;
        bool ok = false;
        bool valid = false;
    };
    thread_local Cache c;
    if (!c.valid || c.line != line) {
        c.line.assign(line);
        c.ok = c.reader.read(c.line, c.msg);
        c.valid = true;
    }
    return c.ok ? &c.msg : nullptr;
}

bool dns_client(const FlowEntry& f, IpAddr& out) {
    const bool src53 = f.has_src_port && f.src_port == 53;
    const bool dest53 = f.has_dest_port && f.dest_port == 53;
    const bool use_dest = src53 && !dest53;
    if (use_dest ? !f.has_dest_ip : !f.has_src_ip) return false;
    out = use_dest ? f.dest_ip : f.src_ip;
    return true;
}

}  // namespace eveflow::processing::dns
