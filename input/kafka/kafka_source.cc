// Kafka source: consumer group, EVE lines per message, commits or checkpoints, rebalances.
#include "input/kafka/kafka_source.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <thread>

#include "util/backoff.h"
#include "util/kafka_rd.h"

namespace eveflow::input {
namespace {

constexpr size_t kMaxCycleMessages = 5000;
constexpr auto kCycleTime = std::chrono::milliseconds(50);
constexpr int kIdlePollMs = 100;
constexpr auto kMaxStoreBackoff = std::chrono::milliseconds(5000);
constexpr auto kStopCheck = std::chrono::milliseconds(20);

Labels input_labels(const std::string& name) { return {{"input", name}}; }

EveBatcher::Options batcher_options(const KafkaSourceConfig& c) {
    EveBatcher::Options o;
    o.max_line = c.max_line;
    return o;
}

}  // namespace

KafkaSource::KafkaSource(KafkaSourceConfig config, Context& ctx)
    : config_(std::move(config)),
      ctx_(ctx),
      counters_(ctx.stats, config_.name),
      batcher_(counters_, batcher_options(config_)),
      messages_(ctx.stats.counter("eveflow_kafka_messages_total", "Kafka messages consumed",
                                  input_labels(config_.name))),
      commits_(ctx.stats.counter("eveflow_kafka_commits_total",
                                 "Offset commits of processed messages",
                                 input_labels(config_.name))),
      errors_(ctx.stats.counter("eveflow_kafka_consumer_errors_total",
                                "Consumer errors (broker, commit, fetch)",
                                input_labels(config_.name))),
      assigned_(ctx.stats.gauge("eveflow_kafka_assigned_partitions",
                                "Partitions assigned to this consumer",
                                input_labels(config_.name))) {}

KafkaSource::~KafkaSource() {
    if (rk_) rd_kafka_destroy(rk_);
}

struct KafkaSource::Callbacks {
    static void on_rebalance(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* parts, void* opaque) {
        static_cast<KafkaSource*>(opaque)->rebalance(err, parts);
    }

    static void on_commit(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* /*offsets*/, void* opaque) {
        auto* self = static_cast<KafkaSource*>(opaque);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
        self->errors_.inc();
        self->done_changed_ = true;  // the next commit carries these offsets again
        uint64_t held = 0;
        if (self->error_limit_.allow(held)) {
            log::warn("{}: commit failed: {}", self->config_.name, rd_kafka_err2str(err));
        }
    }

    static void on_error(rd_kafka_t* /*rk*/, int err, const char* reason, void* opaque) {
        auto* self = static_cast<KafkaSource*>(opaque);
        self->errors_.inc();
        uint64_t held = 0;
        if (self->error_limit_.allow(held)) {
            log::warn("{}: {} ({})", self->config_.name,
                      kafka::mask_secrets(reason, self->properties_),
                      rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)));
        }
    }

    static void on_log(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
        auto* self = static_cast<KafkaSource*>(rd_kafka_opaque(rk));
        if (!self) return;
        kafka::forward_log(self->config_.name, level, fac, buf, self->properties_,
                           self->log_limit_);
    }
};

void KafkaSource::open() {
    if (ctx_.check_only) return;
    properties_ = kafka::client_properties(
        config_.client, {{"client.id", "eveflow"}, {"auto.offset.reset", "earliest"}});
    // Offsets are stored and committed by the source only, after processing.
    properties_.insert(properties_.end(), {{"group.id", config_.group},
                                           {"enable.auto.commit", "false"},
                                           {"enable.auto.offset.store", "false"}});
    rd_kafka_conf_t* conf = kafka::new_conf(properties_, config_.name, this);
    char err[512];
    rd_kafka_conf_set_rebalance_cb(conf, &Callbacks::on_rebalance);
    rd_kafka_conf_set_offset_commit_cb(conf, &Callbacks::on_commit);
    rd_kafka_conf_set_error_cb(conf, &Callbacks::on_error);
    rd_kafka_conf_set_log_cb(conf, &Callbacks::on_log);
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk_) {
        rd_kafka_conf_destroy(conf);
        throw StartupError(config_.name + ": " + kafka::mask_secrets(err, properties_));
    }
    rd_kafka_poll_set_consumer(rk_);
    rd_kafka_topic_partition_list_t* topics =
        rd_kafka_topic_partition_list_new(static_cast<int>(config_.topics.size()));
    for (const auto& t : config_.topics) {
        rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e) throw StartupError(config_.name + ": subscribe: " + rd_kafka_err2str(e));
    store_ = ctx_.offset_store;
    if (store_) store_->attach(config_.group);
    log::info("{}: consumer started group={} offsets={} {}", config_.name, config_.group,
              store_ ? "stored with the aggregates (exactly once)" : "at least once",
              kafka::describe(properties_));
}

