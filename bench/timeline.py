#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Cut `run`s of /bin/true into segments by the scheduler's events.

The events are bench/timeline.sh's bpftrace output, one per line:

    NSECS exec PID FILENAME     a process exec'd FILENAME
    NSECS fork PARENT CHILD     PARENT made CHILD
    NSECS exit PID TID          a thread of process PID ended

A `run` starts when a runtime's binary is exec'd (one of the PROGRAM paths
given, as the exec event carries it: the path PATH led to); its segments
end at the runtime's first fork (the tracepoint fires once the child
exists: a clone with new namespaces has made them), at the exec of
/bin/true, at /bin/true's end and at the runtime's end.  The runs must not
overlap (timeline.sh runs one at a time).  A run missing an event counts as
incomplete, and the report says how many there were.

    timeline.py EVENTS PROGRAM...   prints a markdown table of medians, in ms
"""
import statistics
import sys

SEGMENTS = [
    ("from its exec to its first fork done: re-exec, config, state, cgroup "
     "(crun and the floor: the namespaces too, made in that clone)", "start", "fork"),
    ("to the exec of /bin/true: the init's work (keel: its namespaces too), start", "fork", "uexec"),
    ("/bin/true, from its exec to its end (its own libc start-up)", "uexec", "uexit"),
    ("to the runtime's end: the container's namespaces freed, delete, exit", "uexit", "end"),
]


def read_events(path):
    events = []
    with open(path) as f:
        for line in f:
            fields = line.split(None, 3)
            if len(fields) < 4 or not fields[0].isdigit():
                continue
            events.append((int(fields[0]), fields[1], fields[2], fields[3].rstrip("\n")))
    events.sort(key=lambda e: e[0])
    return events


def cut_runs(events, program):
    """The runs of PROGRAM: a dict of event times each, and the number of
    runs that lacked one of them."""
    runs, cur = [], None
    for t, kind, a, b in events:
        if kind == "exec" and b == program:
            cur = {"pid": a, "start": t, "execs": 1}
            runs.append(cur)
        elif cur is None or "end" in cur:
            continue
        elif kind == "exec" and a == cur["pid"]:
            cur["execs"] += 1
        elif kind == "fork" and a == cur["pid"] and "fork" not in cur:
            cur["fork"] = t
        elif kind == "exec" and b == "/bin/true" and "uexec" not in cur:
            cur["uexec"], cur["upid"] = t, a
        elif kind == "exit" and a == cur.get("upid") and b == a and "uexit" not in cur:
            cur["uexit"] = t
        elif kind == "exit" and a == cur["pid"] and b == a:
            cur["end"] = t
    keys = {k for _, s, e in SEGMENTS for k in (s, e)}
    complete = [r for r in runs if keys <= r.keys()]
    return complete, len(runs) - len(complete)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    events = read_events(argv[1])
    programs = argv[2:]
    names = [p.rsplit("/", 1)[-1] for p in programs]
    cols = []
    for p in programs:
        runs, bad = cut_runs(events, p)
        if not runs:
            sys.stderr.write(f"timeline: no complete run of {p} in {argv[1]}\n")
            return 1
        cols.append((runs, bad))

    def med(runs, s, e):
        return statistics.median((r[e] - r[s]) / 1e6 for r in runs)

    print("## A `run` of /bin/true by the scheduler's events (bench/timeline.sh), medians in ms")
    print()
    print("| segment | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, s, e in SEGMENTS:
        print(f"| {label} | " + " | ".join(f"{med(r, s, e):.3f}" for r, _ in cols) + " |")
    totals = [med(r, "start", "end") for r, _ in cols]
    print("| **exec to end** | " + " | ".join(f"**{t:.3f}**" for t in totals) + " |")
    base = totals[names.index("crun")] if "crun" in names else None
    if base:
        print("| ratio to crun | " + " | ".join(f"{t / base:.2f}" for t in totals) + " |")
    print("| execs of its own binary | " +
          " | ".join(f"{statistics.median(x['execs'] for x in r):g}" for r, _ in cols) + " |")
    print("| runs (incomplete) | " + " | ".join(f"{len(r)} ({bad})" for r, bad in cols) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
