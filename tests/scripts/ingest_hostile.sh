#!/usr/bin/env bash
# tests/scripts/ingest_hostile.sh: hostile files next to a normal one (issue 5).
#
# One ignition source, glob *.log, into the mock cluster. Next to normal.log (20,000 records
# written while the rest happens) the directory holds:
#   unreadable.log  mode 000. Root reads anything, so when the suite runs as root faultline runs
#                   without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH (setpriv), which makes
#                   mode 000 binding; without setpriv the case is skipped (INFO line).
#   fifo.log        a named pipe: not a regular file, never opened (opening could block).
#   loop.log        a symlink to itself (ELOOP).
#   binary.log      1 MiB of random bytes: published as unparsed events, with a warning.
#   huge.log        one 10 MiB line, then a normal record: the line is cut at max_line_bytes
#                   (attrs.cut), cut again to fit a Kafka message, and the record after it
#                   still arrives.
#   vanish.log      50,000 records, deleted once faultline is reading it: the open file is
#                   drained, every record arrives.
# Each problem must give a clear log line, faultline must keep running, and normal.log and
# vanish.log must deliver every record in order.
. "$(dirname "$0")/ingest_lib.sh"
name=ingest_hostile
il_init "$name"

il_cluster_start
d=$IL_TMP/logs
mkdir -p "$d"
il_config "$IL_TMP/cfg.yaml" "$IL_TMP/state" "$IL_BOOT" "$d/*.log"

echo "INFO   | jvm 1    | 2021/03/14 08:49:25 | I [T.P.Config                    ] [07:49:25.001]: secret" >"$d/unreadable.log"
chmod 000 "$d/unreadable.log"
mkfifo "$d/fifo.log"
ln -s loop.log "$d/loop.log"
head -c 1048576 /dev/urandom >"$d/binary.log"
python3 - "$d/huge.log" <<'EOF'
import sys
pre = "INFO   | jvm 1    | 2021/03/14 08:49:25 | I [T.P.Config                    ] [07:49:25.001]: "
with open(sys.argv[1], "w") as f:
    f.write(pre + "huge " + "x" * (10 << 20) + " \n")
    f.write(pre + "after the huge line \n")
EOF
"$IL_TOOLS/log_writer" "$d/vanish.log" 50000 --rotate-every 0 --start 1000001 \
    --map "$IL_TMP/vanish.map" 2>/dev/null

setpriv=()
unreadable=checked
if [ "$(id -u)" = 0 ]; then
    if command -v setpriv >/dev/null &&
        setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search -- true 2>/dev/null; then
        setpriv=(setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search --)
    else
        unreadable=skipped
        echo "INFO $name: running as root without setpriv: unreadable.log is readable, case skipped"
    fi
fi
FAULTLINE_REAL=$FAULTLINE
if [ ${#setpriv[@]} -gt 0 ]; then
    printf '#!/bin/sh\nexec %s "%s" "$@"\n' "${setpriv[*]}" "$FAULTLINE_REAL" >"$IL_TMP/faultline-nocap"
    chmod +x "$IL_TMP/faultline-nocap"
    FAULTLINE=$IL_TMP/faultline-nocap
fi
il_start ingest -c "$IL_TMP/cfg.yaml"
FAULTLINE=$FAULTLINE_REAL

"$IL_TOOLS/log_writer" "$d/normal.log" 20000 --rotate-every 0 --rate $((4000 / IL_SCALE)) \
    --multiline 97 --map "$IL_TMP/normal.map" 2>"$IL_TMP/writer.log" &
writer=$!
IL_PIDS+=("$writer")

# vanish.log goes while it is being read: as soon as one of its records is on the topic.
il_wait 60 grep -q 'vanish.log' "$IL_TMP/dump" || il_fail "nothing of vanish.log arrived"
rm -f "$d/vanish.log"
t_rm=$(il_now)

if ! wait "$writer"; then
    il_fail "log_writer failed: $(cat "$IL_TMP/writer.log")"
    exit 1
fi
il_wait_caught_up 120
kill -0 "$IL_PID" 2>/dev/null || il_fail "faultline died"
il_dump

il_check "${name}_normal" "$IL_TMP/dump" "$IL_TMP/normal.map" --multiline 97 \
    --file-prefix "$d/normal.log"
il_check "${name}_vanish" "$IL_TMP/dump" "$IL_TMP/vanish.map" --file-prefix "$d/vanish.log"

python3 - "$IL_TMP/dump" "$d" >"$IL_TMP/hostile.out" <<'EOF'
import json, sys
dump, d = sys.argv[1], sys.argv[2]
n = {"binary": 0, "binary_unparsed": 0, "huge_cut": 0, "huge_len": 0, "after_huge": 0,
     "unreadable": 0, "fifo": 0, "loop": 0}
for line in open(dump, encoding="utf-8", errors="replace"):
    ev = json.loads(line.split("\t", 3)[3])
    f = ev["file"]
    if f == d + "/binary.log":
        n["binary"] += 1
        n["binary_unparsed"] += ev["category"] == "unparsed"
    elif f == d + "/huge.log":
        if ev["message"].startswith("huge "):
            n["huge_cut"] += ev["attrs"].get("cut") is True
            n["huge_len"] = len(line)
        elif ev["message"] == "after the huge line":
            n["after_huge"] += 1
    elif f.startswith(d + "/unreadable"):
        n["unreadable"] += 1
    elif f.startswith(d + "/fifo"):
        n["fifo"] += 1
    elif f.startswith(d + "/loop"):
        n["loop"] += 1
print(" ".join(f"{k}={v}" for k, v in n.items()))
EOF
read -r res <"$IL_TMP/hostile.out"
echo "INFO $name: $res"
val() { printf '%s\n' "$res" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

if [ "$unreadable" = checked ]; then
    il_log_has 'unreadable.log: cannot open: Permission denied' &&
        [ "$(val unreadable)" = 0 ] && echo "ok ${name}_unreadable" ||
        il_fail "unreadable.log: no 'cannot open: Permission denied' log line or events read"
fi
il_log_has 'fifo.log: not a regular file' && [ "$(val fifo)" = 0 ] &&
    echo "ok ${name}_fifo" || il_fail "fifo.log: no 'not a regular file' log line"
il_log_has 'loop.log: cannot stat: Too many levels of symbolic links' &&
    echo "ok ${name}_symlink_loop" || il_fail "loop.log: no ELOOP log line"
if [ "$(val binary)" -gt 0 ] && il_log_has 'binary.log: .* fit no ignition layout'; then
    echo "ok ${name}_binary"
else
    il_fail "binary.log: no unparsed events or no warning"
fi
if [ "$(val huge_cut)" = 1 ] && [ "$(val after_huge)" = 1 ] && [ "$(val huge_len)" -le 1000000 ] &&
    il_log_has 'huge.log: a line at offset 0 is longer than max_line_bytes'; then
    echo "ok ${name}_huge_line"
else
    il_fail "huge.log: the cut line (flagged, within Kafka's limit), the record after it or the log line is missing"
fi
if il_log_has 'vanish.log: gone from its glob; draining'; then
    echo "ok ${name}_vanish_drained"
else
    il_fail "vanish.log: no 'gone ... draining' log line"
fi
il_stop
echo "INFO $name: normal.log at $((4000 / IL_SCALE)) records/s; SIGTERM stop ${IL_STOP_S} s; whole test $(il_elapsed) s"
[ "$IL_STOP_RC" = 0 ] || il_fail "faultline exited $IL_STOP_RC after SIGTERM"
