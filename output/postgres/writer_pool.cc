// WriterPool: the lanes' loop, delivery with retries, spilled batches, partitions, up/down state.
#include "output/postgres/writer_pool.h"

#include <algorithm>
#include <random>

#include "output/postgres/schema.h"
#include "util/log.h"
#include "util/thread_name.h"

namespace eveflow::output::postgres {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kWakeEvery{50};
constexpr int64_t kMaintainEveryUs = 60LL * 1000000;

std::string random_run_id() {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(gen()));
    return buf;
}

}  // namespace

WriterPool::WriterPool(const PostgresConfig& cfg, Context& ctx, PoolMetrics m,
                       std::function<bool()> checkpointing, std::string masked_dsn)
    : cfg_(cfg),
      ctx_(ctx),
      m_(m),
      masked_dsn_(std::move(masked_dsn)),
      queue_(cfg, ctx.clock, std::move(checkpointing), random_run_id()),
      state_("postgres: " + cfg.name) {}

WriterPool::~WriterPool() {
    {
        std::lock_guard lock(mu_);
        stopping_ = give_up_ = true;
    }
    work_cv_.notify_all();
    for (auto& lane : lanes_) {
        if (lane->thread.joinable()) lane->thread.join();
    }
}

void WriterPool::start(const std::string& dsn, int lanes, std::unique_ptr<SpillDir> spill) {
    spill_ = std::move(spill);
    for (int i = 0; i < lanes; ++i) {
        auto lane =
            std::make_unique<Lane>(static_cast<size_t>(i), cfg_.reconnect_backoff_max, ctx_.clock);
        lane->writer = std::make_unique<BatchWriter>(cfg_, dsn, m_.writer);
        lanes_.push_back(std::move(lane));
    }
    // One attempt now, so the tables exist from the start. The other lanes connect when needed.
    Lane& first = *lanes_[0];
    // Lane 0 alone writes lifecycle batches: it clears the stale rows before the first one.
    if (cfg_.live.enabled()) first.writer->clear_live_at_connect(ctx_.sensor_id);
    if (first.writer->connect()) {
        m_.up->set(1);
        log::info("postgres: {}: connected dsn=\"{}\" table={} connections={}", cfg_.name,
                  masked_dsn_, cfg_.table, lanes);
    } else {
        set_up(first, false, first.writer->last_error());
    }
    for (auto& lane : lanes_) {
        Lane* l = lane.get();
        l->thread = std::thread([this, l] {
            name_this_thread("pg-writer");
            run(*l);
        });
    }
}

bool WriterPool::try_add(Chunk& piece, Fill& fill) {
    std::lock_guard lock(mu_);
    const bool fits = queue_.fits(piece);
    if (fits) {
        queue_.add(piece);
        set_buffer_gauge();
        work_cv_.notify_all();
    }
    fill = {queue_.bytes(), queue_.rows(), queue_.below_half()};
    return fits;
}

bool WriterPool::add_waiting(Chunk& piece) {
    std::unique_lock lock(mu_);
    while (!queue_.fits(piece)) {
        if (giving_up()) return false;
        space_cv_.wait_for(lock, kWakeEvery);
    }
    queue_.add(piece);
    set_buffer_gauge();
    work_cv_.notify_all();
    return true;
}

// Under mu_: the batch id comes from the queue's sequence.
bool WriterPool::spill(Chunk& piece) {
    if (!spill_) return false;
    std::lock_guard lock(mu_);
    piece.batch_id = queue_.next_batch_id();
    if (!spill_->write(piece)) return false;
    m_.spilled->inc(piece.rows());
    m_.spill_bytes->set(static_cast<double>(spill_->bytes()));
    work_cv_.notify_one();
    return true;
}

void WriterPool::seal_checkpoint(std::shared_ptr<const Checkpoint> cp) {
    std::lock_guard lock(mu_);
    queue_.seal_checkpoint(std::move(cp));
    work_cv_.notify_all();
}

void WriterPool::flush_if_due() {
    std::lock_guard lock(mu_);
    if (queue_.flush_due()) {
        queue_.seal_all();
        work_cv_.notify_all();
    }
}

