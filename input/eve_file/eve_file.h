// EveFile: reads EVE-JSON from a file or stdin, optionally following it like `tail -F`.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "input/eve/eve_batcher.h"
#include "input/eve/parse_pool.h"
#include "input/eve_file/config.h"
#include "input/eve_file/position_file.h"
#include "input/source.h"
#include "util/config_node.h"
#include "util/context.h"

namespace eveflow::input {

/// Input type `eve_file`. Without `follow` it reads to end of file and returns (finite);
/// with `follow` it keeps reading as the file grows and survives rotation by rename (drains
/// the old file, then opens the new one) and truncation (starts over at offset 0); a path that
/// does not exist yet is waited for. With `follow` and a state_dir it publishes a kWritten
/// checkpoint every checkpoint_interval and at the end, and saves the position (PositionFile)
/// once every output has written the records before it; a start resumes there, first in the
/// rotated file if the path was rotated meanwhile. With an offset store in the Context (a
/// PostgreSQL output) the checkpoints are kStored instead: the position goes into the
/// transaction of the aggregates before it (and into the state directory once committed), and a
/// start resumes at the stored position, which wins over the state directory's.
/// open() on the main thread, run() once on its own thread; progress() from any thread.
class EveFile final : public Source {
public:
    EveFile(EveFileConfig config, Context& ctx);
    ~EveFile() override;

    std::string_view name() const override { return config_.name; }
    bool finite() const override { return !config_.follow; }
    /// Opens the file; StartupError `eve_file: cannot open /x: No such file or directory`
    /// (with `follow`, a missing path is waited for in run() instead).
    void open() override;
    Status run(std::stop_token stop, Publisher& out) override;
    /// Bytes read / file size at open (0 total for stdin).
    Progress progress() const override;

private:
    Status read_loop(std::stop_token& stop, EveBatcher& batcher, Publisher& out);
    bool publish(EveBatcher& batcher, Publisher& out);
    bool wait_for_data(std::stop_token& stop);
    void drain_to_end(EveBatcher& batcher);
    bool check_rotation(std::stop_token& stop, EveBatcher& batcher, Publisher& out);
    bool sleep(std::stop_token& stop);
    int open_path() const;
    void adopt(int fd);
    void keep_state();
    void close_fd();
    bool wait_for_path(std::stop_token& stop);
    bool resume(std::stop_token& stop);
    std::optional<FilePosition> saved_position(std::stop_token& stop);
    std::string group() const;
    void note_later_rotations();
    Status stop_refused();
    bool checkpoint_due() const;
    bool publish_checkpoint(EveBatcher& batcher, Publisher& out);

    EveFileConfig config_;
    Context& ctx_;
    std::unique_ptr<EveCounters> counters_;
    std::unique_ptr<ParsePool> pool_;  // during run() with parse_threads > 1
    int fd_ = -1;
    bool is_stdin_ = false;
    bool must_poll_ = false;  // not a regular file: poll before reading
    dev_t dev_ = 0;
    ino_t ino_ = 0;
    uint64_t offset_ = 0;                      // bytes read from the file now open
    std::shared_ptr<PositionFile> positions_;  // null: no state kept
    OffsetStore* store_ = nullptr;  // set (a PostgreSQL output): positions go in its transactions
    std::optional<FilePosition> stored_;  // what the store holds after the last checkpoint
    /// Set when the store refused a position (another instance moved it on): the run ends.
    std::shared_ptr<std::atomic<bool>> refused_ = std::make_shared<std::atomic<bool>>(false);
    Counter* rotations_lost_ = nullptr;
    uint64_t checkpoints_ = 0;
    std::optional<FilePosition> published_;  // position of the last checkpoint published
    std::chrono::steady_clock::time_point last_checkpoint_{};
    std::atomic<uint64_t> done_bytes_{0};
    std::atomic<uint64_t> total_bytes_{0};
};

}  // namespace eveflow::input
