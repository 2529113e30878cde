#!/usr/bin/env bash
# tests/scripts/ingest_aveva_chain.sh: AVEVA .aaLOG files followed in message-number order
# across the logger's file chain (issue 5, item 2; aveva.md §2.4).
#
# The corpus's 2014 R2 chain (71 files, message numbers 48527..66707 without a gap) is copied
# without one file from its middle (2014R2-VS-WSP1449897181.aaLOG, numbers 60143..60149).
# `faultline run --stdout` must publish every record of the other 70 files exactly once and
# in message-number order (attrs.msgno strictly increasing over the whole output, whatever
# order the directory lists the files in), warn that 60143..60149 are missing, and count them
# in faultline_aveva_chain_missing_total. The expected numbers come from the corpus's
# *.records.tsv files (message_number column), not from faultline.
. "$(dirname "$0")/ingest_lib.sh"
name=ingest_aveva_chain
il_init "$name"
corpus=${SHARED:-$IL_ROOT/../shared}/corpus/aveva/binary
[ -d "$corpus" ] || { echo "FAIL $name: $corpus missing"; exit 1; }

d=$IL_TMP/logs
mkdir -p "$d"
gone=2014R2-VS-WSP1449897181.aaLOG
for f in "$corpus"/2014R2-VS-WSP*.aaLOG; do
    [ "$(basename "$f")" = "$gone" ] || cp "$f" "$d/"
done
# The expected message numbers, from the shipped record tables.
for f in "$d"/*.aaLOG; do
    awk -F'\t' 'NR > 1 { print $3 }' "$corpus/$(basename "$f").records.tsv"
done | sort -n >"$IL_TMP/want"
n_want=$(wc -l <"$IL_TMP/want")

cat >"$IL_TMP/cfg.yaml" <<EOF
state_dir: $IL_TMP/state
sources:
  - name: aveva
    type: aveva
    paths: ['$d/*.aaLOG']
limits:
  idle_flush: 500ms
metrics:
  listen: 127.0.0.1:0
EOF
il_start run -c "$IL_TMP/cfg.yaml" --stdout
have() { [ "$(grep -c '^{' "$IL_TMP/stdout")" -ge "$n_want" ]; }
il_wait 60 have || il_fail "$(grep -c '^{' "$IL_TMP/stdout") of $n_want records published"
missing=$(il_metric faultline_aveva_chain_missing_total)
il_stop

python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("{"):
        print(json.loads(line)["attrs"]["msgno"])
' "$IL_TMP/stdout" >"$IL_TMP/got"
if ! cmp -s "$IL_TMP/want" "$IL_TMP/got"; then
    il_fail "published message numbers differ from the record tables (in order):"
    diff "$IL_TMP/want" "$IL_TMP/got" | head -n 5 | sed 's/^/  /'
fi
grep -q 'message numbers 60143..60149 are missing' "$IL_LOG" ||
    il_fail "no warning naming the missing numbers 60143..60149"
[ "$missing" = 7 ] || il_fail "faultline_aveva_chain_missing_total is '$missing', expected 7"
[ "$IL_FAILED" = 0 ] && echo "ok $name"
echo "INFO $name: $n_want records from 70 chained files, in order; whole test $(il_elapsed) s"
