// JsonlSink: one JSON object per line to a file or stdout, buffered, reopened on SIGHUP.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "output/jsonl/binned_file.h"
#include "output/jsonl/config.h"
#include "output/sink.h"

namespace eveflow::output {

/// Aggregates are written with append_aggregate_json, raw events as their line. Bytes are
/// buffered and written when the buffer fills, when flush_interval has passed (checked in
/// write() and idle()), at reopen() and at close(). All calls come from the sink's thread.
/// With `rotate`, a BinnedFile holds the file: the bin is the one of the Context clock's wall
/// time when a batch is written; write() and idle() complete the file of a bin that has ended
/// (idle() so that a quiet sensor still completes it on time), close() completes the last
/// one, and reopen() only writes the buffer.
/// A record counts as written once its line is in the file: at flush, not when buffered.
class JsonlSink final : public Sink {
public:
    JsonlSink(JsonlConfig config, Context& ctx);
    ~JsonlSink() override;

    std::string_view name() const override { return config_.name; }
    std::vector<OwnedPath> paths() const override;
    void open() override;
    void begin() override;
    Status write(std::span<const Record> batch) override;
    void idle() override;
    void reopen() override;
    Status close() override;
    bool counts_records() const override { return true; }
    /// Writes the buffered lines out (a kWritten checkpoint follows them).
    Status sync() override { return flush(); }

private:
    bool is_stdout() const { return config_.path == "-"; }
    int out_fd() const { return binned_ ? binned_->fd() : fd_; }
    Status flush();
    /// Rotating only: completes the file of an ended bin, opens the file of now's bin.
    Status roll();
    Status finish_bin();
    /// Opens the path for appending. Returns an error message, or empty.
    std::string open_path();
    void set_failing(bool failing, const std::string& why);

    JsonlConfig config_;
    Context& ctx_;
    int fd_ = -1;
    std::string buf_;
    uint64_t buffered_records_ = 0;  // lines in buf_
    std::chrono::steady_clock::time_point last_flush_{};
    bool failing_ = false;
    Counter& write_errors_;
    Counter& open_errors_;
    Counter& rotate_errors_;
    std::unique_ptr<BinnedFile> binned_;  // set by open() when rotating
};

}  // namespace eveflow::output
