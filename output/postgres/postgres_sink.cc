// PostgreSQL sink: buffering, batch ids, the writer thread and its reconnect policy.
#include "output/postgres/postgres_sink.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>

#include "output/postgres/schema.h"
#include "util/log.h"

namespace eveflow::output::postgres {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kWakeEvery{50};
constexpr int64_t kMinRawTsUs = -30610224000LL * 1000000;  // 1000-01-01T00:00:00Z
constexpr int64_t kMaxRawTsUs = 221845392000LL * 1000000;  // 9000-01-01T00:00:00Z
constexpr const char* kSanitisedKinds[] = {"nul", "invalid_utf8", "bad_escape", "out_of_range",
                                           "timestamp"};

std::string random_run_id() {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(gen()));
    return buf;
}

std::string read_password(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw StartupError("postgres: password_file: cannot read " + path);
    std::string pw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
    return pw;
}

}  // namespace

std::unique_ptr<Sink> PostgresSink::create(const ConfigNode& node, Context& ctx) {
    return std::make_unique<PostgresSink>(parse_config(node), ctx);
}

PostgresSink::PostgresSink(PostgresConfig cfg, Context& ctx)
    : cfg_(std::move(cfg)),
      ctx_(ctx),
      masked_dsn_(mask_dsn(cfg_.dsn)),
      run_id_(random_run_id()),
      state_("postgres: " + cfg_.name) {
    Stats& s = ctx_.stats;
    const Labels sink = {{"sink", cfg_.name}};
    auto err = [&](const char* kind) {
        return &s.counter("eveflow_sink_errors_total", "Sink errors by kind",
                          {{"sink", cfg_.name}, {"kind", kind}});
    };
    m_.dropped = &s.counter("eveflow_sink_dropped_total", "Records a sink dropped", sink);
    m_.retries = &s.counter("eveflow_sink_retries_total", "Batches a sink retried", sink);
    m_.up = &s.gauge("eveflow_sink_up", "1 when the sink's destination is reachable", sink);
    m_.expired = &s.counter("eveflow_postgres_raw_expired_total",
                            "Raw events older than the retention, not written", sink);
    m_.unstorable = err("unstorable");
    m_.spilled = &s.counter("eveflow_postgres_spilled_rows_total",
                            "Rows written to the spill directory while the buffer was full", sink);
    for (size_t i = 0; i < std::size(kSanitisedKinds); ++i) {
        m_.sanitised[i] = &s.counter("eveflow_postgres_values_sanitised_total",
                                     "Values made acceptable to PostgreSQL, by kind",
                                     {{"sink", cfg_.name}, {"kind", kSanitisedKinds[i]}});
    }
    auto rejected = [&](const char* table) {
        return &s.counter("eveflow_postgres_rows_rejected_total",
                          "Rows PostgreSQL refused (left out of their batch)",
                          {{"sink", cfg_.name}, {"table", table}});
    };
    wm_ = {err("connect"),
           err("write"),
           rejected("aggregate"),
           rejected("raw"),
           &s.counter("eveflow_postgres_duplicate_batches_total",
                      "Retried batches found already committed", sink),
           &s.counter("eveflow_postgres_partitions_created_total", "Partitions created", sink),
           &s.counter("eveflow_postgres_partitions_dropped_total", "Partitions dropped", sink)};
    // Plain gauges, set as the values change: a gauge_fn holding `this` would outlive the sink
    // in the registry.
    m_.buffer_bytes =
        &s.gauge("eveflow_postgres_buffer_bytes", "Bytes buffered for PostgreSQL", sink);
    m_.spill_bytes = &s.gauge("eveflow_postgres_spill_bytes", "Bytes in the spill directory", sink);
}

PostgresSink::~PostgresSink() {
    if (offsets_ && ctx_.offset_store == offsets_.get()) ctx_.offset_store = nullptr;
    {
        std::lock_guard lock(mu_);
        stopping_ = give_up_ = true;
    }
    work_cv_.notify_all();
    for (auto& lane : lanes_) {
        if (lane->thread.joinable()) lane->thread.join();
    }
}

