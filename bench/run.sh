#!/usr/bin/env bash
# bench/run.sh: throughput and peak memory of `faultline parse` on generated logs.
# Data is generated into bench/out/ (not committed). Results go to stdout and
# bench/out/results.txt. Speed is measured here, never asserted in timed tests.
set -euo pipefail
BUILD=${BUILD:-build}
FL=$BUILD/faultline
GEN=$BUILD/tests/gen_logs
RUNSTAT=$BUILD/tests/runstat
OUT=bench/out
IGN_LINES=${IGN_LINES:-2000000}
mkdir -p "$OUT"
: > "$OUT/results.txt"

measure() { # name source file
    local name=$1 source=$2 file=$3
    local lines bytes stat wall cpu rss recs
    lines=$(wc -l < "$file")
    bytes=$(stat -c %s "$file")
    # One warm-up read so the page cache, not the disk, is measured.
    cat "$file" > /dev/null
    stat=$(taskset -c 0 "$RUNSTAT" -o /dev/null -- "$FL" parse --source "$source" "$file" 2>&1 \
           | grep '^runstat:' || true)
    recs=$("$FL" parse --source "$source" "$file" 2>/dev/null | wc -l)
    wall=$(sed -E 's/.*wall_s=([0-9.]+).*/\1/' <<<"$stat")
    cpu=$(sed -E 's/.*user_s=([0-9.]+) sys_s=([0-9.]+).*/\1 \2/' <<<"$stat" | awk '{print $1 + $2}')
    rss=$(sed -E 's/.*maxrss_kb=([0-9]+).*/\1/' <<<"$stat")
    # On a shared machine wall time includes waiting for the core; CPU time (user+sys) is the
    # cost of the work itself. Both are printed, with the load average.
    awk -v n="$name" -v l="$lines" -v b="$bytes" -v w="$wall" -v c="$cpu" -v r="$rss" -v e="$recs" \
        -v la="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
        printf "%-24s %8d lines %8d records %6.1f MB  wall %6.3f s %9.0f lines/s  cpu %6.3f s %9.0f lines/cpu-s %9.0f records/cpu-s %6.1f MB/cpu-s  peak RSS %5.1f MB  load %s\n",
               n, l, e, b/1e6, w, l/w, c, l/c, e/c, b/1e6/c, r/1024, la }' | tee -a "$OUT/results.txt"
}

if [ ! -s "$OUT/ignition-$IGN_LINES.log" ]; then
    echo "generating $IGN_LINES-line Ignition wrapper.log ..."
    "$GEN" ignition "$IGN_LINES" > "$OUT/ignition-$IGN_LINES.log"
fi
measure "ignition wrapper.log" ignition "$OUT/ignition-$IGN_LINES.log"

if [ ! -s "$OUT/kepware-1000000.txt" ]; then
    "$GEN" kepware 1000000 > "$OUT/kepware-1000000.txt"
fi
measure "kepware event log" kepware "$OUT/kepware-1000000.txt"

for extra in bench/extra/*.sh; do
    [ -f "$extra" ] && source "$extra"
done
echo "results in $OUT/results.txt (one core: taskset -c 0)"
