#!/usr/bin/python3
"""The ground-truth comparison through the eveflow binary, as a user runs it:

  eveflow --pcap <capture> --no-flow-expiry --ndpi-config-dir <config> --flows-jsonl <out>

for every capture of nDPI 4.2's test set, then ndpi_out.py against result/<capture>.out.
Usage: pcap_cli_test.py EVEFLOW SHARED_DATA. Exits 77 (skipped) when the data is absent.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TRUNCATED_UPSTREAM = {"fuzz-2021-10-13.pcap"}   # libpcap stops early: exit status 1 expected


def main():
    eveflow, shared = sys.argv[1], sys.argv[2]
    root = os.path.join(shared, "pcap", "ndpi-4.2")
    if not os.path.isdir(os.path.join(root, "pcap")):
        print("SKIP: shared test data absent: " + root)
        return 77
    captures = sorted(os.listdir(os.path.join(root, "pcap")))
    failed = []
    with tempfile.TemporaryDirectory(prefix="eveflow-pcap-cli-") as out:
        for cap in captures:
            args = [eveflow, "--pcap", os.path.join(root, "pcap", cap), "--no-flow-expiry",
                    "--ndpi-config-dir", os.path.join(root, "config"),
                    "--flows-jsonl", os.path.join(out, cap + ".jsonl")]
            r = subprocess.run(args, capture_output=True, text=True, timeout=120)
            want = 1 if cap in TRUNCATED_UPSTREAM else 0
            if r.returncode != want:
                failed.append("%s: exit %d (want %d): %s" % (cap, r.returncode, want, r.stderr[-500:]))
        for f in failed:
            print("FAIL " + f)
        cmp = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "ndpi_out.py"),
                              os.path.join(root, "result"), out] + captures)
    return 1 if failed or cmp.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
