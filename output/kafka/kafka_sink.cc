// Kafka sink: idempotent producer; delivery reports counted per topic; bounded queue policy.
#include "output/kafka/kafka_sink.h"

#include <librdkafka/rdkafka.h>

#include <charconv>
#include <cstring>

#include "output/aggregate_json.h"
#include "output/sink_metrics.h"
#include "util/json_writer.h"
#include "util/kafka_rd.h"

namespace eveflow::output {
namespace {

constexpr size_t kMaxTopics = 256;  // topic names come from untrusted event types
/// With on_full: block, a full queue is ordinary back-pressure; it is logged only when the
/// sink has waited this long.
constexpr auto kStallLog = std::chrono::seconds(1);

/// Sums every `"<field>":<number>` in librdkafka's statistics JSON (one per broker).
uint64_t sum_field(std::string_view json, std::string_view field) {
    uint64_t total = 0;
    std::string pattern(1, '"');
    pattern.append(field);
    pattern.append("\":");
    for (size_t p = json.find(pattern); p != std::string_view::npos;
         p = json.find(pattern, p + 1)) {
        uint64_t v = 0;
        const char* b = json.data() + p + pattern.size();
        std::from_chars(b, json.data() + json.size(), v);
        total += v;
    }
    return total;
}

Labels sink_labels(const std::string& sink) { return {{"sink", sink}}; }

}  // namespace

KafkaSink::KafkaSink(KafkaSinkConfig config, Context& ctx)
    : config_(std::move(config)),
      ctx_(ctx),
      retries_(SinkMetrics(ctx.stats, config_.name).retries()),
      errors_broker_(SinkMetrics(ctx.stats, config_.name).errors("broker")),
      errors_produce_(SinkMetrics(ctx.stats, config_.name).errors("produce")),
      errors_delivery_(SinkMetrics(ctx.stats, config_.name).errors("delivery")),
      up_(SinkMetrics(ctx.stats, config_.name).up()),
      queued_(ctx.stats.gauge("eveflow_kafka_queue_messages",
                              "Messages in the producer queue, not yet acknowledged",
                              sink_labels(config_.name))) {
    // The runner sets the same series; a sink used without one counts into them too.
    SinkMetrics common(ctx.stats, config_.name);
    set_tally(common.records(), common.dropped());
}

KafkaSink::~KafkaSink() { destroy(); }

void KafkaSink::open() {
    if (ctx_.check_only) return;
    kafka::Properties defaults = {
        {"client.id", "eveflow"},
        {"enable.idempotence", "true"},
        {"acks", "all"},
        // Larger batches, fewer requests. librdkafka 2.0's idempotent producer keeps one
        // ProduceRequest in flight per partition; a batch that waits behind it for longer
        // than linger.ms makes the broker thread poll without sleeping until the response
        // comes. One request in flight per connection makes the other partitions' batches
        // wait in librdkafka's send queue instead, where they grow rather than spin.
        {"linger.ms", "100"},
        {"max.in.flight.requests.per.connection", "1"},
        {"statistics.interval.ms", "1000"},
        // With block, a message waits in the queue for a broker however long it takes.
        {"message.timeout.ms", (config_.on_full == OnFull::kDrop) ? "300000" : "0"},
    };
    properties_ = kafka::client_properties(config_.client, defaults);
    rd_kafka_conf_t* conf = kafka::new_conf(properties_, config_.name, this);
    char err[512];
    rd_kafka_conf_set_dr_msg_cb(conf, &KafkaSink::on_delivery);
    rd_kafka_conf_set_error_cb(conf, &KafkaSink::on_error);
    rd_kafka_conf_set_log_cb(conf, &KafkaSink::on_log);
    rd_kafka_conf_set_stats_cb(conf, &KafkaSink::on_stats);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);  // owns conf on success
    if (!rk_) {
        rd_kafka_conf_destroy(conf);
        throw StartupError(config_.name + ": " + kafka::mask_secrets(err, properties_));
    }
    log::info("{}: producer started topic={} {}", config_.name, config_.topic,
              kafka::describe(properties_));
}

