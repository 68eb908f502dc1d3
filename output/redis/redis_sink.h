// Redis sink: a live flow table, one hash field per flow (HSET on insert and update, HDEL on
// remove), optionally a sorted set of the live flows by bytes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "output/redis/config.h"
#include "output/sink.h"
#include "output/sink_metrics.h"
#include "util/redis/redis_client.h"

namespace eveflow::output {

/// Output type `redis`, a lifecycle output: it takes FlowLifecycle records and ignores every
/// other kind. write() renders each operation into a bounded buffer (`max_buffer`; when full,
/// `on_full` blocks or drops and counts); a writer thread of its own sends them in order,
/// `pipeline` at a time, and takes them out only once Redis acknowledged them. A lost
/// connection is retried with Backoff (state changes logged once) and the unacknowledged
/// operations are sent again: HSET, HDEL, ZADD and ZREM are idempotent and their order is
/// kept, so a Redis restart loses no remove. close() waits for the buffer to drain within
/// the shutdown bound; what is left then is counted as dropped.
class RedisSink final : public Sink {
public:
    RedisSink(RedisSinkConfig config, Context& ctx);
    ~RedisSink() override;

    std::string_view name() const override { return config_.name; }
    void open() override;
    Status write(std::span<const Record> batch) override;
    Status close() override;
    /// Waits until every operation received so far is acknowledged (a kWritten checkpoint
    /// follows them), or the shutdown bound passed.
    Status sync() override;
    bool counts_records() const override { return true; }

private:
    struct Op {
        FlowOp op = FlowOp::kInsert;
        std::string key, top_key, field, json;
        uint64_t bytes = 0;
        bool clear = false;  // DEL key (and top_key): the flows a crashed run left
    };

    bool enqueue(Op&& op);
    void writer();
    bool send_inflight(std::vector<Op>& inflight);
    void append_commands(const Op& op, std::vector<redis::Command>& out) const;
    std::string expand(const std::string& tmpl, std::string_view sensor) const;
    static size_t commands_of(const Op& op) { return op.top_key.empty() ? 1 : 2; }

    RedisSinkConfig config_;
    Context& ctx_;
    SinkMetrics metrics_;
    redis::RedisConnection conn_;
    std::mutex mu_;
    std::condition_variable cv_;  // ops added, ops sent, stopping
    std::deque<Op> buffer_;
    size_t inflight_ = 0;  // operations the writer took and Redis has not acknowledged yet
    bool stopping_ = false;
    std::thread thread_;
    Counter* sent_[3];  // by FlowOp
};

}  // namespace eveflow::output
