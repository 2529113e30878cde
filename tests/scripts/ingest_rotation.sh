#!/usr/bin/env bash
# tests/scripts/ingest_rotation.sh [rename|copytruncate] [--poll]: rotation torture (issue 5).
#
# tests/tools/log_writer appends 200,000 numbered Ignition wrapper records ("seq N"; every 97th
# a 4-line record with continuation lines) to wrapper.log at a high rate, rotating every 2,000
# records like Tanuki (rename: wrapper.log -> .1 -> ... -> .5, the oldest deleted) or like
# logrotate's copytruncate (copy to .1, truncate to 0, between two writes). `faultline ingest`
# follows wrapper.log* into the 3-broker mock cluster. Every record must be on the topic, in
# order within its file, whole, with no gap; duplicates are reported (rename: none expected,
# copytruncate: at most 0.1%). Ends with SIGTERM, which must stop faultline within 5 s.
# --poll forces the polling path (network filesystems): the writer then runs at a rate at
# which a rotated file lives for several poll intervals (250 ms) before it is deleted.
. "$(dirname "$0")/ingest_lib.sh"

mode=rename
poll=
for a in "$@"; do
    case $a in
    --poll) poll=--poll ;;
    rename | copytruncate) mode=$a ;;
    esac
done
name=ingest_rotation_$mode${poll:+_poll}
il_init "$name"

records=${IL_RECORDS:-200000}
# inotify: 20,000 records/s, 10 MB/s: a file lives 500 ms from creation to deletion, so a
# faultline stalled for a few hundred ms on a loaded machine (CI runs the suite twice in
# parallel with builds) still opens every file before it goes; faultline itself keeps up with
# 100,000/s when the machine is quiet (IL_RATE=100000). Polling: 10,000/s (a file lives 1 s,
# four poll intervals). Under ASan the writer runs at a third of that.
rate=${IL_RATE:-20000}
[ -n "$poll" ] && rate=${IL_RATE:-10000}
rate=$((rate / IL_SCALE))

il_cluster_start
mkdir -p "$IL_TMP/logs"
il_config "$IL_TMP/cfg.yaml" "$IL_TMP/state" "$IL_BOOT" "$IL_TMP/logs/wrapper.log*"
il_start ingest -c "$IL_TMP/cfg.yaml" $poll

t0=$(il_now)
if ! "$IL_TOOLS/log_writer" "$IL_TMP/logs/wrapper.log" "$records" --mode "$mode" \
    --rotate-every 2000 --keep 5 --rate "$rate" --multiline 97 --map "$IL_TMP/map" \
    2>"$IL_TMP/writer.log"; then
    il_fail "log_writer failed: $(cat "$IL_TMP/writer.log")"
    exit 1
fi
t_write=$(awk -v a="$t0" -v b="$(il_now)" 'BEGIN { printf "%.1f", b - a }')
il_wait_caught_up 90
t_caught=$(awk -v a="$t0" -v b="$(il_now)" 'BEGIN { printf "%.1f", b - a }')
il_dump

max_dup=100 # rename: duplicates are reported, not limited
[ "$mode" = copytruncate ] && max_dup=0.1
il_check "$name" "$IL_TMP/dump" "$IL_TMP/map" --multiline 97 --max-dup-pct "$max_dup"

rot=$(il_metric faultline_rotations_total)
trunc=$(il_metric faultline_truncations_total)
il_stop
echo "INFO $name: writer ${t_write} s at $rate records/s, caught up after ${t_caught} s;" \
    "rotations seen $rot, truncations seen $trunc; SIGTERM stop ${IL_STOP_S} s (exit $IL_STOP_RC);" \
    "whole test $(il_elapsed) s"
if [ "$IL_STOP_RC" != 0 ]; then
    il_fail "faultline exited $IL_STOP_RC after SIGTERM"
elif awk -v s="$IL_STOP_S" -v k="$IL_SCALE" 'BEGIN { exit !(s > 5 * k) }'; then
    il_fail "SIGTERM took ${IL_STOP_S} s (limit 5 s)"
else
    echo "ok $name sigterm"
fi
