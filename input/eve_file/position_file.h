// PositionFile: a followed file's position (identity and byte offset), kept in the state
// directory across restarts and written atomically.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "types/checkpoint.h"

namespace eveflow::input {

/// Bytes of a file's start that identify it against inode reuse.
inline constexpr uint64_t kFingerprintBytes = 1024;

/// FNV-1a of the first `len` bytes of the open file `fd`; nullopt if it holds fewer.
std::optional<uint64_t> fingerprint(int fd, uint64_t len);

/// True if the open file `fd` starts with the bytes `pos` fingerprinted and holds `pos.offset`.
bool same_content(int fd, const FilePosition& pos);

/// Opens the file that `pos` was taken in when it is no longer at `path`: a file of the same
/// directory with the same device and inode (renamed away: eve.json.1), else one whose name
/// starts with path's and whose first bytes match (copied away, then truncated); its content
/// must match. -1 if none is found.
int open_rotated(const std::string& path, const FilePosition& pos);

/// Names of the files beside `path` (same directory, name starting with path's) that were
/// modified after the open file `fd` was: rotations made after it, which a resume in `fd`
/// followed by the file at `path` does not read. Sorted; the file at `path` is not one.
std::vector<std::string> rotated_after(const std::string& path, int fd);

/// The state of one input: `<state_dir>/<input name>.position`, one line of key=value. save()
/// may be called from any thread; positions older than the newest saved are ignored.
class PositionFile {
public:
    PositionFile(const std::string& state_dir, const std::string& input, std::string path);

    /// Creates the state directory if needed; an error message when it cannot be written.
    std::optional<std::string> prepare() const;
    /// The saved position for this input's path; nullopt if none (or unreadable, logged).
    std::optional<FilePosition> load() const;
    /// Writes `pos` (temp file, fsync, rename, fsync of the directory), unless a position of a
    /// later checkpoint (`seq`) is saved already. Failures are logged.
    void save(uint64_t seq, const FilePosition& pos);
    const std::string& file() const { return file_; }

private:
    std::string dir_;
    std::string file_;
    std::string path_;  // the followed path, saved along to recognise the input's own state
    std::mutex mu_;
    uint64_t saved_seq_ = 0;
};

}  // namespace eveflow::input
