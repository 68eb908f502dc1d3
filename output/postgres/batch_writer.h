// BatchWriter: one PostgreSQL connection that applies chunks exactly once and keeps partitions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
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
    /// Flow lifecycle operations as COPY text lines of the live staging table, in the order
    /// they happened (never spilled; lane 0 delivers them, batch after batch).
    std::string live;
    uint32_t live_rows = 0;
    uint32_t live_ops[3] = {0, 0, 0};     // by FlowOp: inserts, updates, removes
    std::vector<int64_t> log_partitions;  // starts of the flow_log partitions the removes need
    /// Consumer offsets stored in the same transaction (the aggregate batch ending at a
    /// checkpoint); never spilled, delivered by lane 0 in order.
    std::shared_ptr<const Checkpoint> checkpoint;
    /// dns_aggregate and pdns rows: they travel with the aggregates (lane 0, in order, with
    /// the checkpoints) and are never spilled.
    DnsRows dns;
    /// What the buffer bound counts: additive, so pieces appended to a chunk sum up to it.
    size_t bytes() const { return aggregates.size() + raw.size() + live.size() + dns.bytes; }
    size_t rows() const { return aggregate_rows + raw_rows + live_rows + dns.rows(); }
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
    Counter* rejected_live;
    Counter* live_ops[3];  // by FlowOp, counted when their batch is committed
    Counter* live_errors;  // failed attempts of batches holding lifecycle operations
    Gauge* live_flows;     // rows in the live table
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
    /// At the next successful connect (once), deletes the live table's rows of `sensor_id`:
    /// flows a run that did not end cleanly left behind. Call before the first connect.
    void clear_live_at_connect(std::string sensor_id) { clear_sensor_ = std::move(sensor_id); }
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
    /// Rows of the last deliver() that the server refused (left out of the transaction).
    uint64_t rejected_rows() const { return rejected_; }
    /// Creates the partitions from now's to `partitions_ahead` later, drops those past
    /// retention and prunes old batch ids. False on failure (connection dropped).
    bool maintain(int64_t now_us);

private:
    enum class Part { kAggregate, kRaw, kLive };
    void prepare_session();
    Outcome apply(const Chunk& c);
    void ensure_partitions(const RawEventsConfig& table, std::set<int64_t>& known,
                           const std::vector<int64_t>& starts);
    void maintain_partitions(const RawEventsConfig& table, std::set<int64_t>& known,
                             int64_t now_us);
    void apply_part(pqxx::dbtransaction& tx, std::string_view lines, size_t rows, Part part,
                    bool has_late, bool raw_text);
    void copy_raw(pqxx::dbtransaction& tx, std::string_view rows, bool text);
    void copy_aggregates(pqxx::dbtransaction& tx, std::string_view lines, bool has_late);
    int64_t copy_live(pqxx::dbtransaction& tx, std::string_view lines);
    void live_committed(const Chunk& c);
    void recount_live();
    void reject(std::string_view line, Part part, bool raw_text, const std::string& why);
    void failed(const char* what, const std::exception& e);

    const PostgresConfig& cfg_;
    std::string dsn_;
    WriterMetrics m_;
    struct Connection;  // the pqxx::connection, kept out of this header
    std::unique_ptr<Connection> conn_;
    std::string merge_sql_, grouped_merge_sql_;
    std::set<int64_t> partitions_;      // partitions known to exist
    std::set<int64_t> log_partitions_;  // the same for flow_log
    std::string live_upsert_sql_, live_log_sql_, live_remove_sql_;
    std::optional<std::string> clear_sensor_;  // stale live rows to delete at connect
    int64_t live_delta_ = 0;                   // live rows added by the transaction under way
    std::string last_error_;
    log::RateLimit reject_log_{5};
    uint64_t rejected_ = 0;
    int64_t last_prune_us_ = 0;
};

}  // namespace eveflow::output::postgres
