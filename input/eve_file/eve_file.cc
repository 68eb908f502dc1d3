// EveFile: file and stdin input for EVE-JSON, with `tail -F`-style following.
#include "input/eve_file/eve_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include "util/log.h"
#include "util/status.h"

namespace eveflow::input {
namespace {

constexpr uint64_t kMinMaxLine = 1024;
constexpr uint64_t kMaxMaxLine = uint64_t{1} << 30;

std::string errno_text() { return std::strerror(errno); }

}  // namespace

EveFileConfig EveFileConfig::parse(const ConfigNode& node) {
    EveFileConfig c;
    c.name = node.str("name", "eve_file");
    c.path = node.required_str("path");
    c.follow = node.boolean("follow", false);
    c.poll_interval =
        node.duration("poll_interval", c.poll_interval, std::chrono::milliseconds(1), false);
    c.max_line = node.size("max_line", kDefaultMaxLine, kMinMaxLine, kMaxMaxLine);
    if (c.path == "-") c.follow = false;  // a pipe cannot be rotated: read it to its end
    return c;
}

EveFile::EveFile(EveFileConfig config, Context& ctx) : config_(std::move(config)), ctx_(ctx) {}

EveFile::~EveFile() { close_fd(); }

std::unique_ptr<Source> EveFile::create(const ConfigNode& node, Context& ctx) {
    return std::make_unique<EveFile>(EveFileConfig::parse(node), ctx);
}

int EveFile::open_path() const { return ::open(config_.path.c_str(), O_RDONLY | O_CLOEXEC); }

void EveFile::open() {
    counters_ = std::make_unique<EveCounters>(ctx_.stats, config_.name);
    if (config_.path == "-") {
        is_stdin_ = true;
        must_poll_ = true;
        fd_ = STDIN_FILENO;
        return;
    }
    fd_ = open_path();
    if (fd_ < 0) throw StartupError("eve_file: cannot open " + config_.path + ": " + errno_text());
    struct stat st {};
    if (fstat(fd_, &st) != 0 || S_ISDIR(st.st_mode)) {
        close_fd();
        throw StartupError("eve_file: cannot read " + config_.path + ": Is a directory");
    }
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    if (S_ISREG(st.st_mode)) total_bytes_ = static_cast<uint64_t>(st.st_size);
    must_poll_ = !S_ISREG(st.st_mode);  // a named pipe can stay silent
}

void EveFile::close_fd() {
    if (fd_ >= 0 && !is_stdin_) ::close(fd_);
    fd_ = -1;
}

Progress EveFile::progress() const { return {done_bytes_.load(), total_bytes_.load()}; }

bool EveFile::publish(EveBatcher& batcher, Publisher& out) {
    EventBatch batch;
    while (batcher.pop(batch)) {
        if (!out.publish(std::move(batch))) return false;
    }
    return true;
}

// stdin or a named pipe may stay silent: poll briefly so a stop request is seen.
bool EveFile::wait_for_data(std::stop_token& stop) {
    if (!must_poll_) return true;
    pollfd p{fd_, POLLIN, 0};
    while (!stop.stop_requested()) {
        int r = ::poll(&p, 1, 100);
        if (r != 0) return true;
    }
    return false;
}

Status EveFile::run(std::stop_token stop, Publisher& out) {
    EveBatcher::Options opt;
    opt.max_line = config_.max_line;
    EveBatcher batcher(*counters_, opt);
    Status status;
    log::info("{}: reading path={} follow={}", config_.name, config_.path, config_.follow);
    while (!stop.stop_requested() && wait_for_data(stop)) {
        std::span<char> area = batcher.write_area();
        ssize_t n = ::read(fd_, area.data(), area.size());
        if (n > 0) {
            batcher.commit(static_cast<size_t>(n));
            offset_ += static_cast<uint64_t>(n);
            done_bytes_ += static_cast<uint64_t>(n);
            if (!publish(batcher, out)) break;
            continue;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) {
            status = Status::error("eve_file: read " + config_.path + ": " + errno_text());
            break;
        }
        if (!config_.follow || is_stdin_) break;  // end of file
        batcher.flush();
        if (!publish(batcher, out) || !check_rotation(stop, batcher, out)) break;
    }
    batcher.finish();
    publish(batcher, out);
    close_fd();
    log::info("{}: done path={} bytes={}", config_.name, config_.path, done_bytes_.load());
    return status;
}

void EveFile::drain_to_end(EveBatcher& batcher) {
    for (;;) {
        std::span<char> area = batcher.write_area();
        ssize_t n = ::read(fd_, area.data(), area.size());
        if (n <= 0) return;
        batcher.commit(static_cast<size_t>(n));
        done_bytes_ += static_cast<uint64_t>(n);
    }
}

// At end of file with `follow`: a truncated file is read again from the start; a file renamed
// away is drained and the new file at `path` opened; otherwise wait poll_interval.
// False when the run must end.
bool EveFile::check_rotation(std::stop_token& stop, EveBatcher& batcher, Publisher& out) {
    struct stat fs {};
    if (fstat(fd_, &fs) == 0 && static_cast<uint64_t>(fs.st_size) < offset_) {
        log::info("{}: {} was truncated, reading it from the start", config_.name, config_.path);
        batcher.finish();
        ::lseek(fd_, 0, SEEK_SET);
        offset_ = 0;
        return publish(batcher, out);
    }
    struct stat ps {};
    if (::stat(config_.path.c_str(), &ps) == 0 && (ps.st_ino != ino_ || ps.st_dev != dev_)) {
        int next = open_path();
        if (next >= 0 && fstat(next, &ps) != 0) {
            ::close(next);
            next = -1;
        }
        if (next >= 0) {
            drain_to_end(batcher);  // lines written to the old file after our last read
            batcher.finish();
            close_fd();
            fd_ = next;
            dev_ = ps.st_dev;
            ino_ = ps.st_ino;
            offset_ = 0;
            log::info("{}: {} was rotated, reading the new file", config_.name, config_.path);
            return publish(batcher, out);
        }
    }
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait_for(lock, stop, config_.poll_interval, [] { return false; });
    return !stop.stop_requested();
}

}  // namespace eveflow::input
