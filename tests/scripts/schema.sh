#!/usr/bin/env bash
# tests/scripts/schema.sh: every event faultline writes conforms to schemas/event.schema.json.
#
# Runs `faultline parse --source auto` over every corpus file of the native-layout folders
# (ignition, kepware, winccoa, historian, aveva/binary; *.md and *.tsv are notes, not logs),
# plus `--source ignition` over the classification fixtures that parse as Ignition
# (ignition/imd-kb-*, opcua-clients/milo-*), and validates each NDJSON line with Python's
# jsonschema (Draft 2020-12). Besides the schema it checks what a schema cannot say: each
# line is strict UTF-8 and its keys come in DESIGN.md's order. A parse that exits non-zero
# or prints no event fails. Before the corpus it checks the schema itself: valid as a
# 2020-12 schema, accepting a known-good event, rejecting known-bad variants.
#
# Prints "ok schema <file>" or "FAIL schema <file>: <first error>" per file, failures first
# (tests/run.sh counts those and shows the first 80 lines). Needs python3-jsonschema.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
SHARED=${SHARED:-$(cd "$here/.." && pwd)/shared}
FAULTLINE=${FAULTLINE:-$BUILD/faultline}
SCHEMA=$here/schemas/event.schema.json
corpus=$SHARED/corpus

if ! python3 -c 'import jsonschema; jsonschema.Draft202012Validator' 2>/dev/null; then
    echo "FAIL schema: python3-jsonschema not installed"
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
manifest=$tmp/manifest
: >"$manifest"
n=0

# run LABEL FILE ARGS...: parse FILE, remember where its output and exit code are.
run() {
    local label=$1 file=$2
    shift 2
    n=$((n + 1))
    local rc=0
    if [ -x "$FAULTLINE" ]; then
        timeout 120 "$FAULTLINE" parse "$@" "$file" >"$tmp/$n.out" 2>"$tmp/$n.err" || rc=$?
    else
        echo "faultline binary not found: $FAULTLINE" >"$tmp/$n.err"
        : >"$tmp/$n.out"
        rc=127
    fi
    printf '%s\t%s\t%s\t%s\n' "$label" "$tmp/$n.out" "$rc" "$tmp/$n.err" >>"$manifest"
}

