#!/usr/bin/env bash
# tests/fuzz/run.sh BINDIR: runs every libFuzzer target for FUZZ_SECONDS (default 60), seeded
# from the parser cases' inputs. Fails on the first finding (crash, leak, sanitizer report).
set -euo pipefail
BIN=${1:-build-fuzz/bin}
SECS=${FUZZ_SECONDS:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for f in "$BIN"/fuzz_*; do
    name=$(basename "$f"); src=${name#fuzz_}
    seeds="$work/seeds-$src"; mkdir -p "$seeds"
    case "$src" in
    config|layout)
        # Loaders: the shipped configuration, the config error cases and the layout files.
        for i in deploy/faultline.yaml tests/cases-config/*/config.yaml tests/cases/*/*/*.yaml; do
            [ -f "$i" ] && cp "$i" "$seeds/$(echo "$i" | md5sum | cut -c1-12)"
        done ;;
    aveva_chain)
        # Whole .aaLOG files (no chunk-size byte): the aveva cases and the sample.
        for i in tests/cases/aveva/*/input samples/aveva/*.aaLOG; do
            [ -f "$i" ] && cp "$i" "$seeds/$(echo "$i" | md5sum | cut -c1-12)"
        done ;;
    *)
        for i in tests/cases/*/*/input; do
            case "$src" in auto|decode) ;; *) [[ $i == tests/cases/$src/* ]] || continue ;; esac
            # The harness reads byte 0 as the chunk size: prefix one byte.
            { printf '\x20'; cat "$i"; } > "$seeds/$(echo "$i" | md5sum | cut -c1-12)"
        done ;;
    esac
    echo "fuzz $name: ${SECS}s, $(ls "$seeds" | wc -l) seeds"
    if ! "$f" -max_total_time="$SECS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$work/$name-" "$seeds" > "$work/$name.log" 2>&1; then
        echo "FAIL fuzz $name"; tail -n 40 "$work/$name.log"; status=1
        mkdir -p build-fuzz/findings; cp "$work/$name-"* build-fuzz/findings/ 2>/dev/null || true
    else
        echo "ok fuzz $name: $(grep -E 'stat::number_of_executed_units' "$work/$name.log" | awk '{print $2}') runs"
    fi
done
exit $status