KafkaSink::Topic* KafkaSink::topic_for(std::string_view event_type) {
    auto it = topics_.find(event_type);
    if (it != topics_.end()) return it->second.get();
    if (topics_.size() >= kMaxTopics) return nullptr;
    auto t = std::make_unique<Topic>();
    t->name = expand_topic(config_.topic, event_type);
    t->handle = rd_kafka_topic_new(rk_, t->name.c_str(), nullptr);
    if (!t->handle) return nullptr;
    Labels labels = {{"sink", config_.name}, {"topic", t->name}};
    t->delivered = &ctx_.stats.counter("eveflow_kafka_delivered_total",
                                       "Messages the brokers acknowledged", labels);
    t->failed = &ctx_.stats.counter("eveflow_kafka_failed_total",
                                    "Messages that could not be delivered", labels);
    return topics_.emplace(std::string(event_type), std::move(t)).first->second.get();
}

Status KafkaSink::write(std::span<const Record> batch) {
    if (!rk_) return Status::error("not open");
    for (size_t i = 0; i < batch.size(); ++i) {
        const Record& r = batch[i];
        const std::string_view event_type = record_event_type(r);
        if (event_type.empty()) continue;
        const auto* agg = std::get_if<AggregateRecord>(&r);
        const auto* raw = std::get_if<RawEvent>(&r);
        Topic* topic = topic_for(event_type);
        if (!topic) {
            errors_produce_.inc();
            dropped_records().inc();
            continue;
        }
        const FlowEntry* f = raw ? &raw->fields : nullptr;
        KafkaKey k = config_.key;
        if (k == KafkaKey::kAuto) k = agg ? KafkaKey::kSrcIp : KafkaKey::kFlowId;
        key_.clear();
        if (!agg && !raw) {
            // DNS records: keyed by their name, so one name's records share a partition.
            const auto* dns = std::get_if<DnsAggregateRecord>(&r);
            key_ = dns ? dns->rrname : std::get<PdnsRecord>(r).rrname;
        } else if (k == KafkaKey::kSrcIp && (agg || f->has_src_ip)) {
            (agg ? agg->src_ip : f->src_ip).append_to(key_);
        } else if (k == KafkaKey::kDestIp && (agg || f->has_dest_ip)) {
            (agg ? agg->dest_ip : f->dest_ip).append_to(key_);
        } else if (k == KafkaKey::kFlowId && f && f->flow_id != 0) {
            json::append_uint(key_, f->flow_id);
        }
        if (!produce(*topic, record_json(r, value_, ctx_.sensor_id), key_)) {
            dropped_records().inc(batch.size() - i);
            return Status::error("shutdown bound passed while the producer queue was full");
        }
    }
    rd_kafka_poll(rk_, 0);
    queued_.set(rd_kafka_outq_len(rk_));
    return {};
}

bool KafkaSink::produce(Topic& topic, std::string_view value, std::string_view key) {
    std::chrono::steady_clock::time_point waiting_since{};
    for (;;) {
        const char* key_bytes = key.empty() ? nullptr : key.data();  // macros: no ?: inside
        rd_kafka_resp_err_t err = rd_kafka_producev(
            rk_, RD_KAFKA_V_RKT(topic.handle), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
            RD_KAFKA_V_KEY(key_bytes, key.size()), RD_KAFKA_V_OPAQUE(&topic), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (full_) set_full(false);
            return true;
        }
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            errors_produce_.inc();
            topic.failed->inc();
            dropped_records().inc();
            uint64_t held = 0;
            if (error_limit_.allow(held)) {
                log::warn("{}: cannot produce topic={}: {}", config_.name, topic.name,
                          rd_kafka_err2str(err));
            }
            return true;
        }
        if (config_.on_full == OnFull::kDrop) {
            set_full(true);
            dropped_records().inc();
            ++dropped_in_state_;
            return true;
        }
        if (ctx_.aborting.load()) return false;
        auto now = std::chrono::steady_clock::now();
        if (waiting_since == std::chrono::steady_clock::time_point{}) {
            waiting_since = now;
        } else if (now - waiting_since >= kStallLog) {
            set_full(true);
        }
        rd_kafka_poll(rk_, 100);  // serves delivery reports, which make room
    }
}

void KafkaSink::set_full(bool full) {
    if (full == full_) return;
    full_ = full;
    if (full) {
        log::warn(
            "{}: producer queue full, {}", config_.name,
            (config_.on_full == OnFull::kDrop) ? "dropping messages" : "waiting for the brokers");
    } else {
        log::info("{}: producer queue accepts again dropped={}", config_.name, dropped_in_state_);
        dropped_in_state_ = 0;
    }
}

