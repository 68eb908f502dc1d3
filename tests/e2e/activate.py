#!/usr/bin/env python3
"""Starts a program as systemd's socket activation would: with listening unix sockets at fds 3,
4, ... and LISTEN_FDS, LISTEN_PID (its own pid: exec keeps it) and LISTEN_FDNAMES set.

  activate.py NAME=PATH [NAME=PATH ...] -- PROGRAM [ARGS...]
"""
import os
import socket
import sys


def main():
    split = sys.argv.index("--")
    wanted = [a.split("=", 1) for a in sys.argv[1:split]]
    program = sys.argv[split + 1:]
    # Out of the way first, so that moving them to 3, 4, ... overwrites none of them.
    high = []
    for i, (_, path) in enumerate(wanted):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(16)
        fd = s.detach()
        high.append(os.dup2(fd, 100 + i))
        os.close(fd)
    for i, fd in enumerate(high):
        os.dup2(fd, 3 + i, inheritable=True)
        os.close(fd)
    env = dict(os.environ, LISTEN_FDS=str(len(wanted)), LISTEN_PID=str(os.getpid()),
               LISTEN_FDNAMES=":".join(name for name, _ in wanted))
    os.execve(program[0], program, env)


if __name__ == "__main__":
    main()
