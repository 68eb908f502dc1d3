// ParsePool: threads that parse batches of cut EVE lines and publish them in arrival order;
// the socket and file inputs hand their batches on through it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "input/eve/eve_batcher.h"
#include "input/source.h"

namespace eveflow::input {

/// The reading thread cuts the stream into batches of whole lines (EveBatcher with
/// Options::parse false) and submits them; `threads` workers parse them (EveLineParser) and
/// publish them in the order they were submitted, so the events leave in stream order. A
/// worker that finishes a batch before its turn leaves it parked and goes on with the next
/// one; whoever finishes the batch whose turn it is publishes it and every parked one that
/// follows it. Batches in the pool (queued, being parsed or parked) are bounded: submit()
/// waits while it is full (backpressure).
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
    /// Parks the parsed job, then publishes what is in turn unless another worker does.
    void finish(Job&& job);

    Publisher& out_;
    const std::atomic<bool>& aborting_;
    size_t max_queued_;                 // unparsed batches
    size_t max_in_pool_;                // queued + being parsed + parked
    std::mutex mu_;                     // everything below up to closed_
    std::condition_variable work_cv_;   // a job was queued, or stop
    std::condition_variable space_cv_;  // a job was taken off the queue or published
    std::condition_variable pub_cv_;    // a job was published
    std::deque<Job> todo_;
    std::map<uint64_t, Job> parked_;  // parsed, waiting for their turn
    bool stop_ = false;
    bool publishing_ = false;  // a worker is publishing parked jobs
    uint64_t next_seq_ = 0;
    uint64_t next_publish_ = 0;
    std::atomic<bool> closed_{false};
    std::vector<std::unique_ptr<EveLineParser>> parsers_;
    std::vector<std::thread> threads_;
};

/// Hands the batcher's ready batches on: to the pool to be parsed (the batcher only cuts lines)
/// or, with no pool, straight to `out` (the batcher parsed them). False once the event channel
/// is closed.
bool hand_on(EveBatcher& batcher, Publisher& out, ParsePool* pool);
/// Hands a batch with no lines (a checkpoint) on behind every batch handed on before it.
bool hand_on(EventBatch&& batch, Publisher& out, ParsePool* pool);

}  // namespace eveflow::input
