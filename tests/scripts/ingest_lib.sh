# tests/scripts/ingest_lib.sh: shared shell functions of the ingest integration tests
# (tests/scripts/ingest_*.sh). Sourced, never run.
#
# What it gives a test: a private temp dir with cleanup on exit (every process a test starts
# is recorded and ended by its pid), the 3-broker mock cluster (tests/tools/kafka_cluster) on
# loopback with `down`/`up`, a config writer, start/stop of `faultline ingest|run` with its
# log and metrics port, waits on conditions (never a bare sleep as the only sync), a topic
# dump and the checker (ingest_check.py). Every wait is bounded; under ASan/UBSan (BUILD ends
# in -asan) the bounds are multiplied by IL_SCALE.
#
# Output convention (tests/run.sh): "ok NAME", "FAIL NAME: why", "INFO ..." lines; lines
# starting with two spaces are shown too (log excerpts after a failure).

# Run by tests/run.sh like every tests/scripts/*.sh: nothing to do on its own.
[ "${BASH_SOURCE[0]}" = "$0" ] && exit 0

set -u
IL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$IL_ROOT/$BUILD ;; esac
FAULTLINE=${FAULTLINE:-$BUILD/faultline}
case $FAULTLINE in /*) ;; *) FAULTLINE=$IL_ROOT/$FAULTLINE ;; esac
IL_TOOLS=$BUILD/tests
IL_SCALE=${IL_SCALE:-1}
case $BUILD in *-asan*) IL_SCALE=${IL_SCALE_ASAN:-3} ;; esac
# librdkafka's threads and ASan: keep leak reports to faultline's own allocations.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

IL_NAME=ingest
IL_TMP=
IL_PIDS=()
IL_FAILED=0
IL_CLUSTER_PID=
IL_CLUSTER_FD=
IL_BOOT=
IL_PID=         # the running faultline
IL_PORT=        # its metrics port
IL_LOG=         # its current log file
IL_NSTART=0
IL_T0=$(date +%s.%N)

il_now() { date +%s.%N; }
il_elapsed() { awk -v a="$IL_T0" -v b="$(il_now)" 'BEGIN { printf "%.1f", b - a }'; }

il_fail() {
    echo "FAIL $IL_NAME: $*"
    IL_FAILED=1
}

# il_init NAME: temp dir, traps, tool checks.
il_init() {
    IL_NAME=$1
    IL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fl-$1.XXXXXX")
    trap il_cleanup EXIT
    trap 'exit 130' INT TERM
    local t
    for t in "$FAULTLINE" "$IL_TOOLS/kafka_cluster" "$IL_TOOLS/topic_follow" "$IL_TOOLS/log_writer"; do
        if [ ! -x "$t" ]; then
            echo "FAIL $IL_NAME: $t not built (make BUILD=... $t)"
            exit 1
        fi
    done
    command -v python3 >/dev/null || { echo "FAIL $IL_NAME: python3 missing"; exit 1; }
}

il_cleanup() {
    local rc=$?
    local p
    for p in "${IL_PIDS[@]}"; do
        kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    done
    if [ -n "$IL_CLUSTER_FD" ]; then
        echo quit >&"$IL_CLUSTER_FD" 2>/dev/null
        exec {IL_CLUSTER_FD}>&-
    fi
    for p in "${IL_PIDS[@]}"; do
        wait "$p" 2>/dev/null
    done
    if [ "$IL_FAILED" = 1 ] || [ "$rc" != 0 ]; then
        if [ -n "$IL_TMP" ] && ls "$IL_TMP"/faultline.*.log >/dev/null 2>&1; then
            echo "  --- $IL_NAME: last faultline log lines ---"
            cat "$IL_TMP"/faultline.*.log | grep -v '^$' | tail -n 25 | sed 's/^/    /'
        fi
    fi
    if [ -n "${IL_KEEP:-}" ] && [ -n "$IL_TMP" ]; then echo "  kept $IL_TMP"; IL_TMP=; fi
    [ -n "$IL_TMP" ] && rm -rf "$IL_TMP"
    [ "$IL_FAILED" = 1 ] && exit 1
    exit "$rc"
}

# il_wait SECONDS CMD...: runs CMD every 0.1-0.5 s until it succeeds; 1 on timeout.
il_wait() {
    local limit
    limit=$(awk -v s="$1" -v k="$IL_SCALE" 'BEGIN { print s * k }')
    shift
    local end
    end=$(awk -v n="$(il_now)" -v l="$limit" 'BEGIN { printf "%.3f", n + l }')
    local nap=0.1
    while :; do
        "$@" && return 0
        if awk -v n="$(il_now)" -v e="$end" 'BEGIN { exit !(n >= e) }'; then return 1; fi
        sleep "$nap"
        nap=0.3
    done
}

# --- the cluster ---------------------------------------------------------------------------

il_cluster_start() {
    local fifo=$IL_TMP/cluster.in
    mkfifo "$fifo"
    exec {IL_CLUSTER_FD}<>"$fifo"
    "$IL_TOOLS/kafka_cluster" "$IL_TMP/bootstrap" faultline.events 3 <"$fifo" \
        2>"$IL_TMP/cluster.log" &
    IL_CLUSTER_PID=$!
    IL_PIDS+=("$IL_CLUSTER_PID")
    if ! il_wait 20 test -s "$IL_TMP/bootstrap"; then
        il_fail "the kafka cluster helper did not start"
        exit 1
    fi
    IL_BOOT=$(cat "$IL_TMP/bootstrap")
    il_follow_start
}

il_cluster_cmd() {
    echo "$1" >&"$IL_CLUSTER_FD"
    il_wait 10 grep -q "brokers $1" "$IL_TMP/cluster.log" ||
        il_fail "the cluster did not confirm '$1'"
}

# --- configuration -------------------------------------------------------------------------

# il_config FILE STATE_DIR BROKERS GLOB [EXTRA_YAML_LIMITS...]: one ignition source.
il_config() {
    local file=$1 state=$2 brokers=$3 glob=$4
    shift 4
    {
        echo "state_dir: $state"
        echo "sources:"
        echo "  - name: ign-test"
        echo "    type: ignition"
        echo "    paths: ['$glob']"
        echo "    host: ign01"
        echo "kafka:"
        echo "  brokers: '$brokers'"
        echo "limits:"
        echo "  poll_interval: 250ms"
        echo "  checkpoint_interval: 500ms"
        echo "  idle_flush: 1s"
        local x
        for x in "$@"; do echo "  $x"; done
        echo "metrics:"
        echo "  listen: 127.0.0.1:0"
    } >"$file"
}

# --- faultline -----------------------------------------------------------------------------

# il_start CMD ARGS...: starts `faultline CMD ARGS` in the background, logs to its own file,
# waits for its metrics port.
il_start() {
    IL_NSTART=$((IL_NSTART + 1))
    IL_LOG=$IL_TMP/faultline.$IL_NSTART.log
    "$FAULTLINE" "$@" >>"$IL_TMP/stdout" 2>"$IL_LOG" &
    IL_PID=$!
    IL_PIDS+=("$IL_PID")
    IL_PORT=
    if ! il_wait 20 grep -q 'metrics on port' "$IL_LOG"; then
        il_fail "faultline $1 did not start (no metrics line)"
        exit 1
    fi
    IL_PORT=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' "$IL_LOG" | head -n 1)
}

il_metrics() {
    curl -s --max-time 5 "http://127.0.0.1:$IL_PORT/metrics"
}

# il_metric NAME: value of an unlabelled metric (empty if absent).
il_metric() {
    il_metrics | awk -v n="$1" '$1 == n { print $2; exit }'
}

# il_stop: SIGTERM, bounded wait; sets IL_STOP_S and IL_STOP_RC.
il_stop() {
    local t0
    t0=$(il_now)
    kill -TERM "$IL_PID" 2>/dev/null
    local i
    for i in $(seq 1 $((100 * IL_SCALE))); do
        kill -0 "$IL_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$IL_PID" 2>/dev/null; then
        kill -KILL "$IL_PID"
    fi
    wait "$IL_PID"
    IL_STOP_RC=$?
    IL_STOP_S=$(awk -v a="$t0" -v b="$(il_now)" 'BEGIN { printf "%.2f", b - a }')
}

il_kill9() {
    kill -KILL "$IL_PID" 2>/dev/null
    wait "$IL_PID" 2>/dev/null
}

# True when faultline has caught up: direct production, nothing queued or spooled, every
# file's position acknowledged, and no new event for QUIET_S seconds (file: IL_TMP/quiet).
il_quiet_s=2
il_is_caught_up() {
    local m
    m=$(il_metrics) || return 1
    local ev
    ev=$(printf '%s\n' "$m" | awk '$1 == "faultline_events_total" { print $2 }')
    [ -n "$ev" ] || return 1
    local busy
    busy=$(printf '%s\n' "$m" | awk '
        $1 == "faultline_kafka_queue_depth" && $2 != 0 { b = 1 }
        $1 ~ /^faultline_kafka_state/ && $1 !~ /"direct"/ { b = 1 }
        $1 == "faultline_spool_bytes" && $2 != 0 { b = 1 }
        $1 ~ /^faultline_checkpoint_lag_bytes/ && $2 != 0 { b = 1 }
        END { print b + 0 }')
    local now
    now=$(il_now)
    if [ ! -f "$IL_TMP/quiet" ] || [ "$(cut -d' ' -f1 "$IL_TMP/quiet")" != "$ev" ] ||
        [ "$busy" = 1 ]; then
        echo "$ev $now" >"$IL_TMP/quiet"
        return 1
    fi
    awk -v a="$(cut -d' ' -f2 "$IL_TMP/quiet")" -v b="$now" -v q="$il_quiet_s" \
        'BEGIN { exit !(b - a >= q) }'
}

# il_wait_caught_up SECONDS: 1 (and a FAIL line) when faultline did not catch up in time.
il_wait_caught_up() {
    rm -f "$IL_TMP/quiet"
    if ! il_wait "$1" il_is_caught_up; then
        il_fail "not caught up after $(awk -v s="$1" -v k="$IL_SCALE" 'BEGIN{print s*k}') s"
        il_metrics | grep -E '^faultline_(events|kafka|spool|checkpoint_lag)' | head -n 12 |
            sed 's/^/    /'
        return 1
    fi
}

# il_follow_start: consumes the topic from now on into IL_TMP/dump (tests/tools/topic_follow:
# the mock cluster keeps only 5 MiB per partition, so the topic is read while it is written).
IL_FOLLOW_PID=
il_follow_start() {
    "$IL_TOOLS/topic_follow" "$IL_BOOT" faultline.events "$IL_TMP/dump" "$IL_TMP/follow.stop" \
        3000 $((900 * IL_SCALE)) 2>"$IL_TMP/follow.log" &
    IL_FOLLOW_PID=$!
    IL_PIDS+=("$IL_FOLLOW_PID")
}

# il_dump: ends the follower once no message came for 3 s; IL_TMP/dump is then complete.
# A follower that fell behind the mock's retention fails the test as such.
il_dump() {
    touch "$IL_TMP/follow.stop"
    local i
    for i in $(seq 1 $((600 * IL_SCALE))); do
        kill -0 "$IL_FOLLOW_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$IL_FOLLOW_PID" 2>/dev/null
    wait "$IL_FOLLOW_PID"
    local rc=$?
    if [ "$rc" = 3 ]; then
        il_fail "the topic follower fell behind the mock cluster's retention (test infrastructure): $(grep -m1 GAP "$IL_TMP/follow.log")"
    elif [ "$rc" != 0 ]; then
        il_fail "the topic follower failed (exit $rc): $(tail -n 2 "$IL_TMP/follow.log")"
    fi
}

# il_check NAME DUMP MAP [checker options]: runs the checker; its ok/FAIL/INFO lines pass on.
il_check() {
    python3 "$IL_ROOT/tests/scripts/ingest_check.py" "$@" || IL_FAILED=1
}

# il_log_has REGEX: the current (or any) faultline log has a line matching REGEX.
il_log_has() {
    cat "$IL_TMP"/faultline.*.log 2>/dev/null | grep -qE -- "$1"
}
