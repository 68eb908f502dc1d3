// Redis sink: bounded buffer of flow operations, pipelined by a writer thread, resent after a
// reconnect until acknowledged.
#include "output/redis/redis_sink.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <vector>

#include "util/log.h"
#include "util/thread_name.h"

namespace eveflow::output {
namespace {

constexpr auto kWaitStep = std::chrono::milliseconds(50);

const char* op_name(FlowOp op) {
    switch (op) {
        case FlowOp::kInsert:
            return "insert";
        case FlowOp::kUpdate:
            return "update";
        case FlowOp::kRemove:
            return "remove";
    }
    return "insert";
}

// A refusal that passes by itself (a server loading its data after a restart, busy with a
// script, a replica without its master): the operation is retried, not given up.
bool transient_error(std::string_view err) {
    for (std::string_view p : {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN"}) {
        if (err.substr(0, p.size()) == p) return true;
    }
    return false;
}

// Whether Redis refused one of replies [first, first + n): true for a lasting refusal; a
// transient one sets `busy` instead.
bool refusal(const std::vector<redis::Reply>& replies, size_t first, size_t n, std::string& busy) {
    bool refused = false;
    for (size_t i = first; i < first + n; ++i) {
        std::string err = redis::reply_error(replies[i].get());
        if (transient_error(err)) {
            busy = std::move(err);
            return false;
        }
        refused |= !err.empty();
    }
    return refused;
}

// The operations that came from records (not the clearing at start), for the drop count.
template <typename Ops>
uint64_t records_in(const Ops& ops) {
    return static_cast<uint64_t>(
        std::count_if(ops.begin(), ops.end(), [](const auto& op) { return !op.clear; }));
}

}  // namespace

RedisSink::RedisSink(RedisSinkConfig config, Context& ctx)
    : config_(std::move(config)),
      ctx_(ctx),
      metrics_(ctx.stats, config_.name),
      conn_(config_.endpoint, config_.name + ": redis", ctx.clock) {
    for (FlowOp op : {FlowOp::kInsert, FlowOp::kUpdate, FlowOp::kRemove}) {
        sent_[static_cast<size_t>(op)] = &ctx.stats.counter(
            "eveflow_redis_flow_ops_total", "Flow operations a Redis sink had acknowledged",
            {{"sink", config_.name}, {"op", op_name(op)}});
    }
}

RedisSink::~RedisSink() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void RedisSink::open() {
    if (ctx_.check_only) return;
    // A server that is down is not a start-up error: the writer retries (logged once).
    metrics_.up().set(conn_.get() ? 1 : 0);
    if (config_.clear_at_start) {
        // The flows of this sensor a run that did not stop cleanly left behind; sent first.
        Op clear;
        clear.clear = true;
        clear.key = expand(config_.key, ctx_.sensor_id);
        if (!config_.top_key.empty()) clear.top_key = expand(config_.top_key, ctx_.sensor_id);
        buffer_.push_back(std::move(clear));
    }
    log::info("{}: live flows to {} key={}{}{}", config_.name, config_.endpoint.describe(),
              config_.key, config_.top_key.empty() ? "" : " top_key=", config_.top_key);
    thread_ = std::thread([this] {
        name_this_thread("redis-writer");
        writer();
    });
}

std::string RedisSink::expand(const std::string& tmpl, std::string_view sensor) const {
    static constexpr std::string_view kVar = "{sensor_id}";
    std::string out = tmpl;
    for (size_t p = out.find(kVar); p != std::string::npos; p = out.find(kVar, p)) {
        out.replace(p, kVar.size(), sensor);
        p += sensor.size();
    }
    return out;
}

Status RedisSink::write(std::span<const Record> batch) {
    for (const Record& rec : batch) {
        const auto* f = std::get_if<FlowLifecycle>(&rec);
        if (!f) continue;  // a lifecycle output: aggregates and raw events are not for it
        const std::string_view sensor = sensor_of(f->sensor_id, ctx_.sensor_id);
        Op op;
        op.op = f->op;
        op.key = expand(config_.key, sensor);
        if (!config_.top_key.empty()) op.top_key = expand(config_.top_key, sensor);
        op.field = std::to_string(f->flow_id);
        if (f->op != FlowOp::kRemove) op.json = f->json;
        op.bytes = f->fields.bytes_toserver + f->fields.bytes_toclient;
        if (!enqueue(std::move(op))) dropped_records().inc();
    }
    return {};
}

// Adds one operation; with on_full: block waits for room (until the shutdown bound passes).
bool RedisSink::enqueue(Op&& op) {
    std::unique_lock lock(mu_);
    if (buffer_.size() >= config_.max_buffer) {
        if (config_.on_full == OnFull::kDrop) return false;
        while (buffer_.size() >= config_.max_buffer && !ctx_.aborting.load()) {
            cv_.wait_for(lock, kWaitStep);
        }
        if (buffer_.size() >= config_.max_buffer) return false;
    }
    buffer_.push_back(std::move(op));
    lock.unlock();
    cv_.notify_all();
    return true;
}

void RedisSink::append_commands(const Op& op, std::vector<redis::Command>& out) const {
    if (op.clear) {
        out.push_back({"DEL", op.key});
        if (!op.top_key.empty()) out.push_back({"DEL", op.top_key});
        return;
    }
    if (op.op == FlowOp::kRemove) {
        out.push_back({"HDEL", op.key, op.field});
        if (!op.top_key.empty()) out.push_back({"ZREM", op.top_key, op.field});
        return;
    }
    out.push_back({"HSET", op.key, op.field, op.json});
    if (!op.top_key.empty())
        out.push_back({"ZADD", op.top_key, std::to_string(op.bytes), op.field});
}

void RedisSink::writer() {
    std::vector<Op> inflight;
    for (;;) {
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !buffer_.empty(); });
            if (buffer_.empty()) return;
            const size_t n = std::min(buffer_.size(), config_.pipeline);
            for (size_t i = 0; i < n; ++i) {
                inflight.push_back(std::move(buffer_.front()));
                buffer_.pop_front();
            }
            inflight_ = n;
        }
        cv_.notify_all();
        while (!inflight.empty()) {
            if (!send_inflight(inflight)) {
                if (ctx_.aborting.load()) break;
                std::unique_lock lock(mu_);
                cv_.wait_for(lock, std::max(conn_.retry_in(), std::chrono::milliseconds(1)));
            }
        }
        if (!inflight.empty()) {  // given up at the shutdown bound
            dropped_records().inc(records_in(inflight));
            inflight.clear();
        }
        {
            std::lock_guard lock(mu_);
            inflight_ = 0;
        }
        cv_.notify_all();
    }
}

