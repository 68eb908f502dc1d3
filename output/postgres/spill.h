// SpillDir: batches that do not fit in memory, kept on disk until the database takes them.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "output/postgres/batch_writer.h"

namespace eveflow::output::postgres {

/// One file per sealed batch (`<batch id>.batch`, written to a temporary name and renamed), so
/// its id survives a restart: a batch committed just before a crash is skipped when the next
/// run delivers the file again. Bounded by `max_bytes`. Thread-safe: the sink's thread spills,
/// the writer thread loads and removes.
class SpillDir {
public:
    SpillDir(std::string dir, uint64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {}
    /// Creates the directory if needed and counts what an earlier run left. Throws StartupError.
    void open();
    /// False when the bound would be passed or the file cannot be written.
    bool write(const Chunk& c);
    /// The oldest spilled batch's path, if any.
    std::optional<std::string> oldest();
    /// Reads a spilled batch; false (and the file is set aside as `.bad`) if it is damaged.
    bool read(const std::string& path, Chunk& c);
    void remove(const std::string& path);
    uint64_t bytes() const;
    size_t files() const;

private:
    std::string dir_;
    uint64_t max_bytes_;
    mutable std::mutex mu_;
    uint64_t bytes_ = 0;
    size_t files_ = 0;
    uint64_t seq_ = 0;  // orders files written by this run
};

}  // namespace eveflow::output::postgres
