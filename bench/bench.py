#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Side-by-side benchmark of keel, crun and runc (and the floor program).

Run by bench/run.sh inside a private mount namespace whose /sys/fs/cgroup is
a scratch cgroup2 directory; never run it on the host directly.  Every metric
is one interleaved run (A B C A B C ...); the report gives medians and ratios
to crun as a markdown table.  Timing is done here, in one process, with
posix_spawn: the harness adds the same small cost to every row.  State roots
live under WORK/run, a tmpfs as /run is in production (run.sh mounts it).
"""
import argparse
import ctypes
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


class BenchError(Exception):
    pass


class Runner:
    def __init__(self, work):
        self.errpath = os.path.join(work, "stderr")
        self.devnull = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)

    def spawn(self, argv, env=None, errfd=None):
        fa = [(os.POSIX_SPAWN_DUP2, self.devnull, 0),
              (os.POSIX_SPAWN_DUP2, self.devnull, 1)]
        if errfd is not None:
            fa.append((os.POSIX_SPAWN_DUP2, errfd, 2))
        return os.posix_spawn(argv[0], argv, env if env is not None else os.environ,
                              file_actions=fa)

    def timed(self, argv, env=None):
        """Run argv to completion: its wall time in ns; raise on failure."""
        errfd = os.open(self.errpath, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            t0 = time.perf_counter_ns()
            pid = self.spawn(argv, env, errfd)
            _, status = os.waitpid(pid, 0)
            t1 = time.perf_counter_ns()
            if status != 0:
                os.lseek(errfd, 0, os.SEEK_SET)
                msg = os.read(errfd, 4096).decode(errors="replace").strip()
                raise BenchError(f"{' '.join(argv)}: status {status:#x}: {msg}")
        finally:
            os.close(errfd)
        return t1 - t0

    def usage(self, argv):
        """Peak RSS (KiB), minor faults and voluntary context switches of
        argv and the children it reaped, through GNU time: a process spawned
        from this one starts with the harness's own pages mapped (vfork
        shares them, fork copies them) and wait4 here would count those."""
        out = os.path.join(os.path.dirname(self.errpath), "usage")
        self.timed(["/usr/bin/time", "-f", "%M %R %w", "-o", out] + argv)
        with open(out) as f:
            rss, minflt, vcsw = f.read().splitlines()[-1].split()
        return {"rss": int(rss), "minflt": int(minflt), "vcsw": int(vcsw)}


def median(xs):
    return statistics.median(xs) if xs else float("nan")


class Bench:
    def __init__(self, args):
        self.a = args
        self.work = args.work
        self.r = Runner(self.work)
        self.rootfs = os.path.join(self.work, "rootfs")
        self.bundle_true = os.path.join(self.work, "bundle-true")
        self.bundle_sleep = os.path.join(self.work, "bundle-sleep")
        self.rows = {}
        self.live = {}          # row -> ids that may still exist
        self.samples = {}       # metric -> row -> [values]
        self.notes = []

    # ---- setup ------------------------------------------------------------
    def make_rows(self):
        st = lambda n: os.path.join(self.work, "run", n)
        a = self.a
        self.rows = {
            "keel": [a.keel, "--root", st("keel")],
            "keel-nocg": [a.keel, "--cgroup-manager", "disabled", "--root", st("keel-nocg")],
            "crun": [a.crun, "--cgroup-manager=disabled", "--root", st("crun")],
            "runc": [a.runc, "--root", st("runc")],
        }
        keep = a.rows.split(",")
        self.rows = {k: v for k, v in self.rows.items() if k in keep}
        self.floor = "floor" in keep
        # Other keel builds (a patched tree, another link) as rows of their
        # own, run with keel's defaults, interleaved with the rest.
        for spec in a.extra:
            name, path = spec.split("=", 1)
            self.rows[name] = [os.path.realpath(path), "--root", st(name)]
        for n in self.rows:
            self.live[n] = set()

    def record(self, metric, row, value):
        self.samples.setdefault(metric, {}).setdefault(row, []).append(value)

    def progress(self, what):
        sys.stderr.write(f"bench: {what} (load {os.getloadavg()[0]:.2f})\n")
        sys.stderr.flush()

    # ---- metrics ----------------------------------------------------------
    def run_argv(self, row, cid):
        if row == "floor":
            return [self.a.floor, self.rootfs]
        return self.rows[row] + ["run", "--bundle", self.bundle_true, cid]

    def metric_run(self):
        rows = list(self.rows) + ["floor"] * self.floor
        self.progress(f"run /bin/true x{self.a.n}")
        for i in range(self.a.n):
            for row in rows:
                # A pause before each row's runs: the kernel finishes the
                # teardown of the previous container (its network
                # namespace is freed by a work queue) before the next row's
                # starts.  Without it the row after crun measured 10 ms
                # more than the same binary elsewhere in the order.
                time.sleep(self.a.settle)
                ns = self.r.timed(self.run_argv(row, f"perf-r{i}-{row}"))
                self.record("run", row, ns / 1e6)
                for k, v in self.r.usage(self.run_argv(row, f"perf-m{i}-{row}")).items():
                    self.record(k, row, v)

    def wait_stopped(self, pid):
        # We are the subreaper: an init whose runtime exited is our child.
        try:
            os.waitpid(pid, 0)
            return
        except ChildProcessError:
            pass
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
            time.sleep(0.001)

    def metric_lifecycle(self):
        self.progress(f"create/start/state/kill/delete x{self.a.n}")
        pidfile = os.path.join(self.work, "pid")
        for i in range(self.a.n):
            for row, base in self.rows.items():
                cid = f"perf-l{i}-{row}"
                self.live[row].add(cid)
                steps = (("create", ["create", "--bundle", self.bundle_sleep, "--pid-file", pidfile, cid]),
                         ("start", ["start", cid]), ("state", ["state", cid]), ("kill", ["kill", cid, "KILL"]))
                for metric, argv in steps:
                    ns = self.r.timed(base + argv)
                    self.record(metric, row, ns / 1e6)
                with open(pidfile) as f:
                    self.wait_stopped(int(f.read()))
                ns = self.r.timed(base + ["delete", cid])
                self.record("delete", row, ns / 1e6)
                self.live[row].discard(cid)

    def metric_exec(self):
        self.progress(f"exec /bin/true x{self.a.n}")
        for row, base in self.rows.items():
            cid = f"perf-x-{row}"
            self.live[row].add(cid)
            self.r.timed(base + ["run", "--detach", "--bundle", self.bundle_sleep, cid])
        # The exec floor (floor --exec): into the first row's container.
        floor_argv = None
        if self.floor:
            row, base = next(iter(self.rows.items()))
            st = json.loads(subprocess.run(base + ["state", f"perf-x-{row}"], check=True,
                                           capture_output=True).stdout)
            floor_argv = [self.a.floor, "--exec", str(st["pid"])]
        for i in range(self.a.n):
            for row, base in self.rows.items():
                ns = self.r.timed(base + ["exec", f"perf-x-{row}", "/bin/true"])
                self.record("exec", row, ns / 1e6)
            if floor_argv:
                self.record("exec", "floor", self.r.timed(floor_argv) / 1e6)
        for row in self.rows:
            self.remove(row, f"perf-x-{row}")

    def remove(self, row, cid):
        self.r.timed(self.rows[row] + ["delete", "--force", cid])
        self.live[row].discard(cid)

    def rotated(self, rows, k):
        k %= len(rows)
        return rows[k:] + rows[:k]

    def metric_sequential(self):
        rows = list(self.rows) + ["floor"] * self.floor
        self.progress(f"{self.a.seq} sequential runs x{self.a.rounds} rounds")
        for r in range(self.a.rounds):
            # Rotated so that no row always follows the slowest one.
            for row in self.rotated(rows, r):
                t0 = time.perf_counter_ns()
                for j in range(self.a.seq):
                    self.r.timed(self.run_argv(row, f"perf-s{j}-{row}"))
                self.record("seq", row, (time.perf_counter_ns() - t0) / 1e9)

    def metric_parallel(self):
        rows = list(self.rows) + ["floor"] * self.floor
        self.progress(f"{self.a.par} parallel runs x{self.a.par_rounds} rounds")
        errfd = os.open(os.path.join(self.work, "stderr-par"),
                        os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        for r in range(self.a.par_rounds):
            for row in self.rotated(rows, r):
                t0 = time.perf_counter_ns()
                pids = [self.r.spawn(self.run_argv(row, f"perf-p{j}-{row}"), errfd=errfd)
                        for j in range(self.a.par)]
                bad = [pid for pid in pids if os.wait4(pid, 0)[1] != 0]
                self.record("par", row, (time.perf_counter_ns() - t0) / 1e9)
                if bad:
                    os.lseek(errfd, 0, os.SEEK_SET)
                    msg = os.read(errfd, 2048).decode(errors="replace").strip()
                    raise BenchError(f"{row}: {len(bad)} of {self.a.par} parallel runs failed: {msg}")
        os.close(errfd)

    # ---- footprint --------------------------------------------------------
    def footprint(self):
        self.progress("binary size and shared objects")
        bins = {row: argv[0] for row, argv in self.rows.items()}
        if self.floor:
            bins["floor"] = self.a.floor
        for row, path in bins.items():
            stripped = os.path.join(self.work, "stripped")
            subprocess.run(["strip", "-o", stripped, path], check=True)
            self.record("size", row, os.stat(path).st_size / 1024)
            self.record("ssize", row, os.stat(stripped).st_size / 1024)
            os.unlink(stripped)
            out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
            self.record("ldd", row, sum(1 for l in out.splitlines() if "vdso" not in l and "=>" in l
                                        or l.strip().startswith("/")))
            # What the dynamic loader really maps during one run, re-execs
            # included (LD_DEBUG passes through exec; the container's own
            # environment comes from config.json).
            env = dict(os.environ, LD_DEBUG="files")
            errfd = os.open(self.r.errpath, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            pid = self.r.spawn(self.run_argv(row, f"perf-ld-{row}"), env, errfd)
            os.wait4(pid, 0)
            os.close(errfd)
            with open(self.r.errpath, errors="replace") as f:
                self.record("ldrun", row, sum(1 for l in f if "generating link map" in l))

    # ---- cleanup and report -----------------------------------------------
    def cleanup(self):
        for row, ids in self.live.items():
            for cid in list(ids):
                try:
                    self.remove(row, cid)
                except BenchError as e:
                    self.notes.append(f"cleanup: {e}")
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        for row in self.rows:
            d = os.path.join(self.work, "run", row)
            left = os.listdir(d) if os.path.isdir(d) else []
            # keel's caches in its state root (keel(8), FILES) are no
            # container's state.
            left = [n for n in left if n not in KEEL_CACHES]
            if left:
                self.notes.append(f"{row} left state behind: {', '.join(sorted(left))}")


KEEL_CACHES = (".seccomp", ".device-program")

METRICS = [
    ("run", "`run` of /bin/true, median ms", "{:.1f}"),
    ("create", "`create`, median ms", "{:.1f}"),
    ("start", "`start`, median ms", "{:.1f}"),
    ("state", "`state`, median ms", "{:.1f}"),
    ("kill", "`kill`, median ms", "{:.1f}"),
    ("delete", "`delete`, median ms", "{:.1f}"),
    ("exec", "`exec` of /bin/true, median ms", "{:.1f}"),
    ("seq", "{seq} sequential `run`s, total s", "{:.2f}"),
    ("par", "{par} parallel `run`s, total s", "{:.2f}"),
    ("rss", "peak RSS of `run`, median KiB", "{:.0f}"),
    ("minflt", "minor page faults in one `run`", "{:.0f}"),
    ("vcsw", "voluntary context switches in one `run` (blocking waits)", "{:.0f}"),
    ("ssize", "binary size stripped, KiB", "{:.0f}"),
    ("size", "binary size as built, KiB", "{:.0f}"),
    ("ldd", "shared objects linked (ldd, with ld.so)", "{:.0f}"),
    ("ldrun", "libraries loaded in one `run`, every exec (LD_DEBUG)", "{:.0f}"),
]
COLUMNS = [("keel", "keel"), ("keel-nocg", "keel, no cgroup"), ("crun", "crun"),
           ("runc", "runc"), ("floor", "floor")]
TARGETS = [("run", 0.75, "`run` median ≤ 0.75 × crun"),
           ("rss", 1.0, "peak RSS ≤ crun"),
           ("seq", 0.75, "sequential total ≤ 0.75 × crun")]


def report(b, info):
    a = b.a
    med = {m: {row: median(v) for row, v in rows.items()} for m, rows in b.samples.items()}
    out = []
    columns = COLUMNS + [(e.split("=", 1)[0],) * 2 for e in a.extra]
    columns = [c for c in columns if any(c[0] in rows for rows in med.values())]
    out.append("| | " + " | ".join(c for _, c in columns) + " |")
    out.append("|---|" + "---|" * len(columns))
    for m, label, fmt in METRICS:
        if m not in med:
            continue
        base = med[m].get("crun")
        cells = []
        for row, _ in columns:
            v = med[m].get(row)
            if v is None:
                cells.append("")
                continue
            cell = fmt.format(v)
            if base and m not in ("ldd", "ldrun", "minflt", "vcsw"):
                cell += f" ({v / base:.2f})"
            cells.append(cell)
        out.append(f"| {label.format(seq=a.seq, par=a.par)} | " + " | ".join(cells) + " |")
    out.append("")
    only = a.only.split(",")
    said = []
    if {"run", "lifecycle", "exec"} & set(only):
        said.append(f"{a.n} per row and command")
    if "seq" in only:
        said.append(f"{a.rounds} rounds of the sequential runs")
    if "par" in only:
        said.append(f"{a.par_rounds} rounds of the parallel runs")
    if "run" in only:
        said.append("peak RSS, faults and context switches from GNU time (%M %R %w: the runtime "
                    f"process and the children it reaped) over {a.n} more runs per row")
    out.append("Cells: median (ratio to crun).  Samples: " + "; ".join(said) + ".")
    out.append("")
    if a.n < 10:
        out.append(f"- with {a.n} samples per row the verdicts below are noise (use -n 20 or more)")
    for m, limit, label in TARGETS:
        if m not in med:
            continue
        for row in ["keel", "keel-nocg"] + [e.split("=", 1)[0] for e in a.extra]:
            if row not in med[m] or "crun" not in med[m]:
                continue
            ratio = med[m][row] / med[m]["crun"]
            verdict = "holds" if ratio <= limit else "does not hold"
            out.append(f"- {label}: {row} {ratio:.2f} — {verdict}")
    out.append("")
    for k, v in info.items():
        out.append(f"- {k}: {v}")
    for n in b.notes:
        out.append(f"- note: {n}")
    return "\n".join(out) + "\n"


def version(argv, lines=1):
    r = subprocess.run(argv, capture_output=True, text=True)
    out = (r.stdout or r.stderr).strip().splitlines()
    return "; ".join(l.strip() for l in out[:lines]) if out else "?"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--keel", required=True)
    p.add_argument("--crun", default=shutil.which("crun"))
    p.add_argument("--runc", default=shutil.which("runc"))
    p.add_argument("--floor", required=True)
    p.add_argument("--work", required=True,
                   help="scratch directory with rootfs, bundle-true, bundle-sleep (setup.sh)")
    p.add_argument("-n", type=int, default=20, help="samples per row for the per-command metrics")
    p.add_argument("--seq", type=int, default=100)
    p.add_argument("--par", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3, help="rounds of the sequential runs")
    # A round of 20 parallel runs lasts some 50 ms: the noisiest row, hence more rounds.
    p.add_argument("--par-rounds", type=int, default=9, help="rounds of the parallel runs")
    p.add_argument("--settle", type=float, default=0.05,
                   help="seconds of pause before each row's `run` samples")
    p.add_argument("--only", default="run,lifecycle,exec,seq,par,footprint")
    p.add_argument("--rows", default="keel,keel-nocg,crun,runc,floor",
                   help="which of the standard rows to run (crun is the reference of every ratio)")
    p.add_argument("--extra", action="append", default=[], metavar="NAME=KEEL",
                   help="another keel binary as a row of its own (repeatable)")
    p.add_argument("--json", help="write every sample here")
    p.add_argument("--command", default="", help="the command line to print in the report")
    a = p.parse_args()

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("bench: prctl(PR_SET_CHILD_SUBREAPER) failed")
    b = Bench(a)
    b.make_rows()
    load0 = os.getloadavg()
    t0 = time.monotonic()
    only = a.only.split(",")
    try:
        for name, fn in (("run", b.metric_run), ("lifecycle", b.metric_lifecycle),
                         ("exec", b.metric_exec), ("seq", b.metric_sequential),
                         ("par", b.metric_parallel), ("footprint", b.footprint)):
            if name in only:
                fn()
    except (BenchError, KeyboardInterrupt) as e:
        # Containers started detached must not outlive the namespace.
        b.cleanup()
        sys.exit(f"bench: {e or 'interrupted'}")
    b.cleanup()
    load1 = os.getloadavg()
    info = {
        "command": a.command or " ".join(sys.argv),
        "keel": version([a.keel, "--version"], 3),
        "crun": version([a.crun, "--version"], 2),
        "runc": version([a.runc, "--version"]),
        "machine": f"{platform.node()}, {os.cpu_count()} CPUs, Linux {platform.release()}",
        "load average (1 min) before / after": f"{load0[0]:.2f} / {load1[0]:.2f} "
                                               f"(5 min: {load0[1]:.2f} / {load1[1]:.2f})",
        "duration": f"{time.monotonic() - t0:.0f} s",
    }
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"samples": b.samples, "info": info}, f, indent=1)
    sys.stdout.write(report(b, info))


if __name__ == "__main__":
    main()