// One round trip for the operations in flight; those acknowledged leave it. False when the
// connection failed (the rest is sent again after reconnecting).
bool RedisSink::send_inflight(std::vector<Op>& inflight) {
    if (!conn_.get()) {
        metrics_.up().set(0);
        return false;
    }
    std::vector<redis::Command> cmds;
    for (const Op& op : inflight) append_commands(op, cmds);
    std::vector<redis::Reply> replies;
    const Status st = conn_.pipeline(cmds, replies);
    size_t r = 0, done = 0;
    std::string busy;
    for (const Op& op : inflight) {
        const size_t k = commands_of(op);
        if (r + k > replies.size()) break;
        const bool refused = refusal(replies, r, k, busy);
        if (!busy.empty()) break;  // this one and the rest are sent again
        r += k;
        ++done;
        if (op.clear) {
            if (refused) metrics_.errors("reply").inc();
        } else if (refused) {
            metrics_.errors("reply").inc();
            dropped_records().inc();
        } else {
            sent_[static_cast<size_t>(op.op)]->inc();
            written_records().inc();
        }
    }
    inflight.erase(inflight.begin(), inflight.begin() + static_cast<std::ptrdiff_t>(done));
    if (!busy.empty()) conn_.failed(busy);  // back off, reconnect, resend
    if (!st.ok() || !busy.empty()) {
        metrics_.errors("connection").inc();
        metrics_.retries().inc();
        metrics_.up().set(0);
        return false;
    }
    metrics_.up().set(1);
    return true;
}

Status RedisSink::sync() {
    std::unique_lock lock(mu_);
    while ((!buffer_.empty() || inflight_ > 0) && !ctx_.aborting.load()) {
        cv_.wait_for(lock, kWaitStep);
    }
    return {};
}

Status RedisSink::close() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mu_);
    if (!buffer_.empty()) {
        dropped_records().inc(records_in(buffer_));
        log::warn("{}: stopped with operations unsent count={}", config_.name, buffer_.size());
        buffer_.clear();
    }
    return {};
}

}  // namespace eveflow::output
