// process_event: what the kernel side of process visibility reports for one socket.
#pragma once

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/// The syscall that showed the socket to its process.
enum process_event_kind {
    PROCESS_EVENT_CONNECT = 1,
    PROCESS_EVENT_ACCEPT = 2,
    PROCESS_EVENT_BIND = 3,
    PROCESS_EVENT_SEND = 4,
};

/// One record of the ring buffer: the local end of an IPv4/IPv6 TCP or UDP socket and the
/// process that used it. Addresses are 16 bytes, IPv4 v4-mapped; ports in host order.
struct process_event {
    __u64 ts_ns;  // CLOCK_MONOTONIC
    __u32 tgid;   // the process (what user space calls its pid)
    __u32 uid;
    __u16 proto;  // IPPROTO_TCP or IPPROTO_UDP
    __u16 lport;
    __u16 rport;  // 0 while unconnected
    __u8 kind;    // enum process_event_kind
    __u8 pad;
    __u8 laddr[16];
    __u8 raddr[16];
    char comm[16];
};

/// Indexes of the per-CPU error counters map.
enum process_event_error {
    PROCESS_ERR_RINGBUF_FULL = 0,
    PROCESS_ERR_READ = 1,
    PROCESS_ERR_COUNT = 2,
};
