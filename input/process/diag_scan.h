// The two reads of the sock_diag fallback: a netlink dump of sockets, a /proc walk for their pids.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "input/process/socket_table.h"

namespace eveflow::input::process {

/// One socket of the dump.
struct DiagSocket {
    Endpoint at;
    uint32_t uid = 0;
    uint64_t inode = 0;
};

/// Appends the TCP and UDP sockets (IPv4 and IPv6, every state, inode not 0) of this network
/// namespace to `out`; false, with `error` set, when a dump fails.
bool dump_sockets(std::vector<DiagSocket>& out, std::string& error);

/// For each inode in `want` (mapped to 0), sets the pid of a process holding it, found in
/// /proc/*/fd. Processes whose fds cannot be read are skipped; returns how many were.
size_t find_socket_pids(std::unordered_map<uint64_t, uint32_t>& want);

/// /proc/PID/comm without its newline, at most 15 bytes; empty when the process is gone.
std::string read_comm(uint32_t pid);

}  // namespace eveflow::input::process
