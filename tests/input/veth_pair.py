"""Two network namespaces of one's own joined by a veth pair, for live-capture tests (root).

    with VethPair("efj", mtu=9000) as v:   # v.ns_a / v.if_a replay, v.ns_b / v.if_b capture
        v.in_b(["eveflow", "--interface", v.if_b, ...])
Both namespaces (and so the pair) are deleted on leaving, also after an error.
"""
import os
import shutil
import subprocess


def sh(*args, check=True):
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def skip_reason(tools):
    """Why a live test cannot run here (None when it can): root, `ip netns` and `tools`."""
    if os.geteuid() != 0:
        return "not root: live capture in network namespaces needs root"
    for tool in ["ip"] + list(tools):
        if not shutil.which(tool):
            return "%s not installed" % tool
    if sh("ip", "netns", "list", check=False).returncode != 0:
        return "`ip netns` unavailable"
    return None


def kill_all(procs):
    """Kills and reaps the processes of `procs` still running (a test's own)."""
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


class VethPair:
    def __init__(self, prefix, mtu=None):
        tag = "%s%d" % (prefix, os.getpid())
        self.ns_a, self.ns_b = tag + "a", tag + "b"
        self.if_a, self.if_b = "va" + tag[-6:], "vb" + tag[-6:]
        self.mtu = mtu

    def __enter__(self):
        try:
            sh("ip", "netns", "add", self.ns_a)
            sh("ip", "netns", "add", self.ns_b)
            sh("ip", "link", "add", self.if_a, "netns", self.ns_a, "type", "veth", "peer",
               "name", self.if_b, "netns", self.ns_b)
            for ns, dev in ((self.ns_a, self.if_a), (self.ns_b, self.if_b)):
                if self.mtu:
                    sh("ip", "-n", ns, "link", "set", dev, "mtu", str(self.mtu))
                sh("ip", "-n", ns, "link", "set", dev, "up")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        sh("ip", "netns", "del", self.ns_a, check=False)
        sh("ip", "netns", "del", self.ns_b, check=False)

    def in_a(self, cmd):
        return ["ip", "netns", "exec", self.ns_a] + list(cmd)

    def in_b(self, cmd):
        return ["ip", "netns", "exec", self.ns_b] + list(cmd)
