// Redis source: pipelined list reads trimmed after the records are written, or a subscription.
#include "input/redis/redis_source.h"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace eveflow::input {

/// The kWritten checkpoints in flight, oldest first, with the list entries each covers. The
/// dispatcher's and sinks' threads report through on_done; the source's thread takes the
/// entries of the completed prefix (checkpoints complete in order; taking a prefix keeps the
/// trim at the oldest end even if they did not).
struct RedisAcks {
    struct Entry {
        uint64_t seq = 0;
        uint64_t entries = 0;
        bool done = false;
    };
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Entry> open;
    uint64_t next_seq = 0;

    uint64_t add(uint64_t entries) {
        std::lock_guard lock(mu);
        open.push_back({++next_seq, entries, false});
        return next_seq;
    }
    void complete(uint64_t seq) {
        {
            std::lock_guard lock(mu);
            for (auto& e : open) {
                if (e.seq == seq) e.done = true;
            }
        }
        cv.notify_all();
    }
    uint64_t take_done() {
        std::lock_guard lock(mu);
        uint64_t n = 0;
        while (!open.empty() && open.front().done) {
            n += open.front().entries;
            open.pop_front();
        }
        return n;
    }
    /// Waits until the oldest checkpoint completed, at most `bound`; true if it has.
    bool wait_front_done(std::chrono::milliseconds bound) {
        std::unique_lock lock(mu);
        return cv.wait_for(lock, bound, [&] { return !open.empty() && open.front().done; });
    }
    /// Waits until every checkpoint completed, at most `bound`.
    bool wait_all(std::chrono::milliseconds bound) {
        std::unique_lock lock(mu);
        return cv.wait_for(lock, bound, [&] {
            return std::all_of(open.begin(), open.end(), [](const Entry& e) { return e.done; });
        });
    }
    /// Forgets the checkpoints in flight (reading starts again at the oldest entry).
    void reset() {
        std::lock_guard lock(mu);
        open.clear();
    }
};

namespace {

constexpr auto kIdleWait = std::chrono::milliseconds(50);
constexpr auto kNapStep = std::chrono::milliseconds(20);
constexpr int kChannelPollMs = 100;

Labels input_labels(const std::string& name) { return {{"input", name}}; }

}  // namespace

RedisSource::RedisSource(RedisSourceConfig config, Context& ctx)
    : config_(std::move(config)),
      ctx_(ctx),
      counters_(ctx.stats, config_.name),
      batcher_(counters_, EveBatcher::Options{.max_line = config_.max_line}),
      conn_(config_.endpoint, config_.name + ": redis", ctx.clock),
      acks_(std::make_shared<RedisAcks>()),
      entries_(ctx.stats.counter("eveflow_redis_entries_total",
                                 "Redis list entries or channel messages read",
                                 input_labels(config_.name))),
      trimmed_(ctx.stats.counter("eveflow_redis_trimmed_total",
                                 "Redis list entries removed once their records were written",
                                 input_labels(config_.name))),
      errors_(ctx.stats.counter("eveflow_redis_input_errors_total",
                                "Redis input errors (connection, error replies)",
                                input_labels(config_.name))) {}

RedisSource::~RedisSource() = default;

void RedisSource::open() {
    if (ctx_.check_only) return;
    conn_.get();  // a server that is down is waited for in run() (logged once)
    const char* mode = config_.mode == RedisMode::kChannel ? "channel"
                       : config_.mode == RedisMode::kRpush ? "rpush"
                                                           : "lpush";
    log::info("{}: reading {} key={} mode={}", config_.name, config_.endpoint.describe(),
              config_.key, mode);
}

Status RedisSource::run(std::stop_token stop, Publisher& out) {
    out_ = &out;
    if (config_.mode == RedisMode::kChannel) {
        run_channel(stop);
    } else {
        run_list(stop);
    }
    return {};
}

