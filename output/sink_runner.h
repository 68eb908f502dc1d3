// SinkRunner: the thread that drains one sink's queue into the sink.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "output/sink.h"
#include "util/channel.h"
#include "util/context.h"

namespace eveflow::output {

using RecordBatch = std::vector<Record>;

/// Owns the sink and its queue. start() spawns the thread; it writes batches as they come,
/// calls idle() when the queue stays empty, reopen() after request_reopen(), and close() once
/// the queue is closed and drained. join() waits for that.
class SinkRunner {
public:
    SinkRunner(Context& ctx, std::unique_ptr<Sink> sink, size_t queue_batches);
    ~SinkRunner();

    Sink& sink() { return *sink_; }
    Channel<RecordBatch>& queue() { return queue_; }
    void start();
    void join();
    void request_reopen() { reopen_.store(true); }
    bool failed() const { return failed_.load(); }

private:
    void run();
    void write(RecordBatch& batch);

    Context& ctx_;
    std::unique_ptr<Sink> sink_;
    Channel<RecordBatch> queue_;
    std::thread thread_;
    std::atomic<bool> reopen_{false};
    std::atomic<bool> failed_{false};
    bool gave_up_since_mark_ = false;  // a batch was given up since the last kWritten mark
    Counter& records_;
    Counter& given_up_;
    Histogram& batch_seconds_;
};

}  // namespace eveflow::output