void PostgresSink::open() {
    if (ctx_.check_only) return;
    std::string error;
    std::string dsn = dsn_with_timeouts(cfg_.dsn, error);
    if (!cfg_.password_file.empty() && error.empty()) {
        dsn = dsn_with_password(dsn, read_password(cfg_.password_file), error);
    }
    if (!error.empty()) throw StartupError("postgres: " + cfg_.name + ": dsn: " + error);
    if (!cfg_.spill_dir.empty()) {
        spill_ = std::make_unique<SpillDir>(cfg_.spill_dir, cfg_.spill_max_bytes);
        spill_->open();
        if (spill_->files() > 0) {
            log::info("postgres: {}: {} spilled batches to write from {}", cfg_.name,
                      spill_->files(), cfg_.spill_dir);
        }
        m_.spill_bytes->set(static_cast<double>(spill_->bytes()));
    }
    const int lanes = cfg_.raw.types.empty() ? 1 : cfg_.raw.connections;
    for (int i = 0; i < lanes; ++i) {
        auto lane = std::make_unique<Lane>(i, cfg_.reconnect_backoff_max, ctx_.clock);
        lane->writer = std::make_unique<BatchWriter>(cfg_, dsn, wm_);
        lanes_.push_back(std::move(lane));
    }
    // One attempt now, so the tables exist from the start; a server that is down is not a
    // start-up error: the writer threads keep trying. The other lanes connect when needed.
    Lane& first = *lanes_[0];
    if (first.writer->connect()) {
        m_.up->set(1);
        log::info("postgres: {}: connected dsn=\"{}\" table={} connections={}", cfg_.name,
                  masked_dsn_, cfg_.table, lanes);
    } else {
        set_up(first, false, first.writer->last_error());
    }
    if (!ctx_.offset_store) {
        offsets_ = std::make_unique<PgOffsetStore>(cfg_, dsn);
        ctx_.offset_store = offsets_.get();
    }
    open_since_[0] = open_since_[1] = ctx_.clock.steady_now();
    for (auto& lane : lanes_) {
        Lane* l = lane.get();
        l->thread = std::thread([this, l] { run(*l); });
    }
}

void PostgresSink::count(const Sanitised& f) {
    const uint64_t v[] = {f.nul, f.invalid_utf8, f.bad_escape, f.out_of_range, f.timestamp};
    for (size_t i = 0; i < std::size(v); ++i) {
        if (v[i]) m_.sanitised[i]->inc(v[i]);
    }
}

