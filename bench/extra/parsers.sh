# bench/extra/parsers.sh: throughput of the four other parsers on generated files of a
# realistic mix (sourced by bench/run.sh; uses its measure function). AVEVA: every real
# .aaLOG/.aaLGX of the corpus, concatenated 20 times as separate files.
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
            files+=("$f")
        done
    done
    bytes=$(cat "${files[@]}" | wc -c)
    cat "${files[@]}" > /dev/null
    stat=$(taskset -c 0 "$RUNSTAT" -o /dev/null -- "$FL" parse --source aveva -q "${files[@]}" 2>&1 | grep '^runstat:')
    recs=$("$FL" parse --source aveva -q "${files[@]}" 2>/dev/null | wc -l)
    wall=$(sed -E 's/.*wall_s=([0-9.]+).*/\1/' <<<"$stat")
    rss=$(sed -E 's/.*maxrss_kb=([0-9]+).*/\1/' <<<"$stat")
    awk -v n="aveva .aaLOG x20 (${#files[@]} files)" -v b="$bytes" -v w="$wall" -v r="$rss" -v e="$recs" 'BEGIN {
        printf "%-28s %9s       %9d records %8.1f MB  %6.3f s  %10s         %8.0f records/s  %7.1f MB/s  peak RSS %6.1f MB\n",
               n, "-", e, b/1e6, w, "-", e/w, b/1e6/w, r/1024 }' | tee -a "$OUT/results.txt"
fi
