// JsonlSink: one JSON object per line to a file or stdout, buffered, reopened on SIGHUP.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "output/sink.h"

namespace eveflow::output {

struct JsonlConfig {
    std::string name = "jsonl";
    std::string path;  // "-" is stdout
    bool append = false;
    uint64_t buffer = 1 << 20;
    std::chrono::microseconds flush_interval{1'000'000};
};

JsonlConfig parse_jsonl_config(const ConfigNode& node);

/// Aggregates are written with append_aggregate_json, raw events as their line. Bytes are
/// buffered and written when the buffer fills, when flush_interval has passed (checked in
/// write() and idle()), at reopen() and at close(). All calls come from the sink's thread.
class JsonlSink final : public Sink {
public:
    JsonlSink(JsonlConfig config, Context& ctx);
    ~JsonlSink() override;
    static std::unique_ptr<Sink> create(const ConfigNode& node, Context& ctx);

    std::string_view name() const override { return config_.name; }
    void open() override;
    Status write(std::span<const Record> batch) override;
    void idle() override;
    void reopen() override;
    Status close() override;
    /// Writes the buffered lines out (a kWritten checkpoint follows them).
    Status sync() override { return flush(); }

private:
    bool is_stdout() const { return config_.path == "-"; }
    Status flush();
    /// Opens the path; `truncate` only at start. Returns an error message, or empty.
    std::string open_path(bool truncate);
    void set_failing(bool failing, const std::string& why);

    JsonlConfig config_;
    Context& ctx_;
    int fd_ = -1;
    std::string buf_;
    std::chrono::steady_clock::time_point last_flush_{};
    bool failing_ = false;
    Counter& write_errors_;
    Counter& open_errors_;
};

}  // namespace eveflow::output