void PostgresSink::render(const Record& r, Chunk& piece, int64_t now_us, int64_t cutoff_us) {
    Sanitised fixed;
    if (r.kind == Record::Kind::kAggregate) {
        if (append_aggregate_row(piece.aggregates, r.aggregate, ctx_.sensor_id, fixed)) {
            ++piece.aggregate_rows;
            piece.has_late = piece.has_late || r.aggregate.late || r.aggregate.after_checkpoint;
        } else {
            m_.unstorable->inc();
        }
    } else if (!cfg_.raw.types.empty()) {
        Timestamp ts = r.raw.fields.ts;
        // Years 1000-8999 only: a partition for a wild timestamp (year 1, 9999) would be
        // created at the edge of timestamptz's range, and none is worth a table of its own.
        if (!storable(ts) || ts.us < kMinRawTsUs || ts.us >= kMaxRawTsUs) {
            ts = Timestamp::from_us(now_us);
            ++fixed.timestamp;
        }
        if (ts.us < cutoff_us) {
            m_.expired->inc();
        } else {
            append_raw_row_binary(piece.raw, r.raw, ts, ctx_.sensor_id, fixed);
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
        if (r.kind == Record::Kind::kCheckpoint) {
            commit_piece(piece);
            seal_checkpoint(r.checkpoint);
            continue;
        }
        render(r, piece, now_us, cutoff_us);
        if (piece.rows() >= cfg_.batch_size) commit_piece(piece);
    }
    commit_piece(piece);
    return {};
}

// The open aggregate batch, whatever it holds (possibly nothing), becomes one transaction
// with the checkpoint's offsets.
void PostgresSink::seal_checkpoint(std::shared_ptr<const Checkpoint> cp) {
    if (!cp) return;
    std::lock_guard lock(mu_);
    open_[kAggregatePart].checkpoint = std::move(cp);
    seal_locked(kAggregatePart);
    work_cv_.notify_all();
}

// Aggregate pieces are kept out of the spill directory while a checkpoint is in play: a
// spilled batch would be applied without the offsets of its events.
bool PostgresSink::can_spill(const Chunk& piece) const {
    return spill_ && !(piece.aggregate_rows > 0 && checkpointing());
}

bool PostgresSink::wait_for_space(std::unique_lock<std::mutex>& lock, const Chunk& piece) {
    auto fits = [&] {
        bool bytes_ok = buffered_bytes_ + piece.bytes() <= cfg_.max_buffer_bytes;
        bool rows_ok = cfg_.max_buffer_records == 0 ||
                       buffered_rows_ + piece.rows() <= cfg_.max_buffer_records;
        // An empty buffer always takes the piece, so one oversized write cannot deadlock;
        // nor can a buffer holding only the open aggregate batch, which drains only once the
        // next checkpoint seals it.
        const Chunk& open = open_[kAggregatePart];
        return buffered_rows_ == 0 || (bytes_ok && rows_ok) ||
               (checkpointing() && buffered_rows_ == open.rows() &&
                buffered_bytes_ == open.bytes());
    };
    if (fits()) {
        // Logged again only after the buffer has drained to half: while the database is the
        // bottleneck the buffer fills and frees many times a second.
        bool half = buffered_bytes_ <= cfg_.max_buffer_bytes / 2 &&
                    (cfg_.max_buffer_records == 0 || buffered_rows_ <= cfg_.max_buffer_records / 2);
        if (full_logged_ && half) {
            log::info("postgres: {}: buffer below half again bytes={} rows={}", cfg_.name,
                      buffered_bytes_, buffered_rows_);
            full_logged_ = false;
        }
        return true;
    }
    if (!full_logged_) {
        log::warn("postgres: {}: buffer full bytes={} rows={}: {}", cfg_.name, buffered_bytes_,
                  buffered_rows_, cfg_.drop_when_full ? "dropping" : "blocking");
        full_logged_ = true;
    }
    if (cfg_.drop_when_full || can_spill(piece)) return false;
    while (!fits() && !give_up_ && !ctx_.aborting.load()) {
        space_cv_.wait_for(lock, kWakeEvery);
    }
    return fits();
}

void PostgresSink::commit_piece(Chunk& piece) {
    if (piece.rows() == 0) return;
    std::sort(piece.partitions.begin(), piece.partitions.end());
    piece.partitions.erase(std::unique(piece.partitions.begin(), piece.partitions.end()),
                           piece.partitions.end());
    std::unique_lock lock(mu_);
    if (!wait_for_space(lock, piece)) {
        if (!spill(piece)) {
            if (spill_ && !cfg_.drop_when_full) {
                // Spill directory full as well: block until memory frees up.
                while (!give_up_ && !ctx_.aborting.load() && !wait_for_space(lock, piece)) {
                    space_cv_.wait_for(lock, kWakeEvery);
                }
                if (!give_up_ && !ctx_.aborting.load()) {
                    lock.unlock();
                    commit_piece(piece);
                    return;
                }
            }
            m_.dropped->inc(piece.rows());
        }
        piece = Chunk{};
        return;
    }
    buffered_bytes_ += piece.bytes();
    m_.buffer_bytes->set(static_cast<double>(buffered_bytes_));
    buffered_rows_ += piece.rows();
    append_locked(kAggregatePart, piece);
    append_locked(kRawPart, piece);
    piece = Chunk{};
    work_cv_.notify_all();
}

// Moves one part of `piece` to its open batch, sealing that batch before it would pass
// batch_size and when it reaches it.
void PostgresSink::append_locked(Part part, Chunk& piece) {
    Chunk& o = open_[part];
    const size_t rows = part == kRawPart ? piece.raw_rows : piece.aggregate_rows;
    if (rows == 0) return;
    // Aggregates between two checkpoints stay one batch, however many rows they are.
    const bool by_size = part == kRawPart || !checkpointing();
    if (by_size && o.rows() + rows > cfg_.batch_size) seal_locked(part);
    if (o.rows() == 0) open_since_[part] = ctx_.clock.steady_now();
    if (part == kRawPart) {
        o.raw += piece.raw;
        o.raw_rows += piece.raw_rows;
        o.partitions.insert(o.partitions.end(), piece.partitions.begin(), piece.partitions.end());
    } else {
        o.aggregates += piece.aggregates;
        o.aggregate_rows += piece.aggregate_rows;
        o.has_late = o.has_late || piece.has_late;
    }
    if (by_size && o.rows() >= cfg_.batch_size) seal_locked(part);
}

// Writes `piece` as a batch of its own to the spill directory; false if there is none or it
// is full. Called with mu_ held (the batch sequence).
bool PostgresSink::spill(Chunk& piece) {
    if (!can_spill(piece)) return false;
    piece.batch_id = run_id_ + "-" + std::to_string(next_batch_++);
    if (!spill_->write(piece)) return false;
    m_.spilled->inc(piece.rows());
    m_.spill_bytes->set(static_cast<double>(spill_->bytes()));
    work_cv_.notify_one();
    return true;
}

void PostgresSink::seal_locked(Part part) {
    Chunk& o = open_[part];
    if (o.rows() == 0 && !o.checkpoint) return;
    auto& p = o.partitions;
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
    o.batch_id = run_id_ + "-" + std::to_string(next_batch_++);
    sealed_.push_back(std::move(o));
    o = Chunk{};
}

// With a checkpoint in play the aggregate batch is left open: only a checkpoint seals it.
void PostgresSink::seal_all_locked() {
    if (!checkpointing()) seal_locked(kAggregatePart);
    seal_locked(kRawPart);
}

bool PostgresSink::flush_due_locked() const {
    const auto now = ctx_.clock.steady_now();
    for (int part : {kAggregatePart, kRawPart}) {
        if (part == kAggregatePart && checkpointing()) continue;
        if (open_[part].rows() > 0 && now - open_since_[part] >= cfg_.flush_interval) return true;
    }
    return false;
}

// At close: aggregate rows after the last checkpoint are not covered by stored offsets, and
// writing them would count their events twice once they are read again from those offsets.
void PostgresSink::drop_uncovered_locked() {
    Chunk& o = open_[kAggregatePart];
    if (!checkpointing() || o.rows() == 0) return;
    log::warn(
        "postgres: {}: {} aggregate rows after the last consumer checkpoint not written; "
        "their events are read again from the stored offsets",
        cfg_.name, o.aggregate_rows);
    buffered_bytes_ -= o.bytes();
    buffered_rows_ -= o.rows();
    m_.buffer_bytes->set(static_cast<double>(buffered_bytes_));
    o = Chunk{};
}

void PostgresSink::idle() {
    std::lock_guard lock(mu_);
    if (flush_due_locked()) {
        seal_all_locked();
        work_cv_.notify_all();
    }
}

Status PostgresSink::close() {
    if (lanes_.empty() || !lanes_[0]->thread.joinable()) return {};
    {
        std::lock_guard lock(mu_);
        drop_uncovered_locked();
        seal_all_locked();
        stopping_ = true;
    }
    work_cv_.notify_all();
    // The lanes drain; past the shutdown bound they drop what is left and say so.
    const auto deadline = steady_clock::now() + ctx_.shutdown_timeout;
    {
        std::unique_lock lock(mu_);
        while (lanes_done_ < lanes_.size() && steady_clock::now() < deadline &&
               !ctx_.aborting.load()) {
            space_cv_.wait_for(lock, kWakeEvery);
        }
        give_up_ = true;
    }
    work_cv_.notify_all();
    for (auto& lane : lanes_) lane->thread.join();
    std::lock_guard lock(mu_);
    if (given_up_rows_ > 0) {
        return Status::error("postgres: " + cfg_.name + ": " + std::to_string(given_up_rows_) +
                             " rows not written at shutdown");
    }
    return {};
}

}  // namespace eveflow::output::postgres
