#!/usr/bin/env bash
# tests/scripts/aveva_corpus.sh: every real .aaLOG/.aaLGX in the corpus, parsed with
# `--source auto`, against its <file>.records.tsv (decoded from formats/aveva.md, not by
# faultline): record count, offsets, message numbers, timestamps (ts truncated to ms and the
# raw FILETIME), LogFlag and its severity (§5.1), component, process, message text (CRLF
# inside a message becomes LF; the TSV cuts messages at 200 characters), host (ComputerName).
# Prints "ok aveva <file>" or "FAIL aveva <file>: <first difference>" per file, then
# "INFO aveva records matched X/Y (P%)".
set -u
SHARED=${SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
BUILD=${BUILD:-build}
FAULTLINE=${FAULTLINE:-$BUILD/faultline}
dir="$SHARED/corpus/aveva/binary"
if [ ! -d "$dir" ]; then
    echo "FAIL aveva corpus: $dir not found"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
totals="$tmp/totals"
: >"$totals"
for f in "$dir"/*.aaLOG "$dir"/*.aaLGX; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    if [ ! -f "$f.records.tsv" ]; then
        echo "FAIL aveva $name: no $name.records.tsv"
        continue
    fi
    timeout 120 "$FAULTLINE" parse --source auto "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    python3 - "$name" "$f.records.tsv" "$tmp/out" "$rc" "$totals" <<'PY'
import calendar, json, sys

name, tsv_path, out_path, rc, totals_path = sys.argv[1:6]

def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            out.append({'\\': '\\', 't': '\t', 'r': '\r', 'n': '\n'}.get(s[i + 1], '\\' + s[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return ''.join(out)

def severity(flag):  # formats/aveva.md §5.1, first rule that matches
    if flag == 'Error': return 'error'
    if flag == 'Warning': return 'warning'
    if flag == 'Info': return 'info'
    if flag.endswith('Fail') or flag.endswith('Error'): return 'error'
    if 'Warn' in flag: return 'warning'
    return 'debug'

def host_of(name):  # SOURCES.md: the ComputerName each set was written on
    if name.startswith('2014R2-VS-WSP'): return '2014R2-VS-WSP'
    if name.startswith('DA17U3SP1'): return 'DA17U3SP1'
    if name == 'test.aaLGX': return 'DSA2014R2'
    return None

def ts_fields(ts_utc):  # "2015-12-12T05:14:39.9687690Z" -> (ts, ts_raw)
    date, frac = ts_utc.rstrip('Z').split('.')
    secs = calendar.timegm(tuple(int(x) for x in date.replace('T', '-').replace(':', '-').split('-')) + (0, 0, 0))
    filetime = (secs + 11644473600) * 10**7 + int(frac.ljust(7, '0')[:7])
    return date + '.' + frac[:3] + 'Z', str(filetime)

expected = []
with open(tsv_path, encoding='utf-8', newline='') as fh:
    header = fh.readline().rstrip('\n').split('\t')
    for line in fh:
        line = line.rstrip('\n')
        if not line:
            continue
        cols = line.split('\t')
        cols += [''] * (len(header) - len(cols))
        expected.append(dict(zip(header, cols)))

events, bad_json = [], 0
with open(out_path, encoding='utf-8', errors='replace') as fh:
    for line in fh:
        try:
            events.append(json.loads(line))
        except ValueError:
            bad_json += 1

def diff(exp, ev):
    ts, ts_raw = ts_fields(exp['ts_utc'])
    msg = unescape(exp['message'])
    want_msg = msg.replace('\r\n', '\n')
    got_msg = ev.get('message', '')
    attrs = ev.get('attrs', {})
    checks = [
        ('source', ev.get('source'), 'aveva'),
        ('offset', ev.get('offset'), int(exp['offset'])),
        ('attrs.msgno', str(attrs.get('msgno')), exp['message_number']),
        ('ts', ev.get('ts'), ts),
        ('ts_raw', ev.get('ts_raw'), ts_raw),
        ('severity_raw', ev.get('severity_raw'), exp['log_flag']),
        ('severity', ev.get('severity'), severity(exp['log_flag'])),
        ('component', ev.get('component'), exp['component']),
        ('attrs.process', attrs.get('process', ''), exp['process']),
        ('lines', ev.get('lines'), 1),
    ]
    h = host_of(name)
    if h is not None:
        checks.append(('host', ev.get('host'), h))
    for key, got, want in checks:
        if got != want:
            return '%s %r, expected %r' % (key, got, want)
    if len(msg) >= 200:  # cut by the TSV: compare the prefix (a cut CRLF leaves a lone CR)
        prefix = want_msg[:-1] if want_msg.endswith('\r') else want_msg
        if not got_msg.startswith(prefix):
            return 'message %r..., expected %r...' % (got_msg[:80], prefix[:80])
    elif got_msg != want_msg:
        return 'message %r, expected %r' % (got_msg[:120], want_msg[:120])
    return None

matched, first = 0, None
if rc != '0':
    first = 'exit %s' % rc
if bad_json:
    first = first or '%d output lines are not JSON' % bad_json
for i, exp in enumerate(expected):
    if i >= len(events):
        first = first or 'record %d (offset %s): missing (%d events for %d records)' % (
            i, exp['offset'], len(events), len(expected))
        break
    d = diff(exp, events[i])
    if d is None:
        matched += 1
    elif first is None:
        first = 'record %d (offset %s): %s' % (i, exp['offset'], d)
if len(events) > len(expected) and first is None:
    first = '%d events for %d records (extra at offset %s)' % (
        len(events), len(expected), events[len(expected)].get('offset'))
print('ok aveva %s' % name if first is None else 'FAIL aveva %s: %s' % (name, first))
with open(totals_path, 'a') as fh:
    fh.write('%d %d\n' % (matched, len(expected)))
PY
done
awk '{m += $1; t += $2} END {printf "INFO aveva records matched %d/%d (%.1f%%)\n", m, t, t ? 100 * m / t : 0}' "$totals"
