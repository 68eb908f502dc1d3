// Kafka source: a consumer-group member reading EVE lines; offsets committed after processing
// or, with an offset store, checkpointed with the aggregates (exactly once).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "input/eve/eve_batcher.h"
#include "input/kafka/config.h"
#include "input/kafka/offset_tracker.h"
#include "input/source.h"
#include "util/config_node.h"
#include "util/kafka_conf.h"

struct rd_kafka_s;
struct rd_kafka_topic_partition_list_s;

namespace eveflow::input {

/// Consumes `topics` as a member of consumer group `group`. Each message holds one or more
/// EVE lines, parsed like the socket input's. Two modes:
/// - At-least-once (no offset store in the Context): messages polled together form a cycle,
///   followed by a kConsumed checkpoint; a cycle's offsets are committed once it and every
///   earlier cycle have been consumed by the processing stage.
/// - Exactly-once into the offset store (a PostgreSQL output): every checkpoint_interval, on
///   revocation and at shutdown, a checkpoint batch follows the events it covers; the store
///   writes its offsets in the transaction of the aggregates before it and reports back, and
///   only then are they committed to Kafka (for lag tools). On assignment the stored offsets
///   are loaded and assigned explicitly (retrying while the store is down); partitions
///   without a stored offset start from Kafka's committed one or auto.offset.reset.
/// On a rebalance the revoked partitions' events are handed on, waited for (up to the
/// shutdown bound), committed, and only then let go. run() runs on its own thread;
/// librdkafka's callbacks run inside its poll calls on that same thread.
class KafkaSource final : public Source {
public:
    KafkaSource(KafkaSourceConfig config, Context& ctx);
    ~KafkaSource() override;

    std::string_view name() const override { return config_.name; }
    bool finite() const override { return false; }
    void open() override;
    Status run(std::stop_token stop, Publisher& out) override;

private:
    void poll_cycle();
    void end_cycle();
    void publish_checkpoint();
    /// Hands a batch on; once the channel is closed, forgets the cycles not yet done.
    void publish(EventBatch&& batch);
    bool seek_stored(rd_kafka_topic_partition_list_s* partitions);
    void commit(bool sync);
    void rebalance(int err, rd_kafka_topic_partition_list_s* partitions);
    void shutdown();

    struct Callbacks;  // librdkafka's callbacks (their types stay in the .cc file)
    friend struct Callbacks;

    KafkaSourceConfig config_;
    Context& ctx_;
    kafka::Properties properties_;
    rd_kafka_s* rk_ = nullptr;
    Publisher* out_ = nullptr;
    bool closed_ = false;  // the event channel is closed
    EveCounters counters_;
    EveBatcher batcher_;
    std::shared_ptr<OffsetTracker> tracker_ = std::make_shared<OffsetTracker>();
    Offsets cycle_;                 // offsets of the messages fed since the last end_cycle()
    Offsets done_;                  // processed offsets of the assigned partitions, to commit
    OffsetStore* store_ = nullptr;  // set: exactly-once mode
    std::stop_token stop_;
    Offsets position_;  // next offset per partition, of the events published
    Offsets stored_;    // offsets of the last checkpoint published (or loaded) per partition
    std::chrono::steady_clock::time_point last_checkpoint_{};
    bool done_changed_ = false;
    std::chrono::steady_clock::time_point last_commit_{};
    Counter& messages_;
    Counter& commits_;
    Counter& errors_;
    Gauge& assigned_;
    log::RateLimit log_limit_{10}, error_limit_{5};
};

}  // namespace eveflow::input
