#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Split `keel run` traces (strace -f -ttt -T -o FILE) into setup phases.

Each phase ends at a marker: the first syscall of keel's runtime process (the
first pid in the trace) that matches a pattern, searched after the previous
marker.  The markers follow keel's create protocol (libkeel/linux/sync.h
message numbers); when one is not found, the time up to the next marker that
is found goes to the later phase and the report says so.  strace slows every
syscall: read the split as relative, not as absolute times.

    phases.py TRACE...      prints a markdown table of medians over the traces
"""
import re
import statistics
import sys

MARKERS = [
    ("exec of keel, dynamic loading, libc start", r" munmap\("),
    ("config.json read, parsed and checked", r' mkdirat\(\d+, "\.new-'),
    ("state dir, config copy, state.json, cgroup made", r" clone3?\("),
    ("stage 1: namespaces unshared, init forked, its pid sent", r'recvmsg.*iov_base="\\1\\0\\0\\0'),
    ("init put in the cgroup, state.json", r'sendmsg\(\d+, .*iov_base="\\4\\0\\0\\0'),
    ("init: cgroupns, procfs, lo, hostname, rootfs, mounts, /dev", r'recvmsg.*iov_base="\\5\\0\\0\\0'),
    ("createRuntime round trip, pivot_root, masked paths, process", r'recvmsg.*iov_base="\\10\\0\\0\\0'),
    ("state.json created, container published", r" connect\("),
    ("start: init drops privileges and execs", r'read(\(\d+,| resumed>) "", \d+\) = 0'),
    ("/bin/true runs and exits, keel reaps it", r" wait4\(.*\) = [1-9]"),
    ("delete: state dir, cgroup removed; exit", r" exit_group\("),
]

LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s(.*)$")


def split(path):
    main = None
    events = []
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            pid, ts, rest = m.group(1), float(m.group(2)), m.group(3)
            if main is None:
                main = pid
            if pid == main:
                events.append((ts, " " + rest))
    if not events:
        raise SystemExit(f"phases: {path}: no strace -f -ttt lines")
    start, out, k = events[0][0], [], 0
    prev = start
    for label, pattern in MARKERS:
        rx = re.compile(pattern)
        j = next((i for i in range(k, len(events)) if rx.search(events[i][1])), None)
        if j is None:
            out.append((label, None))
            continue
        out.append((label, (events[j][0] - prev) * 1e3))
        prev, k = events[j][0], j + 1
    return out, (prev - start) * 1e3


def main():
    runs = [split(p) for p in sys.argv[1:]]
    if not runs:
        raise SystemExit(__doc__)
    totals = [t for _, t in runs]
    total = statistics.median(totals)
    print("| phase (keel's runtime process, wall time under strace) | median ms | share |")
    print("|---|---|---|")
    for i, (label, _) in enumerate(MARKERS):
        vals = [r[0][i][1] for r in runs if r[0][i][1] is not None]
        if not vals:
            print(f"| {label} | marker not found | |")
            continue
        m = statistics.median(vals)
        print(f"| {label} | {m:.2f} | {100 * m / total:.0f}% |")
    print(f"| total (median of {len(runs)} traces) | {total:.2f} | |")


if __name__ == "__main__":
    main()
