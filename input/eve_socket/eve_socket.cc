// EveSocket: unix stream socket input; one poll loop serves every writer's connection.
//
// Why one poll loop and not a thread per connection: the connections are few (one per
// Suricata instance) and the work per byte is the same either way; one thread keeps the
// number of threads fixed, lets every connection publish its partial batch as soon as its
// read would block, and makes shutdown (stop accepting, shut and drain each connection) one
// loop. With
// `on_full: block` a full event queue pauses every connection alike: the backpressure wanted.
#include "input/eve_socket/eve_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "util/listen_fds.h"
#include "util/log.h"
#include "util/status.h"

namespace eveflow::input {
namespace {

constexpr int kReadsPerTurn = 16;  // then the other connections get their turn
constexpr int kPollMs = 100;       // bound on noticing ctx.aborting

std::string errno_text(int err) { return std::strerror(err); }

sockaddr_un make_addr(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), std::min(path.size() + 1, sizeof addr.sun_path));
    return addr;
}

}  // namespace

struct EveSocket::Connection {
    Connection(int f, EveCounters& counters, EveBatcher::Options opt)
        : fd(f), batcher(counters, opt) {}
    int fd;
    EveBatcher batcher;
    uint64_t bytes = 0;  // read so far
    bool idle = false;   // the last read found nothing more queued
    bool shut = false;   // shut for reading at stop: what is queued is all there will be
};

EveSocket::EveSocket(EveSocketConfig config, Context& ctx)
    : config_(std::move(config)), ctx_(ctx) {}

EveSocket::~EveSocket() {
    close_listener();
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

void EveSocket::open() {
    counters_ = std::make_unique<EveCounters>(ctx_.stats, config_.name);
    connections_ =
        &ctx_.stats.gauge("eveflow_input_connections", "Open connections of a socket input",
                          {{"input", config_.name}});
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw StartupError("eve_socket: eventfd: " + errno_text(errno));
    int passed = listen_fds::claim_unix(config_.path);
    if (passed >= 0) {
        adopt_listener(passed);
        log::info("{}: listening path={} fd={} (passed by the service manager)", config_.name,
                  config_.path, passed);
        return;
    }
    remove_stale_socket();
    bind_and_listen();
    log::info("{}: listening path={} mode={:o}", config_.name, config_.path, config_.mode);
}

// A listener passed by the service manager (socket activation): it owns the socket file, its
// mode and its removal; eveflow only accepts on it.
void EveSocket::adopt_listener(int fd) {
    listen_fd_ = fd;
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        throw StartupError("eve_socket: passed socket for " + config_.path + ": " +
                           errno_text(errno));
    }
}

// A socket file nobody listens on (left by a crash) is replaced; a live one is refused.
void EveSocket::remove_stale_socket() const {
    const std::string& path = config_.path;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;
    if (!S_ISSOCK(st.st_mode)) {
        throw StartupError("eve_socket: " + path + " exists and is not a socket");
    }
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw StartupError("eve_socket: socket: " + errno_text(errno));
    sockaddr_un addr = make_addr(path);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int err = errno;
    ::close(fd);
    if (rc == 0) {
        throw StartupError("eve_socket: " + path +
                           " is in use: another process is listening on it");
    }
    if (err != ECONNREFUSED) {
        throw StartupError("eve_socket: cannot check " + path + ": " + errno_text(err));
    }
    if (::unlink(path.c_str()) != 0) {
        throw StartupError("eve_socket: cannot remove stale " + path + ": " + errno_text(errno));
    }
    log::info("{}: removed stale socket file {}", config_.name, path);
}

void EveSocket::bind_and_listen() {
    const std::string& path = config_.path;
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw StartupError("eve_socket: socket: " + errno_text(errno));
    sockaddr_un addr = make_addr(path);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int err = errno;
        close_listener();
        throw StartupError("eve_socket: cannot bind " + path + ": " + errno_text(err));
    }
    bound_ = true;
    if (::chmod(path.c_str(), config_.mode) != 0 || ::listen(listen_fd_, 128) != 0) {
        int err = errno;
        close_listener();
        throw StartupError("eve_socket: cannot set up " + path + ": " + errno_text(err));
    }
}

// Stops accepting and removes the socket file, so new writers see the service is gone.
void EveSocket::close_listener() {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
    if (bound_) ::unlink(config_.path.c_str());
    bound_ = false;
}

void EveSocket::accept_all(Connections& conns) {
    EveBatcher::Options opt;
    opt.max_line = config_.max_line;
    opt.parse = config_.parse_threads <= 1;
    for (;;) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                log::warn("{}: accept failed: {}", config_.name, errno_text(errno));
            }
            return;
        }
        conns.push_back(std::make_unique<Connection>(fd, *counters_, opt));
        connections_->add(1);
        log::debug("{}: writer connected open={}", config_.name, conns.size());
    }
}

// Hands the connection's ready batches on: published, or to the pool to be parsed.
void EveSocket::hand_on(Connection& c, Publisher& out, ParsePool* pool) {
    if (!input::hand_on(c.batcher, out, pool)) channel_closed_ = true;
}

