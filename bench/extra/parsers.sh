# bench/extra/parsers.sh: throughput of the four other parsers on generated files of a
# realistic mix (sourced by bench/run.sh; uses its measure function). AVEVA: the real
# .aaLOG/.aaLGX files of the corpus over 50 KB (the many 1 KB files come from a test script
# that restarted the logger every 2.5 s; each file open costs ~0.5 ms of regex compiling,
# which is not the parser's per-record cost), each given 20 times.
for src in winccoa historian ftdiag; do
    f="$OUT/$src-1000000.log"
    [ -s "$f" ] || "$GEN" "$src" 1000000 > "$f"
    measure "$src log" "$src" "$f"
done

SHARED=${SHARED:-../shared}
if ls "$SHARED"/corpus/aveva/binary/*.aaL* >/dev/null 2>&1; then
    files=()
    for i in $(seq 1 20); do
        for f in "$SHARED"/corpus/aveva/binary/*.aaLOG "$SHARED"/corpus/aveva/binary/*.aaLGX; do
            [ "$(stat -c %s "$f")" -gt 51200 ] && files+=("$f")
        done
    done
    bytes=$(cat "${files[@]}" | wc -c)
    cat "${files[@]}" > /dev/null
    stat=$(taskset -c 0 "$RUNSTAT" -o /dev/null -- "$FL" parse --source aveva -q "${files[@]}" 2>&1 | grep '^runstat:')
    recs=$("$FL" parse --source aveva -q "${files[@]}" 2>/dev/null | wc -l)
    wall=$(sed -E 's/.*wall_s=([0-9.]+).*/\1/' <<<"$stat")
    cpu=$(sed -E 's/.*user_s=([0-9.]+) sys_s=([0-9.]+).*/\1 \2/' <<<"$stat" | awk '{print $1 + $2}')
    rss=$(sed -E 's/.*maxrss_kb=([0-9]+).*/\1/' <<<"$stat")
    awk -v n="aveva x20 (${#files[@]} files)" -v b="$bytes" -v w="$wall" -v c="$cpu" -v r="$rss" -v e="$recs" \
        -v la="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
        printf "%-24s %8s       %8d records %6.1f MB  wall %6.3f s %9.0f rec/s    cpu %6.3f s %9s             %9.0f records/cpu-s %6.1f MB/cpu-s  peak RSS %5.1f MB  load %s\n",
               n, "-", e, b/1e6, w, e/w, c, "-", e/c, b/1e6/c, r/1024, la }' | tee -a "$OUT/results.txt"
fi
