// DNS tables: one upsert per row, sets merged as arrays, rcodes as a jsonb map of counts.
#include "output/postgres/dns_tables.h"

#include <pqxx/pqxx>

#include "types/timestamp.h"
#include "util/json_writer.h"

namespace eveflow::output::postgres {
namespace {

constexpr const char* kDnsAggregateMerge =
    "INSERT INTO dns_aggregate AS t (window_start, window_end, sensor_id, rrname, rrtype, "
    "queries, responses, clients, client_set, rcodes, answers, answers_overflow) VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9::inet[], $10::jsonb, $11::text[], $12) "
    "ON CONFLICT (window_start, window_end, sensor_id, rrname, rrtype) DO UPDATE SET "
    "queries = t.queries + excluded.queries, responses = t.responses + excluded.responses, "
    "client_set = ARRAY(SELECT DISTINCT c FROM unnest(t.client_set || excluded.client_set) c "
    "ORDER BY 1), "
    "clients = (SELECT count(DISTINCT c) FROM unnest(t.client_set || excluded.client_set) c), "
    "rcodes = (SELECT coalesce(jsonb_object_agg(k, n), '{}') FROM (SELECT k, sum(v::bigint) n "
    "FROM (SELECT * FROM jsonb_each_text(t.rcodes) UNION ALL "
    "SELECT * FROM jsonb_each_text(excluded.rcodes)) e(k, v) GROUP BY k) s), "
    "answers = ARRAY(SELECT DISTINCT a FROM unnest(t.answers || excluded.answers) a ORDER BY 1), "
    "answers_overflow = t.answers_overflow + excluded.answers_overflow";

constexpr const char* kPdnsMerge =
    "INSERT INTO pdns AS t (rrname, rrtype, rdata, sensor_id, count, time_first, time_last) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT (rrname, rrtype, rdata, sensor_id) DO UPDATE SET "
    "count = t.count + excluded.count, time_first = least(t.time_first, excluded.time_first), "
    "time_last = greatest(t.time_last, excluded.time_last)";

// The text made storable: valid UTF-8, no NUL.
void clean(std::string& s, Sanitised& fixed) {
    std::string out;
    append_text_field(out, s, fixed, Escaping::kNone);
    s = std::move(out);
}

// A PostgreSQL array literal of quoted elements: {"a","b\"c"}.
std::string array_literal(const std::vector<std::string>& v) {
    std::string out = "{";
    for (size_t i = 0; i < v.size(); ++i) {
        out += i ? ",\"" : "\"";
        for (char c : v[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

std::string rcodes_json(const DnsAggregateRecord& r) {
    std::string out = "{";
    for (size_t i = 0; i < r.rcodes.size(); ++i) {
        if (i) out += ',';
        json::append_string(out, r.rcodes[i].first);
        out += ':';
        json::append_uint(out, r.rcodes[i].second);
    }
    return out + "}";
}

int64_t bigint(uint64_t v) { return v > INT64_MAX ? INT64_MAX : static_cast<int64_t>(v); }

void merge_one(pqxx::transaction_base& tx, const DnsAggregateRecord& r) {
    tx.exec_params(kDnsAggregateMerge, format_timestamp(r.window_start),
                   format_timestamp(r.window_end), r.sensor_id, r.rrname, r.rrtype,
                   bigint(r.queries), bigint(r.responses), static_cast<int64_t>(r.clients.size()),
                   array_literal(r.clients), rcodes_json(r), array_literal(r.answers),
                   bigint(r.answers_overflow));
}

void merge_one(pqxx::transaction_base& tx, const PdnsRecord& r) {
    tx.exec_params(kPdnsMerge, r.rrname, r.rrtype, r.rdata, r.sensor_id, bigint(r.count),
                   r.time_first, r.time_last);
}

std::string describe(const DnsAggregateRecord& r) { return "dns_aggregate " + r.rrname; }
std::string describe(const PdnsRecord& r) { return "pdns " + r.rrname + " " + r.rdata; }

// All rows in one savepoint; after a row error, each in its own, leaving out those refused.
template <class Rows, class RowError, class Reject>
void merge_all(pqxx::dbtransaction& tx, const Rows& rows, const RowError& row_error,
               const Reject& reject) {
    if (rows.empty()) return;
    try {
        pqxx::subtransaction sub(tx, "eveflow_dns");
        for (const auto& r : rows) merge_one(sub, r);
        sub.commit();
        return;
    } catch (const pqxx::sql_error& e) {
        if (!row_error(e)) throw;
    }
    for (const auto& r : rows) {
        try {
            pqxx::subtransaction one(tx, "eveflow_dns_row");
            merge_one(one, r);
            one.commit();
        } catch (const pqxx::sql_error& e) {
            if (!row_error(e)) throw;
            reject(describe(r), e.what());
        }
    }
}

}  // namespace

std::string dns_aggregate_v1(pqxx::transaction_base& tx) {
    return "CREATE TABLE IF NOT EXISTS " + tx.quote_name(kDnsAggregateTable) +
           " (window_start timestamptz NOT NULL, window_end timestamptz NOT NULL, "
           "sensor_id text NOT NULL, rrname text NOT NULL, rrtype text NOT NULL, "
           "queries bigint NOT NULL, responses bigint NOT NULL, clients integer NOT NULL, "
           "client_set inet[] NOT NULL, rcodes jsonb NOT NULL, answers text[] NOT NULL, "
           "answers_overflow bigint NOT NULL, "
           "PRIMARY KEY (window_start, window_end, sensor_id, rrname, rrtype))";
}

std::string pdns_v1(pqxx::transaction_base& tx) {
    const std::string t = tx.quote_name(kPdnsTable);
    return "CREATE TABLE IF NOT EXISTS " + t +
           " (rrname text NOT NULL, rrtype text NOT NULL, rdata text NOT NULL, "
           "sensor_id text NOT NULL, count bigint NOT NULL, time_first bigint NOT NULL, "
           "time_last bigint NOT NULL, PRIMARY KEY (rrname, rrtype, rdata, sensor_id));"
           "CREATE INDEX IF NOT EXISTS " +
           tx.quote_name(std::string(kPdnsTable) + "_rdata_idx") + " ON " + t + " (rdata)";
}

void DnsRows::append(DnsRows&& other) {
    for (auto& r : other.aggregates) aggregates.push_back(std::move(r));
    for (auto& r : other.pdns) pdns.push_back(std::move(r));
    bytes += other.bytes;
    other = DnsRows{};
}

void add_dns_row(DnsRows& rows, DnsAggregateRecord r, std::string_view sensor_id,
                 Sanitised& fixed) {
    if (r.sensor_id.empty()) r.sensor_id = sensor_id;
    for (std::string* s : {&r.sensor_id, &r.rrname, &r.rrtype}) clean(*s, fixed);
    for (auto& a : r.answers) clean(a, fixed);
    for (auto& [code, n] : r.rcodes) clean(code, fixed);
    rows.bytes += 128 + r.rrname.size() + r.clients.size() * 16;
    for (const auto& a : r.answers) rows.bytes += a.size() + 4;
    rows.aggregates.push_back(std::move(r));
}

void add_pdns_row(DnsRows& rows, PdnsRecord r, std::string_view sensor_id, Sanitised& fixed) {
    if (r.sensor_id.empty()) r.sensor_id = sensor_id;
    for (std::string* s : {&r.sensor_id, &r.rrname, &r.rrtype, &r.rdata}) clean(*s, fixed);
    rows.bytes += 64 + r.rrname.size() + r.rdata.size();
    rows.pdns.push_back(std::move(r));
}

void merge_dns_rows(pqxx::dbtransaction& tx, const DnsRows& rows,
                    const std::function<bool(const pqxx::sql_error&)>& row_error,
                    const std::function<void(const std::string&, const std::string&)>& reject) {
    merge_all(tx, rows.aggregates, row_error, reject);
    merge_all(tx, rows.pdns, row_error, reject);
}

}  // namespace eveflow::output::postgres
