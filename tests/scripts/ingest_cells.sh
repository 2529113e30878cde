#!/usr/bin/env bash
# tests/scripts/ingest_cells.sh: cell mapping rules applied per event (issue 5, item 1).
#
# `faultline run --stdout` follows the AVEVA sample (no sources[].host: the host comes from
# each file's header, ComputerName "2014R2-VS-WSP", aveva.md §3) and an Ignition log whose
# source names its host (ign01). The rules, in order:
#   1. attr process = aaEngine          -> cell engines            (no site)
#   2. host 2014r2-vs-* (case ignored)  -> site plant1, cell aveva-node
#   3. path */ignition/*                -> cell ign-cell
# So every AVEVA record whose ProcessName is aaEngine lands in "engines" with site "", every
# other AVEVA record in "aveva-node" / "plant1" (rule 2 needs the header's host: it can only
# apply per event), and the Ignition records in "ign-cell". A source's own cell: wins over
# every rule (a second Ignition source with cell: own).
. "$(dirname "$0")/ingest_lib.sh"
name=ingest_cells
il_init "$name"

d=$IL_TMP/logs
mkdir -p "$d/aveva" "$d/ignition" "$d/own"
cp "$IL_ROOT/samples/aveva/2014R2-VS-WSP1449897279.aaLOG" "$d/aveva/"
cp "$IL_ROOT/samples/ignition/kindling-wrapper-8.x.log" "$d/ignition/wrapper.log"
cp "$IL_ROOT/samples/ignition/kindling-wrapper-8.x.log" "$d/own/wrapper.log"
cat >"$IL_TMP/cfg.yaml" <<EOF
state_dir: $IL_TMP/state
sources:
  - name: aveva
    type: aveva
    paths: ['$d/aveva/*.aaLOG']
  - name: ign
    type: ignition
    paths: ['$d/ignition/*.log']
    host: ign01
  - name: own
    type: ignition
    paths: ['$d/own/*.log']
    host: ign02
    cell: own
cells:
  - match: {attr: {process: aaEngine}}
    cell: engines
  - match: {host: "2014r2-vs-*"}
    site: plant1
    cell: aveva-node
  - match: {path: "*/ignition/*"}
    cell: ign-cell
limits:
  idle_flush: 500ms
metrics:
  listen: 127.0.0.1:0
EOF

il_start run -c "$IL_TMP/cfg.yaml" --stdout
# Every record of the three files, then a quiet second: the last Ignition records wait out
# idle_flush.
n_ign=$("$FAULTLINE" parse --source ignition "$d/ignition/wrapper.log" 2>/dev/null | wc -l)
want=$((7 + 2 * n_ign))
have() { [ "$(grep -c '^{' "$IL_TMP/stdout")" -ge "$want" ]; }
il_wait 20 have || il_fail "$(grep -c '^{' "$IL_TMP/stdout") of $want events on stdout"
il_stop

python3 - "$IL_TMP/stdout" "$n_ign" <<'EOF' || il_fail "cell mapping"
import json, sys
path, n_ign = sys.argv[1], int(sys.argv[2])
seen = {"engines": 0, "aveva-node": 0, "ign-cell": 0, "own": 0}
bad = []
for line in open(path, encoding="utf-8"):
    if not line.startswith("{"):
        continue
    ev = json.loads(line)
    if ev["source"] == "aveva":
        if ev["attrs"].get("process") == "aaEngine":
            want = ("", "engines")
        else:
            want = ("plant1", "aveva-node")
    elif "/own/" in ev["file"]:
        want = ("", "own")
    else:
        want = ("", "ign-cell")
    got = (ev["site"], ev["cell"])
    if got != want:
        bad.append("%s offset %s: site/cell %s, expected %s" % (ev["file"], ev["offset"], got, want))
    else:
        seen[want[1]] += 1
for b in bad[:5]:
    print("  " + b)
# The AVEVA sample: 4 records of aaEngine, 3 with an empty ProcessName (read off the file).
expect = {"engines": 4, "aveva-node": 3, "ign-cell": n_ign, "own": n_ign}
if seen != expect:
    print("  counts %s, expected %s" % (seen, expect))
sys.exit(1 if bad or seen != expect else 0)
EOF
[ "$IL_FAILED" = 0 ] && echo "ok $name"
echo "INFO $name: $want events mapped; whole test $(il_elapsed) s"
