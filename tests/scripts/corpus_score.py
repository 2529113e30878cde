#!/usr/bin/env python3
"""tests/scripts/corpus_score.py: scores `faultline parse --source auto` on the real corpus.

For every tests/corpus/<folder>/<file>.expected.ndjson (written by reading the corpus file
against the format notes: one line per record the file should yield, with offset, source,
severity and ts, or attrs.ts_source "ingest" for undated records), the corpus file
$SHARED/corpus/<folder>/<file> is parsed with --source auto and each expected record is
matched to the actual event at the same offset. A record counts as right when source,
severity and timestamp all agree. Prints one INFO line per file, then
`ok corpus accuracy P% (right/total)` or FAIL below the threshold (97%)."""
import json, os, subprocess, sys, glob

FL = os.environ.get("FAULTLINE", "build/faultline")
SHARED = os.environ.get("SHARED", "../shared")
THRESHOLD = float(os.environ.get("CORPUS_THRESHOLD", "97"))

def load(lines):
    out = []
    for ln in lines:
        ln = ln.strip()
        if ln and not ln.startswith("#"):
            out.append(json.loads(ln))
    return out

def is_ingest(ev):
    return (ev.get("attrs") or {}).get("ts_source") == "ingest"

total = right = 0
files = sorted(glob.glob("tests/corpus/*/*.expected.ndjson"))
if not files:
    print("FAIL corpus: no expectation files under tests/corpus/")
    sys.exit(1)
for exp_path in files:
    folder = os.path.basename(os.path.dirname(exp_path))
    name = os.path.basename(exp_path)[: -len(".expected.ndjson")]
    corpus_file = os.path.join(SHARED, "corpus", folder, name)
    if not os.path.exists(corpus_file):
        print(f"FAIL corpus {folder}/{name}: corpus file missing")
        continue
    with open(exp_path) as f:
        expected = load(f)
    p = subprocess.run([FL, "parse", "--source", "auto", "-q", corpus_file],
                       capture_output=True, timeout=120)
    actual = load(p.stdout.decode("utf-8").splitlines())
    by_off = {}
    for ev in actual:
        by_off.setdefault(ev.get("offset"), ev)
    ok = 0
    misses = []
    for e in expected:
        a = by_off.get(e["offset"])
        good = a is not None and a.get("source") == e.get("source") \
            and a.get("severity") == e.get("severity")
        if good:
            if is_ingest(e):
                good = is_ingest(a)
            else:
                good = a.get("ts") == e.get("ts") and not is_ingest(a)
        if good:
            ok += 1
        elif len(misses) < 3:
            got = {k: a.get(k) for k in ("source", "severity", "ts")} if a else None
            misses.append(f"offset {e['offset']}: want {e.get('source')}/{e.get('severity')}/"
                          f"{e.get('ts', 'ingest')} got {got}")
    extra = len(actual) - len(expected)
    total += len(expected)
    right += ok
    print(f"INFO corpus {folder}/{name}: {ok}/{len(expected)} right, {len(actual)} events"
          + (f" ({extra:+d} vs expected)" if extra else ""))
    for m in misses:
        print(f"INFO   {m}")
pct = 100.0 * right / total if total else 0.0
verdict = "ok" if pct >= THRESHOLD else "FAIL"
print(f"{verdict} corpus accuracy {pct:.1f}% ({right}/{total} records with the right source, "
      f"severity and timestamp; threshold {THRESHOLD:.0f}%)")
sys.exit(0 if verdict == "ok" else 1)
