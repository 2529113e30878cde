#!/usr/bin/env bash
# tests/scripts/ingest_idb.sh: Ignition's system_logs.idb followed by event_id (issue 5,
# item 2), through `faultline run --stdout`.
#
# A store with logback's DBAppender schema (ignition.md §2) gets rows 1..300; faultline must
# publish each once, then rows 301..500 written while it runs. After a restart, only the rows
# written since (501..600) may come: the checkpoint of an idb is its last acknowledged
# event_id. Then the gateway "restarts": the store is deleted and recreated with rows 1..50
# of new text, whose event_ids are below the checkpoint: all 50 must still come (the store is
# read again from its first row, with a warning).
# Expected events are written from the rows themselves: offset = event_id, ts = timestmp (UTC
# ms), severity from level_string (INFO -> info, ERROR -> error), component = logger_name.
. "$(dirname "$0")/ingest_lib.sh"
name=ingest_idb
il_init "$name"
command -v sqlite3 >/dev/null || { echo "FAIL $name: sqlite3 missing"; exit 1; }

d=$IL_TMP/logs
mkdir -p "$d"
db=$d/system_logs.idb
schema="CREATE TABLE logging_event (timestmp BIGINT NOT NULL, formatted_message TEXT NOT NULL,
 logger_name VARCHAR(254) NOT NULL, level_string VARCHAR(254) NOT NULL,
 thread_name VARCHAR(254), reference_flag SMALLINT, arg0 VARCHAR(254), arg1 VARCHAR(254),
 arg2 VARCHAR(254), arg3 VARCHAR(254), caller_filename VARCHAR(254),
 caller_class VARCHAR(254), caller_method VARCHAR(254), caller_line CHAR(4),
 event_id INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE TABLE logging_event_property (event_id BIGINT NOT NULL,
 mapped_key VARCHAR(254) NOT NULL, mapped_value TEXT, PRIMARY KEY(event_id, mapped_key));
CREATE TABLE logging_event_exception (event_id BIGINT NOT NULL, i SMALLINT NOT NULL,
 trace_line VARCHAR(254) NOT NULL, PRIMARY KEY(event_id, i));"
# rows FROM TO TEXT: event_ids FROM..TO, timestmp 1615711765000 + 1000 * id, every 10th ERROR.
rows() {
    sqlite3 "$db" "WITH RECURSIVE n(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
        INSERT INTO logging_event (event_id, timestmp, formatted_message, logger_name,
        level_string, thread_name) SELECT i, 1615711765000 + 1000 * i, '$3 ' || i,
        'c.i.test.Store', CASE WHEN i % 10 = 0 THEN 'ERROR' ELSE 'INFO' END, 'gw-1' FROM n;"
}
sqlite3 "$db" "$schema"
rows 1 300 "row"
cat >"$IL_TMP/cfg.yaml" <<EOF
state_dir: $IL_TMP/state
sources:
  - name: ign-idb
    type: ignition
    paths: ['$db']
    host: ign01
limits:
  poll_interval: 250ms
  checkpoint_interval: 250ms
metrics:
  listen: 127.0.0.1:0
EOF
n_out() { grep -c '^{' "$IL_TMP/stdout"; }
have() { [ "$(n_out)" -ge "$1" ]; }
ckpt_is() { awk -v w="$1" '$1 == "v1" && $3 == w { f = 1 } END { exit !f }' "$IL_TMP/state/checkpoints" 2>/dev/null; }

il_start run -c "$IL_TMP/cfg.yaml" --stdout
il_wait 20 have 300 || il_fail "$(n_out) of the first 300 rows published"
rows 301 500 "row"
il_wait 20 have 500 || il_fail "$(n_out) of 500 rows published while running"
il_wait 10 ckpt_is 500 || il_fail "checkpoint is not event_id 500: $(cat "$IL_TMP/state/checkpoints")"
il_stop

rows 501 600 "row"
il_start run -c "$IL_TMP/cfg.yaml" --stdout
il_wait 20 have 600 || il_fail "$(n_out) of 600 rows after the restart"
il_wait 10 ckpt_is 600 || il_fail "checkpoint is not event_id 600 after the restart"
rm -f "$db"
sqlite3 "$db" "$schema"
rows 1 50 "gen2"
il_wait 20 have 650 || il_fail "$(n_out) of 650 after the store was recreated"
il_wait 10 il_log_has 'store was recreated' || il_fail "no warning about the recreated store"
sleep 0.5 # a duplicate would come within a poll interval
il_stop

python3 - "$IL_TMP/stdout" <<'EOF' || il_fail "events"
import json, sys, datetime
want = {}
for i in range(1, 601):
    want[("row", i)] = 1
for i in range(1, 51):
    want[("gen2", i)] = 1
seen, bad = {}, []
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.startswith("{"):
        continue
    ev = json.loads(line)
    parts = ev["message"].split(" ")
    if len(parts) != 2 or not parts[1].isdigit():
        bad.append("unexpected event: %s" % line.strip()[:300])
        continue
    text, i = parts[0], int(parts[1])
    seen[(text, i)] = seen.get((text, i), 0) + 1
    ts = datetime.datetime.fromtimestamp((1615711765000 + 1000 * i) / 1000, datetime.timezone.utc)
    exp = {"offset": i, "lines": 1, "source": "ignition", "host": "ign01",
           "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "component": "c.i.test.Store",
           "severity": "error" if i % 10 == 0 else "info"}
    for k, v in exp.items():
        if ev[k] != v:
            bad.append("%s %d: %s = %r, expected %r" % (text, i, k, ev[k], v))
missing = [k for k in want if k not in seen]
dups = [k for k, n in seen.items() if n > 1]
foreign = [k for k in seen if k not in want]
for b in bad[:5]:
    print("  " + b)
print("INFO ingest_idb: %d events, %d missing, %d duplicated, %d foreign, %d wrong fields"
      % (sum(seen.values()), len(missing), len(dups), len(foreign), len(bad)))
if missing[:3] or dups[:3]:
    print("  missing %s duplicated %s" % (missing[:3], dups[:3]))
sys.exit(1 if bad or missing or dups or foreign else 0)
EOF
[ "$IL_FAILED" = 0 ] && echo "ok $name"
echo "INFO $name: whole test $(il_elapsed) s"