for dir in ignition kepware winccoa historian aveva/binary; do
    for f in "$corpus/$dir"/*; do
        [ -f "$f" ] || continue
        case $f in *.md | *.tsv) continue ;; esac
        run "${f#"$corpus"/}" "$f" --source auto
    done
done
for f in "$corpus"/ignition/imd-kb-* "$corpus"/opcua-clients/milo-*; do
    [ -f "$f" ] || continue
    run "${f#"$corpus"/} (--source ignition)" "$f" --source ignition
done

python3 - "$SCHEMA" "$manifest" <<'PY'
import json
import sys

import jsonschema
from jsonschema.exceptions import best_match

ORDER = ["v", "id", "ts", "ts_raw", "ts_skew_ms", "ingest_ts", "source", "host", "site",
         "line", "cell", "severity", "severity_raw", "component", "category", "code",
         "message", "attrs", "file", "offset", "lines"]

GOOD = ('{"v":1,"id":"0123456789abcdef","ts":"2026-11-23T07:14:07.123Z","ts_raw":"x",'
        '"ts_skew_ms":0,"ingest_ts":"2026-11-23T07:14:08.000Z","source":"kepware",'
        '"host":"kep01","site":"","line":"","cell":"","severity":"warning",'
        '"severity_raw":"Warning","component":"","category":"opcua.cert_rejected",'
        '"code":"","message":"m","attrs":{"port":49320,"endpoint":"e","is_retry":true},'
        '"file":"f","offset":0,"lines":1}')


def reject_constant(name):
    raise ValueError("not JSON: " + name)


def first_error(validator, obj):
    err = best_match(validator.iter_errors(obj))
    if err is None:
        return None
    where = "/".join(str(p) for p in err.absolute_path) or "(top)"
    return "%s: %s" % (where, err.message[:200])


def check_line(validator, raw):
    """Returns None when the line is a valid event, else what is wrong."""
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        return "not UTF-8: %s" % e
    try:
        obj = json.loads(text, parse_constant=reject_constant)
    except ValueError as e:
        return "not JSON: %s" % e
    if not isinstance(obj, dict):
        return "not an object"
    err = first_error(validator, obj)
    if err:
        return err
    if list(obj.keys()) != ORDER:
        return "key order %s" % ",".join(obj.keys())
    return None


def self_check(validator):
    good = json.loads(GOOD)
    if check_line(validator, GOOD.encode()) is not None:
        return "known-good event rejected: " + check_line(validator, GOOD.encode())
    bad = []
    for key in ORDER:
        d = dict(good)
        del d[key]
        bad.append(("missing " + key, d))
    mutations = [
        ("extra key", "extra", "x"),
        ("v 2", "v", 2),
        ("id upper case", "id", "0123456789ABCDEF"),
        ("id 15 digits", "id", "0123456789abcde"),
        ("ts without ms", "ts", "2026-11-23T07:14:07Z"),
        ("ts with offset", "ts", "2026-11-23T07:14:07.123+01:00"),
        ("ingest_ts month 13", "ingest_ts", "2026-13-23T07:14:07.123Z"),
        ("severity warn", "severity", "warn"),
        ("category upper case", "category", "OPCUA.cert"),
        ("category three levels", "category", "a.b.c"),
        ("attrs nested", "attrs", {"a": {"b": 1}}),
        ("attrs float", "attrs", {"a": 1.5}),
        ("attrs null", "attrs", {"a": None}),
        ("offset negative", "offset", -1),
        ("offset string", "offset", "0"),
        ("lines float", "lines", 1.5),
        ("host null", "host", None),
        ("ts_skew_ms string", "ts_skew_ms", "0"),
    ]
    for name, key, value in mutations:
        d = dict(good)
        d[key] = value
        bad.append((name, d))
    for name, obj in bad:
        if first_error(validator, obj) is None:
            return "schema accepts a bad event (%s)" % name
    return None


def main():
    schema_path, manifest = sys.argv[1], sys.argv[2]
    failed = 0
    try:
        with open(schema_path, encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
    except Exception as e:  # unreadable or not a 2020-12 schema: nothing else can run
        print("FAIL schema self-check: %s: %s" % (schema_path, str(e).splitlines()[0]))
        return 1
    validator = jsonschema.Draft202012Validator(schema)
    why = self_check(validator)
    if why:
        print("FAIL schema self-check: " + why)
        failed += 1
    else:
        print("ok schema self-check")

    with open(manifest, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    # tests/run.sh shows a script's first 80 lines: failures go first so they are seen.
    oks = []
    for label, out_path, rc, err_path in rows:
        if rc != "0":
            with open(err_path, "rb") as f:
                first = f.read().decode("utf-8", "replace").strip().splitlines()
            print("FAIL schema %s: parse exited %s%s" % (label, rc,
                  (": " + first[0][:200]) if first else ""))
            failed += 1
            continue
        with open(out_path, "rb") as f:
            lines = f.read().split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        else:
            lines.append(None)  # output not ending in a newline
        problem = None
        if not lines:
            problem = "no events"
        for i, raw in enumerate(lines, 1):
            if raw is None:
                problem = "output does not end with a newline"
                break
            why = check_line(validator, raw)
            if why:
                problem = "line %d: %s" % (i, why)
                break
        if problem:
            print("FAIL schema %s: %s" % (label, problem))
            failed += 1
        else:
            oks.append("ok schema %s (%d events)" % (label, len(lines)))
    for line in oks:
        print(line)
    return 1 if failed else 0


sys.exit(main())
PY