void KafkaSink::idle() {
    if (!rk_) return;
    rd_kafka_poll(rk_, 0);
    queued_.set(rd_kafka_outq_len(rk_));
}

Status KafkaSink::sync() {
    if (!rk_) return Status::error(config_.name + ": not open");
    rd_kafka_flush(rk_, static_cast<int>(config_.flush_timeout.count()));
    queued_.set(rd_kafka_outq_len(rk_));
    if (rd_kafka_outq_len(rk_) > 0) return Status::error(config_.name + ": not yet delivered");
    return {};
}

Status KafkaSink::close() {
    if (!rk_) return {};
    auto timeout = ctx_.aborting.load() ? std::chrono::milliseconds(0) : config_.flush_timeout;
    rd_kafka_flush(rk_, static_cast<int>(timeout.count()));
    int left = rd_kafka_outq_len(rk_);
    if (left > 0) {
        // Fail what is left, so its delivery reports count it as failed.
        closing_ = true;
        rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        for (int i = 0; i < 50 && rd_kafka_outq_len(rk_) > 0; ++i) rd_kafka_poll(rk_, 20);
        rd_kafka_poll(rk_, 0);
        log::error("{}: undelivered at shutdown messages={} (flush_timeout={}ms)", config_.name,
                   failed_at_close_, timeout.count());
    }
    queued_.set(0);
    destroy();
    log::info("{}: producer closed", config_.name);
    if (left > 0) return Status::error(std::to_string(left) + " messages not delivered");
    return {};
}

void KafkaSink::destroy() {
    if (!rk_) return;
    for (auto& [type, topic] : topics_) rd_kafka_topic_destroy(topic->handle);
    topics_.clear();
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
}

void KafkaSink::on_delivery(rd_kafka_s* /*rk*/, const rd_kafka_message_s* msg, void* opaque) {
    auto* self = static_cast<KafkaSink*>(opaque);
    auto* topic = static_cast<Topic*>(msg->_private);
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        topic->delivered->inc();
        self->written_records().inc();
        if (self->down_) {
            self->down_ = false;
            log::info("{}: delivering again", self->config_.name);
        }
        self->up_.set(1);
        return;
    }
    topic->failed->inc();
    self->errors_delivery_.inc();
    self->dropped_records().inc();
    if (self->closing_) {
        ++self->failed_at_close_;
        return;
    }
    uint64_t held = 0;
    if (self->error_limit_.allow(held)) {
        log::warn("{}: delivery failed topic={}: {}", self->config_.name, topic->name,
                  rd_kafka_err2str(msg->err));
    }
}

void KafkaSink::on_error(rd_kafka_s* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<KafkaSink*>(opaque);
    self->errors_broker_.inc();
    auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        self->up_.set(0);
        if (!self->down_) {
            self->down_ = true;
            log::warn("{}: all brokers down; messages wait in the queue", self->config_.name);
        }
        return;
    }
    std::string text = kafka::mask_secrets(reason, self->properties_);
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
        char buf[512];
        rd_kafka_fatal_error(rk, buf, sizeof buf);
        log::error("{}: fatal producer error: {}", self->config_.name,
                   kafka::mask_secrets(buf, self->properties_));
        return;
    }
    uint64_t held = 0;
    if (self->error_limit_.allow(held)) log::warn("{}: {}", self->config_.name, text);
}

void KafkaSink::on_log(const rd_kafka_s* rk, int level, const char* fac, const char* buf) {
    auto* self = static_cast<KafkaSink*>(rd_kafka_opaque(rk));
    if (!self) return;
    kafka::forward_log(self->config_.name, level, fac, buf, self->properties_, self->log_limit_);
}

int KafkaSink::on_stats(rd_kafka_s* /*rk*/, char* json, size_t len, void* opaque) {
    auto* self = static_cast<KafkaSink*>(opaque);
    std::string_view text(json, len);
    uint64_t retries = sum_field(text, "txretries");
    if (retries > self->retries_seen_) {
        self->retries_.inc(retries - self->retries_seen_);
        self->retries_seen_ = retries;
    }
    bool any_up = text.find("\"state\":\"UP\"") != std::string_view::npos;
    self->up_.set(any_up ? 1 : 0);
    return 0;  // librdkafka frees the JSON
}

}  // namespace eveflow::output
