// BpfSource: loads the tracepoint programs through their skeleton and drains their ring buffer.
#include "input/process/bpf_source.h"

#if EVEFLOW_HAVE_PROCESS_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>

#include "input/process/bpf/process_event.h"
#include "process_events.skel.h"
#include "util/log.h"
#endif

namespace eveflow::input::process {

#if EVEFLOW_HAVE_PROCESS_BPF
namespace {

constexpr const char* kTracefs = "/sys/kernel/tracing";

bool has_syscall_events(const char* root) {
    struct stat st {};
    std::string dir = std::string(root) + "/events/syscalls";
    return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// libbpf attaches tracepoints through tracefs, which a fresh mount namespace (`ip netns exec`
// makes one) may not have mounted: mount it there.
bool tracefs_ready(std::string& error) {
    if (has_syscall_events(kTracefs) || has_syscall_events("/sys/kernel/debug/tracing")) {
        return true;
    }
    if (::mount("nodev", kTracefs, "tracefs", 0, nullptr) != 0) {
        error = std::string("tracefs is not mounted at ") + kTracefs +
                " and mounting it failed: " + std::strerror(errno);
        return false;
    }
    if (has_syscall_events(kTracefs)) return true;
    error =
        std::string(kTracefs) + "/events/syscalls: missing (kernel without syscall tracepoints)";
    return false;
}

// libbpf's messages go to the debug log; the last warning explains a refusal.
std::mutex g_print_mu;
std::string g_last_warning;

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list args) {
    char buf[512];
    std::vsnprintf(buf, sizeof buf, fmt, args);
    std::string line(buf);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    if (level == LIBBPF_WARN) {
        std::lock_guard lock(g_print_mu);
        g_last_warning = line;
    }
    log::debug("process: libbpf: {}", line);
    return 0;
}

int64_t wall_minus_mono_us() {
    timespec wall{}, mono{};
    ::clock_gettime(CLOCK_REALTIME, &wall);
    ::clock_gettime(CLOCK_MONOTONIC, &mono);
    auto us = [](const timespec& t) { return int64_t{t.tv_sec} * 1'000'000 + t.tv_nsec / 1000; };
    return us(wall) - us(mono);
}

class BpfSource final : public OwnerSource {
public:
    explicit BpfSource(process_events_bpf* skel) : skel_(skel) {
        errors_fd_ = bpf_map__fd(skel_->maps.errors);
        int n = libbpf_num_possible_cpus();
        cpus_ = n > 0 ? static_cast<size_t>(n) : 1;
    }
    ~BpfSource() override {
        if (rb_) ring_buffer__free(rb_);
        process_events_bpf__destroy(skel_);
    }
    /// The ring buffer reader; false when libbpf cannot set it up.
    bool open_ring() {
        rb_ =
            ring_buffer__new(bpf_map__fd(skel_->maps.events), &BpfSource::on_event, this, nullptr);
        if (rb_) epoll_fd_ = ring_buffer__epoll_fd(rb_);
        return rb_ != nullptr;
    }
    std::string_view name() const override { return "ebpf"; }

    void wait(std::chrono::milliseconds timeout) override {
        epoll_event ev{};
        ::epoll_wait(epoll_fd_, &ev, 1, static_cast<int>(timeout.count()));
    }

    void take(const ReportSink& sink) override {
        sink_ = &sink;
        offset_us_ = wall_minus_mono_us();
        ring_buffer__consume(rb_);
        sink_ = nullptr;
    }

    OwnerSourceErrors errors() const override {
        OwnerSourceErrors e;
        e.lost = sum(PROCESS_ERR_RINGBUF_FULL);
        e.read = sum(PROCESS_ERR_READ);
        return e;
    }

    static int on_event(void* ctx, void* data, size_t size) {
        auto* self = static_cast<BpfSource*>(ctx);
        if (size < sizeof(process_event) || !self->sink_) return 0;
        process_event ev{};
        std::memcpy(&ev, data, sizeof ev);
        OwnerReport r;
        r.at.proto = static_cast<uint8_t>(ev.proto);
        std::memcpy(r.at.addr.data(), ev.laddr, 16);
        r.at.port = ev.lport;
        r.owner.pid = ev.tgid;
        r.owner.uid = ev.uid;
        std::memcpy(r.owner.comm.data(), ev.comm, 15);
        r.owner.seen_us = static_cast<int64_t>(ev.ts_ns / 1000) + self->offset_us_;
        (*self->sink_)(r);
        return 0;
    }

private:
    uint64_t sum(uint32_t index) const {
        std::vector<uint64_t> per_cpu(cpus_);
        if (bpf_map_lookup_elem(errors_fd_, &index, per_cpu.data()) != 0) return 0;
        uint64_t total = 0;
        for (uint64_t v : per_cpu) total += v;
        return total;
    }

    process_events_bpf* skel_;
    ring_buffer* rb_;
    int epoll_fd_ = -1, errors_fd_ = -1;
    size_t cpus_ = 1;
    const ReportSink* sink_ = nullptr;
    int64_t offset_us_ = 0;
};

std::string refusal(const char* step, int err) {
    std::string why = std::string(step) + ": " + std::strerror(err < 0 ? -err : err);
    std::lock_guard lock(g_print_mu);
    if (!g_last_warning.empty()) why += " (libbpf: " + g_last_warning + ")";
    return why;
}

}  // namespace

std::unique_ptr<OwnerSource> open_bpf_source(uint64_t netns_inode, std::string& error) {
    libbpf_set_print(libbpf_print);
    if (!tracefs_ready(error)) return nullptr;
    process_events_bpf* skel = process_events_bpf__open();
    if (!skel) {
        error = refusal("opening the BPF object", errno);
        return nullptr;
    }
    skel->rodata->target_netns = static_cast<__u32>(netns_inode);
    if (int err = process_events_bpf__load(skel); err != 0) {
        error = refusal("loading the tracepoint programs", err);
        process_events_bpf__destroy(skel);
        return nullptr;
    }
    if (int err = process_events_bpf__attach(skel); err != 0) {
        error = refusal("attaching the tracepoint programs", err);
        process_events_bpf__destroy(skel);
        return nullptr;
    }
    auto source = std::make_unique<BpfSource>(skel);
    if (!source->open_ring()) {
        error = refusal("reading the ring buffer", errno);
        return nullptr;
    }
    return source;
}

#else

std::unique_ptr<OwnerSource> open_bpf_source(uint64_t, std::string& error) {
    error = "eveflow was built without its eBPF programs (EVEFLOW_PROCESS_BPF=OFF)";
    return nullptr;
}

#endif

}  // namespace eveflow::input::process
