// BatchWriter: one PostgreSQL connection that applies chunks exactly once and keeps partitions.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "output/postgres/config.h"
#include "output/postgres/dns_tables.h"
#include "types/checkpoint.h"
#include "util/log.h"
#include "util/stats.h"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace eveflow::output::postgres {

/// A batch as rendered COPY data. Its id, fixed when it is sealed, goes into the bookkeeping
/// table in the same transaction as its rows: a retry after an unknown outcome (connection
/// lost at COMMIT) finds the id and does nothing.
struct Chunk {
    std::string batch_id;
    std::string aggregates;  // COPY text lines of the aggregate staging table
    std::string raw;         // binary COPY rows of the raw events table (no header)
    bool raw_text = false;   // `raw` holds COPY text lines (spill files of earlier versions)
    uint32_t aggregate_rows = 0, raw_rows = 0;
    bool has_late = false;            // holds a late partial: its row exists, merge directly
    std::vector<int64_t> partitions;  // starts of the raw partitions the rows need
    /// Consumer offsets stored in the same transaction (the aggregate batch ending at a
    /// checkpoint); never spilled, delivered by lane 0 in order.
    std::shared_ptr<const Checkpoint> checkpoint;
    /// dns_aggregate and pdns rows: they travel with the aggregates (lane 0, in order, with
    /// the checkpoints) and are never spilled.
    DnsRows dns;
    /// What the buffer bound counts: additive, so pieces appended to a chunk sum up to it.
    size_t bytes() const { return aggregates.size() + raw.size() + dns.bytes; }
    size_t rows() const { return aggregate_rows + raw_rows + dns.rows(); }
    /// Rows of the aggregate part: flow aggregates and DNS rows.
    size_t aggregate_part_rows() const { return aggregate_rows + dns.rows(); }
};

struct WriterMetrics {
    Counter* connect_errors;
    Counter* write_errors;
    Counter* rejected_aggregates;
    Counter* rejected_raw;
    Counter* duplicates;  // batches found already committed on retry
    Counter* partitions_created;
    Counter* partitions_dropped;
};

/// Used by one writer thread of the sink only (not thread-safe); each has its own. Nothing here
/// throws.
class BatchWriter {
public:
    BatchWriter(const PostgresConfig& cfg, std::string dsn, WriterMetrics metrics);
    ~BatchWriter();
    BatchWriter(const BatchWriter&) = delete;
    BatchWriter& operator=(const BatchWriter&) = delete;

    bool connected() const { return conn_ != nullptr; }
    /// Connects, migrates the schema and prepares the session. False with last_error() set.
    bool connect();
    void disconnect();
    const std::string& last_error() const { return last_error_; }

    enum class Outcome { kCommitted, kDuplicate, kFailed, kFenced };
    /// One attempt to apply `c` in one transaction. Rows the server refuses are found by
    /// bisection inside the transaction, counted and left out; the rest lands. kFailed: the
    /// connection or the server failed; retry the same chunk (the id keeps it exactly once).
    /// kFenced: the stored offsets are not those the checkpoint follows (another consumer
    /// moved them); nothing was committed and retrying cannot help.
    Outcome deliver(const Chunk& c);
    /// Creates the partitions from now's to `partitions_ahead` later, drops those past
    /// retention and prunes old batch ids. False on failure (connection dropped).
    bool maintain(int64_t now_us);

private:
    void ensure_partitions(const std::vector<int64_t>& starts);
    void apply_part(pqxx::dbtransaction& tx, std::string_view lines, size_t rows, bool raw,
                    bool has_late, bool raw_text);
    void copy_raw(pqxx::dbtransaction& tx, std::string_view rows, bool text);
    void copy_aggregates(pqxx::dbtransaction& tx, std::string_view lines, bool has_late);
    void reject(std::string_view line, bool raw, bool raw_text, const std::string& why);
    void failed(const char* what, const std::exception& e);

    const PostgresConfig& cfg_;
    std::string dsn_;
    WriterMetrics m_;
    struct Connection;  // the pqxx::connection, kept out of this header
    std::unique_ptr<Connection> conn_;
    std::string merge_sql_, grouped_merge_sql_;
    std::set<int64_t> partitions_;  // partitions known to exist
    std::string last_error_;
    log::RateLimit reject_log_{5};
    int64_t last_prune_us_ = 0;
};

}  // namespace eveflow::output::postgres
