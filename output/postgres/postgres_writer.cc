// PostgreSQL sink, writer threads: take sealed batches, deliver them, keep the partitions.
#include <algorithm>

#include "output/postgres/postgres_sink.h"
#include "output/postgres/schema.h"
#include "util/log.h"

namespace eveflow::output::postgres {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kWakeEvery{50};
constexpr int64_t kMaintainEveryUs = 60LL * 1000000;

// What the lanes other than 0 may take: raw events only, and no checkpoint (those keep their
// place behind the aggregates).
bool raw_only(const Chunk& c) { return c.aggregate_rows == 0 && !c.checkpoint; }

}  // namespace

// Takes the batch this lane delivers next: lane 0 the oldest, whatever it holds (aggregate
// batches stay in order), the others the oldest raw-only one.
bool PostgresSink::take_locked(const Lane& lane, Chunk& c) {
    auto it = sealed_.begin();
    if (lane.index != 0) {
        it = std::find_if(sealed_.begin(), sealed_.end(), raw_only);
    }
    if (it == sealed_.end()) return false;
    c = std::move(*it);
    sealed_.erase(it);
    return true;
}

void PostgresSink::run(Lane& lane) {
    const bool first = lane.index == 0;
    for (;;) {
        Chunk c;
        {
            std::unique_lock lock(mu_);
            work_cv_.wait_for(lock, kWakeEvery, [&] {
                return stopping_ || (first ? !sealed_.empty() || flush_due_locked()
                                           : std::any_of(sealed_.begin(), sealed_.end(), raw_only));
            });
            if (first && (flush_due_locked() || stopping_)) seal_all_locked();
            if (!take_locked(lane, c)) {
                const bool stopping = stopping_;
                lock.unlock();
                // Spilled batches go when memory is empty (and the database is there).
                if (first && spill_ && lane.writer->connected() && deliver_spilled(lane)) continue;
                if (stopping) break;
                maybe_maintain(lane);
                continue;
            }
        }
        delivered(c, deliver(lane, c));
        maybe_maintain(lane);
    }
    std::lock_guard lock(mu_);
    ++lanes_done_;
    space_cv_.notify_all();
}

// Frees the buffer space of a batch taken from memory; `ok` false: dropped at shutdown.
void PostgresSink::delivered(const Chunk& c, bool ok) {
    {
        std::lock_guard lock(mu_);
        buffered_bytes_ -= c.bytes();
        m_.buffer_bytes->set(static_cast<double>(buffered_bytes_));
        buffered_rows_ -= c.rows();
        if (!ok) given_up_rows_ += c.rows();
    }
    if (!ok) m_.dropped->inc(c.rows());
    space_cv_.notify_all();
}

// Delivers the oldest spilled batch; false if there was none or shutdown gave up on it (then
// it stays on disk for the next start).
bool PostgresSink::deliver_spilled(Lane& lane) {
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
bool PostgresSink::deliver(Lane& lane, Chunk& c) {
    for (;;) {
        BatchWriter::Outcome o = lane.writer->deliver(c);
        if (o != BatchWriter::Outcome::kFailed) {
            set_up(lane, true, {});
            report(c, o);
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

// Tells the consumer whether the checkpoint a batch carried is stored. A fenced batch is
// dropped whole: its events belong to partitions another consumer has moved on.
void PostgresSink::report(const Chunk& c, BatchWriter::Outcome o) {
    if (o == BatchWriter::Outcome::kFenced) {
        m_.dropped->inc(c.rows());
        log::error(
            "postgres: {}: checkpoint of group {} refused: the stored offsets were moved on by "
            "another consumer; batch {} rows={} not written",
            cfg_.name, c.checkpoint->group, c.batch_id, c.rows());
    }
    if (c.checkpoint && c.checkpoint->on_stored) {
        c.checkpoint->on_stored(o != BatchWriter::Outcome::kFenced);
    }
}

// Sleeps `d` unless shutdown gives up first; false then.
bool PostgresSink::backoff_wait(milliseconds d) {
    std::unique_lock lock(mu_);
    work_cv_.wait_for(lock, d, [&] { return give_up_ || ctx_.aborting.load(); });
    return !(give_up_ || ctx_.aborting.load());
}

// Records a lane's outcome. The sink is up while every lane is; the change is logged once.
void PostgresSink::set_up(Lane& lane, bool up, const std::string& error) {
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
bool PostgresSink::reconnect_due(Lane& lane) {
    if (lane.writer->connected()) return true;
    if (lane.up || !lane.backoff.due()) return false;
    bool ok = lane.writer->connect();
    set_up(lane, ok, lane.writer->last_error());
    return ok;
}

// Lane 0 keeps partitions ahead of the clock and drops expired ones: once a minute of clock
// time, and at once when the clock enters a new partition period.
void PostgresSink::maybe_maintain(Lane& lane) {
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
