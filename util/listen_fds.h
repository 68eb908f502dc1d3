// Listening sockets passed by a service manager at start (systemd's socket activation).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace eveflow::listen_fds {

/// The first passed descriptor (SD_LISTEN_FDS_START in systemd's sd_listen_fds protocol).
inline constexpr int kFirstFd = 3;

struct Passed {
    int fd = -1;
    std::string name;  // from LISTEN_FDNAMES; empty when not given
};

/// The protocol's rule on the variables' values, without touching the environment: the
/// descriptors are kFirstFd .. kFirstFd + LISTEN_FDS - 1 if LISTEN_PID equals `self`, none
/// otherwise. LISTEN_FDNAMES (optional) names them in order, separated by ':'. A malformed
/// value gives none and a message in `problem`.
std::vector<Passed> parse(const char* pid, const char* fds, const char* names, pid_t self,
                          std::string& problem);

/// Reads LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES, unsets them (children do not inherit
/// them), marks the passed descriptors close-on-exec and keeps them for claim_unix(). Call
/// once on the main thread before other threads start (it changes the environment); later
/// calls do nothing. claim_unix() and release_unclaimed() call it if nobody did.
void take_from_environment();

/// The passed listening unix stream socket bound to `path` (the same string, or the same
/// socket file): its descriptor, which the caller now owns; -1 if none was passed.
int claim_unix(const std::string& path);

/// Logs a warning for each passed descriptor no input claimed, and closes it. Call after
/// every input has opened.
void release_unclaimed();

}  // namespace eveflow::listen_fds
