// ProcessAttributor: backend choice, the drain thread, lookups and their metrics.
#include "input/process/process_attributor.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "input/process/bpf_source.h"
#include "input/process/diag_source.h"
#include "util/log.h"
#include "util/status.h"
#include "util/thread_name.h"

namespace eveflow::input::process {
namespace {

constexpr auto kWait = std::chrono::milliseconds(100);
constexpr int kRefreshEvery = 50;  // drain rounds between local address refreshes (~5 s)
// A kernel report comes when the syscall returns, which may be after the flow's first packets
// and, for a single datagram, after its last: a report this long after a flow's last packet
// still counts for it (a later one is a newer socket on the same port).
constexpr int64_t kBpfSlackUs = 250'000;
// A scan does not know when a socket was made: any socket alive at a scan counts.
constexpr int64_t kScanSlackUs = int64_t{1} << 60;

uint64_t own_netns() {
    struct stat st {};
    return ::stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
}

std::unique_ptr<OwnerSource> open_source(const ProcessConfig& c, std::string_view input) {
    std::string bpf_error = "skipped (EVEFLOW_PROCESS_FORCE_FALLBACK=1)";
    const char* force = std::getenv("EVEFLOW_PROCESS_FORCE_FALLBACK");
    if (!force || std::strcmp(force, "1") != 0) {
        bpf_error.clear();
        if (auto s = open_bpf_source(own_netns(), bpf_error)) return s;
    }
    std::string diag_error;
    if (auto s = open_diag_source(c.scan_interval, diag_error)) {
        log::warn(
            "process: {}: eBPF unavailable ({}); falling back to sock_diag scans every {} ms: "
            "connections shorter than a scan will count as not_seen",
            input, bpf_error, c.scan_interval.count());
        return s;
    }
    throw StartupError(std::string(input) + ": process_visibility: neither backend works: eBPF: " +
                       bpf_error + "; sock_diag: " + diag_error +
                       " (eBPF needs CAP_BPF and CAP_PERFMON; see docs/process.md)");
}

Addr v4_mapped(const in_addr& a) {
    Addr out{};
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &a, 4);
    return out;
}

}  // namespace

std::string_view unknown_reason_name(UnknownReason r) {
    switch (r) {
        case UnknownReason::kNotSeen:
        case UnknownReason::kCount:
            break;
    }
    return "not_seen";
}

ProcessAttributor::ProcessAttributor(const ProcessConfig& config, Stats& stats,
                                     std::string_view source)
    : config_(config),
      source_(open_source(config, source)),
      slack_us_(source_->name() == "ebpf" ? kBpfSlackUs : kScanSlackUs),
      sockets_(config.max_sockets),
      attributed_(stats.counter("eveflow_process_attributed_total",
                                "Local flow endpoints attributed to a process")),
      reports_(stats.counter("eveflow_process_reports_total",
                             "Socket owners reported by the process backend",
                             {{"backend", std::string(source_->name())}})),
      evicted_(stats.counter("eveflow_process_cache_evicted_total",
                             "Socket endpoints dropped from the full socket cache")),
      lost_(stats.counter("eveflow_process_errors_total", "Process backend errors, by kind",
                          {{"kind", "ringbuf_full"}})),
      read_errors_(stats.counter("eveflow_process_errors_total", "Process backend errors, by kind",
                                 {{"kind", "bpf_read"}})),
      netlink_errors_(stats.counter("eveflow_process_errors_total",
                                    "Process backend errors, by kind", {{"kind", "netlink"}})),
      socket_entries_(stats.gauge("eveflow_process_cache_entries", "Entries in the process caches",
                                  {{"cache", "sockets"}})),
      user_entries_(stats.gauge("eveflow_process_cache_entries", "Entries in the process caches",
                                {{"cache", "users"}})),
      cmdline_entries_(stats.gauge("eveflow_process_cache_entries", "Entries in the process caches",
                                   {{"cache", "cmdlines"}})) {
    for (size_t i = 0; i < unknown_.size(); ++i) {
        std::string reason(unknown_reason_name(static_cast<UnknownReason>(i)));
        unknown_[i] = &stats.counter("eveflow_process_unknown_total",
                                     "Local flow endpoints without a process, by reason",
                                     {{"reason", reason}});
    }
    refresh_local_addrs();
    log::info("process: {}: process visibility on backend={}", source, source_->name());
    thread_ = std::jthread([this](std::stop_token stop) {
        name_this_thread("processes");
        run(stop);
    });
}