Status KafkaSource::run(std::stop_token stop, Publisher& out) {
    if (!rk_) return Status::error("not open");
    out_ = &out;
    stop_ = stop;
    last_commit_ = last_checkpoint_ = std::chrono::steady_clock::now();
    while (!stop.stop_requested() && !closed_ && !tracker_->failed()) {
        poll_cycle();
        end_cycle();
        const auto now = std::chrono::steady_clock::now();
        if (store_ && now - last_checkpoint_ >= config_.checkpoint_interval) publish_checkpoint();
        if (now - last_commit_ >= config_.commit_interval) commit(false);
    }
    shutdown();
    if (tracker_->failed()) {
        // Another consumer has stored offsets of our partitions: what this one holds may
        // overlap with its work, so it stops rather than write it; a restart resumes from
        // the stored offsets.
        return Status::error("stored offsets were moved on by another consumer of group " +
                             config_.group + "; stopping so a restart resumes from them");
    }
    return {};
}

void KafkaSource::poll_cycle() {
    auto deadline = std::chrono::steady_clock::now() + kCycleTime;
    size_t n = 0;
    while (n < kMaxCycleMessages) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, n == 0 ? kIdlePollMs : 0);
        if (!m) break;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                errors_.inc();
                uint64_t held = 0;
                if (error_limit_.allow(held)) {
                    log::warn("{}: consume: {}", config_.name, rd_kafka_message_errstr(m));
                }
            }
        } else {
            if (m->len) {
                batcher_.feed_record({static_cast<const char*>(m->payload), m->len});
            }
            cycle_[{rd_kafka_topic_name(m->rkt), m->partition}] = m->offset + 1;
            ++n;
        }
        rd_kafka_message_destroy(m);
        if (std::chrono::steady_clock::now() >= deadline) break;
    }
    if (n) messages_.inc(n);
}

void KafkaSource::end_cycle() {
    if (cycle_.empty()) return;
    batcher_.flush();
    // Without an offset store a cycle may be committed once its events are consumed: a
    // kConsumed checkpoint on the cycle's last batch says when.
    std::shared_ptr<Checkpoint> cp;
    if (store_) {
        for (const auto& [tp, off] : cycle_) position_[tp] = off;
    } else {
        cp = std::make_shared<Checkpoint>();
        cp->until = Checkpoint::Until::kConsumed;
        cp->group = config_.group;
        const uint64_t seq = tracker_->open(std::move(cycle_));
        cp->on_done = [tracker = tracker_, seq](bool ok) { tracker->complete(seq, ok); };
    }
    cycle_.clear();
    EventBatch batch, next;
    bool have = batcher_.pop(batch);
    while (have) {
        have = batcher_.pop(next);
        if (!have) batch.checkpoint = std::move(cp);
        publish(std::move(batch));
        batch = std::move(next);
        next = EventBatch();
    }
    if (cp) {  // no batch held an event: the checkpoint goes alone
        batch = EventBatch();
        batch.checkpoint = std::move(cp);
        publish(std::move(batch));
    }
}

void KafkaSource::publish(EventBatch&& batch) {
    if (closed_) return;
    if (!out_->publish(std::move(batch))) {
        // Not handed on: forget the uncommitted cycles so none of them is committed.
        closed_ = true;
        tracker_->reset();
    }
}

// Publishes the positions that moved since the last checkpoint, behind the events published
// so far; the store reports back through the tracker.
void KafkaSource::publish_checkpoint() {
    last_checkpoint_ = std::chrono::steady_clock::now();
    auto cp = std::make_shared<Checkpoint>();
    for (const auto& [tp, off] : position_) {
        auto it = stored_.find(tp);
        const int64_t before = it == stored_.end() ? -1 : it->second;
        if (before == off) continue;
        cp->offsets[tp] = off;
        cp->expected[tp] = before;
        stored_[tp] = off;
    }
    if (cp->offsets.empty() || closed_) return;
    cp->until = Checkpoint::Until::kStored;
    cp->group = config_.group;
    const uint64_t seq = tracker_->open(cp->offsets);
    cp->on_done = [tracker = tracker_, seq](bool ok) { tracker->complete(seq, ok); };
    EventBatch batch;
    batch.checkpoint = std::move(cp);
    publish(std::move(batch));
}

