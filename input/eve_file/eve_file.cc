// EveFile: file and stdin input for EVE-JSON, with `tail -F`-style following.
#include "input/eve_file/eve_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <utility>

#include "types/checkpoint.h"
#include "util/log.h"
#include "util/status.h"

namespace eveflow::input {
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

EveFile::EveFile(EveFileConfig config, Context& ctx) : config_(std::move(config)), ctx_(ctx) {}

EveFile::~EveFile() { close_fd(); }

int EveFile::open_path() const { return ::open(config_.path.c_str(), O_RDONLY | O_CLOEXEC); }

void EveFile::open() {
    counters_ = std::make_unique<EveCounters>(ctx_.stats, config_.name);
    rotations_lost_ = &ctx_.stats.counter(
        "eveflow_input_rotations_lost_total",
        "Rotated files not found at start: the rest of them after the saved position is not read",
        {{"input", config_.name}});
    if (config_.path == "-") {
        is_stdin_ = true;
        must_poll_ = true;
        fd_ = STDIN_FILENO;
        return;
    }
    if (config_.follow) keep_state();
    fd_ = open_path();
    if (fd_ < 0 && config_.follow && errno == ENOENT) return;  // run() waits for it
    if (fd_ < 0) throw StartupError("eve_file: cannot open " + config_.path + ": " + errno_text());
    struct stat st {};
    if (fstat(fd_, &st) != 0 || S_ISDIR(st.st_mode)) {
        close_fd();
        throw StartupError("eve_file: cannot read " + config_.path + ": Is a directory");
    }
    adopt(fd_);
}

// With a state_dir the position is kept; without, that is said once per process.
void EveFile::keep_state() {
    if (ctx_.state_dir.empty()) {
        static std::once_flag said;
        std::call_once(said, [] {
            log::info(
                "eve_file: no state_dir: followed files are read from their start after a "
                "restart (set state_dir or --state-dir to resume where reading stopped)");
        });
        return;
    }
    positions_ = std::make_shared<PositionFile>(ctx_.state_dir, config_.name, config_.path);
    if (ctx_.check_only) return;
    if (auto err = positions_->prepare()) throw StartupError("state_dir: " + *err);
    store_ = ctx_.offset_store;
    if (store_) store_->attach(group());
}

std::string EveFile::group() const { return "file:" + ctx_.sensor_id + ":" + config_.name; }

// Takes `fd` as the file being read, at its start.
void EveFile::adopt(int fd) {
    struct stat st {};
    fd_ = fd;
    if (fstat(fd_, &st) != 0) return;
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    offset_ = 0;
    if (S_ISREG(st.st_mode)) total_bytes_ = static_cast<uint64_t>(st.st_size);
    must_poll_ = !S_ISREG(st.st_mode);  // a named pipe can stay silent
}

void EveFile::close_fd() {
    if (fd_ >= 0 && !is_stdin_) ::close(fd_);
    fd_ = -1;
}

Progress EveFile::progress() const { return {done_bytes_.load(), total_bytes_.load()}; }

bool EveFile::publish(EveBatcher& batcher, Publisher& out) {
    return hand_on(batcher, out, pool_.get());
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
    opt.parse = config_.parse_threads <= 1;
    EveBatcher batcher(*counters_, opt);
    if (!opt.parse) {
        pool_ = std::make_unique<ParsePool>(*counters_, config_.parse_threads, out, ctx_.aborting);
    }
    Status status = read_loop(stop, batcher, out);
    if (pool_) pool_->drain();  // every line read is parsed and published before run() returns
    pool_.reset();
    return status;
}

// Reads until the end (or a stop), handing the lines on; the checkpoints follow the events of
// the lines before them through the same pool, so they never cover a line not yet published.
Status EveFile::read_loop(std::stop_token& stop, EveBatcher& batcher, Publisher& out) {
    Status status;
    log::info("{}: reading path={} follow={} state={}", config_.name, config_.path, config_.follow,
              positions_ ? positions_->file() : "none");
    if (positions_ && !resume(stop)) return status;
    if (fd_ < 0 && !wait_for_path(stop)) return status;
    last_checkpoint_ = std::chrono::steady_clock::now();
    while (!stop.stop_requested() && wait_for_data(stop)) {
        if (refused_->load()) return stop_refused();
        if (checkpoint_due() && !publish_checkpoint(batcher, out)) break;
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
    if (positions_) {
        // A line being written stays for the next start, which reads it whole.
        publish_checkpoint(batcher, out);
    } else {
        batcher.finish();
        publish(batcher, out);
    }
    close_fd();
    log::info("{}: done path={} bytes={}", config_.name, config_.path, done_bytes_.load());
    return status;
}

// The store refused a position: another instance moved it on, so reading on would write rows
// that are never stored. The rows since the last stored position are read again at the next
// start.
Status EveFile::stop_refused() {
    close_fd();
    return Status::error(config_.name + ": the stored position of " + config_.path +
                         " was moved on by another instance; stopping");
}

bool EveFile::sleep(std::stop_token& stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait_for(lock, stop, config_.poll_interval, [] { return false; });
    return !stop.stop_requested();
}

// `follow` on a path that does not exist yet: wait for it as `tail -F` does.
bool EveFile::wait_for_path(std::stop_token& stop) {
    log::info("{}: waiting for {} to appear", config_.name, config_.path);
    while (sleep(stop)) {
        int fd = open_path();
        if (fd < 0) continue;
        adopt(fd);
        log::info("{}: {} appeared, reading it", config_.name, config_.path);
        return true;
    }
    return false;
}

// The position to start at: the offset store's (loaded again until it answers, since guessing
// would lose or double lines) if it holds one for this path, else the state directory's.
// nullopt and a stop request: stopped before the store answered.
std::optional<FilePosition> EveFile::saved_position(std::stop_token& stop) {
    if (store_) {
        std::optional<StoredFilePosition> stored;
        for (bool said = false;; said = true) {
            Status st = store_->load_file(group(), stored);
            if (st.ok()) break;
            if (!said) {
                log::warn("{}: cannot load the stored position ({}); retrying", config_.name,
                          st.message());
            }
            if (!sleep(stop)) return std::nullopt;
        }
        if (stored) stored_ = stored->pos;
        if (stored && stored->path == config_.path) {
            log::info("{}: position from the offset store: inode={} offset={}", config_.name,
                      stored->pos.ino, stored->pos.offset);
            return stored->pos;
        }
    }
    return positions_->load();
}

// Starts at the saved position: in the file at the path if it is still the same file, else
// in the file it was rotated to (its new inode-matched name, or a copy); then check_rotation
// goes on with the file at the path. A rotated file not found is logged and counted.
// False if stopped before the position was known.
bool EveFile::resume(std::stop_token& stop) {
    auto saved = saved_position(stop);
    if (!saved && stop.stop_requested()) {
        close_fd();  // stopped before the store said where to start: nothing read, nothing kept
        return false;
    }
    if (!saved) return true;
    const bool same =
        fd_ >= 0 && dev_ == saved->dev && ino_ == saved->ino && same_content(fd_, *saved);
    if (!same) {
        int rotated = open_rotated(config_.path, *saved);
        if (rotated < 0) {
            rotations_lost_->inc();
            log::warn(
                "{}: the file read before the restart (inode {}) is no longer at {} nor found "
                "rotated beside it (compressed or deleted?); its lines after offset {} are not "
                "read",
                config_.name, saved->ino, config_.path, saved->offset);
            return true;
        }
        close_fd();
        adopt(rotated);
        log::info("{}: {} was rotated while stopped; reading the rotated file from offset {}",
                  config_.name, config_.path, saved->offset);
        note_later_rotations();
    }
    ::lseek(fd_, static_cast<off_t>(saved->offset), SEEK_SET);
    offset_ = saved->offset;
    published_ = saved;
    log::info("{}: resuming at offset={}", config_.name, offset_);
    return true;
}

// Rotated several times while stopped: the files rotated after the one being resumed are not
// read (the file at the path comes next); each is counted as a lost rotation.
void EveFile::note_later_rotations() {
    auto later = rotated_after(config_.path, fd_);
    if (later.empty()) return;
    rotations_lost_->inc(later.size());
    std::string names;
    for (const auto& n : later) names += (names.empty() ? "" : " ") + n;
    log::warn(
        "{}: {} was rotated more than once while stopped; files rotated after the one read "
        "before the restart are not read: {}",
        config_.name, config_.path, names);
}

bool EveFile::checkpoint_due() const {
    return positions_ &&
           std::chrono::steady_clock::now() - last_checkpoint_ >= config_.checkpoint_interval;
}

// Publishes the events read so far and a checkpoint behind them with the offset after the last
// complete line; the position is saved once every output has written their records.
bool EveFile::publish_checkpoint(EveBatcher& batcher, Publisher& out) {
    last_checkpoint_ = std::chrono::steady_clock::now();
    batcher.flush();
    if (!publish(batcher, out)) return false;
    if (fd_ < 0) return true;
    FilePosition pos{dev_, ino_, offset_ - batcher.partial_bytes(), 0, 0};
    pos.fp_len = std::min(kFingerprintBytes, pos.offset);
    auto hash = fingerprint(fd_, pos.fp_len);
    if (!hash) return true;  // truncated under us: the next checkpoint takes the new state
    pos.fp_hash = *hash;
    if (published_ && published_->dev == pos.dev && published_->ino == pos.ino &&
        published_->offset == pos.offset && published_->fp_hash == pos.fp_hash) {
        return true;
    }
    published_ = pos;
    auto cp = std::make_shared<Checkpoint>();
    cp->group = group();
    if (store_) {
        cp->until = Checkpoint::Until::kStored;
        cp->file = StoredFilePosition{config_.path, pos};
        cp->file_expected = std::exchange(stored_, pos);
    } else {
        cp->until = Checkpoint::Until::kWritten;
        cp->offsets[{config_.path, 0}] = static_cast<int64_t>(pos.offset);
    }
    // A kWritten checkpoint not written is covered by the next; a refused kStored one is not.
    cp->on_done = [positions = positions_, refused = store_ ? refused_ : nullptr,
                   seq = ++checkpoints_, pos](bool ok) {
        if (ok) positions->save(seq, pos);
        if (!ok && refused) refused->store(true);
    };
    EventBatch batch;
    batch.checkpoint = std::move(cp);
    return hand_on(std::move(batch), out, pool_.get());
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
        if (next >= 0) {
            drain_to_end(batcher);  // lines written to the old file after our last read
            batcher.finish();
            close_fd();
            adopt(next);
            last_checkpoint_ = {};  // the old file is done: say so at once
            log::info("{}: {} was rotated, reading the new file", config_.name, config_.path);
            return publish(batcher, out);
        }
    }
    return sleep(stop);
}

}  // namespace eveflow::input
