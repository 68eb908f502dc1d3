// ParsePool: a bounded queue of cut line batches, parse workers, publication in order.
#include "input/eve/parse_pool.h"

#include <algorithm>

#include "util/thread_name.h"

namespace eveflow::input {

ParsePool::ParsePool(EveCounters& counters, size_t threads, Publisher& out,
                     const std::atomic<bool>& aborting)
    : out_(out),
      aborting_(aborting),
      max_queued_(2 * std::max<size_t>(threads, 1)),
      max_in_pool_(4 * std::max<size_t>(threads, 1)) {
    for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) {
        parsers_.push_back(std::make_unique<EveLineParser>(counters));
    }
    for (auto& p : parsers_) {
        threads_.emplace_back([this, parser = p.get()] {
            name_this_thread("eve-parse");
            work(*parser);
        });
    }
}

ParsePool::~ParsePool() {
    {
        std::lock_guard lk(mu_);
        stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : threads_) t.join();
}

void ParsePool::submit(EventBatch&& lines, bool last_partial) {
    std::unique_lock lk(mu_);
    space_cv_.wait(
        lk, [&] { return todo_.size() < max_queued_ && next_seq_ - next_publish_ < max_in_pool_; });
    todo_.push_back(Job{next_seq_++, std::move(lines), last_partial});
    lk.unlock();
    work_cv_.notify_one();
}

void ParsePool::drain() {
    std::unique_lock lk(mu_);
    const uint64_t submitted = next_seq_;
    pub_cv_.wait(lk, [&] { return next_publish_ >= submitted; });
}

void ParsePool::work(EveLineParser& parser) {
    for (;;) {
        Job job;
        {
            std::unique_lock lk(mu_);
            work_cv_.wait(lk, [&] { return stop_ || !todo_.empty(); });
            if (todo_.empty()) return;
            job = std::move(todo_.front());
            todo_.pop_front();
        }
        space_cv_.notify_one();
        if (!aborting_.load(std::memory_order_relaxed)) {
            parser.parse_batch(job.batch, job.last_partial);
            parser.publish_counts();
        }
        finish(std::move(job));
    }
}

void ParsePool::finish(Job&& job) {
    std::unique_lock lk(mu_);
    const uint64_t seq = job.seq;
    parked_.emplace(seq, std::move(job));
    if (publishing_) return;  // that worker will find this job when its turn comes
    publishing_ = true;
    for (auto it = parked_.begin(); it != parked_.end() && it->first == next_publish_;
         it = parked_.begin()) {
        EventBatch batch = std::move(it->second.batch);
        parked_.erase(it);
        lk.unlock();
        // Publishing may wait for the channel (backpressure); the others go on parsing.
        if (!closed_.load(std::memory_order_relaxed) &&
            !aborting_.load(std::memory_order_relaxed) && !out_.publish(std::move(batch))) {
            closed_.store(true, std::memory_order_relaxed);
        }
        lk.lock();
        ++next_publish_;
        space_cv_.notify_one();
        pub_cv_.notify_all();
    }
    publishing_ = false;
}

bool hand_on(EveBatcher& batcher, Publisher& out, ParsePool* pool) {
    EventBatch batch;
    bool last_partial = false;
    bool open = true;
    while (batcher.pop_lines(batch, last_partial)) {
        if (pool != nullptr) {
            pool->submit(std::move(batch), last_partial);
        } else if (!out.publish(std::move(batch))) {
            open = false;
        }
    }
    return open && (pool == nullptr || !pool->channel_closed());
}

bool hand_on(EventBatch&& batch, Publisher& out, ParsePool* pool) {
    if (pool == nullptr) return out.publish(std::move(batch));
    pool->submit(std::move(batch), false);
    return !pool->channel_closed();
}

}  // namespace eveflow::input
