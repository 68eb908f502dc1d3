// PostgreSQL sink, writer thread: takes sealed batches, delivers them, keeps the partitions.
#include "output/postgres/postgres_sink.h"
#include "output/postgres/schema.h"
#include "util/log.h"

namespace eveflow::output::postgres {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kWakeEvery{50};
constexpr int64_t kMaintainEveryUs = 60LL * 1000000;

}  // namespace

void PostgresSink::run() {
    for (;;) {
        Chunk c;
        {
            std::unique_lock lock(mu_);
            work_cv_.wait_for(lock, kWakeEvery,
                              [&] { return !sealed_.empty() || stopping_ || flush_due_locked(); });
            if (flush_due_locked() || stopping_) seal_locked();
            if (sealed_.empty()) {
                const bool stopping = stopping_;
                lock.unlock();
                // Spilled batches go when memory is empty (and the database is there).
                if (spill_ && writer_->connected() && deliver_spilled()) continue;
                if (stopping) break;
                maybe_maintain();
                continue;
            }
            c = std::move(sealed_.front());
            sealed_.pop_front();
        }
        const bool ok = deliver(c);
        {
            std::lock_guard lock(mu_);
            buffered_bytes_ -= c.bytes();
            m_.buffer_bytes->set(static_cast<double>(buffered_bytes_));
            buffered_rows_ -= c.rows();
            if (!ok) given_up_rows_ += c.rows();
        }
        if (!ok) m_.dropped->inc(c.rows());
        space_cv_.notify_all();
        maybe_maintain();
    }
    std::lock_guard lock(mu_);
    writer_done_ = true;
    space_cv_.notify_all();
}

// Delivers the oldest spilled batch; false if there was none or shutdown gave up on it (then
// it stays on disk for the next start).
bool PostgresSink::deliver_spilled() {
    auto path = spill_->oldest();
    if (!path) return false;
    Chunk c;
    if (!spill_->read(*path, c)) {
        log::error("postgres: {}: damaged spill file set aside: {}", cfg_.name, *path);
        return true;
    }
    if (!deliver(c)) return false;
    spill_->remove(*path);
    m_.spill_bytes->set(static_cast<double>(spill_->bytes()));
    return true;
}

// Retries one batch until it is committed (true), or the shutdown bound passes (false). The
// batch id makes a retry after an unknown outcome harmless.
bool PostgresSink::deliver(Chunk& c) {
    for (;;) {
        BatchWriter::Outcome o = writer_->deliver(c);
        if (o != BatchWriter::Outcome::kFailed) {
            set_up(true, {});
            return true;
        }
        set_up(false, writer_->last_error());
        m_.retries->inc();
        if (!backoff_wait(backoff_)) {
            log::error("postgres: {}: gave up batch {} rows={} at shutdown", cfg_.name, c.batch_id,
                       c.rows());
            return false;
        }
    }
}

// Sleeps `d` unless shutdown gives up first; false then.
bool PostgresSink::backoff_wait(milliseconds d) {
    std::unique_lock lock(mu_);
    work_cv_.wait_for(lock, d, [&] { return give_up_ || ctx_.aborting.load(); });
    return !(give_up_ || ctx_.aborting.load());
}

void PostgresSink::set_up(bool up, const std::string& error) {
    if (up) {
        backoff_ = milliseconds(0);
        if (!up_) {
            log::info("postgres: {}: connected again dsn=\"{}\"", cfg_.name, masked_dsn_);
            need_maintain_ = true;  // partitions may have moved on while down
        }
    } else {
        auto max = std::chrono::duration_cast<milliseconds>(cfg_.reconnect_backoff_max);
        backoff_ = std::min(max, backoff_.count() ? backoff_ * 2 : kFirstBackoff);
        next_connect_ = ctx_.clock.steady_now() + backoff_;
        if (up_) {
            log::warn("postgres: {}: unavailable, buffering and retrying: {} dsn=\"{}\"", cfg_.name,
                      error, masked_dsn_);
        }
    }
    up_ = up;
    m_.up->set(up ? 1 : 0);
}

// Keeps partitions ahead of the clock and drops expired ones: once a minute of clock time, and
// at once when the clock enters a new partition period. Reconnects an idle writer on backoff.
void PostgresSink::maybe_maintain() {
    if (!writer_->connected()) {
        if (ctx_.clock.steady_now() < next_connect_) return;
        bool ok = writer_->connect();
        set_up(ok, writer_->last_error());
        if (!ok) return;
    }
    const int64_t now = ctx_.clock.now_us();
    const int64_t period = partition_start(cfg_.raw.partition, now);
    if (!need_maintain_ && now - last_maintain_us_ < kMaintainEveryUs &&
        period == maintained_partition_) {
        return;
    }
    if (writer_->maintain(now)) {
        last_maintain_us_ = now;
        maintained_partition_ = period;
        need_maintain_ = false;
    } else {
        set_up(false, writer_->last_error());
    }
}

}  // namespace eveflow::output::postgres
