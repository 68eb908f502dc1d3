// DiagSource: periodic sock_diag dumps, their new inodes matched to pids through /proc.
#include "input/process/diag_source.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "input/process/diag_scan.h"
#include "util/log.h"

namespace eveflow::input::process {
namespace {

class DiagSource final : public OwnerSource {
public:
    explicit DiagSource(std::chrono::milliseconds interval) : interval_(interval) {}
    std::string_view name() const override { return "sock_diag"; }

    void wait(std::chrono::milliseconds timeout) override {
        auto now = std::chrono::steady_clock::now();
        if (now < next_scan_) {
            std::this_thread::sleep_for(
                std::min<std::chrono::nanoseconds>(next_scan_ - now, timeout));
            return;
        }
        next_scan_ = now + interval_;
        scan();
    }

    void take(const ReportSink& sink) override {
        std::vector<OwnerReport> got;
        {
            std::lock_guard lock(mu_);
            got.swap(pending_);
        }
        for (const auto& r : got) sink(r);
    }

    OwnerSourceErrors errors() const override {
        std::lock_guard lock(mu_);
        return errors_;
    }

private:
    struct Known {
        uint32_t pid = 0;
        std::array<char, 16> comm{};
    };

    // One scan: the sockets alive now, each with the process that holds it (pids looked up
    // in /proc only for inodes the previous scan did not know).
    void scan() {
        std::vector<DiagSocket> sockets;
        std::string error;
        if (!dump_sockets(sockets, error)) {
            std::lock_guard lock(mu_);
            ++errors_.netlink;
            uint64_t suppressed = 0;
            if (log_limit_.allow(suppressed)) log::warn("process: {}", error);
            return;
        }
        std::unordered_map<uint64_t, uint32_t> want;
        for (const auto& s : sockets) {
            if (!known_.count(s.inode)) want.emplace(s.inode, 0);
        }
        if (!want.empty()) find_socket_pids(want);
        std::unordered_map<uint64_t, Known> now;
        std::vector<OwnerReport> reports;
        for (const auto& s : sockets) {
            Known k = resolve(s.inode, want);
            if (k.pid == 0) continue;
            now.emplace(s.inode, k);
            OwnerReport r{s.at, SocketOwner{k.pid, s.uid, k.comm, 0}};
            reports.push_back(r);
        }
        known_.swap(now);  // only live sockets are kept: bounded by the namespace's sockets
        std::lock_guard lock(mu_);
        pending_.insert(pending_.end(), reports.begin(), reports.end());
    }

    Known resolve(uint64_t inode, const std::unordered_map<uint64_t, uint32_t>& want) {
        if (auto it = known_.find(inode); it != known_.end()) return it->second;
        Known k;
        auto it = want.find(inode);
        if (it == want.end() || it->second == 0) return k;
        std::string comm = read_comm(it->second);
        if (comm.empty()) return k;  // gone between the two reads
        k.pid = it->second;
        std::memcpy(k.comm.data(), comm.data(), std::min<size_t>(comm.size(), 15));
        return k;
    }

    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point next_scan_{};
    std::unordered_map<uint64_t, Known> known_;  // inode → owner, from the last scan
    mutable std::mutex mu_;                      // guards pending_, errors_
    std::vector<OwnerReport> pending_;
    OwnerSourceErrors errors_;
    log::RateLimit log_limit_{5};
};

}  // namespace

std::unique_ptr<OwnerSource> open_diag_source(std::chrono::milliseconds interval,
                                              std::string& error) {
    std::vector<DiagSocket> probe;
    if (!dump_sockets(probe, error)) return nullptr;
    if (read_comm(static_cast<uint32_t>(::getpid())).empty()) {
        error = "/proc/self/comm: unreadable (is /proc mounted?)";
        return nullptr;
    }
    return std::make_unique<DiagSource>(interval);
}

}  // namespace eveflow::input::process
