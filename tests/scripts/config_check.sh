#!/usr/bin/env bash
# tests/scripts/config_check.sh: a malformed configuration fails at start, naming the place.
#
# Each tests/cases-config/<NNNN-name>/ holds config.yaml (a mistake plant engineers make:
# tabs, a misspelt key, a Windows path, a quoted bool...) and expect, one line:
#   <line>:<col> <message fragment>
# `faultline check -c config.yaml` (run inside the case folder, so the file is named
# config.yaml) must exit 2 and print "config.yaml:<line>:<col>: ..." with the fragment after
# the position. The shipped deploy/faultline.yaml must pass (exit 0).
# Prints "ok config <case>" or "FAIL config <case>: <why>" per case.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
FAULTLINE=${FAULTLINE:-$BUILD/faultline}
case $FAULTLINE in /*) ;; *) FAULTLINE=$here/$FAULTLINE ;; esac
if [ ! -x "$FAULTLINE" ]; then
    echo "FAIL config: $FAULTLINE not built"
    exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

if (cd "$here" && "$FAULTLINE" check -c deploy/faultline.yaml) >"$tmp" 2>&1; then
    echo "ok config deploy/faultline.yaml"
else
    echo "FAIL config deploy/faultline.yaml: $(head -n 1 "$tmp")"
fi

for dir in "$here"/tests/cases-config/*/; do
    name=$(basename "$dir")
    if [ ! -f "$dir/config.yaml" ] || [ ! -f "$dir/expect" ]; then
        echo "FAIL config $name: needs config.yaml and expect"
        continue
    fi
    read -r pos fragment < "$dir/expect"
    (cd "$dir" && timeout 20 "$FAULTLINE" check -c config.yaml) >"$tmp" 2>&1
    rc=$?
    # The message after "config.yaml:L:C: " on the first line that names the file.
    got=$(grep -m 1 -o 'config\.yaml:[0-9]*:[0-9]*: .*' "$tmp")
    if [ "$rc" != 2 ]; then
        echo "FAIL config $name: exit $rc, expected 2: $(head -n 1 "$tmp")"
    elif [ -z "$got" ]; then
        echo "FAIL config $name: no 'config.yaml:line:col: message' in: $(head -n 1 "$tmp")"
    elif [ "${got#config.yaml:$pos: }" = "$got" ]; then
        echo "FAIL config $name: at ${got%%: *}, expected config.yaml:$pos ($got)"
    elif [[ "${got#config.yaml:$pos: }" != *"$fragment"* ]]; then
        echo "FAIL config $name: message lacks '$fragment' ($got)"
    else
        echo "ok config $name"
    fi
done
