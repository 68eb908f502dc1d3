// UnixSocketSink: sends each record as one line to a unix stream socket someone else listens on.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "output/sink.h"
#include "output/unix_socket/config.h"
#include "util/backoff.h"

namespace eveflow::output {

/// Connects (non-blocking) to `path`; a receiver that is absent or goes away is not an error:
/// lines are kept, up to max_buffer bytes, while it reconnects with capped exponential backoff
/// (util/backoff.h: 100ms doubling to reconnect_backoff_max); beyond that new lines are dropped and
/// counted. write() waits at most kWriteWait for a slow receiver; idle() retries and drains;
/// close() keeps trying until ctx.shutdown_timeout. Sends use MSG_NOSIGNAL: never SIGPIPE. A line
/// cut by a disconnect is not resent (the receiver saw its head); it counts as dropped.
/// A record counts as written once its line has been sent in full. All calls come from the
/// sink's thread.
class UnixSocketSink final : public Sink {
public:
    static constexpr std::chrono::milliseconds kWriteWait{100};

    UnixSocketSink(UnixSocketConfig config, Context& ctx);
    ~UnixSocketSink() override;

    std::string_view name() const override { return config_.name; }
    void open() override;
    Status write(std::span<const Record> batch) override;
    void idle() override;
    Status close() override;
    bool counts_records() const override { return true; }

    /// Bytes held for sending.
    size_t buffered() const { return buf_.size() - off_; }

private:
    void append_line(std::string_view line, std::string_view suffix = "\n");
    bool connect_if_due(bool ignore_backoff);
    void disconnect(const std::string& why);
    /// Sends what it can; waits for a writable socket until `deadline` at most.
    void pump(std::chrono::steady_clock::time_point deadline);
    void note_dropping(bool dropping);

    UnixSocketConfig config_;
    Context& ctx_;
    int fd_ = -1;
    std::string buf_;
    size_t off_ = 0;         // bytes of buf_ already sent
    bool mid_line_ = false;  // the last send ended inside a line
    Backoff backoff_;
    StateLog state_;  // the receiver's reachability, logged once per change
    bool dropping_ = false;
    uint64_t dropped_in_episode_ = 0;
    std::string scratch_;
    Gauge& up_;
    Counter& dropped_;
    Counter& connect_errors_;
    Counter& send_errors_;
    Counter& retries_;
};

}  // namespace eveflow::output
