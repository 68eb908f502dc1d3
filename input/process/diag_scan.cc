// sock_diag dumps (NETLINK_SOCK_DIAG, inet_diag_req_v2) and the /proc/*/fd walk.
#include "input/process/diag_scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace eveflow::input::process {
namespace {

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

void add_socket(const inet_diag_msg& m, uint8_t proto, std::vector<DiagSocket>& out) {
    if (m.idiag_inode == 0) return;  // TIME_WAIT and the like: no process holds it
    DiagSocket s;
    s.at.proto = proto;
    s.at.port = ntohs(m.id.idiag_sport);
    s.uid = m.idiag_uid;
    s.inode = m.idiag_inode;
    if (m.idiag_family == AF_INET) {
        s.at.addr[10] = s.at.addr[11] = 0xff;
        std::memcpy(s.at.addr.data() + 12, &m.id.idiag_src[0], 4);
    } else {
        std::memcpy(s.at.addr.data(), m.id.idiag_src, 16);
    }
    out.push_back(s);
}

// Reads the replies of one dump; false on a netlink error.
bool read_dump(int fd, uint8_t proto, std::vector<DiagSocket>& out, std::string& error) {
    alignas(nlmsghdr) char buf[32768];
    for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = std::string("sock_diag: recv: ") + std::strerror(n < 0 ? errno : EPIPE);
            return false;
        }
        auto len = static_cast<uint32_t>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE) return true;
            if (h->nlmsg_type == NLMSG_ERROR) {
                auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(h));
                error = std::string("sock_diag: ") + std::strerror(-e->error);
                return false;
            }
            add_socket(*static_cast<inet_diag_msg*>(NLMSG_DATA(h)), proto, out);
        }
    }
}

bool dump_one(int fd, uint8_t family, uint8_t proto, std::vector<DiagSocket>& out,
              std::string& error) {
    struct {
        nlmsghdr nlh;
        inet_diag_req_v2 req;
    } msg{};
    msg.nlh.nlmsg_len = sizeof msg;
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.req.sdiag_family = family;
    msg.req.sdiag_protocol = proto;
    msg.req.idiag_states = ~0u;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd, &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) <
        0) {
        error = std::string("sock_diag: send: ") + std::strerror(errno);
        return false;
    }
    return read_dump(fd, proto, out, error);
}

bool parse_uint(std::string_view s, uint64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
}

// The inode of a `socket:[N]` link, else 0.
uint64_t socket_inode(int dir_fd, const char* name) {
    char link[64];
    ssize_t n = ::readlinkat(dir_fd, name, link, sizeof link - 1);
    constexpr std::string_view kPrefix = "socket:[";
    std::string_view l(link, n > 0 ? static_cast<size_t>(n) : 0);
    uint64_t inode = 0;
    if (l.size() <= kPrefix.size() + 1 || l.substr(0, kPrefix.size()) != kPrefix) return 0;
    return parse_uint(l.substr(kPrefix.size(), l.size() - kPrefix.size() - 1), inode) ? inode : 0;
}

// Matches the fds of one process; false when they cannot be read.
bool scan_process(uint32_t pid, std::unordered_map<uint64_t, uint32_t>& want) {
    std::string path = "/proc/" + std::to_string(pid) + "/fd";
    DIR* d = ::opendir(path.c_str());
    if (!d) return false;
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        auto it = want.find(socket_inode(::dirfd(d), e->d_name));
        if (it != want.end() && it->second == 0) it->second = pid;
    }
    ::closedir(d);
    return true;
}

}  // namespace

bool dump_sockets(std::vector<DiagSocket>& out, std::string& error) {
    Fd fd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (fd.get() < 0) {
        error = std::string("sock_diag: socket: ") + std::strerror(errno);
        return false;
    }
    for (uint8_t family : {AF_INET, AF_INET6}) {
        for (uint8_t proto : {IPPROTO_TCP, IPPROTO_UDP}) {
            if (!dump_one(fd.get(), family, proto, out, error)) return false;
        }
    }
    return true;
}

size_t find_socket_pids(std::unordered_map<uint64_t, uint32_t>& want) {
    DIR* proc = ::opendir("/proc");
    if (!proc) return 1;
    size_t unreadable = 0;
    while (dirent* e = ::readdir(proc)) {
        uint64_t pid = 0;
        if (!parse_uint(e->d_name, pid) || pid == 0 || pid > UINT32_MAX) continue;
        if (!scan_process(static_cast<uint32_t>(pid), want)) ++unreadable;
    }
    ::closedir(proc);
    return unreadable;
}

std::string read_comm(uint32_t pid) {
    std::string path = "/proc/" + std::to_string(pid) + "/comm";
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return {};
    char buf[32];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    std::string s(buf, n > 0 ? static_cast<size_t>(n) : 0);
    while (!s.empty() && s.back() == '\n') s.pop_back();
    if (s.size() > 15) s.resize(15);
    return s;
}

}  // namespace eveflow::input::process
