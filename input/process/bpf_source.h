// BpfSource: socket owners from syscall tracepoints (input/process/bpf/process_events.bpf.c).
#pragma once

#include <memory>
#include <string>

#include "input/process/owner_source.h"

namespace eveflow::input::process {

/// Loads and attaches the tracepoint programs, reporting sockets of the network namespace
/// `netns_inode` only. nullptr, with the reason in `error`, when the kernel refuses them (or
/// eveflow was built without them).
std::unique_ptr<OwnerSource> open_bpf_source(uint64_t netns_inode, std::string& error);

}  // namespace eveflow::input::process
