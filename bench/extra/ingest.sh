# bench/extra/ingest.sh: issue 5's live-ingest figures (sourced by bench/run.sh, which gives
# BUILD, FL, RUNSTAT and OUT). Three measurements of `faultline ingest` against the 3-broker
# mock cluster on loopback (tests/tools/kafka_cluster), each on a fresh cluster and state_dir:
#
#   tput     sustained lines/s of one ingest tailing 10 files, checkpoints on: 10 x 500,000
#            generated Ignition lines are appended at once to 10 followed files; the time runs
#            until the brokers have acknowledged every event (acks=all delivery reports, as
#            counted by faultline; but each file's last one, which waits out limits.idle_flush
#            by design) (target >= 300,000 lines/s). BENCH_TPUT_CONSUMER=1 also follows the
#            topic with a consumer, which checks every event arrived and times the last
#            arrival, but takes a third of a core from the two the ingest is measured on.
#   latency  write() -> topic at 10,000 lines/s over 10 files, per line (p50/p99/max): an upper
#            bound of write() -> delivery report (target p99 <= 100 ms)
#   outage   peak RSS with 100 files tailed while every broker is down for BENCH_OUTAGE_S
#            (default 600) at 20,000 lines/s, and the spool's size at the end (target <= 64 MB)
#
# The machine is shared, so every figure carries the ingest's CPU time (user+sys, from /proc
# over the measured window) next to its wall time, and the load average. Speed is measured
# here, never asserted. Generated data lives under $OUT/ingest/ and is removed afterwards
# (BENCH_KEEP=1 keeps it); logs and samples stay in $OUT/ingest/.
#
# Knobs: BENCH_INGEST="tput latency outage" (which figures; "none" skips), BENCH_TPUT_FILES=10,
# BENCH_TPUT_LINES=500000 (per file), BENCH_TPUT_CONSUMER=0, BENCH_KAFKA_PROPS="k=v ..." (extra
# librdkafka properties for every figure), BENCH_LAT_FILES=10, BENCH_LAT_RATE=10000, BENCH_LAT_S=60,
# BENCH_OUTAGE_FILES=100, BENCH_OUTAGE_RATE=20000, BENCH_OUTAGE_S=600.
#
# Everything runs in a subshell: its traps end every process it started (by pid) and do not
# leak into bench/run.sh; every wait is bounded.

