// PathLock: a lock file that keeps two processes from writing the same file or directory.
#pragma once

#include <string>
#include <vector>

namespace eveflow {

/// What one component writes and must not share with another process: a regular output file,
/// a listening socket's path (`directory` false: locked by `PATH.lock`), or a directory such as
/// a spill or state directory (`directory` true: locked by `DIR/.lock`).
struct OwnedPath {
    std::string key;   // its config key path, for messages: `outputs[0].path`
    std::string path;  // as configured
    bool directory = false;
};

/// An exclusive flock(LOCK_EX | LOCK_NB) on a lock file beside what it guards, holding the
/// owner's pid as text. Held while the object lives; the kernel releases it when the process
/// exits, so a lock file left by a process that died is simply taken again. Lock files stay
/// after exit: removing one would let a third process lock a new file of that name while a
/// second still holds the old one. Taken on the main thread at start only.
class PathLock {
public:
    /// Takes the lock for `owned` (creating a missing directory first). Throws StartupError
    /// `<key>: <path> is in use by eveflow pid N (lock L)` when another process holds it, or
    /// when the lock file cannot be created.
    static PathLock acquire(const OwnedPath& owned);
    static std::string lock_path(const OwnedPath& owned);

    PathLock(PathLock&& other) noexcept;
    PathLock& operator=(PathLock&& other) noexcept;
    PathLock(const PathLock&) = delete;
    PathLock& operator=(const PathLock&) = delete;
    ~PathLock();

    const std::string& path() const { return path_; }

private:
    PathLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::string path_;
};

/// True when an output path names a regular file, or nothing yet (it will be created as one):
/// those are locked and compared. stdout (`-`), devices, pipes and sockets are not.
bool is_regular_output(const std::string& path);

/// Takes every lock, in order; the first one refused throws (the ones taken are released).
std::vector<PathLock> lock_all(const std::vector<OwnedPath>& owned);

}  // namespace eveflow
