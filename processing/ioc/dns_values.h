// The names and answer data of a parsed EVE `dns` object in Suricata's three layouts. Kept in
// one place so a shared DNS event reader can take its place.
#pragma once

#include <simdjson.h>

#include <string_view>

namespace eveflow::processing::ioc {

/// Calls `f(value, field)` for each query name, answer name and answer data of `dns`, in
/// this order: v1 (`rrname`, `rdata`: one query or answer per event), v2 (`rrname`, then
/// `answers[]` when present, else the values of `grouped`), v3 (`queries[].rrname`,
/// `answers[]`). `field` names where the value was: `dns.rrname`, `dns.rdata`,
/// `dns.queries.rrname`, `dns.answers.rrname`, `dns.answers.rdata`, `dns.grouped.<TYPE>`.
/// Values that are not strings (v3's structured SOA or SRV data) are left out; empty ones too.
template <typename F>
void dns_values(simdjson::dom::element dns, F&& f) {
    using simdjson::dom::array;
    using simdjson::dom::object;
    auto str = [&](simdjson::dom::element parent, const char* key, std::string_view field) {
        std::string_view v;
        if (parent[key].get(v) == simdjson::SUCCESS && !v.empty()) f(v, field);
    };
    str(dns, "rrname", "dns.rrname");
    str(dns, "rdata", "dns.rdata");
    array items;
    if (dns["queries"].get(items) == simdjson::SUCCESS) {
        for (auto q : items) str(q, "rrname", "dns.queries.rrname");
    }
    if (dns["answers"].get(items) == simdjson::SUCCESS) {
        for (auto a : items) {
            str(a, "rrname", "dns.answers.rrname");
            str(a, "rdata", "dns.answers.rdata");
        }
        return;
    }
    object grouped;
    if (dns["grouped"].get(grouped) != simdjson::SUCCESS) return;
    std::string field;
    for (auto [type, values] : grouped) {
        field.assign("dns.grouped.").append(type);
        if (values.get(items) != simdjson::SUCCESS) continue;
        for (auto v : items) {
            std::string_view s;
            if (v.get(s) == simdjson::SUCCESS && !s.empty()) f(s, std::string_view(field));
        }
    }
}

}  // namespace eveflow::processing::ioc