// Waits `d`, or less when stopping or when a checkpoint completes (its entries are then
// trimmed at once, which keeps a crash from finding written records still in the list).
void RedisSource::nap(std::stop_token& stop, std::chrono::milliseconds d) const {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < until) {
        const auto step = std::min<std::chrono::steady_clock::duration>(
            kNapStep, until - std::chrono::steady_clock::now());
        if (acks_->wait_front_done(std::chrono::duration_cast<std::chrono::milliseconds>(step)) &&
            conn_.connected()) {
            return;
        }
    }
}

void RedisSource::count_error(std::string_view what, std::string_view message) {
    errors_.inc();
    uint64_t held = 0;
    if (error_limit_.allow(held)) log::warn("{}: {}: {}", config_.name, what, message);
}

void RedisSource::publish_events() {
    batcher_.flush();
    EventBatch batch;
    while (batcher_.pop(batch)) {
        if (!closed_ && !out_->publish(std::move(batch))) closed_ = true;
        batch = EventBatch();
    }
}

// ---- list modes ----

redis::Command RedisSource::trim_command(uint64_t n) const {
    if (config_.mode == RedisMode::kRpush) return {"LTRIM", config_.key, std::to_string(n), "-1"};
    return {"LTRIM", config_.key, "0", std::to_string(-static_cast<int64_t>(n) - 1)};
}

// The next batch_size entries after the `offset` oldest ones.
redis::Command RedisSource::range_command(uint64_t offset) const {
    const auto first = static_cast<int64_t>(offset);
    const auto last = first + static_cast<int64_t>(config_.batch_size) - 1;
    if (config_.mode == RedisMode::kRpush) {
        return {"LRANGE", config_.key, std::to_string(first), std::to_string(last)};
    }
    return {"LRANGE", config_.key, std::to_string(-last - 1), std::to_string(-first - 1)};
}

void RedisSource::run_list(std::stop_token& stop) {
    last_checkpoint_ = std::chrono::steady_clock::now();
    while (!stop.stop_requested() && !closed_) {
        if (!conn_.get()) {
            nap(stop, std::max(conn_.retry_in(), kNapStep));
            continue;
        }
        const size_t got = read_batch();
        const auto now = std::chrono::steady_clock::now();
        if (now - last_checkpoint_ >= config_.checkpoint_interval) publish_checkpoint();
        if (got == 0) nap(stop, kIdleWait);
    }
    finish_list();
}

// One round trip: the trim of the entries whose records are written, and the next batch.
size_t RedisSource::read_batch() {
    std::vector<redis::Command> cmds;
    const uint64_t trim = unsent_trim_ + acks_->take_done();
    unsent_trim_ = 0;
    if (trim) cmds.push_back(trim_command(trim));
    cmds.push_back(range_command(pending_ - trim));
    std::vector<redis::Reply> replies;
    Status st = conn_.pipeline(cmds, replies);
    if (!st.ok()) {
        errors_.inc();
        if (trim) {
            // The trim may or may not have run: start again at the oldest entry left.
            acks_->reset();
            pending_ = uncovered_ = 0;
        }
        return 0;
    }
    if (trim && replies.front()->type == REDIS_REPLY_ERROR) {
        // Refused (a server still loading its data): not run, sent again next time; the range
        // read with it assumed it had run.
        unsent_trim_ = trim;
        count_error("LTRIM " + config_.key, redis::reply_error(replies.front().get()));
        return 0;
    }
    if (trim) {
        pending_ -= trim;
        trimmed_.inc(trim);
    }
    return take_entries(replies.back().get());
}

// Feeds the entries of an LRANGE reply, oldest first, and hands their events on.
size_t RedisSource::take_entries(const redisReply* r) {
    if (r->type != REDIS_REPLY_ARRAY) {
        count_error("LRANGE " + config_.key, redis::reply_error(r));
        return 0;
    }
    const size_t n = r->elements;
    for (size_t i = 0; i < n; ++i) {
        // LRANGE lists head to tail; with lpush the oldest entry is at the tail.
        const size_t k = config_.mode == RedisMode::kLpush ? n - 1 - i : i;
        feed_message(r->element[k]);
    }
    pending_ += n;
    uncovered_ += n;
    if (n) entries_.inc(n);
    publish_events();
    return n;
}

