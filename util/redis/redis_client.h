// RedisConnection: one connect/auth/select routine and its reconnect policy, for every Redis
// component. hiredis's types stay declared only: the .cc files that read replies (util/redis/,
// input/redis/, output/redis/) include <hiredis/hiredis.h> themselves.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/backoff.h"
#include "util/clock.h"
#include "util/redis/redis_conf.h"
#include "util/status.h"

struct redisContext;
struct redisReply;

namespace eveflow::redis {

struct ReplyFree {
    void operator()(redisReply* r) const;
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;
/// One command as its arguments (binary-safe).
using Command = std::vector<std::string>;

/// A connection to one server that reconnects with Backoff (100 ms doubling to `cap`) and
/// logs going down and coming back once each (StateLog, subject `<component>: redis`). At
/// connect it authenticates with the password_file's first line and SELECTs `db`. Not
/// thread-safe: one per thread that talks to Redis.
class RedisConnection {
public:
    RedisConnection(RedisEndpoint endpoint, std::string subject, const Clock& clock,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(5000),
                    std::chrono::milliseconds cap = std::chrono::milliseconds(5000));
    ~RedisConnection();
    RedisConnection(const RedisConnection&) = delete;
    RedisConnection& operator=(const RedisConnection&) = delete;

    /// The connected context, connecting first when not connected and an attempt is due;
    /// nullptr while the server cannot be reached (the caller waits, see retry_in()).
    redisContext* get();
    /// Connects once now, whatever the backoff says; the error text when it fails.
    Status connect_now();
    /// The connection broke (an I/O or protocol error): closes it and counts a failure; the
    /// next get() reconnects once the backoff allows.
    void failed(std::string_view reason);
    /// Time until the next connection attempt is due (zero when connected or due).
    std::chrono::milliseconds retry_in() const;
    bool connected() const { return ctx_ != nullptr; }
    const RedisEndpoint& endpoint() const { return endpoint_; }

    /// Sends every command in one write and reads one reply each (a pipeline). On an I/O
    /// error the connection is closed (failed()) and the error returned; `replies` then holds
    /// the replies read before it. Error replies (`-ERR ...`) are replies, not failures.
    Status pipeline(const std::vector<Command>& commands, std::vector<Reply>& replies);
    /// One command; nullptr after an I/O error (the connection is then closed).
    Reply command(const Command& cmd);

private:
    void close();
    Status roundtrip(const std::vector<Command>& commands, std::vector<Reply>& replies);
    Status setup_command(const Command& cmd, const char* what);

    RedisEndpoint endpoint_;
    std::string subject_;
    const Clock& clock_;
    std::chrono::milliseconds timeout_;
    Backoff backoff_;
    StateLog state_;
    redisContext* ctx_ = nullptr;
};

/// The text of an error reply, or empty when `r` is not one.
std::string reply_error(const redisReply* r);

}  // namespace eveflow::redis
