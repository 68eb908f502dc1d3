#!/usr/bin/python3
"""Live capture: two network namespaces joined by a veth pair; the meter captures in B.

Usage: pcap_live_test.py METER_TOOL [WORKERS]
A replays link_ethernet.pcap (made by pcap_fixtures.py) with tcpreplay and fetches a page from python's
http.server in B with curl. The meter (pcap_meter_tool) must see and classify those flows,
export them all on SIGTERM, and report pcap_stats drops. WORKERS (default 1) is the
input's `workers` (--workers for eveflow): the same must hold with several meter workers. Exits 77 (skipped) when not root or
without `ip netns`, tcpreplay or curl.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kw)


def skip_reason():
    if os.geteuid() != 0:
        return "not root: live capture in network namespaces needs root"
    for tool in ("ip", "tcpreplay", "curl"):
        if not shutil.which(tool):
            return "%s not installed" % tool
    if sh("ip", "netns", "list", check=False).returncode != 0:
        return "`ip netns` unavailable"
    return None


def expected_replay(fixture_dir):
    with open(os.path.join(fixture_dir, "link_ethernet.pcap.expect.json")) as f:
        return json.load(f)["flows"]


def main():
    tool = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))   # ctest timeout: still clean up
    why = skip_reason()
    if why:
        print("SKIP: " + why)
        return SKIP
    tag = "ef%d" % os.getpid()
    ns_a, ns_b, if_a, if_b = tag + "a", tag + "b", "va" + tag[-6:], "vb" + tag[-6:]
    work = tempfile.mkdtemp(prefix="eveflow-live-")
    procs = []
    try:
        fixtures = os.path.join(work, "fixtures")
        sh("/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            "pcap_fixtures.py"), fixtures)
        sh("ip", "netns", "add", ns_a)
        sh("ip", "netns", "add", ns_b)
        sh("ip", "link", "add", if_a, "netns", ns_a, "type", "veth", "peer", "name", if_b, "netns", ns_b)
        sh("ip", "-n", ns_a, "addr", "add", "10.1.0.1/24", "dev", if_a)
        sh("ip", "-n", ns_b, "addr", "add", "10.1.0.2/24", "dev", if_b)
        for ns, dev in ((ns_a, if_a), (ns_b, if_b)):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "link", "set", dev, "up")
        out = os.path.join(work, "flows.jsonl")
        section = ("{type: pcap, interface: %s, snaplen: 2048, buffer_size: 64MiB, workers: %d}" %
                   (if_b, workers))
        if os.path.basename(tool) == "eveflow":
            # The real binary: --interface with --flows-jsonl, stopped by SIGTERM.
            cmd = [tool, "--interface", if_b, "--set", "inputs[0].snaplen=2048",
                   "--flows-jsonl", out, "--sensor-id", "live", "--workers", str(workers)]
        else:
            cmd = [tool, out, section]
        meter = subprocess.Popen(["ip", "netns", "exec", ns_b] + cmd,
                                 stderr=subprocess.PIPE, text=True)
        procs.append(meter)
        if os.path.basename(tool) == "eveflow":
            line = ""
            while "pcap: capturing" not in line:
                line = meter.stderr.readline()
                assert line, "eveflow did not start capturing"
        else:
            assert meter.stderr.readline().strip() == "ready", "meter did not start"
        server = subprocess.Popen(["ip", "netns", "exec", ns_b, "/usr/bin/python3", "-m",
                                   "http.server", "8080", "--bind", "10.1.0.2"],
                                  cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(server)
        time.sleep(1.0)
        page = sh("ip", "netns", "exec", ns_a, "curl", "-s", "--retry", "5", "--retry-connrefused",
                  "http://10.1.0.2:8080/")
        assert page.returncode == 0
        sh("ip", "netns", "exec", ns_a, "tcpreplay", "-i", if_a, "--pps=100",
           os.path.join(fixtures, "link_ethernet.pcap"))
        time.sleep(0.5)
        meter.send_signal(signal.SIGTERM)
        _, err = meter.communicate(timeout=20)
        assert meter.returncode == 0, "meter exit %s: %s" % (meter.returncode, err)
        with open(out) as f:
            flows = [json.loads(line) for line in f]
        http = [r for r in flows if r["dest_ip"] == "10.1.0.2" and r["dest_port"] == 8080]
        assert len(http) >= 1, "curl flow not seen: %s" % flows
        assert http[0]["src_ip"] == "10.1.0.1"
        assert http[0]["ndpi"]["protocol"] == "HTTP", http[0]["ndpi"]
        assert http[0]["flow"]["pkts_toserver"] > 0 and http[0]["flow"]["pkts_toclient"] > 0
        for want in expected_replay(fixtures):
            got = [r for r in flows if r["src_ip"] == want["client"] and
                   r["src_port"] == want["client_port"] and r["dest_port"] == want["server_port"]]
            assert len(got) == 1, "replayed flow %s missing: %s" % (want, flows)
            fl = got[0]["flow"]
            assert [fl["pkts_toserver"], fl["pkts_toclient"]] == want["pkts"], (want, got)
            assert [fl["bytes_toserver"], fl["bytes_toclient"]] == want["bytes"], (want, got)
        if os.path.basename(tool) == "eveflow":
            drops = ["(kernel drops checked in the pcap_meter_tool run)"]
            assert "eveflow: done:" in err, err
        else:
            drops = [line for line in err.splitlines()
                     if line.startswith("eveflow_pcap_kernel_dropped_total")]
            assert drops and drops[0].endswith(" 0"), "kernel drops: %s" % drops
            queued = [line for line in err.splitlines()
                      if line.startswith("eveflow_pcap_queue_dropped_total")]
            assert queued and queued[0].endswith(" 0"), "worker queue drops: %s" % queued
        print("OK: %d workers, %d flows, HTTP classified, %d replayed flows exact, %s" %
              (workers, len(flows), len(expected_replay(fixtures)), drops[0]))
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        sh("ip", "netns", "del", ns_a, check=False)
        sh("ip", "netns", "del", ns_b, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
