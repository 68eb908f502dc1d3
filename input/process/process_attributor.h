// ProcessAttributor: the process behind each local end of a metered flow (docs/process.md).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "input/process/owner_names.h"
#include "input/process/owner_source.h"
#include "input/process/socket_table.h"
#include "util/stats.h"

namespace eveflow::input::process {

struct ProcessConfig {
    bool enabled = false;  // `process_visibility`
    bool cmdline = false;  // `process_cmdline`
    size_t max_sockets = 65536;
    std::chrono::milliseconds scan_interval{1000};  // the sock_diag fallback's
};

/// Why a local endpoint has no process. Metric label and JSON value: unknown_reason_name().
enum class UnknownReason : uint8_t { kNotSeen, kCount };
std::string_view unknown_reason_name(UnknownReason r);

/// One end of a flow.
struct EndpointProcess {
    enum class Kind : uint8_t { kRemote, kFound, kUnknown };
    Kind kind = Kind::kRemote;  // kRemote: the address is not this host's
    UnknownReason reason = UnknownReason::kNotSeen;
    uint32_t pid = 0;
    std::string name, user, cmdline;  // cmdline empty unless `process_cmdline` and known
};
struct FlowProcesses {
    EndpointProcess src, dest;
};

/// Starts the eBPF backend (or, when the kernel refuses it, the sock_diag one) for eveflow's
/// network namespace and keeps its reports in bounded caches. A thread of its own drains the
/// backend; lookups come from the pcap input's render thread. Thread-safe.
class ProcessAttributor {
public:
    /// Throws StartupError, with both reasons, when neither backend works. The environment
    /// variable EVEFLOW_PROCESS_FORCE_FALLBACK=1 skips eBPF (to test the fallback).
    ProcessAttributor(const ProcessConfig& config, Stats& stats, std::string_view source);
    ~ProcessAttributor();
    ProcessAttributor(const ProcessAttributor&) = delete;
    ProcessAttributor& operator=(const ProcessAttributor&) = delete;

    std::string_view backend() const { return source_->name(); }
    /// Takes what the backend reported so far: flows exported after a socket's syscall
    /// returned find its process even if the drain thread has not run since.
    void sync();
    /// Both ends of a flow whose last packet was at `last_us` (µs since the epoch); counts
    /// every local end as attributed or unknown.
    FlowProcesses lookup(uint8_t proto, const Addr& client, uint16_t client_port,
                         const Addr& server, uint16_t server_port, int64_t last_us);

private:
    void run(std::stop_token stop);
    void take_locked();
    EndpointProcess endpoint(uint8_t proto, const Addr& addr, uint16_t port, int64_t last_us);
    bool is_local(const Addr& a) const;
    void refresh_local_addrs();
    void publish_metrics();

    ProcessConfig config_;
    std::unique_ptr<OwnerSource> source_;
    int64_t slack_us_;
    std::mutex mu_;  // guards everything below
    SocketTable sockets_;
    OwnerNames names_;
    std::vector<Addr> local_addrs_;
    OwnerSourceErrors errors_seen_;
    uint64_t evicted_seen_ = 0;

    Counter& attributed_;
    std::array<Counter*, static_cast<size_t>(UnknownReason::kCount)> unknown_{};
    Counter& reports_;
    Counter& evicted_;
    Counter& lost_;
    Counter& read_errors_;
    Counter& netlink_errors_;
    Gauge& socket_entries_;
    Gauge& user_entries_;
    Gauge& cmdline_entries_;
    std::jthread thread_;
};

}  // namespace eveflow::input::process
