// Process visibility, kernel side: syscall tracepoints that report which process uses which
// IPv4/IPv6 TCP/UDP socket (docs/process.md). They run in the calling process's context, so
// the pid, comm and uid are the caller's, even for connections shorter than any poll.
// The kernel's types (vmlinux.h) must come before libbpf's headers.
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "process_event.h"
// clang-format on

#define AF_INET 2
#define AF_INET6 10
#define EINPROGRESS 115

char LICENSE[] SEC("license") = "GPL";

/// The network namespace (inode number) to report; 0 reports every namespace.
const volatile __u32 target_netns = 0;

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 22);
} events SEC(".maps");

/// The fd a thread passed to a syscall, from its enter to its exit tracepoint.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16384);
    __type(key, __u64);
    __type(value, __s32);
} pending SEC(".maps");

/// Sockets already reported, so a process sending many datagrams reports its socket once.
struct seen_key {
    __u64 sk;
    __u32 tgid;
    __u16 lport, rport;
};
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 65536);
    __type(key, struct seen_key);
    __type(value, __u8);
} seen SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, PROCESS_ERR_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} errors SEC(".maps");

static __always_inline void count_error(__u32 which) {
    __u64* n = bpf_map_lookup_elem(&errors, &which);
    if (n) *n += 1;
}

// The socket behind the current task's descriptor `fd`, or NULL.
static __always_inline struct sock* sock_of_fd(long fd) {
    struct task_struct* task = (struct task_struct*)bpf_get_current_task();
    struct fdtable* fdt = BPF_CORE_READ(task, files, fdt);
    if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds)) return NULL;
    struct file** fds = BPF_CORE_READ(fdt, fd);
    struct file* file = NULL;
    if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) != 0 || !file) return NULL;
    struct socket* so = (struct socket*)BPF_CORE_READ(file, private_data);
    if (!so) return NULL;
    return BPF_CORE_READ(so, sk);
}

static __always_inline void v4_mapped(__u8* out, __u32 addr) {
    __builtin_memset(out, 0, 16);
    out[10] = 0xff;
    out[11] = 0xff;
    __builtin_memcpy(out + 12, &addr, 4);
}

static __always_inline void report(struct sock* sk, __u8 kind) {
    if (!sk) {
        count_error(PROCESS_ERR_READ);
        return;
    }
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    if (family != AF_INET && family != AF_INET6) return;
    __u16 proto = BPF_CORE_READ(sk, sk_protocol);
    if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) return;
    if (target_netns && BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum) != target_netns) return;
    __u64 id = bpf_get_current_pid_tgid();
    struct seen_key key = {};
    key.sk = (__u64)sk;
    key.tgid = id >> 32;
    key.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
    key.rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
    if (key.lport == 0) return;  // not bound yet: nothing to match a packet with
    if (bpf_map_lookup_elem(&seen, &key)) return;
    struct process_event* e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e) {
        count_error(PROCESS_ERR_RINGBUF_FULL);
        return;  // not marked seen: a later syscall on the socket may still report it
    }
    __u8 one = 1;
    bpf_map_update_elem(&seen, &key, &one, BPF_ANY);
    e->ts_ns = bpf_ktime_get_ns();
    e->tgid = key.tgid;
    e->uid = (__u32)bpf_get_current_uid_gid();
    e->proto = proto;
    e->lport = key.lport;
    e->rport = key.rport;
    e->kind = kind;
    e->pad = 0;
    if (family == AF_INET) {
        v4_mapped(e->laddr, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
        v4_mapped(e->raddr, BPF_CORE_READ(sk, __sk_common.skc_daddr));
    } else {
        BPF_CORE_READ_INTO(&e->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
        BPF_CORE_READ_INTO(&e->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
    }
    bpf_get_current_comm(e->comm, sizeof(e->comm));
    bpf_ringbuf_submit(e, 0);
}

static __always_inline int remember_fd(struct trace_event_raw_sys_enter* ctx) {
    __u64 id = bpf_get_current_pid_tgid();
    __s32 fd = (__s32)ctx->args[0];
    bpf_map_update_elem(&pending, &id, &fd, BPF_ANY);
    return 0;
}

// At a syscall's exit: the socket of the fd its enter remembered, when `ok`.
static __always_inline int report_pending(int ok, __u8 kind) {
    __u64 id = bpf_get_current_pid_tgid();
    __s32* fd = bpf_map_lookup_elem(&pending, &id);
    if (!fd) return 0;
    long f = *fd;
    bpf_map_delete_elem(&pending, &id);
    if (ok) report(sock_of_fd(f), kind);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct trace_event_raw_sys_enter* ctx) { return remember_fd(ctx); }

SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(struct trace_event_raw_sys_exit* ctx) {
    return report_pending(ctx->ret == 0 || ctx->ret == -EINPROGRESS, PROCESS_EVENT_CONNECT);
}

SEC("tracepoint/syscalls/sys_enter_bind")
int enter_bind(struct trace_event_raw_sys_enter* ctx) { return remember_fd(ctx); }

SEC("tracepoint/syscalls/sys_exit_bind")
int exit_bind(struct trace_event_raw_sys_exit* ctx) {
    return report_pending(ctx->ret == 0, PROCESS_EVENT_BIND);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int exit_accept(struct trace_event_raw_sys_exit* ctx) {
    if (ctx->ret >= 0) report(sock_of_fd(ctx->ret), PROCESS_EVENT_ACCEPT);
    return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int exit_accept4(struct trace_event_raw_sys_exit* ctx) {
    if (ctx->ret >= 0) report(sock_of_fd(ctx->ret), PROCESS_EVENT_ACCEPT);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int enter_sendto(struct trace_event_raw_sys_enter* ctx) { return remember_fd(ctx); }

SEC("tracepoint/syscalls/sys_exit_sendto")
int exit_sendto(struct trace_event_raw_sys_exit* ctx) {
    return report_pending(ctx->ret >= 0, PROCESS_EVENT_SEND);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int enter_sendmsg(struct trace_event_raw_sys_enter* ctx) { return remember_fd(ctx); }

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int exit_sendmsg(struct trace_event_raw_sys_exit* ctx) {
    return report_pending(ctx->ret >= 0, PROCESS_EVENT_SEND);
}

SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int enter_sendmmsg(struct trace_event_raw_sys_enter* ctx) { return remember_fd(ctx); }

SEC("tracepoint/syscalls/sys_exit_sendmmsg")
int exit_sendmmsg(struct trace_event_raw_sys_exit* ctx) {
    return report_pending(ctx->ret >= 0, PROCESS_EVENT_SEND);
}
