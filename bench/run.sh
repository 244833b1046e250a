#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# keel, crun and runc side by side, plus the floor program (bench/floor.c),
# measured by bench/bench.py in the private mount namespace of setup.sh.
# Prints a markdown table.  Never used in tests; never asserts a time.
#
#   bench/run.sh [bench.py options]        e.g. bench/run.sh -n 10 --only run
#
# Environment: KEEL (default ./keel, then build/keel), FLOOR (built here
# with cc when unset), BENCH_N (samples per command, default 20), BENCH_SEQ
# (default 100), BENCH_PAR (default 20), BENCH_ROUNDS (rounds of the sequential
# runs, default 3), BENCH_PAR_ROUNDS (rounds of the parallel runs, default 9),
# BENCH_JSON (file for every sample), BENCH_STATE (tmpfs, the default, or
# disk: where the state roots live), BENCH_CMD (how the report names the
# command).  Needs root, crun, runc, busybox, python3, cc, strip, GNU time.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/setup.sh"
bench_need crun runc strip /usr/bin/time
bench_setup

cmd="${BENCH_CMD:-bench/run.sh} $*"
for v in BENCH_STATE BENCH_ROUNDS BENCH_PAR_ROUNDS BENCH_PAR BENCH_SEQ BENCH_N; do
        [ -n "${!v:-}" ] && cmd="$v=${!v} $cmd"
done
bench_ns python3 "$top/bench/bench.py" --keel "$KEEL" --floor "$FLOOR" --work "$work" \
        -n "${BENCH_N:-20}" --seq "${BENCH_SEQ:-100}" --par "${BENCH_PAR:-20}" \
        --rounds "${BENCH_ROUNDS:-3}" --par-rounds "${BENCH_PAR_ROUNDS:-9}" \
        ${BENCH_JSON:+--json "$BENCH_JSON"} --command "$cmd" "$@"
