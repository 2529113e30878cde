#!/usr/bin/env bash
# tests/scripts/ingest_outage.sh [--poll]: the brokers go away for 30 s mid-run (issue 5).
#
# log_writer appends numbered Ignition records (rename rotation every 2,000) at 3,000/s for
# about 45 s; 6 s in, every broker of the mock cluster is set down for 30 s, then up again.
# `faultline ingest` must notice, keep reading into its zstd spool (segments in
# state_dir/spool, metrics faultline_spool_bytes, the log line), replay the spool when the
# brokers return and drain it. Then every record is on the topic, whole, in order within its
# file; duplicates (messages whose acknowledgement the outage swallowed) are reported.
# --poll forces the polling path; the outage is then 15 s (CI time).
. "$(dirname "$0")/ingest_lib.sh"

poll=
[ "${1:-}" = --poll ] && poll=--poll
name=ingest_outage${poll:+_poll}
il_init "$name"

outage_s=30
[ -n "$poll" ] && outage_s=15
rate=$((3000 / IL_SCALE))
records=$((rate * (outage_s + 15)))

il_cluster_start
mkdir -p "$IL_TMP/logs"
il_config "$IL_TMP/cfg.yaml" "$IL_TMP/state" "$IL_BOOT" "$IL_TMP/logs/wrapper.log*"
il_start ingest -c "$IL_TMP/cfg.yaml" $poll

t0=$(il_now)
"$IL_TOOLS/log_writer" "$IL_TMP/logs/wrapper.log" "$records" --mode rename --rotate-every 2000 \
    --keep 5 --rate "$rate" --multiline 97 --map "$IL_TMP/map" 2>"$IL_TMP/writer.log" &
writer=$!
IL_PIDS+=("$writer")

# Some records go straight through first.
il_wait 30 sh -c "[ \$(wc -l <'$IL_TMP/dump') -ge $((rate * 3)) ]" ||
    il_fail "nothing reached the topic before the outage"
sleep 3
il_cluster_cmd down
t_down=$(il_now)
# A sampler records the spool's peak (metrics and segment files) until the end.
(
    peak_b=0 peak_n=0 states=
    while :; do
        m=$(il_metrics)
        b=$(printf '%s\n' "$m" | awk '$1 == "faultline_spool_bytes" { print $2 }')
        st=$(printf '%s\n' "$m" | sed -n 's/^faultline_kafka_state{state="\([a-z]*\)"} 1$/\1/p')
        n=$(ls "$IL_TMP/state/spool" 2>/dev/null | grep -c '^seg-')
        [ -n "$b" ] && [ "$b" -gt "$peak_b" ] && peak_b=$b
        [ "$n" -gt "$peak_n" ] && peak_n=$n
        case " $states " in *" $st "*) ;; *) states="$states $st" ;; esac
        echo "$peak_b $peak_n$states" >"$IL_TMP/spool.peak.tmp"
        mv "$IL_TMP/spool.peak.tmp" "$IL_TMP/spool.peak"
        sleep 0.3
    done
) &
IL_PIDS+=("$!")
sampler=$!
# The outage itself: the brokers stay down outage_s seconds (the subject of the test, not a
# synchronisation).
while awk -v a="$t_down" -v b="$(il_now)" -v o="$outage_s" 'BEGIN { exit !(b - a < o) }'; do
    sleep 0.5
done
il_cluster_cmd up
t_up=$(il_now)

if ! wait "$writer"; then
    il_fail "log_writer failed: $(cat "$IL_TMP/writer.log")"
    exit 1
fi
il_wait_caught_up 120
t_drained=$(awk -v a="$t_up" -v b="$(il_now)" 'BEGIN { printf "%.1f", b - a }')
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
read -r spool_peak segs_peak states <"$IL_TMP/spool.peak"
spooled=$(il_metric faultline_spool_records_total)
replayed=$(il_metric faultline_spool_replayed_total)
dropped=$(il_metric faultline_spool_dropped_segments_total)
left=$(ls "$IL_TMP/state/spool" 2>/dev/null | grep -c '^seg-')
il_dump
il_check "$name" "$IL_TMP/dump" "$IL_TMP/map" --multiline 97 --max-dup-pct 100
il_stop

echo "INFO $name: $records records at $rate/s, brokers down ${outage_s} s; spool peak" \
    "$spool_peak bytes in $segs_peak segments, states seen: $states; $spooled records spooled," \
    "$replayed replayed," \
    "$dropped segments dropped, $left left after the drain; caught up ${t_drained} s after the" \
    "brokers returned; SIGTERM stop ${IL_STOP_S} s; whole test $(il_elapsed) s"
case "$states" in *spooling*) ;; *) il_fail "never in the spooling state (states: $states)" ;; esac
[ "$spool_peak" -gt 0 ] || il_fail "the spool was never used (faultline_spool_bytes stayed 0)"
[ "$segs_peak" -gt 0 ] || il_fail "no spool segment appeared in state_dir/spool"
[ "${spooled:-0}" -gt 0 ] || il_fail "faultline_spool_records_total is 0"
[ "$left" = 0 ] || il_fail "$left spool segments left after the drain"
[ "${dropped:-0}" = 0 ] || il_fail "$dropped spool segments dropped"
il_log_has 'events go to the spool' || il_fail "no log line about the spool"
il_log_has 'spool drained' || il_fail "no log line about the drained spool"
[ "$IL_STOP_RC" = 0 ] || il_fail "faultline exited $IL_STOP_RC after SIGTERM"
[ "$IL_FAILED" = 0 ] && echo "ok $name spool used and drained"
