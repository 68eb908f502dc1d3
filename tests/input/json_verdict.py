#!/usr/bin/env python3
"""Reads lines on stdin, prints one verdict per line: object, other (JSON, not an object) or
bad. Python's json, strict: NaN and Infinity, which it would accept, are not JSON."""
import json
import sys


def reject(name):
    raise ValueError(name)


for raw in sys.stdin.buffer.read().split(b"\n")[:-1]:
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=reject)
    except (UnicodeDecodeError, ValueError, RecursionError):
        print("bad")
        continue
    print("object" if isinstance(value, dict) else "other")