// Reads what the connection has. False once it has ended (its last line handled, fd closed).
bool EveSocket::serve(Connection& c, Publisher& out, ParsePool* pool) {
    for (int i = 0; i < kReadsPerTurn; ++i) {
        std::span<char> area = c.batcher.write_area();
        ssize_t n = ::read(c.fd, area.data(), area.size());
        if (n > 0) {
            c.idle = false;
            c.bytes += static_cast<uint64_t>(n);
            c.batcher.commit(static_cast<size_t>(n));
            hand_on(c, out, pool);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c.idle = true;
            c.batcher.flush();  // nothing more now: hand on what we have
            hand_on(c, out, pool);
            return true;
        }
        const int err = n < 0 ? errno : 0;  // a reset ends the stream too
        c.batcher.finish();                 // end of stream: the last line if it parses
        hand_on(c, out, pool);
        ::close(c.fd);
        connections_->add(-1);
        log::info("{}: writer disconnected bytes={}{}", config_.name, c.bytes,
                  err != 0 ? " error=\"" + errno_text(err) + "\"" : std::string());
        return false;
    }
    return true;
}

Status EveSocket::run(std::stop_token stop, Publisher& out) {
    Connections conns;
    std::unique_ptr<ParsePool> pool;
    if (config_.parse_threads > 1) {
        pool = std::make_unique<ParsePool>(*counters_, config_.parse_threads, out, ctx_.aborting);
    }
    Status st = poll_loop(stop, out, pool.get(), conns);
    if (pool) pool->drain();  // every batch cut is parsed and published before run() returns
    pool.reset();
    for (auto& c : conns) {  // aborting: what was not read is given up
        ::close(c->fd);
        connections_->add(-1);
    }
    close_listener();
    log::info("{}: stopped", config_.name);
    return st;
}

Status EveSocket::poll_loop(std::stop_token stop, Publisher& out, ParsePool* pool,
                            Connections& conns) {
    std::stop_callback wake(stop, [this] {
        uint64_t one = 1;
        [[maybe_unused]] ssize_t r = ::write(wake_fd_, &one, sizeof one);
    });
    std::vector<pollfd> fds;
    while (!ctx_.aborting && !channel_closed_) {
        if (stop.stop_requested() && !stopping_) begin_stop(conns, out, pool);
        if (stopping_ && conns.empty()) break;
        fds.assign({{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}});
        for (const auto& c : conns) fds.push_back({c->fd, POLLIN, 0});
        int r = ::poll(fds.data(), fds.size(), poll_timeout_ms(conns));
        if (r < 0 && errno != EINTR) return Status::error("eve_socket: poll: " + errno_text(errno));
        if (r > 0) {
            if (fds[0].revents != 0) {
                uint64_t count = 0;
                [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
            }
            size_t polled = conns.size();
            if (fds[1].revents != 0 && listen_fd_ >= 0) accept_all(conns);
            for (size_t i = 0; i < polled; ++i) {
                if (fds[i + 2].revents != 0 && !serve(*conns[i], out, pool)) conns[i].reset();
            }
            std::erase(conns, nullptr);
        }
        if (stopping_) shut_reading(conns);
    }
    return {};
}

// Writers waiting in the backlog are accepted first: the kernel took their lines, and closing
// the listener would reset them. Then every connection is read as far as it goes now, and
// those at a line end are shut for reading.
void EveSocket::begin_stop(Connections& conns, Publisher& out, ParsePool* pool) {
    stopping_ = true;
    if (listen_fd_ >= 0) accept_all(conns);
    close_listener();
    grace_end_ = ctx_.clock.steady_now() + kLineGrace;
    log::info("{}: stopped accepting, draining connections={}", config_.name, conns.size());
    for (auto& c : conns) {
        if (!serve(*c, out, pool)) c.reset();
    }
    std::erase(conns, nullptr);
    shut_reading(conns);
}

// SHUT_RD makes the writer's next write fail (EPIPE) rather than go unread, and our reads end
// (EOF) once what the kernel holds is read. A connection is shut once nothing more is queued
// and no line is begun, or when the grace for a begun line has passed; a line still
// unfinished at EOF counts as partial.
void EveSocket::shut_reading(Connections& conns) {
    const bool late = ctx_.clock.steady_now() >= grace_end_;
    for (auto& c : conns) {
        if (c->shut || !(late || (c->idle && c->batcher.partial_bytes() == 0))) continue;
        if (::shutdown(c->fd, SHUT_RD) != 0 && errno != ENOTCONN) {
            log::warn("{}: shutdown failed: {}", config_.name, errno_text(errno));
        }
        c->shut = true;
    }
}

// While a stop waits for begun lines, poll wakes up when their grace ends.
int EveSocket::poll_timeout_ms(const Connections& conns) const {
    bool waiting = std::any_of(conns.begin(), conns.end(), [](const auto& c) { return !c->shut; });
    if (!stopping_ || !waiting) return kPollMs;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(grace_end_ - ctx_.clock.steady_now());
    return static_cast<int>(std::clamp<int64_t>(left.count(), 0, kPollMs));
}

}  // namespace eveflow::input
