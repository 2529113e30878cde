#!/usr/bin/env bash
# tests/scripts/ingest_run.sh: the embedded default, `faultline run -c FILE` without Kafka
# (issue 5, items 7 and 8).
#
# One ignition source follows a.log (5,000 records) with --stdout: every record must end up
# in state_dir/archive/*.ndjson.zst (read back with zstdcat) and on stdout, and the checkpoint
# file must hold a.log's end. Then the configuration gets a second source (b.log, 3,000
# records) and SIGHUP: b.log is picked up while a.log keeps its position (1,000 more records
# appended after the reload arrive once, nothing of a.log is archived twice). SIGTERM must
# stop it within 5 s with exit 0. A restart on the same state_dir archives nothing again.
. "$(dirname "$0")/ingest_lib.sh"
name=ingest_run
il_init "$name"
command -v zstdcat >/dev/null || { echo "FAIL $name: zstdcat missing"; exit 1; }

d=$IL_TMP/logs
mkdir -p "$d/a" "$d/b"
state=$IL_TMP/state
il_config "$IL_TMP/cfg.yaml" "$state" none "$d/a/*.log"
archive() { zstdcat "$state"/archive/*.ndjson.zst 2>/dev/null; }
count_in_archive() { archive | grep -c "\"file\":\"$1\""; }
archive_has() { [ "$(count_in_archive "$1")" -ge "$2" ]; }

il_start run -c "$IL_TMP/cfg.yaml" --stdout
"$IL_TOOLS/log_writer" "$d/a/a.log" 5000 --rotate-every 0 --rate $((5000 / IL_SCALE)) \
    --multiline 97 --map "$IL_TMP/a.map" 2>/dev/null
il_wait 30 archive_has "$d/a/a.log" 5000 || il_fail "a.log: $(count_in_archive "$d/a/a.log") of 5000 records archived"
il_wait 10 grep -q "$d/a/a.log\$" "$state/checkpoints" || il_fail "no checkpoint entry for a.log"
size_a=$(stat -c %s "$d/a/a.log")
ckpt_a() { awk -v p="$d/a/a.log" '$1 == "v1" && $7 == p { print $3 }' "$state/checkpoints"; }
il_wait 10 sh -c "[ \"\$(awk -v p='$d/a/a.log' '\$1 == \"v1\" && \$7 == p { print \$3 }' '$state/checkpoints')\" = $size_a ]" ||
    il_fail "a.log's checkpoint is $(ckpt_a), its size $size_a"
[ "$IL_FAILED" = 0 ] && echo "ok ${name}_archive_and_checkpoint"

# SIGHUP with a second source.
"$IL_TOOLS/log_writer" "$d/b/b.log" 3000 --rotate-every 0 --start 100001 --map "$IL_TMP/b.map" 2>/dev/null
cp "$IL_TMP/cfg.yaml" "$IL_TMP/cfg1.yaml"
awk -v g="$d/b/*.log" '{ print } /^    host: ign01$/ && !done {
    print "  - name: ign-second"; print "    type: ignition"; print "    paths: [\x27" g "\x27]";
    print "    host: ign02"; done = 1 }' "$IL_TMP/cfg1.yaml" >"$IL_TMP/cfg.yaml"
kill -HUP "$IL_PID"
il_wait 20 il_log_has 'configuration reloaded: 2 sources' || il_fail "no reload log line after SIGHUP"
"$IL_TOOLS/log_writer" "$d/a/a.log" 1000 --rotate-every 0 --start 5001 --multiline 97 --map "$IL_TMP/a.map" 2>/dev/null
il_wait 30 archive_has "$d/b/b.log" 3000 || il_fail "b.log: $(count_in_archive "$d/b/b.log") of 3000 records archived after SIGHUP"
il_wait 30 archive_has "$d/a/a.log" 6000 || il_fail "a.log: $(count_in_archive "$d/a/a.log") of 6000 records archived after SIGHUP"
il_wait_caught_up 30
il_stop
echo "INFO $name: SIGTERM stop ${IL_STOP_S} s (exit $IL_STOP_RC)"
if [ "$IL_STOP_RC" != 0 ]; then
    il_fail "faultline run exited $IL_STOP_RC after SIGTERM"
elif awk -v s="$IL_STOP_S" -v k="$IL_SCALE" 'BEGIN { exit !(s > 5 * k) }'; then
    il_fail "SIGTERM took ${IL_STOP_S} s (limit 5 s)"
else
    echo "ok ${name}_sigterm"
fi
archive >"$IL_TMP/archive.ndjson"
il_check "${name}_a" "$IL_TMP/archive.ndjson" "$IL_TMP/a.map" --multiline 97 --file-prefix "$d/a/a.log"
il_check "${name}_b_after_sighup" "$IL_TMP/archive.ndjson" "$IL_TMP/b.map" --file-prefix "$d/b/b.log"
grep -c '"message":"seq ' "$IL_TMP/stdout" >"$IL_TMP/stdout.count"
if [ "$(cat "$IL_TMP/stdout.count")" = 9000 ]; then
    echo "ok ${name}_stdout"
else
    il_fail "stdout carried $(cat "$IL_TMP/stdout.count") of 9000 events"
fi

# A restart on the same state: positions kept, nothing archived again.
before=$(archive | wc -l)
il_start run -c "$IL_TMP/cfg.yaml"
il_wait 20 il_log_has 'started: 2 sources' || il_fail "the restart did not start"
rm -f "$IL_TMP/quiet"
il_wait_caught_up 30
il_stop
after=$(archive | wc -l)
if [ "$before" = "$after" ] && [ "$IL_STOP_RC" = 0 ]; then
    echo "ok ${name}_restart_keeps_positions"
else
    il_fail "after a restart the archive went from $before to $after events (exit $IL_STOP_RC)"
fi
echo "INFO $name: 9000 records archived; whole test $(il_elapsed) s"
