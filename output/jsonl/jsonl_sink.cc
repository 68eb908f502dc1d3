// JsonlSink: config, buffered writes with EINTR/partial-write handling, reopen and fsync.
#include "output/jsonl/jsonl_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "output/aggregate_json.h"
#include "output/sink_metrics.h"
#include "util/log.h"

namespace eveflow::output {

JsonlSink::JsonlSink(JsonlConfig config, Context& ctx)
    : config_(std::move(config)),
      ctx_(ctx),
      write_errors_(SinkMetrics(ctx.stats, config_.name).errors("write")),
      open_errors_(SinkMetrics(ctx.stats, config_.name).errors("open")),
      rotate_errors_(SinkMetrics(ctx.stats, config_.name).errors("rotate")) {}

JsonlSink::~JsonlSink() {
    if (fd_ >= 0 && !is_stdout()) ::close(fd_);
}

std::vector<OwnedPath> JsonlSink::paths() const {
    if (!is_regular_output(config_.path)) return {};
    return {{config_.path_key, config_.path, false}};
}

std::string JsonlSink::open_path() {
    if (is_stdout()) {
        fd_ = STDOUT_FILENO;
        return {};
    }
    // Never O_TRUNC here: begin() truncates once the whole pipeline has opened.
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_APPEND;
    int fd = ::open(config_.path.c_str(), flags, 0644);
    if (fd < 0) return std::strerror(errno);
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    return {};
}

void JsonlSink::open() {
    // Never truncate here: begin() does once the whole pipeline has opened.
    std::string err;
    if (config_.binned.rotate.count() > 0) {
        binned_ = std::make_unique<BinnedFile>(config_.path, config_.binned, config_.name,
                                               rotate_errors_);
        err = binned_->open(ctx_.clock.now_us(), /*truncate=*/false);
        binned_->apply_retention(ctx_.clock.now_us());
    } else {
        err = open_path();
    }
    if (!err.empty()) {
        throw StartupError("jsonl output '" + config_.name + "': cannot open " + config_.path +
                           ": " + err);
    }
    buf_.reserve(std::min<uint64_t>(config_.buffer, 4 << 20) + 4096);
    last_flush_ = ctx_.clock.steady_now();
    log::info("jsonl: opened sink={} path={} append={}", config_.name, config_.path,
              config_.append);
}

void JsonlSink::begin() {
    struct stat sb {};
    const int fd = out_fd();
    if (config_.append || is_stdout() || ::fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) return;
    if (::ftruncate(fd, 0) != 0) {
        throw StartupError("jsonl output '" + config_.name + "': cannot truncate " + config_.path +
                           ": " + std::strerror(errno));
    }
}

void JsonlSink::set_failing(bool failing, const std::string& why) {
    if (failing == failing_) return;
    failing_ = failing;
    if (failing) {
        log::error("jsonl: write failed sink={} path={} error={}", config_.name, config_.path, why);
    } else {
        log::info("jsonl: writing again sink={} path={}", config_.name, config_.path);
    }
}

Status JsonlSink::flush() {
    last_flush_ = ctx_.clock.steady_now();
    if (buf_.empty()) return {};
    const int fd = out_fd();
    if (fd < 0) {
        dropped_records().inc(std::exchange(buffered_records_, 0));
        buf_.clear();
        write_errors_.inc();
        set_failing(true, "not open");
        return Status::error("jsonl " + config_.name + ": not open");
    }
    size_t off = 0;
    while (off < buf_.size()) {
        ssize_t n = ::write(fd, buf_.data() + off, buf_.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            std::string why = n < 0 ? std::strerror(errno) : "wrote nothing";
            // Given up. The lines complete in the file are written; the rest are dropped.
            auto done = static_cast<uint64_t>(
                std::count(buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(off), '\n'));
            written_records().inc(done);
            dropped_records().inc(std::exchange(buffered_records_, 0) - done);
            buf_.clear();
            write_errors_.inc();
            set_failing(true, why);
            return Status::error("jsonl " + config_.name + ": write " + config_.path + ": " + why);
        }
        off += static_cast<size_t>(n);
    }
    written_records().inc(std::exchange(buffered_records_, 0));
    buf_.clear();
    set_failing(false, {});
    return {};
}

Status JsonlSink::finish_bin() {
    if (binned_->finish(ctx_.clock.now_us())) return {};
    return Status::error("jsonl " + config_.name + ": completing a file of " + config_.path +
                         " failed");
}

Status JsonlSink::roll() {
    const int64_t now = ctx_.clock.now_us();
    Status st;
    if (binned_->due(now)) {
        st = flush();  // the buffered records belong to the ending bin
        Status f = finish_bin();
        if (st.ok()) st = f;
    }
    if (binned_->fd() < 0) {
        std::string err = binned_->open(now, !config_.append);
        if (!err.empty()) {
            open_errors_.inc();
            set_failing(true, err);
            return Status::error("jsonl " + config_.name + ": open " + err);
        }
    }
    return st;
}

Status JsonlSink::write(std::span<const Record> batch) {
    Status st = binned_ ? roll() : Status{};
    for (const Record& r : batch) {
        if (const auto* agg = std::get_if<AggregateRecord>(&r)) {
            append_aggregate_json(buf_, *agg, ctx_.sensor_id);  // straight into the buffer
        } else if (const auto* raw = std::get_if<RawEvent>(&r)) {
            buf_ += raw->line;
        } else if (const auto* dns = std::get_if<DnsAggregateRecord>(&r)) {
            append_dns_aggregate_json(buf_, *dns, ctx_.sensor_id);
        } else if (const auto* pdns = std::get_if<PdnsRecord>(&r)) {
            append_pdns_json(buf_, *pdns, ctx_.sensor_id);
        } else {
            continue;  // lifecycle operations are for live flow tables only
        }
        buf_ += '\n';
        ++buffered_records_;
        if (buf_.size() >= config_.buffer) {
            Status s = flush();
            if (!s.ok()) st = s;
        }
    }
    if (ctx_.clock.steady_now() - last_flush_ >= config_.flush_interval) {
        Status s = flush();
        if (!s.ok()) st = s;
    }
    return st;
}

void JsonlSink::idle() {
    if (binned_ && binned_->due(ctx_.clock.now_us())) {
        (void)flush();
        (void)finish_bin();  // failures are logged and counted
    }
    if (ctx_.clock.steady_now() - last_flush_ >= config_.flush_interval) (void)flush();
}

void JsonlSink::reopen() {
    (void)flush();
    if (is_stdout() || binned_) return;  // a rotating output names its files itself
    std::string err = open_path();
    if (!err.empty()) {
        open_errors_.inc();
        log::error("jsonl: reopen failed sink={} path={} error={}", config_.name, config_.path,
                   err);
        return;
    }
    log::info("jsonl: reopened sink={} path={}", config_.name, config_.path);
}

Status JsonlSink::close() {
    Status st = flush();
    if (binned_) {
        Status f = finish_bin();
        return st.ok() ? f : st;
    }
    if (fd_ < 0 || is_stdout()) {
        fd_ = -1;
        return st;
    }
    struct stat sb {};
    if (::fstat(fd_, &sb) == 0 && S_ISREG(sb.st_mode) && ::fsync(fd_) != 0 && st.ok()) {
        write_errors_.inc();
        st = Status::error("jsonl " + config_.name + ": fsync " + config_.path + ": " +
                           std::strerror(errno));
    }
    ::close(fd_);
    fd_ = -1;
    return st;
}

}  // namespace eveflow::output
