// PostgreSQL sink: renders records to COPY rows, applies on_full, hands them to the lanes.
#include "output/postgres/postgres_sink.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "output/postgres/live_table.h"
#include "output/postgres/schema.h"
#include "output/sink_metrics.h"
#include "util/log.h"

namespace eveflow::output::postgres {
namespace {

constexpr int64_t kMinRawTsUs = -30610224000LL * 1000000;  // 1000-01-01T00:00:00Z
constexpr int64_t kMaxRawTsUs = 221845392000LL * 1000000;  // 9000-01-01T00:00:00Z
constexpr const char* kSanitisedKinds[] = {"nul", "invalid_utf8", "bad_escape", "out_of_range",
                                           "timestamp"};

std::string read_password(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw StartupError("postgres: password_file: cannot read " + path);
    std::string pw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
    return pw;
}

// The series the lanes update; the front registers its own in its constructor.
PoolMetrics pool_metrics(Stats& s, const std::string& name) {
    const Labels sink = {{"sink", name}};
    SinkMetrics common(s, name);
    auto err = [&](const char* kind) { return &common.errors(kind); };
    auto live_ops = [&](const char* op) {
        return &s.counter("eveflow_postgres_live_ops_total",
                          "Flow lifecycle operations committed to the live table, by op",
                          {{"sink", name}, {"op", op}});
    };
    auto rejected = [&](const char* table) {
        return &s.counter("eveflow_postgres_rows_rejected_total",
                          "Rows PostgreSQL refused (left out of their batch)",
                          {{"sink", name}, {"table", table}});
    };
    PoolMetrics m;
    m.written = &common.records();
    m.dropped = &common.dropped();
    m.retries = &common.retries();
    m.up = &common.up();
    m.spilled = &s.counter("eveflow_postgres_spilled_rows_total",
                           "Rows written to the spill directory while the buffer was full", sink);
    m.writer = {err("connect"),
                err("write"),
                rejected("aggregate"),
                rejected("raw"),
                &s.counter("eveflow_postgres_duplicate_batches_total",
                           "Retried batches found already committed", sink),
                &s.counter("eveflow_postgres_partitions_created_total", "Partitions created", sink),
                &s.counter("eveflow_postgres_partitions_dropped_total", "Partitions dropped", sink),
                rejected("live"),
                {live_ops("insert"), live_ops("update"), live_ops("remove")},
                &s.counter("eveflow_postgres_live_errors_total",
                           "Failed attempts of batches holding flow lifecycle operations", sink),
                &s.gauge("eveflow_postgres_live_flows", "Rows in the live flow table", sink)};
    // Plain gauges, set as the values change: a gauge_fn holding the sink would outlive it in
    // the registry.
    m.buffer_bytes =
        &s.gauge("eveflow_postgres_buffer_bytes", "Bytes buffered for PostgreSQL", sink);
    m.spill_bytes = &s.gauge("eveflow_postgres_spill_bytes", "Bytes in the spill directory", sink);
    return m;
}

}  // namespace

PostgresSink::PostgresSink(PostgresConfig cfg, Context& ctx)
    : cfg_(std::move(cfg)),
      ctx_(ctx),
      pool_(
          cfg_, ctx, pool_metrics(ctx.stats, cfg_.name), [this] { return checkpointing(); },
          mask_dsn(cfg_.dsn)) {
    Stats& s = ctx_.stats;
    const Labels sink = {{"sink", cfg_.name}};
    SinkMetrics common(s, cfg_.name);
    dropped_ = &common.dropped();
    expired_ = &s.counter("eveflow_postgres_raw_expired_total",
                          "Raw events older than the retention, not written", sink);
    unstorable_ = &common.errors("unstorable");
    log_expired_ = &s.counter("eveflow_postgres_flow_log_expired_total",
                              "Removed flows older than the flow_log retention, not logged", sink);
    for (size_t i = 0; i < std::size(kSanitisedKinds); ++i) {
        sanitised_[i] = &s.counter("eveflow_postgres_values_sanitised_total",
                                   "Values made acceptable to PostgreSQL, by kind",
                                   {{"sink", cfg_.name}, {"kind", kSanitisedKinds[i]}});
    }
}

PostgresSink::~PostgresSink() {
    if (offsets_ && ctx_.offset_store == offsets_.get()) ctx_.offset_store = nullptr;
}

void PostgresSink::open() {
    if (ctx_.check_only) return;
    std::string error;
    std::string dsn = dsn_with_timeouts(cfg_.dsn, error);
    if (!cfg_.password_file.empty() && error.empty()) {
        dsn = dsn_with_password(dsn, read_password(cfg_.password_file), error);
    }
    if (!error.empty()) throw StartupError("postgres: " + cfg_.name + ": dsn: " + error);
    std::unique_ptr<SpillDir> spill;
    if (!cfg_.spill_dir.empty()) {
        spill = std::make_unique<SpillDir>(cfg_.spill_dir, cfg_.spill_max_bytes);
        spill->open();
        if (spill->files() > 0) {
            log::info("postgres: {}: {} spilled batches to write from {}", cfg_.name,
                      spill->files(), cfg_.spill_dir);
        }
    }
    if (!ctx_.offset_store) {
        offsets_ = std::make_unique<PgOffsetStore>(cfg_, dsn);
        ctx_.offset_store = offsets_.get();
    }
    // A server that is down is not a start-up error: the lanes keep trying.
    pool_.start(dsn, cfg_.raw.types.empty() ? 1 : cfg_.raw.connections, std::move(spill));
}

void PostgresSink::count(const Sanitised& f) {
    const uint64_t v[] = {f.nul, f.invalid_utf8, f.bad_escape, f.out_of_range, f.timestamp};
    for (size_t i = 0; i < std::size(v); ++i) {
        if (v[i]) sanitised_[i]->inc(v[i]);
    }
}

// A remove logs its flow under log_time() in flow_log, unless that is past the retention (or
// outside the years raw events may have): the flow still leaves the live table.
void PostgresSink::render_live(const FlowLifecycle& f, Chunk& piece, int64_t now_us,
                               Sanitised& fixed) {
    Timestamp log_end = Timestamp::none();
    if (f.op == FlowOp::kRemove) {
        const Timestamp end = log_time(f);
        if (!end.valid() || end.us < kMinRawTsUs || end.us >= kMaxRawTsUs ||
            end.us < retention_cutoff(cfg_.live.log, now_us)) {
            log_expired_->inc();
        } else {
            log_end = end;
            const int64_t p = partition_start(cfg_.live.log.partition, end.us);
            auto& parts = piece.log_partitions;
            if (parts.empty() || parts.back() != p) parts.push_back(p);
        }
    }
    if (!append_live_row(piece.live, f, ++live_seq_, ctx_.sensor_id, log_end, fixed)) {
        unstorable_->inc();
        return;
    }
    ++piece.live_rows;
    ++piece.live_ops[static_cast<size_t>(f.op)];
}

void PostgresSink::render(const Record& r, Chunk& piece, int64_t now_us, int64_t cutoff_us) {
    Sanitised fixed;
    if (const auto* life = std::get_if<FlowLifecycle>(&r)) {
        if (cfg_.live.enabled()) render_live(*life, piece, now_us, fixed);
        count(fixed);
        return;
    }
    if (const auto* agg = std::get_if<AggregateRecord>(&r)) {
        if (append_aggregate_row(piece.aggregates, *agg, ctx_.sensor_id, fixed)) {
            ++piece.aggregate_rows;
            piece.has_late = piece.has_late || agg->late || agg->after_checkpoint;
        } else {
            unstorable_->inc();
            dropped_->inc();
        }
    } else if (const auto* dns = std::get_if<DnsAggregateRecord>(&r)) {
        add_dns_row(piece.dns, *dns, ctx_.sensor_id, fixed);
    } else if (const auto* pdns = std::get_if<PdnsRecord>(&r)) {
        add_pdns_row(piece.dns, *pdns, ctx_.sensor_id, fixed);
    } else if (const auto* raw = std::get_if<RawEvent>(&r); raw && !cfg_.raw.types.empty()) {
        Timestamp ts = raw->fields.ts;
        // Years 1000-8999 only: a partition for a wild timestamp (year 1, 9999) would be
        // created at the edge of timestamptz's range, and none is worth a table of its own.
        if (!storable(ts) || ts.us < kMinRawTsUs || ts.us >= kMaxRawTsUs) {
            ts = Timestamp::from_us(now_us);
            ++fixed.timestamp;
        }
        if (ts.us < cutoff_us) {
            expired_->inc();
            dropped_->inc();
        } else {
            append_raw_row_binary(piece.raw, *raw, ts, ctx_.sensor_id, fixed);
            ++piece.raw_rows;
            int64_t p = partition_start(cfg_.raw.partition, ts.us);
            if (piece.partitions.empty() || piece.partitions.back() != p) {
                piece.partitions.push_back(p);
            }
        }
    }
    count(fixed);
}

Status PostgresSink::write(std::span<const Record> batch) {
    const int64_t now_us = ctx_.clock.now_us();
    const int64_t cutoff_us = retention_cutoff(cfg_.raw, now_us);
    Chunk piece;
    for (const Record& r : batch) {
        if (const auto* mark = std::get_if<CheckpointMark>(&r)) {
            commit_piece(piece);
            // The open aggregate batch, whatever it holds (possibly nothing), becomes one
            // transaction with the checkpoint's offsets.
            pool_.seal_checkpoint(mark->checkpoint);
            continue;
        }
        render(r, piece, now_us, cutoff_us);
        if (piece.rows() >= cfg_.batch_size) commit_piece(piece);
    }
    commit_piece(piece);
    return {};
}

// Aggregate pieces are kept out of the spill directory while a checkpoint is in play: a
// spilled batch would be applied without the offsets of its events. Lifecycle operations
// never go there: spilled batches are written after the memory queue, out of order.
bool PostgresSink::can_spill(const Chunk& piece) const {
    return !cfg_.spill_dir.empty() && piece.live_rows == 0 && piece.dns.rows() == 0 &&
           !(piece.aggregate_rows > 0 && checkpointing());
}

// A piece that does not fit in the buffer goes to the spill directory if it may and there is
// room; else on_full decides: drop counts its rows, block waits for the lanes to free space
// (and counts the rows only if shutdown gives up first).
void PostgresSink::commit_piece(Chunk& piece) {
    if (piece.rows() == 0) return;
    auto& p = piece.partitions;
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
    Fill fill;
    if (pool_.try_add(piece, fill)) {
        if (full_ && fill.below_half) set_full(false, fill);
        return;
    }
    set_full(true, fill);
    const bool kept = (can_spill(piece) && pool_.spill(piece)) ||
                      (cfg_.on_full == OnFull::kBlock && pool_.add_waiting(piece));
    if (!kept) {
        dropped_->inc(piece.rows());
        dropped_in_state_ += piece.rows();
    }
    piece = Chunk{};
}

// Logged again only after the buffer has drained to half: while the database is the
// bottleneck the buffer fills and frees many times a second.
void PostgresSink::set_full(bool full, const Fill& fill) {
    if (full == full_) return;
    full_ = full;
    if (full) {
        log::warn("postgres: {}: buffer full bytes={} rows={}: {}", cfg_.name, fill.bytes,
                  fill.rows, cfg_.on_full == OnFull::kDrop ? "dropping" : "blocking");
    } else {
        log::info("postgres: {}: buffer below half again bytes={} rows={} dropped={}", cfg_.name,
                  fill.bytes, fill.rows, dropped_in_state_);
        dropped_in_state_ = 0;
    }
}

void PostgresSink::idle() { pool_.flush_if_due(); }

Status PostgresSink::close() {
    const uint64_t given_up = pool_.close();
    if (given_up > 0) {
        return Status::error("postgres: " + cfg_.name + ": " + std::to_string(given_up) +
                             " rows not written at shutdown");
    }
    return {};
}

}  // namespace eveflow::output::postgres
