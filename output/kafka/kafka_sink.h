// Kafka sink: one JSON message per aggregate record or forwarded raw event.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "output/kafka/config.h"
#include "output/sink.h"
#include "util/kafka_conf.h"
#include "util/log.h"
#include "util/on_full.h"
#include "util/stats.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_message_s;

namespace eveflow::output {

/// Idempotent producer (acks=all). write() enqueues into librdkafka's bounded queue and serves
/// delivery reports; when the queue is full it waits (block) or drops and counts (drop).
/// All calls come from the sink's thread (delivery reports too: they are served by its polls);
/// librdkafka's own threads only log.
class KafkaSink final : public Sink {
public:
    KafkaSink(KafkaSinkConfig config, Context& ctx);
    ~KafkaSink() override;

    std::string_view name() const override { return config_.name; }
    void open() override;
    Status write(std::span<const Record> batch) override;
    void idle() override;
    Status close() override;
    /// Waits up to flush_timeout until the brokers acknowledged every queued message.
    Status sync() override;
    /// Records count as written when the brokers acknowledge them (delivery report), as
    /// dropped when delivery fails or they cannot be produced.
    bool counts_records() const override { return true; }

private:
    struct Topic {
        std::string name;
        rd_kafka_topic_s* handle = nullptr;
        Counter* delivered = nullptr;
        Counter* failed = nullptr;
    };
    Topic* topic_for(std::string_view event_type);
    /// False only when giving up (shutdown bound passed while blocked on a full queue).
    bool produce(Topic& topic, std::string_view value, std::string_view key);
    void set_full(bool full);
    void destroy();

    static void on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque);
    static void on_error(rd_kafka_s* rk, int err, const char* reason, void* opaque);
    static void on_log(const rd_kafka_s* rk, int level, const char* fac, const char* buf);
    static int on_stats(rd_kafka_s* rk, char* json, size_t len, void* opaque);

    KafkaSinkConfig config_;
    Context& ctx_;
    kafka::Properties properties_;
    rd_kafka_s* rk_ = nullptr;
    std::map<std::string, std::unique_ptr<Topic>, std::less<>> topics_;
    std::string value_, key_;
    bool full_ = false, down_ = false;
    uint64_t dropped_in_state_ = 0, retries_seen_ = 0, failed_at_close_ = 0;
    bool closing_ = false;
    Counter& retries_;
    Counter& errors_broker_;
    Counter& errors_produce_;
    Counter& errors_delivery_;
    Gauge& up_;
    Gauge& queued_;
    log::RateLimit log_limit_{10}, error_limit_{5};
};

}  // namespace eveflow::output
