// Redis source: EVE lines from a Redis list (Suricata's `list`/`lpush` or `rpush` mode) or a
// pub/sub channel (its `channel`/`publish` mode).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string_view>

#include "input/eve/eve_batcher.h"
#include "input/redis/config.h"
#include "input/source.h"
#include "util/context.h"
#include "util/redis/redis_client.h"

namespace eveflow::input {

struct RedisAcks;  // checkpoints in flight and the list entries each covers

/// Input type `redis`. List modes read the oldest entries first in pipelined batches
/// (LRANGE of `batch_size`, together with the LTRIM of what is safe) and leave every entry in
/// the list until its records are written: every checkpoint_interval a kWritten checkpoint
/// follows the entries read, every handler emits its open windows as partial records, and once
/// every output wrote them the covered entries are trimmed. A crash (kill -9) therefore loses
/// nothing: a restart reads the untrimmed entries again. One reader per list. After a lost
/// connection whose trim may or may not have run, reading starts again at the oldest entry
/// left (events may be counted twice, never lost). Channel mode SUBSCRIBEs: what is
/// published while eveflow is not subscribed is lost, as pub/sub is. Reconnects with Backoff,
/// logged once per state change. open() on the main thread, run() once on its own thread.
class RedisSource final : public Source {
public:
    RedisSource(RedisSourceConfig config, Context& ctx);
    ~RedisSource() override;

    std::string_view name() const override { return config_.name; }
    bool finite() const override { return false; }
    void open() override;
    Status run(std::stop_token stop, Publisher& out) override;

private:
    void run_list(std::stop_token& stop);
    void run_channel(std::stop_token& stop);
    size_t read_batch();
    size_t take_entries(const redisReply* r);
    void finish_list();
    bool subscribe();
    bool read_channel(int timeout_ms);
    void feed_message(const redisReply* r);
    void publish_events();
    void publish_checkpoint();
    void nap(std::stop_token& stop, std::chrono::milliseconds d) const;
    redis::Command trim_command(uint64_t n) const;
    redis::Command range_command(uint64_t offset) const;
    void count_error(std::string_view what, std::string_view message);

    RedisSourceConfig config_;
    Context& ctx_;
    EveCounters counters_;
    EveBatcher batcher_;
    redis::RedisConnection conn_;
    std::shared_ptr<RedisAcks> acks_;
    Publisher* out_ = nullptr;
    bool closed_ = false;       // the event channel is closed
    bool subscribed_ = false;   // channel mode
    uint64_t pending_ = 0;      // list entries read and not trimmed (oldest first)
    uint64_t uncovered_ = 0;    // of those, entries read since the last checkpoint
    uint64_t unsent_trim_ = 0;  // entries safe to trim whose LTRIM the server refused
    std::chrono::steady_clock::time_point last_checkpoint_{};
    Counter& entries_;
    Counter& trimmed_;
    Counter& errors_;
    log::RateLimit error_limit_{5};
};

}  // namespace eveflow::input
