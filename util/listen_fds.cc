// The sd_listen_fds protocol, read without libsystemd: LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES.
#include "util/listen_fds.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

#include "util/log.h"

namespace eveflow::listen_fds {
namespace {

constexpr long kMaxFds = 4096;  // a bound on a garbled LISTEN_FDS, far above any real unit

std::mutex mu;
std::vector<Passed> passed;  // not claimed yet
bool taken = false;

bool parse_number(const char* text, long& out) {
    if (text == nullptr) return false;
    std::string_view s(text);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && out > 0;
}

int socket_option(int fd, int option) {
    int value = 0;
    socklen_t len = sizeof value;
    if (::getsockopt(fd, SOL_SOCKET, option, &value, &len) != 0) return -1;
    return value;
}

// The file path a listening unix stream socket is bound to; empty for anything else.
std::string bound_path(int fd) {
    if (socket_option(fd, SO_TYPE) != SOCK_STREAM || socket_option(fd, SO_ACCEPTCONN) != 1) {
        return {};
    }
    sockaddr_un addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        addr.sun_family != AF_UNIX || len <= offsetof(sockaddr_un, sun_path) ||
        addr.sun_path[0] == '\0') {  // unnamed or abstract: no file
        return {};
    }
    size_t n = len - offsetof(sockaddr_un, sun_path);
    return std::string(addr.sun_path, ::strnlen(addr.sun_path, n));
}

bool same_file(const std::string& a, const std::string& b) {
    if (a == b) return true;
    struct stat sa {
    }, sb{};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

}  // namespace

std::vector<Passed> parse(const char* pid, const char* fds, const char* names, pid_t self,
                          std::string& problem) {
    if (fds == nullptr) return {};
    long want_pid = 0, count = 0;
    if (!parse_number(pid, want_pid)) {
        problem = "LISTEN_PID is not a process id (got \"" + std::string(pid ? pid : "") + "\")";
        return {};
    }
    if (want_pid != self) return {};  // meant for another process
    if (!parse_number(fds, count) || count > kMaxFds) {
        problem = "LISTEN_FDS is not a count of descriptors (got \"" + std::string(fds) + "\")";
        return {};
    }
    std::vector<Passed> out;
    std::string_view rest = names != nullptr ? names : "";
    for (long i = 0; i < count; ++i) {
        Passed p;
        p.fd = kFirstFd + static_cast<int>(i);
        if (names != nullptr) {
            size_t colon = rest.find(':');
            p.name = std::string(rest.substr(0, colon));
            rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        }
        out.push_back(std::move(p));
    }
    return out;
}

// With `mu` held. The first call reads the variables; later ones do nothing.
static void take_locked() {
    if (taken) return;
    taken = true;
    std::string problem;
    passed = parse(std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"),
                   std::getenv("LISTEN_FDNAMES"), ::getpid(), problem);
    for (const char* var : {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"}) ::unsetenv(var);
    if (!problem.empty()) log::warn("socket activation: ignored: {}", problem);
    for (const auto& p : passed) {
        int flags = ::fcntl(p.fd, F_GETFD);
        if (flags >= 0) ::fcntl(p.fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

void take_from_environment() {
    std::lock_guard lock(mu);
    take_locked();
}

int claim_unix(const std::string& path) {
    std::lock_guard lock(mu);
    take_locked();
    for (auto it = passed.begin(); it != passed.end(); ++it) {
        std::string bound = bound_path(it->fd);
        if (bound.empty() || !same_file(path, bound)) continue;
        int fd = it->fd;
        passed.erase(it);
        return fd;
    }
    return -1;
}

void release_unclaimed() {
    std::lock_guard lock(mu);
    take_locked();
    for (const auto& p : passed) {
        std::string bound = bound_path(p.fd);
        log::warn(
            "socket activation: no input listens on passed fd={} name=\"{}\" path=\"{}\"; "
            "closing it",
            p.fd, p.name, bound);
        ::close(p.fd);
    }
    passed.clear();
}

}  // namespace eveflow::listen_fds
