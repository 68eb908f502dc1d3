#!/usr/bin/python3
"""Frames larger than the snapshot length count their full length (GRO/LRO-merged frames).

Usage: pcap_snaplen_live_test.py EVEFLOW
Two network namespaces joined by a veth pair with MTU 9000. Two eveflow processes capture in
B: one with the default snaplen (from the MTU: 9024, nothing cut) and one with snaplen 256
(every jumbo frame cut). A replays jumbo UDP and TCP frames written with scapy; both must
report each flow's packets and bytes as the frames' lengths on the wire, which the test
sums from the pcap it wrote. Exits 77 (skipped) when not root or without `ip netns`,
tcpreplay or scapy.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import veth_pair
from veth_pair import VethPair, sh

SKIP = 77


def missing():
    why = veth_pair.skip_reason(["tcpreplay"])
    if why:
        return why
    try:
        import scapy.all  # noqa: F401
    except ImportError:
        return "python3-scapy not installed"
    return None


def write_frames(path):
    """Jumbo frames of two flows; returns {(sport, dport): (packets, wire bytes)}."""
    from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap
    frames, want = [], {}
    for i in range(12):
        size = 3000 + 500 * i  # 3000 .. 8500 bytes of payload, below the 9000 MTU
        for sport, dport, l4 in ((40000, 5353, UDP(sport=40000, dport=5353)),
                                 (40001, 443, TCP(sport=40001, dport=443, flags="A", seq=i))):
            f = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
                 IP(src="10.9.0.1", dst="10.9.0.2") / l4 / Raw(b"x" * (size - 40)))
            frames.append(f)
            n, b = want.get((sport, dport), (0, 0))
            want[(sport, dport)] = (n + 1, b + len(f))
    wrpcap(path, frames)
    return want


def start(capture, out, extra):
    cmd = capture + ["--no-dpi", "--flows-jsonl", out, "--sensor-id", "live"] + extra
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    log = []
    while True:
        line = p.stderr.readline()
        assert line, "eveflow did not start capturing: %s" % "".join(log)
        log.append(line)
        if "pcap: capturing" in line:
            return p, log


def check(out, log, want, snaplen):
    assert any("snaplen=%d " % snaplen in line for line in log), log
    with open(out) as f:
        flows = [json.loads(line) for line in f]
    for (sport, dport), (pkts, nbytes) in want.items():
        got = [r for r in flows if r["src_port"] == sport and r["dest_port"] == dport]
        assert len(got) == 1, "flow %d->%d: %s" % (sport, dport, flows)
        fl = got[0]["flow"]
        assert (fl["pkts_toserver"], fl["bytes_toserver"]) == (pkts, nbytes), \
            "snaplen %d, flow %d->%d: want %d pkts %d bytes, got %s" % (
                snaplen, sport, dport, pkts, nbytes, fl)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))   # ctest timeout: still clean up
    if missing():
        print("SKIP: " + missing())
        return SKIP
    eveflow = sys.argv[1]
    work = tempfile.mkdtemp(prefix="eveflow-snaplen-")
    procs = []
    try:
        frames = os.path.join(work, "jumbo.pcap")
        want = write_frames(frames)
        with VethPair("efj", mtu=9000) as v:
            runs = []
            for snaplen, extra in ((9024, []), (256, ["--set", "inputs[0].snaplen=256"])):
                out = os.path.join(work, "flows-%d.jsonl" % snaplen)
                p, log = start(v.in_b([eveflow, "--interface", v.if_b]), out, extra)
                procs.append(p)
                runs.append((p, log, out, snaplen))
            sh(*v.in_a(["tcpreplay", "-i", v.if_a, "--pps=200", frames]))
            for p, log, out, snaplen in runs:
                p.send_signal(signal.SIGTERM)
                _, err = p.communicate(timeout=20)
                log.append(err)
                assert p.returncode == 0, "eveflow exit %s: %s" % (p.returncode, "".join(log))
                check(out, log, want, snaplen)
        print("OK: %s counted in full with snaplen 9024 (from MTU 9000) and 256" % (
            ", ".join("%d pkts %d bytes" % v for v in want.values())))
        return 0
    finally:
        veth_pair.kill_all(procs)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
