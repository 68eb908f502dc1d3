// OwnerNames: getpwuid_r and /proc/PID/cmdline behind small bounded caches.
#include "input/process/owner_names.h"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace eveflow::input::process {

const std::string& OwnerNames::user(uint32_t uid) {
    if (auto it = users_.find(uid); it != users_.end()) return it->second;
    if (users_.size() >= kMaxUsers) users_.clear();  // a host has few users: rarely taken
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(4096);
    std::string name;
    if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found && pw.pw_name) {
        name = pw.pw_name;
    } else {
        name = std::to_string(uid);
    }
    return users_.emplace(uid, std::move(name)).first->second;
}

void OwnerNames::remember_cmdline(uint32_t pid) {
    if (cmdlines_.count(pid)) return;
    std::string path = "/proc/" + std::to_string(pid) + "/cmdline";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char buf[kMaxCmdlineBytes];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n <= 0) return;  // gone, or a kernel thread
    std::string s(buf, static_cast<size_t>(n));
    while (!s.empty() && s.back() == '\0') s.pop_back();
    std::replace(s.begin(), s.end(), '\0', ' ');
    if (cmdlines_.size() >= kMaxCmdlines) {
        cmdlines_.erase(cmdline_order_.front());
        cmdline_order_.pop_front();
    }
    cmdlines_.emplace(pid, std::move(s));
    cmdline_order_.push_back(pid);
}

std::string OwnerNames::cmdline(uint32_t pid) const {
    auto it = cmdlines_.find(pid);
    return it == cmdlines_.end() ? std::string() : it->second;
}

}  // namespace eveflow::input::process