uint64_t WriterPool::close() {
    if (!started()) return 0;
    {
        std::lock_guard lock(mu_);
        if (size_t rows = queue_.drop_uncovered()) {
            m_.dropped->inc(rows);
            log::warn(
                "postgres: {}: {} aggregate rows after the last consumer checkpoint not written; "
                "their events are read again from the stored offsets",
                cfg_.name, rows);
            set_buffer_gauge();
        }
        queue_.seal_all();
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
    return given_up_rows_;
}

void WriterPool::run(Lane& lane) {
    for (;;) {
        Chunk c;
        bool stopping = false;
        if (next_batch(lane, c, stopping)) {
            delivered(c, deliver(lane, c));
            maybe_maintain(lane);
            continue;
        }
        // Spilled batches go when memory is empty (and the database is there).
        if (lane.index == 0 && spill_ && lane.writer->connected() && deliver_spilled(lane)) {
            continue;
        }
        if (stopping) break;
        maybe_maintain(lane);
    }
    std::lock_guard lock(mu_);
    ++lanes_done_;
    space_cv_.notify_all();
}

// Waits a little for a batch this lane may take; lane 0 also seals what is due. `stopping`:
// close() was called (seen under the same lock as the empty queue, so nothing is left).
bool WriterPool::next_batch(Lane& lane, Chunk& c, bool& stopping) {
    const bool first = lane.index == 0;
    std::unique_lock lock(mu_);
    work_cv_.wait_for(lock, kWakeEvery, [&] {
        return stopping_ || queue_.has_work(lane.index) || (first && queue_.flush_due());
    });
    if (first && (stopping_ || queue_.flush_due())) queue_.seal_all();
    stopping = stopping_;
    return queue_.take(lane.index, c);
}

// Frees the buffer space of a batch taken from memory; `ok` false: dropped at shutdown.
void WriterPool::delivered(const Chunk& c, bool ok) {
    {
        std::lock_guard lock(mu_);
        queue_.release(c);
        set_buffer_gauge();
        if (!ok) given_up_rows_ += c.rows();
    }
    if (!ok) m_.dropped->inc(c.rows());
    space_cv_.notify_all();
}

// Delivers the oldest spilled batch; false if there was none or shutdown gave up on it (then
// it stays on disk for the next start).
bool WriterPool::deliver_spilled(Lane& lane) {
    auto path = spill_->oldest();
    if (!path) return false;
    Chunk c;
    if (!spill_->read(*path, c)) {
        log::error("postgres: {}: damaged spill file set aside: {}", cfg_.name, *path);
        return true;
    }
    if (!deliver(lane, c)) return false;
    spill_->remove(*path);
    m_.spill_bytes->set(static_cast<double>(spill_->bytes()));
    return true;
}

// Retries one batch until it is committed (true), or the shutdown bound passes (false). The
// batch id makes a retry after an unknown outcome harmless.
bool WriterPool::deliver(Lane& lane, Chunk& c) {
    for (;;) {
        BatchWriter::Outcome o = lane.writer->deliver(c);
        if (o != BatchWriter::Outcome::kFailed) {
            set_up(lane, true, {});
            report(c, o, lane.writer->rejected_rows());
            return true;
        }
        set_up(lane, false, lane.writer->last_error());
        m_.retries->inc();
        if (!backoff_wait(lane.backoff.delay())) {
            log::error("postgres: {}: gave up batch {} rows={} at shutdown", cfg_.name, c.batch_id,
                       c.rows());
            return false;
        }
    }
}

// Counts the rows a batch committed (a duplicate was committed by an earlier attempt whose
// answer was lost) and tells the consumer whether the checkpoint it carried is stored. A
// fenced batch is dropped whole: its events belong to partitions another consumer has moved on.
void WriterPool::report(const Chunk& c, BatchWriter::Outcome o, uint64_t rejected) {
    if (o != BatchWriter::Outcome::kFenced) {
        m_.written->inc(c.rows() - std::min<uint64_t>(rejected, c.rows()));
        m_.dropped->inc(std::min<uint64_t>(rejected, c.rows()));
    } else {
        m_.dropped->inc(c.rows());
        log::error(
            "postgres: {}: checkpoint of group {} refused: the stored offsets were moved on by "
            "another consumer; batch {} rows={} not written",
            cfg_.name, c.checkpoint->group, c.batch_id, c.rows());
    }
    if (c.checkpoint && c.checkpoint->on_done) {
        c.checkpoint->on_done(o != BatchWriter::Outcome::kFenced);
    }
}

// Sleeps `d` unless shutdown gives up first; false then.
bool WriterPool::backoff_wait(milliseconds d) {
    std::unique_lock lock(mu_);
    work_cv_.wait_for(lock, d, [&] { return giving_up(); });
    return !giving_up();
}

// Records a lane's outcome. The sink is up while every lane is; the change is logged once.
void WriterPool::set_up(Lane& lane, bool up, const std::string& error) {
    if (up) {
        lane.backoff.reset();
    } else {
        lane.backoff.failed();
    }
    std::lock_guard lock(state_mu_);
    lane.up = up;
    const bool all_up =
        std::all_of(lanes_.begin(), lanes_.end(), [](const auto& l) { return l->up; });
    if (!up) {
        state_.failed(error + " dsn=\"" + masked_dsn_ + "\" (buffering)");
    } else if (all_up && state_.succeeded()) {
        need_maintain_ = true;  // partitions may have moved on while down
    }
    m_.up->set(all_up ? 1 : 0);
}

// An idle lane without a connection reconnects on its backoff; false while it has none.
bool WriterPool::reconnect_due(Lane& lane) {
    if (lane.writer->connected()) return true;
    if (lane.up || !lane.backoff.due()) return false;
    bool ok = lane.writer->connect();
    set_up(lane, ok, lane.writer->last_error());
    return ok;
}

// Lane 0 keeps partitions ahead of the clock and drops expired ones: once a minute of clock
// time, and at once when the clock enters a new partition period.
void WriterPool::maybe_maintain(Lane& lane) {
    if (lane.index != 0) {
        reconnect_due(lane);
        return;
    }
    if (!lane.writer->connected()) {
        if (!lane.backoff.due()) return;
        bool ok = lane.writer->connect();
        set_up(lane, ok, lane.writer->last_error());
        if (!ok) return;
    }
    const int64_t now = ctx_.clock.now_us();
    const int64_t period = partition_start(cfg_.raw.partition, now);
    if (!need_maintain_ && now - last_maintain_us_ < kMaintainEveryUs &&
        period == maintained_partition_) {
        return;
    }
    if (lane.writer->maintain(now)) {
        last_maintain_us_ = now;
        maintained_partition_ = period;
        need_maintain_ = false;
    } else {
        set_up(lane, false, lane.writer->last_error());
    }
}

}  // namespace eveflow::output::postgres
