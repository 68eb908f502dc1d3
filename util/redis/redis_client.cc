// RedisConnection: connect, authenticate, select the database, pipeline, reconnect.
#include "util/redis/redis_client.h"

#include <hiredis/hiredis.h>

#include <fstream>

#include "util/log.h"

namespace eveflow::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds d) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(d.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
    return tv;
}

// The password file's first line; an error when it cannot be read.
Status read_password(const std::string& path, std::string& out) {
    std::ifstream in(path);
    if (!in) return Status::error("password_file: cannot read " + path);
    std::getline(in, out);
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return {};
}

}  // namespace

void ReplyFree::operator()(redisReply* r) const { freeReplyObject(r); }

std::string reply_error(const redisReply* r) {
    if (r && r->type == REDIS_REPLY_ERROR) return std::string(r->str, r->len);
    return {};
}

RedisConnection::RedisConnection(RedisEndpoint endpoint, std::string subject, const Clock& clock,
                                 std::chrono::milliseconds timeout, std::chrono::milliseconds cap)
    : endpoint_(std::move(endpoint)),
      subject_(std::move(subject)),
      clock_(clock),
      timeout_(timeout),
      backoff_(cap, clock),
      state_(subject_) {}

RedisConnection::~RedisConnection() { close(); }

void RedisConnection::close() {
    if (ctx_) redisFree(ctx_);
    ctx_ = nullptr;
}

Status RedisConnection::connect_now() {
    close();
    const timeval tv = to_timeval(timeout_);
    redisContext* c = endpoint_.unix_path.empty()
                          ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, tv)
                          : redisConnectUnixWithTimeout(endpoint_.unix_path.c_str(), tv);
    if (!c) return Status::error("cannot allocate a connection");
    if (c->err) {
        std::string err = c->errstr;
        redisFree(c);
        return Status::error(endpoint_.describe() + ": " + err);
    }
    redisSetTimeout(c, tv);
    ctx_ = c;
    Status st;
    if (!endpoint_.password_file.empty()) {
        std::string password;
        st = read_password(endpoint_.password_file, password);
        if (st.ok()) st = setup_command({"AUTH", password}, "AUTH");
    }
    if (st.ok() && endpoint_.db != 0) {
        st = setup_command({"SELECT", std::to_string(endpoint_.db)}, "SELECT");
    }
    if (!st.ok()) close();
    return st;
}

redisContext* RedisConnection::get() {
    if (ctx_) return ctx_;
    if (!backoff_.due()) return nullptr;
    Status st = connect_now();
    if (!st.ok()) {
        state_.failed(st.message());
        backoff_.failed();
        return nullptr;
    }
    state_.succeeded();
    backoff_.reset();
    if (state_.attempts() == 0) log::debug("{}: connected to {}", subject_, endpoint_.describe());
    return ctx_;
}

void RedisConnection::failed(std::string_view reason) {
    close();
    state_.failed(reason);
    backoff_.failed();
}

std::chrono::milliseconds RedisConnection::retry_in() const {
    if (ctx_) return std::chrono::milliseconds(0);
    auto left = backoff_.next_attempt() - clock_.steady_now();
    if (left <= std::chrono::steady_clock::duration::zero()) return std::chrono::milliseconds(0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(left) +
           std::chrono::milliseconds(1);
}

Status RedisConnection::pipeline(const std::vector<Command>& commands,
                                 std::vector<Reply>& replies) {
    Status st = roundtrip(commands, replies);
    if (!st.ok()) failed(st.message());
    return st;
}

Status RedisConnection::roundtrip(const std::vector<Command>& commands,
                                  std::vector<Reply>& replies) {
    replies.clear();
    if (!ctx_) return Status::error("not connected");
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const Command& cmd : commands) {
        argv.clear();
        lens.clear();
        for (const std::string& a : cmd) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data());
    }
    for (size_t i = 0; i < commands.size(); ++i) {
        void* r = nullptr;
        if (redisGetReply(ctx_, &r) != REDIS_OK || !r) {
            std::string err = ctx_->errstr[0] ? ctx_->errstr : "connection lost";
            close();
            return Status::error(err);
        }
        replies.emplace_back(static_cast<redisReply*>(r));
    }
    return {};
}

Reply RedisConnection::command(const Command& cmd) {
    std::vector<Reply> replies;
    if (!pipeline({cmd}, replies).ok()) return nullptr;
    return std::move(replies.front());
}

// During connect: a failure closes the connection and is the connect's error, not a failure
// of its own (the caller counts one per attempt).
Status RedisConnection::setup_command(const Command& cmd, const char* what) {
    std::vector<Reply> replies;
    Status st = roundtrip({cmd}, replies);
    if (!st.ok()) return Status::error(std::string(what) + ": " + st.message());
    std::string err = reply_error(replies.front().get());
    if (!err.empty()) return Status::error(std::string(what) + ": " + err);
    return {};
}

}  // namespace eveflow::redis
