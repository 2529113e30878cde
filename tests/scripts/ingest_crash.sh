#!/usr/bin/env bash
# tests/scripts/ingest_crash.sh: kill -9 at 10 random moments (issue 5).
#
# log_writer appends 100,000 numbered Ignition records (rename rotation every 10,000, all
# files kept) while `faultline ingest` is killed with SIGKILL at 10 random moments and
# restarted at once each time. Every record must reach the topic at least once, whole and in
# order within its file. Duplicates may only come from the unacknowledged tail: the records
# delivered after the last checkpoint write before a kill (checkpoint_interval 500 ms) and
# those in flight. They are counted and printed, and bounded by what the writer produces in
# 2 s per kill. The random moments come from IL_SEED (printed) so a failure can be replayed.
# --poll: the same in forced polling mode (ingest_poll.sh).
. "$(dirname "$0")/ingest_lib.sh"
poll=
[ "${1:-}" = --poll ] && poll=--poll
name=ingest_crash${poll:+_poll}
il_init "$name"

records=${IL_RECORDS:-100000}
kills=10
rate=$((8000 / IL_SCALE))
seed=${IL_SEED:-$(( $(date +%s) % 100000 ))}

il_cluster_start
mkdir -p "$IL_TMP/logs"
il_config "$IL_TMP/cfg.yaml" "$IL_TMP/state" "$IL_BOOT" "$IL_TMP/logs/wrapper.log*"
il_start ingest -c "$IL_TMP/cfg.yaml" $poll

t0=$(il_now)
"$IL_TOOLS/log_writer" "$IL_TMP/logs/wrapper.log" "$records" --mode rename --rotate-every 10000 \
    --keep 100 --rate "$rate" --multiline 97 --map "$IL_TMP/map" 2>"$IL_TMP/writer.log" &
writer=$!
IL_PIDS+=("$writer")

# Pauses of 0.2 .. 1.4 s (scaled): the 10 kills fall inside the ~12 s the writer runs.
naps=$(awk -v seed="$seed" -v n="$kills" -v k="$IL_SCALE" \
    'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%.2f ", (0.2 + 1.2 * rand()) * k }')
done_kills=0
for nap in $naps; do
    sleep "$nap"
    date +%s%3N >>"$IL_TMP/kills"
    il_kill9
    done_kills=$((done_kills + 1))
    cp "$IL_TMP/state/checkpoints" "$IL_TMP/checkpoints.$done_kills" 2>/dev/null
    il_start ingest -c "$IL_TMP/cfg.yaml" $poll
done
if ! wait "$writer"; then
    il_fail "log_writer failed: $(cat "$IL_TMP/writer.log")"
    exit 1
fi
il_wait_caught_up 90
t_caught=$(awk -v a="$t0" -v b="$(il_now)" 'BEGIN { printf "%.1f", b - a }')
il_dump
ckpts=()
for k in $(seq 1 "$done_kills"); do ckpts+=(--ckpt "$IL_TMP/checkpoints.$k"); done
il_check "$name" "$IL_TMP/dump" "$IL_TMP/map" --multiline 97 --max-dup-pct 100 "${ckpts[@]}" \
    --kill-times "$IL_TMP/kills"
resumed=$(cat "$IL_TMP"/faultline.*.log | grep -c 'resuming after offset')
il_stop
echo "INFO $name: seed $seed, $done_kills kills (SIGKILL) and restarts, writer at $rate records/s;" \
    "$resumed file resumptions from checkpoints; caught up after ${t_caught} s;" \
    "whole test $(il_elapsed) s"
if [ "$done_kills" != "$kills" ]; then
    il_fail "only $done_kills of $kills kills happened"
fi
if [ "$IL_STOP_RC" != 0 ]; then
    il_fail "faultline exited $IL_STOP_RC after the final SIGTERM"
fi
[ "$IL_FAILED" = 0 ] && echo "ok $name restarts"
