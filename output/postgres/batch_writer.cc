// BatchWriter: COPY into staging and raw tables, ON CONFLICT merge, per-row rejection.
#include "output/postgres/batch_writer.h"

#include <libpq-fe.h>

#include <pqxx/pqxx>
#include <utility>

#include "output/postgres/copy_text.h"
#include "output/postgres/live_table.h"
#include "output/postgres/offset_store.h"
#include "output/postgres/schema.h"

namespace eveflow::output::postgres {
/// COPY text we rendered and escaped ourselves (whole rows, tab-separated).
struct CopyText {
    std::string_view text;
};
}  // namespace eveflow::output::postgres

// libpqxx 6.4's stream_to escapes every field it is given and keeps its raw-line writer
// private. Our rows are rendered and escaped already (copy_text.cc), so a one-field tuple of
// CopyText passes them through as they are, the way libpqxx itself special-cases nullptr_t.
template <>
inline std::string
pqxx::internal::TypedCopyEscaper::operator()<eveflow::output::postgres::CopyText>(
    const eveflow::output::postgres::CopyText* t) const {
    return std::string(t->text);
}

namespace eveflow::output::postgres {
namespace {

constexpr int64_t kPruneEveryUs = 3600LL * 1000000;

// Errors caused by the values of a row (so retrying the same row cannot help): data exceptions
// (22xxx), integrity violations (23xxx) except "no partition for the row" (23514, which a
// partition created on retry fixes), and program limits such as an oversized index row (54xxx).
bool is_row_error(const pqxx::sql_error& e) {
    const std::string& s = e.sqlstate();
    if (s.size() != 5) return false;
    if (s == "23514") return false;
    return s.compare(0, 2, "22") == 0 || s.compare(0, 2, "23") == 0 || s.compare(0, 2, "54") == 0;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

template <size_t N>
std::vector<std::string> columns(const char* const (&names)[N]) {
    return {std::begin(names), std::end(names)};
}

// Where the policy of the connection being constructed on this thread is to record its handle
// (taken, and cleared, by the policy's constructor).
thread_local pqxx::internal::pq::PGconn** handle_slot = nullptr;

// libpqxx 6.4's connect_direct, keeping the libpq handle where the writer can reach it: raw
// events go by binary COPY, which libpqxx 6.4 cannot send (its COPY lines end in a newline).
class TrackedConnect final : public pqxx::connect_direct {
public:
    explicit TrackedConnect(const std::string& opts)
        : connect_direct(opts), slot_(std::exchange(handle_slot, nullptr)) {}
    handle do_startconnect(handle h) override { return track(connect_direct::do_startconnect(h)); }
    handle do_completeconnect(handle h) override {
        return track(connect_direct::do_completeconnect(h));
    }
    handle do_dropconnect(handle h) noexcept override {
        return track(connect_direct::do_dropconnect(h));
    }
    handle do_disconnect(handle h) noexcept override {
        return track(connect_direct::do_disconnect(h));
    }

private:
    handle track(handle h) noexcept {
        if (slot_) *slot_ = h;
        return h;
    }
    handle* slot_;
};

const std::string& tracking(pqxx::internal::pq::PGconn** slot, const std::string& dsn) {
    handle_slot = slot;
    return dsn;
}

// Throws what libpqxx would for a failed statement: sql_error with the SQLSTATE, or
// broken_connection when the session is gone.
[[noreturn]] void throw_result(PGconn* pg, PGresult* r, const std::string& query) {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string msg = r ? PQresultErrorMessage(r) : "";
    if (msg.empty()) msg = PQerrorMessage(pg);
    const std::string code = state ? state : "";
    if (r) PQclear(r);
    if (PQstatus(pg) != CONNECTION_OK || code.empty() || code.compare(0, 2, "08") == 0) {
        throw pqxx::broken_connection(msg);
    }
    throw pqxx::sql_error(msg, query, code.c_str());
}

}  // namespace

struct BatchWriter::Connection {
    explicit Connection(const std::string& dsn) : c(tracking(&pg, dsn)) {}
    PGconn* pg = nullptr;  // set by c's policy, so declared first
    pqxx::basic_connection_base<TrackedConnect> c;
};

BatchWriter::BatchWriter(const PostgresConfig& cfg, std::string dsn, WriterMetrics metrics)
    : cfg_(cfg),
      dsn_(std::move(dsn)),
      m_(metrics),
      merge_sql_(merge_sql(cfg.table, false)),
      grouped_merge_sql_(merge_sql(cfg.table, true)) {
    if (cfg.live.enabled()) {
        LiveSql sql = live_sql(cfg.live);
        live_upsert_sql_ = std::move(sql.upsert);
        live_log_sql_ = std::move(sql.log);
        live_remove_sql_ = std::move(sql.remove);
    }
}

BatchWriter::~BatchWriter() { disconnect(); }

bool BatchWriter::connect() {
    try {
        conn_ = std::make_unique<Connection>(dsn_);
        migrate(conn_->c, cfg_);
        prepare_session();
        partitions_.clear();
        log_partitions_.clear();
        last_error_.clear();
        return true;
    } catch (const std::exception& e) {
        m_.connect_errors->inc();
        last_error_ = first_line(e.what());
        conn_.reset();
        return false;
    }
}

// Staging tables, and once the stale live rows of the sensor.
void BatchWriter::prepare_session() {
    create_stage(conn_->c);
    if (!cfg_.live.enabled()) return;
    create_live_stage(conn_->c);
    if (!clear_sensor_) return;
    const uint64_t n = clear_live(conn_->c, cfg_.live, *clear_sensor_);
    log::info("postgres: {}: cleared stale rows={} of sensor_id=\"{}\" from {}", cfg_.name, n,
              *clear_sensor_, cfg_.live.table);
    clear_sensor_.reset();
    recount_live();
}

// The gauge follows each batch's changes; counting sets it right after a batch whose outcome
// was unknown, and once a minute for rows other sensors write into the same table.
void BatchWriter::recount_live() {
    pqxx::nontransaction tx(conn_->c, "eveflow_live_count");
    m_.live_flows->set(
        static_cast<double>(tx.exec1("SELECT count(*) FROM " + cfg_.live.table)[0].as<int64_t>()));
}

void BatchWriter::disconnect() {
    try {
        conn_.reset();
    } catch (...) {
        conn_.release();  // a destructor that throws leaves nothing safe to free
    }
}

void BatchWriter::failed(const char* what, const std::exception& e) {
    m_.write_errors->inc();
    last_error_ = std::string(what) + ": " + first_line(e.what());
    // Whatever state the session is in, a fresh one is the safe way on.
    disconnect();
}

void BatchWriter::ensure_partitions(const RawEventsConfig& table, std::set<int64_t>& known,
                                    const std::vector<int64_t>& starts) {
    for (int64_t s : starts) {
        if (known.count(s)) continue;
        create_partition(conn_->c, table, s);
        m_.partitions_created->inc();
        known.insert(s);
    }
}

// After the commit: what the batch changed in the live table.
void BatchWriter::live_committed(const Chunk& c) {
    for (size_t i = 0; i < std::size(c.live_ops); ++i) m_.live_ops[i]->inc(c.live_ops[i]);
    if (live_delta_ != 0) m_.live_flows->add(static_cast<double>(live_delta_));
}

BatchWriter::Outcome BatchWriter::deliver(const Chunk& c) {
    rejected_ = 0;
    Outcome o = Outcome::kFailed;
    if (conn_ || connect()) {
        try {
            o = apply(c);
        } catch (const pqxx::sql_error& e) {
            if (e.sqlstate() == "23514") {  // a partition went missing
                partitions_.clear();
                log_partitions_.clear();
            }
            failed("write", e);
        } catch (const std::exception& e) {
            failed("write", e);
        }
    }
    if (o == Outcome::kFailed && c.live_rows) m_.live_errors->inc();
    return o;
}

// One transaction: the batch id, then the parts, then the checkpoint's offsets.
BatchWriter::Outcome BatchWriter::apply(const Chunk& c) {
    live_delta_ = 0;
    ensure_partitions(cfg_.raw, partitions_, c.partitions);
    ensure_partitions(cfg_.live.log, log_partitions_, c.log_partitions);
    pqxx::work tx(conn_->c, "eveflow_batch");
    pqxx::result r =
        tx.exec_params("INSERT INTO " + std::string(kBatchesTable) +
                           " (sink, batch_id, aggregate_rows, raw_rows) VALUES ($1, $2, $3, $4) "
                           "ON CONFLICT (sink, batch_id) DO NOTHING",
                       cfg_.name, c.batch_id, c.aggregate_rows, c.raw_rows);
    if (r.affected_rows() == 0) {
        tx.abort();
        m_.duplicates->inc();
        live_committed(c);
        if (c.live_rows) recount_live();
        return Outcome::kDuplicate;
    }
    if (c.aggregate_rows) {
        apply_part(tx, c.aggregates, c.aggregate_rows, Part::kAggregate, c.has_late, false);
    }
    if (c.raw_rows) apply_part(tx, c.raw, c.raw_rows, Part::kRaw, false, c.raw_text);
    if (c.dns.rows()) {
        merge_dns_rows(tx, c.dns, is_row_error,
                       [this](const std::string& row, const std::string& why) {
                           reject(row, Part::kAggregate, false, first_line(why));
                       });
    }
    if (c.live_rows) apply_part(tx, c.live, c.live_rows, Part::kLive, false, false);
    if (c.checkpoint && !store_offsets(tx, *c.checkpoint)) {
        tx.abort();
        return Outcome::kFenced;
    }
    tx.commit();
    live_committed(c);
    return Outcome::kCommitted;
}

namespace {

void copy_lines(pqxx::dbtransaction& tx, const std::string& table, std::string_view lines,
                const std::vector<std::string>& cols = columns(kAggregateColumns)) {
    pqxx::stream_to copy(tx, table, cols);
    // COPY data is a byte stream: the whole part goes in one message, rows need no alignment.
    if (!lines.empty() && lines.back() == '\n') lines.remove_suffix(1);
    copy << std::make_tuple(CopyText{lines});
    copy.complete();
}

}  // namespace

// Fast path: COPY straight into the table, which works whenever every row is new (a window's
// first emission). A row that exists already (a late partial, a window sent again) makes it
// fail as a whole; then the rows are staged and merged with INSERT ... ON CONFLICT, and only
// if the part holds a key twice are they summed per key first (GROUP BY costs twice as much).
void BatchWriter::copy_aggregates(pqxx::dbtransaction& tx, std::string_view lines, bool has_late) {
    if (!has_late) {
        try {
            pqxx::subtransaction direct(tx, "eveflow_direct");
            copy_lines(direct, cfg_.table, lines);
            direct.commit();
            return;
        } catch (const pqxx::unique_violation&) {
        }
    }
    copy_lines(tx, kStageTable, lines);
    try {
        pqxx::subtransaction merge(tx, "eveflow_merge");
        merge.exec(merge_sql_);
        merge.commit();
    } catch (const pqxx::sql_error& e) {
        if (e.sqlstate() != "21000") throw;  // cardinality_violation: a key twice
        tx.exec(grouped_merge_sql_);
    }
    // TRUNCATE, not DELETE: nothing vacuums a temporary table, and dead rows left by DELETE
    // would make every later merge scan all earlier batches.
    tx.exec("TRUNCATE " + std::string(kStageTable));
}

// The operations of a part in their order: each flow's last insert or update is upserted,
// removed flows are logged (with the values just upserted) and deleted. Returns the rows the
// live table gained.
int64_t BatchWriter::copy_live(pqxx::dbtransaction& tx, std::string_view lines) {
    static const std::vector<std::string> cols = columns(kLiveStageColumns);
    copy_lines(tx, kLiveStageTable, lines, cols);
    const int64_t added = tx.exec1(live_upsert_sql_)[0].as<int64_t>();
    tx.exec0(live_log_sql_);
    const int64_t removed = static_cast<int64_t>(tx.exec0(live_remove_sql_).affected_rows());
    tx.exec0("TRUNCATE " + std::string(kLiveStageTable));
    return added - removed;
}

// COPY of raw event rows through libpq itself, in the transaction libpqxx has open (a
// savepoint of it): binary rows get the header here; `text` rows are COPY text lines.
void BatchWriter::copy_raw(pqxx::dbtransaction& tx, std::string_view rows, bool text) {
    constexpr size_t kSlice = 256 << 10;  // bytes per CopyData call: libpq's buffer stays small
    PGconn* pg = conn_->pg;
    if (!pg) throw pqxx::broken_connection("no libpq handle");
    std::string sql = "COPY " + conn_->c.quote_name(cfg_.raw.table) + " (";
    for (size_t i = 0; i < std::size(kRawColumns); ++i) {
        sql += (i ? ", " : "") + std::string(kRawColumns[i]);
    }
    sql += text ? ") FROM STDIN" : ") FROM STDIN (FORMAT binary)";
    // Through libpqxx, which issues the savepoint first (it begins a subtransaction on its
    // first statement) and leaves the session in COPY IN state.
    tx.exec(sql);
    if (PQisBusy(pg) || PQtransactionStatus(pg) != PQTRANS_ACTIVE) {
        throw pqxx::broken_connection("COPY did not start");
    }
    auto put = [&](std::string_view data) {
        for (size_t at = 0; at < data.size(); at += kSlice) {
            const size_t n = std::min(kSlice, data.size() - at);
            if (PQputCopyData(pg, data.data() + at, static_cast<int>(n)) != 1) {
                throw pqxx::broken_connection(PQerrorMessage(pg));
            }
        }
    };
    if (!text) put(binary_copy_header());
    put(rows);
    if (PQputCopyEnd(pg, nullptr) != 1) throw pqxx::broken_connection(PQerrorMessage(pg));
    PGresult* r = PQgetResult(pg);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    // Nothing may stay queued for libpqxx's next statement.
    for (PGresult* more; (more = PQgetResult(pg)) != nullptr;) PQclear(more);
    if (!ok) throw_result(pg, r, sql);
    PQclear(r);
}

namespace {

// Bytes of the first `rows` rows of a part: lines of COPY text, or binary COPY rows.
size_t part_size(std::string_view data, size_t rows, bool binary) {
    if (binary) return binary_rows_size(data, rows);
    size_t pos = 0;
    for (size_t i = 0; i < rows; ++i) pos = data.find('\n', pos) + 1;
    return pos;
}

}  // namespace

// Applies `rows` rows in a savepoint; on a row error, halves and retries each half, so a bad
// row costs O(log n) savepoints and every other row still lands in this transaction.
// Lifecycle operations keep their order: the first half is applied before the second.
void BatchWriter::apply_part(pqxx::dbtransaction& tx, std::string_view lines, size_t rows,
                             Part part, bool has_late, bool raw_text) {
    try {
        pqxx::subtransaction sub(tx, "eveflow_part");
        int64_t added = 0;
        if (part == Part::kRaw) {
            copy_raw(sub, lines, raw_text);
        } else if (part == Part::kLive) {
            added = copy_live(sub, lines);
        } else {
            copy_aggregates(sub, lines, has_late);
        }
        sub.commit();
        live_delta_ += added;
        return;
    } catch (const pqxx::sql_error& e) {
        if (!is_row_error(e)) throw;
        if (rows <= 1) {
            reject(lines, part, raw_text, first_line(e.what()));
            return;
        }
    }
    const size_t half = rows / 2;
    const size_t pos = part_size(lines, half, part == Part::kRaw && !raw_text);
    if (pos == std::string_view::npos) throw std::runtime_error("damaged binary COPY rows");
    apply_part(tx, lines.substr(0, pos), half, part, has_late, raw_text);
    apply_part(tx, lines.substr(pos), rows - half, part, has_late, raw_text);
}

void BatchWriter::reject(std::string_view line, Part part, bool raw_text, const std::string& why) {
    const bool raw = part == Part::kRaw;
    Counter* counters[] = {m_.rejected_aggregates, m_.rejected_raw, m_.rejected_live};
    counters[static_cast<int>(part)]->inc();
    ++rejected_;
    uint64_t suppressed = 0;
    if (reject_log_.allow(suppressed)) {
        const std::string_view shown = raw && !raw_text ? binary_row_payload(line) : line;
        log::warn("postgres: {}: row rejected by the server: {} row={} suppressed={}", cfg_.name,
                  why, log::snippet(shown, 120), suppressed);
    }
}

// Creates `table`'s partitions from now's to partitions_ahead later and drops those past
// retention.
void BatchWriter::maintain_partitions(const RawEventsConfig& table, std::set<int64_t>& known,
                                      int64_t now_us) {
    int64_t start = partition_start(table.partition, now_us);
    std::vector<int64_t> ahead;
    for (int i = 0; i <= table.partitions_ahead; ++i) {
        ahead.push_back(start);
        start = partition_end(table.partition, start);
    }
    ensure_partitions(table, known, ahead);
    auto dropped = drop_expired_partitions(conn_->c, table, now_us);
    for (const auto& name : dropped) {
        log::info("postgres: {}: dropped partition {} (retention)", cfg_.name, name);
    }
    m_.partitions_dropped->inc(dropped.size());
    const int64_t cutoff = retention_cutoff(table, now_us);
    for (auto it = known.begin(); it != known.end() && *it < cutoff;) it = known.erase(it);
}

bool BatchWriter::maintain(int64_t now_us) {
    if (!conn_ && !connect()) return false;
    try {
        if (!cfg_.raw.types.empty()) maintain_partitions(cfg_.raw, partitions_, now_us);
        if (cfg_.live.enabled()) {
            maintain_partitions(cfg_.live.log, log_partitions_, now_us);
            recount_live();
        }
        if (now_us - last_prune_us_ >= kPruneEveryUs) {
            prune_batches(conn_->c, cfg_.name);
            last_prune_us_ = now_us;
        }
        return true;
    } catch (const std::exception& e) {
        failed("maintenance", e);
        return false;
    }
}

}  // namespace eveflow::output::postgres
