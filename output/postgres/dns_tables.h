// The DNS tables of the PostgreSQL sink: dns_aggregate and pdns, their schema and their merge.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "output/postgres/copy_text.h"
#include "types/dns_record.h"

namespace pqxx {
class dbtransaction;
class sql_error;
class transaction_base;
}  // namespace pqxx

namespace eveflow::output::postgres {

inline constexpr const char* kDnsAggregateTable = "dns_aggregate";
inline constexpr const char* kPdnsTable = "pdns";

/// Version 1 of each table, for migrate()'s versioned list.
std::string dns_aggregate_v1(pqxx::transaction_base& tx);
std::string pdns_v1(pqxx::transaction_base& tx);

/// DNS records of one batch, their sensor_id already resolved. Moved whole with their chunk.
struct DnsRows {
    std::vector<DnsAggregateRecord> aggregates;
    std::vector<PdnsRecord> pdns;
    size_t bytes = 0;  // an estimate, for the buffer bound
    size_t rows() const { return aggregates.size() + pdns.size(); }
    void append(DnsRows&& other);
};

/// Adds a record (its text made acceptable to PostgreSQL, counted in `fixed`), with
/// `sensor_id` when it has none of its own.
void add_dns_row(DnsRows& rows, DnsAggregateRecord r, std::string_view sensor_id, Sanitised& fixed);
void add_pdns_row(DnsRows& rows, PdnsRecord r, std::string_view sensor_id, Sanitised& fixed);

/// Merges the rows into their tables within `tx`: counts add up, client and answer sets unite,
/// pdns times take min/max, so partial records of one key (checkpoints, restarts, several
/// sensors' consumers) end as one exact row. A row the server refuses is left out and given to
/// `reject`; `row_error` tells such errors from those that fail the whole transaction.
void merge_dns_rows(pqxx::dbtransaction& tx, const DnsRows& rows,
                    const std::function<bool(const pqxx::sql_error&)>& row_error,
                    const std::function<void(const std::string&, const std::string&)>& reject);

}  // namespace eveflow::output::postgres