ProcessAttributor::~ProcessAttributor() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
}

void ProcessAttributor::run(std::stop_token stop) {
    for (int round = 0; !stop.stop_requested(); ++round) {
        source_->wait(kWait);
        std::lock_guard lock(mu_);
        take_locked();
        if (round % kRefreshEvery == 0) {
            refresh_local_addrs();
            publish_metrics();
        }
    }
}

void ProcessAttributor::sync() {
    std::lock_guard lock(mu_);
    take_locked();
}

void ProcessAttributor::take_locked() {
    source_->take([this](const OwnerReport& r) {
        sockets_.put(r.at.proto, r.at.addr, r.at.port, r.owner);
        if (config_.cmdline) names_.remember_cmdline(r.owner.pid);
        reports_.inc();
    });
}

void ProcessAttributor::publish_metrics() {
    OwnerSourceErrors e = source_->errors();
    lost_.inc(e.lost - errors_seen_.lost);
    read_errors_.inc(e.read - errors_seen_.read);
    netlink_errors_.inc(e.netlink - errors_seen_.netlink);
    errors_seen_ = e;
    evicted_.inc(sockets_.evicted() - evicted_seen_);
    evicted_seen_ = sockets_.evicted();
    socket_entries_.set(static_cast<double>(sockets_.size()));
    user_entries_.set(static_cast<double>(names_.users()));
    cmdline_entries_.set(static_cast<double>(names_.cmdlines()));
}

// The host's addresses in this namespace; loopback ranges are always local.
void ProcessAttributor::refresh_local_addrs() {
    std::vector<Addr> addrs;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) == 0) {
        for (ifaddrs* i = list; i; i = i->ifa_next) {
            if (!i->ifa_addr) continue;
            if (i->ifa_addr->sa_family == AF_INET) {
                addrs.push_back(v4_mapped(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr));
            } else if (i->ifa_addr->sa_family == AF_INET6) {
                Addr a{};
                std::memcpy(a.data(), &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
                addrs.push_back(a);
            }
        }
        ::freeifaddrs(list);
    }
    local_addrs_.swap(addrs);
}

bool ProcessAttributor::is_local(const Addr& a) const {
    static constexpr Addr kLoop6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    bool v4 = std::all_of(a.begin(), a.begin() + 10, [](uint8_t b) { return b == 0; }) &&
              a[10] == 0xff && a[11] == 0xff;
    if ((v4 && a[12] == 127) || a == kLoop6) return true;
    return std::find(local_addrs_.begin(), local_addrs_.end(), a) != local_addrs_.end();
}

EndpointProcess ProcessAttributor::endpoint(uint8_t proto, const Addr& addr, uint16_t port,
                                            int64_t last_us) {
    EndpointProcess p;
    if (!is_local(addr)) return p;
    const SocketOwner* o = sockets_.find(proto, addr, port, last_us, slack_us_);
    if (!o) {
        p.kind = EndpointProcess::Kind::kUnknown;
        p.reason = UnknownReason::kNotSeen;
        unknown_[static_cast<size_t>(p.reason)]->inc();
        return p;
    }
    p.kind = EndpointProcess::Kind::kFound;
    p.pid = o->pid;
    p.name = o->name();
    p.user = names_.user(o->uid);
    if (config_.cmdline) p.cmdline = names_.cmdline(o->pid);
    attributed_.inc();
    return p;
}

FlowProcesses ProcessAttributor::lookup(uint8_t proto, const Addr& client, uint16_t client_port,
                                        const Addr& server, uint16_t server_port, int64_t last_us) {
    std::lock_guard lock(mu_);
    return {endpoint(proto, client, client_port, last_us),
            endpoint(proto, server, server_port, last_us)};
}

}  // namespace eveflow::input::process
