#!/usr/bin/env bash
# Hostile input to `faultline parse`: never a crash, every line an event or a clean error.
# Binary garbage, truncated UTF-16, 1 MiB lines, NUL bytes, a corrupt SQLite idb, a
# truncated .aaLOG, a UTF-16 file with an odd byte count, a CSV export with an unterminated
# quote. Prints ok/FAIL lines for tests/run.sh.
set -u
FL=${FAULTLINE:-build/faultline}
SHARED=${SHARED:-../shared}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME EXPECTED_EXIT ARGS...: exit code as expected (never a signal), stdout valid JSON
# lines, stderr names the file when the exit is 2.
check() {
    local name=$1 want=$2; shift 2
    timeout 120 "$FL" parse "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -ge 124 ]; then echo "FAIL hostile $name: crashed or hung (exit $rc)"; head -n 5 "$tmp/err"; return; fi
    if [ "$rc" != "$want" ]; then echo "FAIL hostile $name: exit $rc, expected $want"; head -n 3 "$tmp/err"; return; fi
    if ! python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1], "rb"):
    json.loads(line.decode("utf-8"))  # strict UTF-8 and JSON
    n += 1
print(n)' "$tmp/out" >"$tmp/n" 2>"$tmp/pyerr"; then
        echo "FAIL hostile $name: output is not valid UTF-8 JSON lines: $(tail -n 1 "$tmp/pyerr")"; return
    fi
    echo "ok hostile $name ($(cat "$tmp/n") events, exit $rc)"
}

head -c 300000 /dev/urandom > "$tmp/garbage.bin"
check binary-garbage-auto 0 --source auto "$tmp/garbage.bin"
check binary-garbage-ignition 0 --source ignition "$tmp/garbage.bin"
check binary-garbage-kepware 0 --source kepware "$tmp/garbage.bin"

# UTF-16LE with BOM, cut in the middle of a code unit.
printf '\xff\xfe' > "$tmp/u16.txt"
printf 'INFO   | jvm 1    | 2021/03/14 08:49:25 | I [T.P.Config                    ] [07:49:25]: hello\r\n' \
    | iconv -f UTF-8 -t UTF-16LE >> "$tmp/u16.txt"
head -c $(( $(stat -c %s "$tmp/u16.txt") - 3 )) "$tmp/u16.txt" > "$tmp/u16-cut.txt"
check truncated-utf16 0 --source ignition "$tmp/u16-cut.txt"
check utf16-odd-byte-count-kepware 0 --source kepware "$tmp/u16-cut.txt"

# A 1 MiB line between two normal lines, and a 3 MiB one (over the default cap).
{ echo 'INFO   | jvm 1    | 2021/03/14 08:49:25 | I [T.P.Config                    ] [07:49:25]: before'
  printf 'INFO   | jvm 1    | 2021/03/14 08:49:26 | I [T.P.Config                    ] [07:49:26]: '
  head -c 1048000 /dev/zero | tr '\0' 'x'; echo
  head -c 3145728 /dev/zero | tr '\0' 'y'; echo
  echo 'INFO   | jvm 1    | 2021/03/14 08:49:27 | I [T.P.Config                    ] [07:49:27]: after'; } > "$tmp/long.log"
check one-mib-lines 0 --source ignition "$tmp/long.log"
if grep -q '"message":"after"' "$tmp/out"; then echo "ok hostile line-after-long-lines-still-parsed"; else echo "FAIL hostile line-after-long-lines-still-parsed"; fi

# NUL bytes inside lines.
printf 'INFO   | jvm 1    | 2021/03/14 08:49:25 | I [T.P\0Config] [07:49:25]: a\0b\n08-06-2018 01:32:19 Warning OPC DA\0 Client x\n\0\0\0\n' > "$tmp/nul.log"
check nul-bytes-ignition 0 --source ignition "$tmp/nul.log"
check nul-bytes-auto 0 --source auto "$tmp/nul.log"

# A corrupt Ignition idb: SQLite magic followed by garbage -> a clean error (exit 2).
{ printf 'SQLite format 3\0'; head -c 8192 /dev/urandom; } > "$tmp/system_logs.idb"
check corrupt-idb 2 --source ignition "$tmp/system_logs.idb"
grep -q 'system_logs.idb' "$tmp/err" && echo "ok hostile corrupt-idb-error-names-the-file" \
    || echo "FAIL hostile corrupt-idb-error-names-the-file: $(head -c 200 "$tmp/err")"

# Truncated .aaLOG and a record length pointing past the end.
aalog=$(ls "$SHARED"/corpus/aveva/binary/*.aaLOG 2>/dev/null | head -n 1)
if [ -n "$aalog" ]; then
    head -c 700 "$aalog" > "$tmp/cut.aaLOG"
    check truncated-aalog 0 --source auto "$tmp/cut.aaLOG"
    cp "$aalog" "$tmp/badlen.aaLOG"
    hdr=$(od -An -tu4 -j8 -N4 "$aalog" | tr -d ' ')
    printf '\xff\xff\xff\x7f' | dd of="$tmp/badlen.aaLOG" bs=1 seek=$((hdr + 4)) conv=notrunc status=none
    check aalog-record-length-past-end 0 --source aveva "$tmp/badlen.aaLOG"
fi

# FTDiag export whose last quoted field never closes.
printf 'Date\tTime\tSeverity\tComputer\tMessage\n3/14/2021\t8:49:25 AM\tError\tFTSRV1\t"unterminated\nstill going\n' > "$tmp/ft.txt"
check csv-unterminated-quote 0 --source ftdiag "$tmp/ft.txt"

# Unreadable input: a directory and a missing file give exit 2 and name the path.
check missing-file 2 "$tmp/does-not-exist.log"
grep -q 'does-not-exist.log' "$tmp/err" && echo "ok hostile missing-file-named" || echo "FAIL hostile missing-file-named"
check directory-as-file 2 "$tmp"
check bad-option 2 --source nosuchsource "$tmp/nul.log"
check bad-zone 2 --tz Europe/Berln "$tmp/nul.log"
