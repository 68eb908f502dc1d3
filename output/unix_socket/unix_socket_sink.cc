// UnixSocketSink: connection management, bounded buffering, non-blocking sends.
#include "output/unix_socket/unix_socket_sink.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "output/aggregate_json.h"
#include "output/sink_metrics.h"
#include "util/log.h"

namespace eveflow::output {

UnixSocketSink::UnixSocketSink(UnixSocketConfig config, Context& ctx)
    : config_(std::move(config)),
      ctx_(ctx),
      backoff_(config_.reconnect_backoff_max, ctx.clock),
      state_("unix_socket: sink=" + config_.name + " path=" + config_.path),
      up_(SinkMetrics(ctx.stats, config_.name).up()),
      dropped_(SinkMetrics(ctx.stats, config_.name).dropped()),
      connect_errors_(SinkMetrics(ctx.stats, config_.name).errors("connect")),
      send_errors_(SinkMetrics(ctx.stats, config_.name).errors("send")),
      retries_(SinkMetrics(ctx.stats, config_.name).retries()) {}

UnixSocketSink::~UnixSocketSink() {
    if (fd_ >= 0) ::close(fd_);
}

void UnixSocketSink::open() {
    up_.set(0);
    connect_if_due(/*ignore_backoff=*/true);
}

bool UnixSocketSink::connect_if_due(bool ignore_backoff) {
    if (fd_ >= 0) return true;
    if (!ignore_backoff && !backoff_.due()) return false;
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, config_.path.data(), std::min(config_.path.size(), kMaxPathLen));
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        fd_ = fd;
        backoff_.reset();
        mid_line_ = false;
        up_.set(1);
        if (!state_.succeeded()) {
            log::info("unix_socket: connected sink={} path={}", config_.name, config_.path);
        }
        return true;
    }
    int err = errno;
    if (fd >= 0) ::close(fd);
    connect_errors_.inc();
    retries_.inc();
    state_.failed(std::string("cannot connect: ") + std::strerror(err) + " (buffering up to " +
                  std::to_string(config_.max_buffer) + " bytes)");
    backoff_.failed();
    return false;
}

void UnixSocketSink::disconnect(const std::string& why) {
    ::close(fd_);
    fd_ = -1;
    up_.set(0);
    send_errors_.inc();
    if (mid_line_) {
        // The receiver got the head of this line; resending its tail would glue it onto
        // the next connection's first line.
        size_t nl = buf_.find('\n', off_);
        off_ = nl == std::string::npos ? buf_.size() : nl + 1;
        mid_line_ = false;
        dropped_.inc();
    }
    backoff_.retry_now();  // the first retry is immediate
    state_.failed("disconnected: " + why + " buffered=" + std::to_string(buffered()));
}

void UnixSocketSink::pump(std::chrono::steady_clock::time_point deadline) {
    if (off_ < buf_.size() && !connect_if_due(false)) return;
    while (off_ < buf_.size()) {
        ssize_t n =
            ::send(fd_, buf_.data() + off_, buf_.size() - off_, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            // A record is written once its newline is sent (a line cut by a disconnect is not).
            auto sent = buf_.begin() + static_cast<ptrdiff_t>(off_);
            written_records().inc(static_cast<uint64_t>(std::count(sent, sent + n, '\n')));
            off_ += static_cast<size_t>(n);
            mid_line_ = buf_[off_ - 1] != '\n';
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd p{fd_, POLLOUT, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            continue;
        }
        disconnect(n < 0 ? std::strerror(errno) : "send returned 0");
        break;
    }
    if (off_ == buf_.size()) {
        buf_.clear();
        off_ = 0;
    } else if (off_ > (1u << 16) && off_ > buf_.size() / 2) {
        buf_.erase(0, off_);
        off_ = 0;
    }
}

void UnixSocketSink::note_dropping(bool dropping) {
    if (dropping == dropping_) return;
    dropping_ = dropping;
    if (dropping) {
        log::warn("unix_socket: buffer full, dropping records sink={} max_buffer={}", config_.name,
                  config_.max_buffer);
    } else {
        log::info("unix_socket: buffer has room again sink={} dropped={}", config_.name,
                  dropped_in_episode_);
        dropped_in_episode_ = 0;
    }
}

void UnixSocketSink::append_line(std::string_view line, std::string_view suffix) {
    if (buffered() + line.size() + suffix.size() > config_.max_buffer) {
        dropped_.inc();
        ++dropped_in_episode_;
        note_dropping(true);
        return;
    }
    note_dropping(false);
    buf_.append(line);
    buf_.append(suffix);
}

Status UnixSocketSink::write(std::span<const Record> batch) {
    auto deadline = std::chrono::steady_clock::now() + kWriteWait;
    for (const Record& r : batch) {
        std::string_view line = record_json(r, scratch_, ctx_.sensor_id);
        if (line.empty()) continue;  // not a line record (a lifecycle operation)
        append_line(line);
        if (buffered() >= config_.max_buffer / 2) pump(deadline);
    }
    pump(deadline);
    return {};
}

void UnixSocketSink::idle() { pump(std::chrono::steady_clock::now() + kWriteWait); }

Status UnixSocketSink::close() {
    auto deadline = std::chrono::steady_clock::now() + ctx_.shutdown_timeout;
    while (buffered() > 0 && !ctx_.aborting.load() && std::chrono::steady_clock::now() < deadline) {
        if (fd_ < 0 && !connect_if_due(/*ignore_backoff=*/true)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        pump(deadline);
    }
    Status st;
    if (buffered() > 0) {
        uint64_t lines = static_cast<uint64_t>(
            std::count(buf_.begin() + static_cast<long>(off_), buf_.end(), '\n'));
        dropped_.inc(lines);
        log::error("unix_socket: gave up at shutdown sink={} path={} dropped={}", config_.name,
                   config_.path, lines);
        st = Status::error("unix_socket " + config_.name + ": " + std::to_string(lines) +
                           " records not delivered");
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    up_.set(0);
    buf_.clear();
    off_ = 0;
    return st;
}

}  // namespace eveflow::output
