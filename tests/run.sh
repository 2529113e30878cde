#!/usr/bin/env bash
# tests/run.sh: the whole suite. Unit test binaries, data-driven parser cases
# (tests/cases/<source>/<case>/{args,input,expected.ndjson[,error,exit]}), and the scripted
# checks in tests/scripts/*.sh. Ends with "N passed, N failed".
set -u
BUILD=${BUILD:-build}
SHARED=${SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
export SHARED BUILD
FAULTLINE=${FAULTLINE:-$BUILD/faultline}
export FAULTLINE
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Unit tests: each binary prints "<file>: N passed, N failed".
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$(timeout 300 "$t" 2>"$tmp/err"); rc=$?
    line=$(printf '%s\n' "$out" | grep -E ': [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL $(basename "$t") (exit $rc, no summary)"; sed 's/^/    /' "$tmp/err" | head -n 40
        failed=$((failed + 1)); continue
    fi
    p=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1/')
    f=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\2/')
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" != 0 ] || [ "$rc" != 0 ]; then
        echo "FAIL $line"; sed 's/^/    /' "$tmp/err" | head -n 60
        [ "$f" = 0 ] && failed=$((failed + 1))
    else
        echo "ok   $line"
    fi
done

# Parser cases: faultline parse $(cat args) input, compared with expected.ndjson.
for dir in tests/cases/*/*/; do
    [ -f "$dir/args" ] || continue
    name=${dir#tests/cases/}; name=${name%/}
    read -r -a args < "$dir/args"
    want_exit=0; [ -f "$dir/exit" ] && want_exit=$(cat "$dir/exit")
    timeout 60 "$FAULTLINE" parse "${args[@]}" "$dir/input" >"$tmp/out" 2>"$tmp/err"; rc=$?
    ok=1; why=""
    if [ "$rc" != "$want_exit" ]; then ok=0; why="exit $rc, expected $want_exit"; fi
    if [ "$ok" = 1 ] && [ -f "$dir/expected.ndjson" ]; then
        if ! "$BUILD/tests/ndjson_match" "$dir/expected.ndjson" "$tmp/out" 2>"$tmp/diff"; then ok=0; why=$(cat "$tmp/diff"); fi
    fi
    if [ "$ok" = 1 ] && [ -f "$dir/error" ]; then
        while IFS= read -r pat; do
            [ -z "$pat" ] && continue
            grep -qF -- "$pat" "$tmp/err" || { ok=0; why="stderr lacks: $pat"; }
        done < "$dir/error"
    fi
    if [ "$ok" = 1 ]; then passed=$((passed + 1)); else
        failed=$((failed + 1)); echo "FAIL case $name: $why" | head -n 30; sed 's/^/    stderr: /' "$tmp/err" | head -n 5
    fi
done
echo "ok   parser cases run"

# Scripted checks: each prints "ok <name>" / "FAIL <name>" lines.
for s in tests/scripts/*.sh; do
    [ -f "$s" ] || continue
    out=$(timeout 900 bash "$s" 2>&1); rc=$?
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
    printf '%s\n' "$out" | grep -E '^(ok|FAIL|  |INFO)' | head -n 80
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "FAIL $(basename "$s") exited $rc"; fi
    passed=$((passed + p)); failed=$((failed + f))
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