void RedisSource::feed_message(const redisReply* e) {
    if (e->type == REDIS_REPLY_STRING && e->len > 0) {
        batcher_.feed_record({e->str, e->len});
    }
}

// The entries read since the last checkpoint are trimmed once the records of their events
// (open windows included, as partial records) are written by every output.
void RedisSource::publish_checkpoint() {
    last_checkpoint_ = std::chrono::steady_clock::now();
    if (uncovered_ == 0 || closed_) return;
    auto cp = std::make_shared<Checkpoint>();
    cp->until = Checkpoint::Until::kWritten;
    cp->group = "redis:" + config_.key;
    const uint64_t seq = acks_->add(uncovered_);
    uncovered_ = 0;
    cp->on_done = [acks = acks_, seq](bool /*ok*/) { acks->complete(seq); };
    EventBatch batch;
    batch.checkpoint = std::move(cp);
    if (!out_->publish(std::move(batch))) closed_ = true;
}

// At stop: a last checkpoint, waited for within the shutdown bound, then its trim; what is
// not trimmed then is read again at the next start.
void RedisSource::finish_list() {
    publish_checkpoint();
    const auto bound =
        ctx_.aborting.load() ? std::chrono::milliseconds(0) : ctx_.shutdown_timeout / 2;
    if (!acks_->wait_all(bound)) {
        log::warn(
            "{}: stopping before every record was written; the entries left in {} are "
            "read again at the next start",
            config_.name, config_.key);
    }
    const uint64_t trim = unsent_trim_ + acks_->take_done();
    if (trim == 0 || !conn_.get()) return;
    redis::Reply r = conn_.command(trim_command(trim));
    if (r && r->type != REDIS_REPLY_ERROR) trimmed_.inc(trim);
}

// ---- channel mode ----

void RedisSource::run_channel(std::stop_token& stop) {
    while (!stop.stop_requested() && !closed_) {
        if (!conn_.get()) {
            subscribed_ = false;
            nap(stop, std::max(conn_.retry_in(), kNapStep));
            continue;
        }
        if (!subscribed_ && !subscribe()) continue;
        read_channel(kChannelPollMs);
        publish_events();
    }
    // What the server already sent is read before stopping.
    if (conn_.connected() && subscribed_) {
        while (read_channel(0)) {
        }
        publish_events();
    }
}

bool RedisSource::subscribe() {
    redis::Reply r = conn_.command({"SUBSCRIBE", config_.key});
    if (!r) return false;
    if (r->type != REDIS_REPLY_ARRAY) {
        count_error("SUBSCRIBE " + config_.key, redis::reply_error(r.get()));
        conn_.failed("SUBSCRIBE refused");
        return false;
    }
    subscribed_ = true;
    return true;
}

// Reads what arrives within `timeout_ms` and feeds its messages; true if anything was read.
bool RedisSource::read_channel(int timeout_ms) {
    redisContext* c = conn_.get();
    if (!c) return false;
    pollfd p{c->fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    if (redisBufferRead(c) != REDIS_OK) {
        errors_.inc();
        subscribed_ = false;
        conn_.failed(c->errstr[0] ? c->errstr : "connection lost");
        return false;
    }
    void* raw = nullptr;
    size_t n = 0;
    while (redisGetReplyFromReader(c, &raw) == REDIS_OK && raw) {
        redis::Reply r(static_cast<redisReply*>(raw));
        raw = nullptr;
        // ["message", channel, payload]; subscribe confirmations are not messages.
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
            std::string_view(r->element[0]->str, r->element[0]->len) == "message") {
            feed_message(r->element[2]);
            ++n;
        }
    }
    if (n) entries_.inc(n);
    return true;
}

}  // namespace eveflow::input
