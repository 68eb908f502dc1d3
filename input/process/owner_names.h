// OwnerNames: bounded caches of user names (by uid) and command lines (by pid).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

namespace eveflow::input::process {

/// Not thread-safe.
class OwnerNames {
public:
    static constexpr size_t kMaxUsers = 1024;
    static constexpr size_t kMaxCmdlines = 4096;
    static constexpr size_t kMaxCmdlineBytes = 256;

    /// The user name of `uid` from the password database, else the uid in decimal.
    const std::string& user(uint32_t uid);
    /// Reads /proc/PID/cmdline now (arguments joined by spaces, cut at kMaxCmdlineBytes) and
    /// keeps it; a process already gone keeps nothing.
    void remember_cmdline(uint32_t pid);
    /// What remember_cmdline() kept for `pid`, else empty.
    std::string cmdline(uint32_t pid) const;
    size_t users() const { return users_.size(); }
    size_t cmdlines() const { return cmdlines_.size(); }

private:
    std::unordered_map<uint32_t, std::string> users_;
    std::unordered_map<uint32_t, std::string> cmdlines_;
    std::deque<uint32_t> cmdline_order_;  // oldest first, for eviction
};

}  // namespace eveflow::input::process