bench_ingest() (
    set +e
    set -u
    local tools=$BUILD/tests bdir
    bdir=$(cd "$OUT" && pwd)/ingest # absolute: the configuration's globs must be
    local figures=${BENCH_INGEST:-tput latency outage}
    [ "$figures" = none ] && return 0
    local t
    for t in "$FL" "$RUNSTAT" "$tools/kafka_cluster" "$tools/bench_writer" "$tools/bench_latency"; do
        [ -x "$t" ] || { echo "ingest bench: $t not built (make BUILD=$BUILD bench)"; return 1; }
    done
    command -v curl >/dev/null || { echo "ingest bench: curl is needed for the metrics"; return 1; }
    rm -rf "$bdir"
    mkdir -p "$bdir"

    local -a pids=()           # every process started here, ended by pid on exit
    local cl_pid='' cl_fd='' boot='' rs_pid='' fl_pid='' port='' flog=''

    bi_cleanup() {
        local p
        [ -n "$fl_pid" ] && kill -KILL "$fl_pid" 2>/dev/null
        [ -n "$cl_fd" ] && { echo quit >&"$cl_fd"; } 2>/dev/null
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
        wait 2>/dev/null
        [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$bdir"/*/data "$bdir"/*/stage "$bdir"/*/state
    }
    trap bi_cleanup EXIT
    trap 'exit 130' INT TERM

    bi_tidy() { rm -f "$1/cluster.in"; [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$1/data" "$1/stage" "$1/state"; }
    bi_now() { date +%s.%N; }
    bi_load() { cut -d' ' -f1 /proc/loadavg; }
    # CPU seconds (user+sys, every thread) a live process has used so far.
    bi_cpu() {
        awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
            "/proc/$1/stat" 2>/dev/null || echo 0
    }
    # Main thread of a live process: "run_ns wait_ns" (on a CPU / runnable but waiting for
    # one); the rest of the wall time it slept (blocked in poll, on I/O or on a full queue).
    bi_sched() { cut -d' ' -f1,2 "/proc/$1/task/$1/schedstat" 2>/dev/null || echo "0 0"; }
    # bi_sched_split S0 S1 WALL: "main thread run X s, waited for a CPU Y s, slept Z s".
    bi_sched_split() {
        awk -v a="$1" -v b="$2" -v w="$3" 'BEGIN { split(a, x, " "); split(b, y, " ");
            r = (y[1] - x[1]) / 1e9; q = (y[2] - x[2]) / 1e9;
            printf "main thread ran %.2f s, waited for a CPU %.2f s, slept %.2f s", r, q, w - r - q }'
    }
    # bi_wait SECONDS CMD...: retries CMD every 0.1 s; 1 on timeout.
    bi_wait() {
        local end
        end=$(awk -v n="$(bi_now)" -v s="$1" 'BEGIN { printf "%.1f", n + s }')
        shift
        until "$@"; do
            awk -v n="$(bi_now)" -v e="$end" 'BEGIN { exit !(n >= e) }' && return 1
            sleep 0.1
        done
    }
    bi_alive() { kill -0 "$1" 2>/dev/null; }
    bi_dead() { ! kill -0 "$1" 2>/dev/null; }

    # bi_cluster_start DIR: a fresh 3-broker cluster; commands through fd cl_fd.
    bi_cluster_start() {
        local d=$1
        rm -f "$d/cluster.in" "$d/bootstrap"
        mkfifo "$d/cluster.in"
        exec {cl_fd}<>"$d/cluster.in"
        "$tools/kafka_cluster" "$d/bootstrap" faultline.events 3 <"$d/cluster.in" \
            2>"$d/cluster.log" &
        cl_pid=$!
        pids+=("$cl_pid")
        bi_wait 20 test -s "$d/bootstrap" || { echo "ingest bench: the cluster did not start"; return 1; }
        boot=$(cat "$d/bootstrap")
    }
    bi_cluster_cmd() { # DIR down|up
        echo "$2" >&"$cl_fd"
        bi_wait 10 grep -q "brokers $2" "$1/cluster.log"
    }
    bi_cluster_stop() {
        { echo quit >&"$cl_fd"; } 2>/dev/null
        bi_wait 10 bi_dead "$cl_pid" || kill -KILL "$cl_pid" 2>/dev/null
        wait "$cl_pid" 2>/dev/null
        exec {cl_fd}>&-
        cl_fd=''
    }

    # bi_config FILE STATE DIR NFILES: one Ignition source per file (hosts ign001...), so the
    # events of different files get different keys (key = cell, else host) and partitions.
    bi_config() {
        local i
        {
            echo "state_dir: $2"
            echo "sources:"
            for ((i = 0; i < $4; i++)); do
                printf '  - name: ign%03d\n    type: ignition\n' "$i"
                printf "    paths: ['%s/ign-%03d.log']\n    host: ign%03d\n" "$3" "$i" "$((i + 1))"
            done
            echo "kafka:"
            echo "  brokers: '$boot'"
            if [ -n "${BENCH_KAFKA_PROPS:-}" ]; then # "key=value key=value": librdkafka properties
                echo "  properties:"
                local kv
                for kv in $BENCH_KAFKA_PROPS; do echo "    ${kv%%=*}: '${kv#*=}'"; done
            fi
            echo "limits:"
            echo "  checkpoint_interval: 1s"
            echo "metrics:"
            echo "  listen: 127.0.0.1:0"
        } >"$1"
    }

    # bi_ingest_start CONFIG LOG: `faultline ingest` under runstat; sets rs_pid, fl_pid, port.
    bi_ingest_start() {
        flog=$2
        "$RUNSTAT" -- "$FL" ingest -c "$1" 2>"$flog" &
        rs_pid=$!
        pids+=("$rs_pid")
        fl_pid=''
        bi_wait 10 bi_child || { echo "ingest bench: faultline did not start"; return 1; }
        pids+=("$fl_pid")
        bi_wait 20 grep -q 'metrics on port' "$flog" ||
            { echo "ingest bench: no metrics port (see $flog)"; return 1; }
        port=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' "$flog" | head -n 1)
    }
    bi_child() { fl_pid=$(pgrep -P "$rs_pid" | head -n 1); [ -n "$fl_pid" ]; }
    # bi_ingest_stop: SIGTERM (drain), bounded; sets RS_LINE (runstat's summary).
    bi_ingest_stop() {
        kill -TERM "$fl_pid" 2>/dev/null
        bi_wait 30 bi_dead "$rs_pid" || { kill -KILL "$fl_pid" 2>/dev/null; sleep 0.5; }
        wait "$rs_pid" 2>/dev/null
        RS_LINE=$(grep '^runstat:' "$flog" | tail -n 1)
        fl_pid=''
    }
    bi_rs() { sed -nE "s/.*$1=([0-9.]+).*/\1/p" <<<"$RS_LINE"; }
    bi_metric() {
        curl -s --max-time 5 "http://127.0.0.1:$port/metrics" | awk -v n="$1" '$1 == n { print $2; exit }'
    }
    bi_metric_ge() { local v; v=$(bi_metric "$1"); [ -n "$v" ] && [ "${v%.*}" -ge "$2" ]; }
    bi_kv() { sed -nE "s/.*[ :]$1=([-0-9.]+).*/\1/p" <<<"$2"; }

    # --- 1. sustained lines/s, 10 files -----------------------------------------------
    bi_tput() {
        local d=$bdir/tput nf=${BENCH_TPUT_FILES:-10} per=${BENCH_TPUT_LINES:-500000}
        # Each file's last line is a record only once limits.idle_flush (2 s) has passed (no
        # next line comes to end it): the clock stops at the m = n - nf records before those.
        local n=$((nf * per)) i
        local m=$((n - nf))
        mkdir -p "$d/stage" "$d/data"
        echo "ingest bench: generating $nf x $per Ignition lines ..."
        "$tools/bench_writer" "$d/stage" "$nf" "$n" 2>"$d/writer.log" ||
            { echo "ingest bench: generation failed"; return 1; }
        local bytes
        bytes=$(cat "$d"/stage/*.log | wc -c)
        for ((i = 0; i < nf; i++)); do : >"$(printf '%s/data/ign-%03d.log' "$d" "$i")"; done
        bi_cluster_start "$d" || return 1
        bi_config "$d/faultline.yaml" "$d/state" "$d/data" "$nf"
        bi_ingest_start "$d/faultline.yaml" "$d/faultline.log" || return 1
        # The consumer shares the 2 cores: off unless BENCH_TPUT_CONSUMER=1.
        local c_pid=''
        if [ "${BENCH_TPUT_CONSUMER:-0}" = 1 ]; then
            "$RUNSTAT" -o "$d/consumer.out" -- "$tools/bench_latency" "$boot" faultline.events "$m" \
                --idle-ms 20000 --deadline-s 900 2>"$d/consumer.log" &
            c_pid=$!
            pids+=("$c_pid")
        fi
        bi_wait 20 bi_metric_ge faultline_files_open "$nf" || { echo "ingest bench: files not open"; return 1; }
        sleep 1
        cat "$d"/stage/*.log >/dev/null # page cache: the disk is not what is measured
        local load0 cpu0 cl0 t0 t1 cpu1 cl1 s0 s1
        load0=$(bi_load)
        cpu0=$(bi_cpu "$fl_pid") cl0=$(bi_cpu "$cl_pid") s0=$(bi_sched "$fl_pid")
        t0=$(bi_now)
        # Every file grows at once, as fast as the kernel copies: a backlog the ingest drains.
        local f
        local -a cats=()
        for ((i = 0; i < nf; i++)); do
            f=$(printf 'ign-%03d.log' "$i")
            cat "$d/stage/$f" >>"$d/data/$f" &
            cats+=($!)
        done
        wait "${cats[@]}"
        local t_write
        t_write=$(bi_now)
        # Acknowledged by the brokers (delivery reports): faultline's own count.
        bi_wait 900 bi_metric_ge faultline_kafka_delivered_total "$m"
        t1=$(bi_now)
        cpu1=$(bi_cpu "$fl_pid") cl1=$(bi_cpu "$cl_pid") s1=$(bi_sched "$fl_pid")
        local load1 crc=1 cons='' ccpu=-
        load1=$(bi_load)
        if [ -n "$c_pid" ]; then
            bi_wait 60 bi_dead "$c_pid"
            wait "$c_pid"
            crc=$?
            cons=$(cat "$d/consumer.out")
            ccpu=$(grep '^runstat:' "$d/consumer.log" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(user|sys)_s=/) { sub(/.*=/, "", $i); c += $i } } END { printf "%.2f", c }')
        fi
        bi_ingest_stop
        bi_cluster_stop
        bi_tidy "$d"
        local last_ns unique gaps wall_c wall_m basis
        last_ns=$(bi_kv last_arrival_ns "$cons")
        unique=$(bi_kv unique "$cons")
        gaps=$(bi_kv gap_msgs "$cons")
        wall_m=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        if [ "$crc" = 0 ] && [ -n "$last_ns" ]; then
            wall_c=$(awk -v a="$t0" -v b="$last_ns" 'BEGIN { printf "%.3f", b / 1e9 - a }')
            basis="time until the consumer had all $m from the topic"
        elif [ -z "$c_pid" ]; then
            wall_c=$wall_m
            basis="time until every delivery report; BENCH_TPUT_CONSUMER=1 adds a consumer"
        else
            wall_c=$wall_m
            basis="consumer incomplete (unique ${unique:-?}, gap ${gaps:-?}): time until every delivery report"
        fi
        awk -v name="ingest 10 files -> kafka" -v n="$m" -v b="$bytes" -v w="$wall_c" \
            -v c="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')" -v r="$(bi_rs maxrss_kb)" \
            -v l0="$load0" -v l1="$load1" -v nf="$nf" 'BEGIN {
            printf "%-28s %9d lines %8.1f MB  %6.2f s  %9.0f lines/s  cpu %6.2f s (%4.2f cores, %6.0f lines/cpu-s)  peak RSS %6.1f MB  load %s-%s  [target >= 300000 lines/s]\n",
                   name, n, b / 1e6, w, n / w, c, c / w, n / c, r / 1024, l0, l1 }' |
            tee -a "$OUT/results.txt"
        awk -v basis="$basis" -v wm="$wall_m" -v n="$m" -v tw="$(awk -v a="$t0" -v b="$t_write" 'BEGIN{print b-a}')" \
            -v cl="$(awk -v a="$cl0" -v b="$cl1" 'BEGIN { print b - a }')" -v cc="$ccpu" \
            -v sch="$(bi_sched_split "$s0" "$s1" "$wall_m")" 'BEGIN {
            printf "  (%s; every delivery report after %.2f s = %.0f lines/s; appends took %.2f s; %s; cpu: cluster %.2f s, consumer %s s)\n",
                   basis, wm, n / wm, tw, sch, cl, cc }' | tee -a "$OUT/results.txt"
    }

    # --- 2. write() -> topic latency at a fixed rate -----------------------------------
    bi_latency() {
        local d=$bdir/latency nf=${BENCH_LAT_FILES:-10} rate=${BENCH_LAT_RATE:-10000}
        local secs=${BENCH_LAT_S:-60} i
        local n=$((rate * secs))
        mkdir -p "$d/data"
        for ((i = 0; i < nf; i++)); do : >"$(printf '%s/data/ign-%03d.log' "$d" "$i")"; done
        bi_cluster_start "$d" || return 1
        bi_config "$d/faultline.yaml" "$d/state" "$d/data" "$nf"
        bi_ingest_start "$d/faultline.yaml" "$d/faultline.log" || return 1
        "$tools/bench_latency" "$boot" faultline.events "$n" --idle-ms 20000 \
            --deadline-s $((secs + 300)) >"$d/consumer.out" 2>"$d/consumer.log" &
        local c_pid=$!
        pids+=("$c_pid")
        bi_wait 20 bi_metric_ge faultline_files_open "$nf" || { echo "ingest bench: files not open"; return 1; }
        sleep 1
        local load0 cpu0 t0 t1 cpu1 load1 s0 s1
        load0=$(bi_load)
        cpu0=$(bi_cpu "$fl_pid") s0=$(bi_sched "$fl_pid")
        t0=$(bi_now)
        # One trailer line per file after the measured ones: every measured record then has a
        # successor that completes it (else each file's last one waits out idle_flush).
        "$tools/bench_writer" "$d/data" "$nf" $((n + nf)) --rate "$rate" \
            --max-s $((secs + 120)) 2>"$d/writer.log"
        bi_wait 120 bi_dead "$c_pid"
        wait "$c_pid"
        local crc=$?
        t1=$(bi_now)
        cpu1=$(bi_cpu "$fl_pid") s1=$(bi_sched "$fl_pid")
        load1=$(bi_load)
        bi_ingest_stop
        bi_cluster_stop
        bi_tidy "$d"
        local cons wlog
        cons=$(cat "$d/consumer.out")
        wlog=$(grep 'lines=' "$d/writer.log")
        local status="all $n arrived"
        [ "$crc" = 0 ] || status="INCOMPLETE: $(bi_kv unique "$cons") of $n arrived (gap $(bi_kv gap_msgs "$cons"))"
        awk -v name="ingest write->topic @${rate}/s" -v n="$n" -v p50="$(bi_kv p50_ms "$cons")" \
            -v p90="$(bi_kv p90_ms "$cons")" -v p99="$(bi_kv p99_ms "$cons")" \
            -v p999="$(bi_kv p999_ms "$cons")" -v mx="$(bi_kv max_ms "$cons")" \
            -v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
            -v c="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')" -v r="$(bi_rs maxrss_kb)" \
            -v l0="$load0" -v l1="$load1" 'BEGIN {
            printf "%-28s %9d lines  p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  p99.9 %6.2f ms  max %7.2f ms  cpu %6.2f s / %6.2f s wall (%4.2f cores)  peak RSS %6.1f MB  load %s-%s  [target p99 <= 100 ms]\n",
                   name, n, p50, p90, p99, p999, mx, c, w, c / w, r / 1024, l0, l1 }' |
            tee -a "$OUT/results.txt"
        echo "  ($status over $nf files; consume time - write time, an upper bound of write() -> delivery report; writer max lag $(bi_kv max_lag_ms "$wlog") ms, $(bi_kv late_lines "$wlog") lines > 10 ms late; $(bi_sched_split "$s0" "$s1" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"))" |
            tee -a "$OUT/results.txt"
    }

    # --- 3. peak RSS, 100 files, brokers down ------------------------------------------
    bi_outage() {
        local d=$bdir/outage nf=${BENCH_OUTAGE_FILES:-100} rate=${BENCH_OUTAGE_RATE:-20000}
        local secs=${BENCH_OUTAGE_S:-600} i
        local n=$((rate * secs))
        mkdir -p "$d/data"
        for ((i = 0; i < nf; i++)); do : >"$(printf '%s/data/ign-%03d.log' "$d" "$i")"; done
        bi_cluster_start "$d" || return 1
        bi_cluster_cmd "$d" down || { echo "ingest bench: cluster did not go down"; return 1; }
        bi_config "$d/faultline.yaml" "$d/state" "$d/data" "$nf"
        bi_ingest_start "$d/faultline.yaml" "$d/faultline.log" || return 1
        bi_wait 20 bi_metric_ge faultline_files_open "$nf" || { echo "ingest bench: files not open"; return 1; }
        echo "ingest bench: brokers down, $nf files at $rate lines/s for $secs s ..."
        local load0 cpu0 t0
        load0=$(bi_load)
        cpu0=$(bi_cpu "$fl_pid")
        t0=$(bi_now)
        "$tools/bench_writer" "$d/data" "$nf" "$n" --rate "$rate" --max-s $((secs + 300)) \
            2>"$d/writer.log" &
        local w_pid=$!
        pids+=("$w_pid")
        # RSS and spool every 5 s: the trend shows whether memory is bounded or just not
        # yet grown.
        printf 't_s\tvmrss_kb\tvmhwm_kb\tspool_bytes\tevents\n' >"$d/samples.tsv"
        local next=0 el
        while bi_alive "$w_pid"; do
            el=$(awk -v a="$t0" -v b="$(bi_now)" 'BEGIN { printf "%d", b - a }')
            if [ "$el" -ge "$next" ]; then
                printf '%s\t%s\t%s\t%s\t%s\n' "$el" \
                    "$(awk '/^VmRSS/ { print $2 }' "/proc/$fl_pid/status")" \
                    "$(awk '/^VmHWM/ { print $2 }' "/proc/$fl_pid/status")" \
                    "$(bi_metric faultline_spool_bytes)" "$(bi_metric faultline_events_total)" \
                    >>"$d/samples.tsv"
                [ $((next % 60)) = 0 ] && [ "$next" -gt 0 ] &&
                    echo "  ${el} s: rss $(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$fl_pid/status") MB, spool $(bi_metric faultline_spool_bytes) bytes"
                next=$((next + 5))
            fi
            sleep 0.5
        done
        wait "$w_pid"
        local t_w
        t_w=$(bi_now)
        # Every line read, and every event out of librdkafka's queue (message.timeout.ms)
        # and fsync'd in the spool.
        bi_wait 180 bi_metric_ge faultline_events_total "$n"
        bi_wait 30 bi_metric_ge faultline_spool_records_total "$(bi_metric faultline_events_total)"
        local cpu1 load1 spool_m spool_du recs drops events state
        cpu1=$(bi_cpu "$fl_pid")
        load1=$(bi_load)
        spool_m=$(bi_metric faultline_spool_bytes)
        spool_du=$(du -sb "$d/state/spool" 2>/dev/null | cut -f1)
        recs=$(bi_metric faultline_spool_records_total)
        drops=$(bi_metric faultline_spool_dropped_segments_total)
        events=$(bi_metric faultline_events_total)
        state=$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" | sed -n 's/^faultline_kafka_state{state="\([a-z]*\)"}.*/\1/p')
        bi_ingest_stop
        bi_cluster_stop
        bi_tidy "$d"
        local wlog
        wlog=$(grep 'lines=' "$d/writer.log")
        awk -v name="ingest 100 files, kafka down" -v nf="$nf" -v secs="$secs" -v rate="$rate" \
            -v n="$(bi_kv lines "$wlog")" -v r="$(bi_rs maxrss_kb)" -v sm="$spool_m" -v sd="$spool_du" \
            -v recs="$recs" -v drops="$drops" \
            -v w="$(awk -v a="$t0" -v b="$t_w" 'BEGIN { print b - a }')" \
            -v c="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')" \
            -v l0="$load0" -v l1="$load1" 'BEGIN {
            printf "%-28s %9d lines  %d files, %d s at %d lines/s  peak RSS %6.1f MB  spool %7.1f MB on disk (%d records, %d segments dropped)  cpu %7.2f s / %7.2f s wall (%4.2f cores)  load %s-%s  [target <= 64 MB]\n",
                   name, n, nf, secs, rate, r / 1024, sd / 1e6, recs, drops, c, w, c / w, l0, l1 }' |
            tee -a "$OUT/results.txt"
        awk -F'\t' -v ev="$events" -v st="$state" -v wl="$(bi_kv max_lag_ms "$wlog")" \
            -v f="$d/samples.tsv" 'NR > 1 && $2 != "" { k++; if (k == 1) first = $2; last = $2;
                if ($2 > mx) mx = $2; if ($1 <= 60) m1 = $2 }
            END { printf "  (%d events read; state %s at the end; RSS every 5 s: %.1f MB first, %.1f MB at 60 s, %.1f MB max, %.1f MB last (%s); writer max lag %s ms)\n",
                  ev, st, first / 1024, m1 / 1024, mx / 1024, last / 1024, f, wl }' "$d/samples.tsv" |
            tee -a "$OUT/results.txt"
    }

    local fig
    for fig in $figures; do
        case $fig in
        tput) bi_tput || echo "ingest bench: tput failed (logs in $bdir/tput)" ;;
        latency) bi_latency || echo "ingest bench: latency failed (logs in $bdir/latency)" ;;
        outage) bi_outage || echo "ingest bench: outage failed (logs in $bdir/outage)" ;;
        *) echo "ingest bench: unknown figure '$fig' (tput latency outage)" ;;
        esac
        # Whatever failed mid-figure: end its processes before the next one.
        [ -n "$fl_pid" ] && { kill -KILL "$fl_pid" 2>/dev/null; wait "$rs_pid" 2>/dev/null; fl_pid=''; }
        [ -n "$cl_fd" ] && bi_cluster_stop
    done
    return 0
)

bench_ingest || echo "ingest bench: failed"