void KafkaSource::commit(bool sync) {
    last_commit_ = std::chrono::steady_clock::now();
    for (auto& [tp, off] : tracker_->take_done()) {
        auto [it, fresh] = done_.emplace(tp, off);
        if (fresh || it->second < off) {
            it->second = off;
            done_changed_ = true;
        }
    }
    if (!done_changed_ || done_.empty()) return;
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(done_.size()));
    for (const auto& [tp, off] : done_) {
        rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = off;
    }
    rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list, sync ? 0 : 1);
    rd_kafka_topic_partition_list_destroy(list);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        errors_.inc();  // the next commit carries these offsets again
        uint64_t held = 0;
        if (error_limit_.allow(held)) {
            log::warn("{}: commit: {}", config_.name, rd_kafka_err2str(err));
        }
        return;
    }
    done_changed_ = false;
    commits_.inc();
}

void KafkaSource::rebalance(int err, rd_kafka_topic_partition_list_t* partitions) {
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (store_ && !seek_stored(partitions)) {
            rd_kafka_assign(rk_, nullptr);  // stopping before the store answered
            return;
        }
        rd_kafka_assign(rk_, partitions);
        assigned_.set(partitions->cnt);
        log::info("{}: partitions assigned count={}", config_.name, partitions->cnt);
        return;
    }
    // Revoked (or an error): hand on what was read, wait until it is processed, commit, and
    // only then let the partitions go, so their next owner starts after our last event.
    end_cycle();
    if (store_) publish_checkpoint();
    auto bound = ctx_.aborting.load() ? std::chrono::milliseconds(0) : ctx_.shutdown_timeout;
    bool all_done = tracker_->wait_all_done(bound);
    commit(true);
    if (!all_done) {
        log::warn(
            "{}: partitions revoked before their events were processed; their next owner "
            "reads them again (in_flight_cycles={})",
            config_.name, tracker_->pending());
        tracker_->reset();
    }
    done_.clear();
    done_changed_ = false;
    position_.clear();
    stored_.clear();
    rd_kafka_assign(rk_, nullptr);
    assigned_.set(0);
    log::info("{}: partitions revoked count={}", config_.name, partitions->cnt);
}

// Sets the assigned partitions' start to the offsets the store holds for them. The store
// being down is waited out (with backoff, logged once each way): starting anywhere else
// would lose or double events. False if stopping first.
bool KafkaSource::seek_stored(rd_kafka_topic_partition_list_t* partitions) {
    std::vector<TopicPartition> wanted;
    for (int i = 0; i < partitions->cnt; ++i) {
        wanted.emplace_back(partitions->elems[i].topic, partitions->elems[i].partition);
    }
    Offsets found;
    Backoff backoff(kMaxStoreBackoff, ctx_.clock);
    StateLog state(config_.name + ": offset store");
    for (;;) {
        found.clear();
        Status st = store_->load(config_.group, wanted, found);
        if (st.ok()) break;
        errors_.inc();
        state.failed(st.message() + " (before taking partitions)");
        backoff.failed();
        while (!backoff.due()) {
            if (stop_.stop_requested() || ctx_.aborting.load()) return false;
            std::this_thread::sleep_for(kStopCheck);
        }
    }
    state.succeeded();
    for (int i = 0; i < partitions->cnt; ++i) {
        auto& p = partitions->elems[i];
        auto it = found.find({p.topic, p.partition});
        if (it == found.end()) continue;  // Kafka's committed offset, or auto.offset.reset
        p.offset = it->second;
        stored_[it->first] = position_[it->first] = it->second;
    }
    log::info("{}: stored offsets loaded partitions={} stored={}", config_.name, partitions->cnt,
              found.size());
    return true;
}

void KafkaSource::shutdown() {
    // Leaving the group revokes the partitions: rebalance() commits what was processed.
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_);
    if (err) log::warn("{}: close: {}", config_.name, rd_kafka_err2str(err));
    end_cycle();
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
    log::info("{}: consumer closed", config_.name);
}

}  // namespace eveflow::input
