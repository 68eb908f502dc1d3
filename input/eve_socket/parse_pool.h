// ParsePool: threads that parse batches of cut EVE lines and publish them in arrival order.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "input/eve/eve_batcher.h"
#include "input/source.h"

namespace eveflow::input {

/// The reading thread cuts the stream into batches of whole lines (EveBatcher with
/// Options::parse false) and submits them; `threads` workers parse them (EveLineParser) and
/// publish them in the order they were submitted, so the events leave in stream order. The
/// queue of unparsed batches is bounded: submit() waits while it is full (backpressure).
class ParsePool {
public:
    ParsePool(EveCounters& counters, size_t threads, Publisher& out,
              const std::atomic<bool>& aborting);
    ~ParsePool();
    ParsePool(const ParsePool&) = delete;
    ParsePool& operator=(const ParsePool&) = delete;

    void submit(EventBatch&& lines, bool last_partial);
    /// Waits until every submitted batch has been published (or given up when aborting).
    void drain();
    /// True once a publish found the event channel closed.
    bool channel_closed() const { return closed_.load(std::memory_order_relaxed); }

private:
    struct Job {
        uint64_t seq = 0;
        EventBatch batch;
        bool last_partial = false;
    };

    void work(EveLineParser& parser);
    void publish_in_order(Job& job);

    Publisher& out_;
    const std::atomic<bool>& aborting_;
    size_t max_queued_;
    std::mutex mu_;
    std::condition_variable work_cv_;   // a job was queued, or stop
    std::condition_variable space_cv_;  // a job was taken off the queue
    std::deque<Job> todo_;
    bool stop_ = false;
    uint64_t next_seq_ = 0;  // under mu_
    std::mutex pub_mu_;
    std::condition_variable pub_cv_;
    uint64_t next_publish_ = 0;  // under pub_mu_
    std::atomic<bool> closed_{false};
    std::vector<std::unique_ptr<EveLineParser>> parsers_;
    std::vector<std::thread> threads_;
};

}  // namespace eveflow::input
