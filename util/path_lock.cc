// PathLock: flock on `PATH.lock` / `DIR/.lock`, with the owner's pid inside.
#include "util/path_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "util/status.h"

namespace eveflow {
namespace {

// The pid the holder wrote; empty if it has not written it yet.
std::string holder_pid(int fd) {
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return pid;
}

[[noreturn]] void refuse(const OwnedPath& owned, const std::string& lock, const std::string& why) {
    throw StartupError(owned.key + ": " + owned.path + " " + why + " (lock " + lock + ")");
}

}  // namespace

std::string PathLock::lock_path(const OwnedPath& owned) {
    return owned.directory ? owned.path + "/.lock" : owned.path + ".lock";
}

PathLock PathLock::acquire(const OwnedPath& owned) {
    std::string lock = lock_path(owned);
    if (owned.directory) {
        std::error_code ec;
        std::filesystem::create_directories(owned.path, ec);
        if (ec) refuse(owned, lock, "cannot be created: " + ec.message());
    }
    int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) refuse(owned, lock, std::string("cannot be locked: ") + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        std::string pid = holder_pid(fd);
        ::close(fd);
        if (err != EWOULDBLOCK)
            refuse(owned, lock, std::string("cannot be locked: ") + std::strerror(err));
        refuse(owned, lock, "is in use by eveflow pid " + (pid.empty() ? "unknown" : pid));
    }
    std::string text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        int err = errno;
        ::close(fd);
        refuse(owned, lock, std::string("cannot be locked: ") + std::strerror(err));
    }
    return PathLock(fd, std::move(lock));
}

PathLock::PathLock(PathLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

PathLock& PathLock::operator=(PathLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

PathLock::~PathLock() {
    if (fd_ >= 0) ::close(fd_);
}

bool is_regular_output(const std::string& path) {
    if (path.empty() || path == "-") return false;
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0) return errno == ENOENT;
    return S_ISREG(sb.st_mode);
}

std::vector<PathLock> lock_all(const std::vector<OwnedPath>& owned) {
    std::vector<PathLock> locks;
    for (const auto& o : owned) locks.push_back(PathLock::acquire(o));
    return locks;
}

}  // namespace eveflow
