#!/usr/bin/env python3
"""tests/scripts/ingest_check.py: checks what an ingest test put on the topic against what
tests/tools/log_writer wrote.

    ingest_check.py NAME DUMP MAP [--first N] [--last N] [--max-dup-pct P] [--multiline M]
                    [--file-prefix P] [--ckpt FILE]... [--kill-times FILE] [--allow-garbage]
                    [--quiet]

DUMP: kafka_dump output ("<partition>\t<offset>\t<key>\t<json>"), or plain NDJSON (archive).
MAP:  the writer's map ("range FIRST LAST [FINGERPRINT]" per file generation, "done N").
--ckpt: the checkpoint file as restart K found it (one per kill, in order; ingest_crash.sh);
--kill-times: the wall-clock ms of each kill, one per line (same order).

Checks, for the records FIRST..LAST (default: every range of the map):
  - every record arrived (no gap), and nothing arrived that the writer did not write;
  - in order per file: within each file generation, the first arrival of each record comes in
    increasing record order (topic order: partition, then offset);
  - every copy of a record carries the same id and offset (the consumers' de-duplication key);
  - records whose seq is a multiple of M carry their 3 continuation lines (lines == 4);
  - duplicates (arrivals beyond the first) at most P percent (default 0: none allowed);
  - with --ckpt and --kill-times: every duplicate lies in the unacknowledged tail of the run
    that sent it (the run is told by the event's ingest_ts between two kills): that run's
    checkpoint file had no entry for the record's file, or the record starts at or after the
    entry's offset. The first run sends no duplicate at all.
Prints INFO lines with the figures, then "ok NAME" or "FAIL NAME: why" lines; exits 1 on a
failure."""
import datetime
import json
import re
import sys

SEQ = re.compile(r"^seq (\d+)(?:\n|$)")


def ingest_ms(ev):
    """ingest_ts ("2026-11-23T07:14:07.123Z") as ms since the epoch."""
    t = ev.get("ingest_ts", "")
    d = datetime.datetime.strptime(t[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000 + int(t[20:23] or 0)


def main(argv):
    args = {"--first": None, "--last": None, "--max-dup-pct": "0", "--multiline": "0",
            "--file-prefix": None, "--kill-times": None}
    flags = set()
    pos = []
    ckpt_paths = []
    i = 1
    while i < len(argv):
        a = argv[i]
        if a == "--ckpt":
            ckpt_paths.append(argv[i + 1])
            i += 2
        elif a in ("--allow-garbage", "--quiet"):
            flags.add(a)
            i += 1
        elif a in args:
            args[a] = argv[i + 1]
            i += 2
        else:
            pos.append(a)
            i += 1
    if len(pos) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    name, dump_path, map_path = pos
    max_dup_pct = float(args["--max-dup-pct"])
    multiline = int(args["--multiline"])
    prefix = args["--file-prefix"]

    ranges = []
    fps = []
    with open(map_path) as f:
        for line in f:
            p = line.split()
            if p and p[0] == "range":
                ranges.append((int(p[1]), int(p[2])))
                fps.append(p[3] if len(p) > 3 else None)
    ckpts = []  # one dict fingerprint -> offset per restart
    for cp in ckpt_paths:
        d = {}
        try:
            with open(cp) as f:
                for line in f:
                    p = line.split()
                    if len(p) >= 3 and p[0] == "v1":
                        d[p[1]] = int(p[2])
        except OSError:
            pass  # no checkpoint written yet at that kill: every record is in the tail
        ckpts.append(d)
    kill_ms = []
    if args["--kill-times"]:
        with open(args["--kill-times"]) as f:
            kill_ms = [int(x) for x in f.read().split()]
    if not ranges:
        print(f"FAIL {name}: the writer's map {map_path} is empty")
        return 1
    first = int(args["--first"]) if args["--first"] else min(r[0] for r in ranges)
    last = int(args["--last"]) if args["--last"] else max(r[1] for r in ranges)
    gen_of = {}
    for g, (a, b) in enumerate(ranges):
        for s in range(a, b + 1):
            gen_of[s] = g

    events = []  # (partition, offset, seq, ev)
    garbage = []
    n_foreign = 0
    with open(dump_path, encoding="utf-8", errors="replace") as f:
        for k, line in enumerate(f):
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith("{"):
                part, off, js = 0, k, line
            else:
                p = line.split("\t", 3)
                if len(p) != 4:
                    garbage.append(("bad dump line", line[:120]))
                    continue
                part, off, js = int(p[0]), int(p[1]), p[3]
            try:
                ev = json.loads(js)
            except ValueError:
                garbage.append(("bad json", js[:120]))
                continue
            if prefix and not str(ev.get("file", "")).startswith(prefix):
                n_foreign += 1
                continue
            m = SEQ.match(ev.get("message", ""))
            if not m:
                garbage.append(("no seq", ev.get("message", "")[:120]))
                continue
            events.append((part, off, int(m.group(1)), ev))
    events.sort(key=lambda e: (e[0], e[1]))

    seen = {}
    dups = 0
    unknown = 0
    order_bad = []
    id_bad = []
    shape_bad = []
    last_in_gen = {}  # (partition, gen) -> last first-arrival seq
    copies = {}
    not_tail = []
    dups_per_run = [0] * (len(kill_ms) + 1)
    for part, off, seq, ev in events:
        if seq < first or seq > last or seq not in gen_of:
            unknown += 1
            continue
        ident = (ev.get("id"), ev.get("offset"))
        if seq in seen:
            dups += 1
            copies[seq] = copies.get(seq, 1) + 1
            if seen[seq] != ident:
                id_bad.append((seq, seen[seq], ident))
            if kill_ms:
                run = sum(1 for k in kill_ms if k < ingest_ms(ev))
                dups_per_run[run] += 1
                fp = fps[gen_of[seq]]
                rec_off = ev.get("offset", 0)
                c = ckpts[run - 1] if 0 < run <= len(ckpts) else None
                if c is None or not (fp not in c or rec_off >= c[fp]):
                    not_tail.append((run, seq, rec_off, fp, c.get(fp) if c else None))
            continue
        seen[seq] = ident
        want_lines = 4 if multiline and seq % multiline == 0 else 1
        if ev.get("lines") != want_lines or ev["message"].count("\n") != want_lines - 1:
            shape_bad.append((seq, ev.get("lines"), ev["message"][:80]))
        g = gen_of[seq]
        prev = last_in_gen.get((part, g))
        if prev is not None and seq < prev:
            order_bad.append((g, prev, seq))
        last_in_gen[(part, g)] = seq if prev is None else max(prev, seq)

    want = last - first + 1
    missing = [s for s in range(first, last + 1) if s not in seen]
    total = len(events) - unknown
    dup_pct = 100.0 * dups / want if want else 0.0
    if kill_ms:
        print(f"INFO {name}: duplicates sent by each run after a kill (the first run: "
              f"{dups_per_run[0]}): {' '.join(str(n) for n in dups_per_run[1:])}; most copies "
              f"of one record {max(copies.values()) if copies else 1}")
    print(f"INFO {name}: records {want}, arrivals {total}, distinct {len(seen)}, missing "
          f"{len(missing)}, duplicates {dups} ({dup_pct:.3f}%), out of order {len(order_bad)}, "
          f"foreign {unknown}, garbage {len(garbage)}, id/offset mismatches {len(id_bad)}, "
          f"bad shape {len(shape_bad)}, files {len(ranges)}")
    fails = []
    if missing:
        spans = []
        a = b = missing[0]
        for s in missing[1:]:
            if s == b + 1:
                b = s
            else:
                spans.append((a, b))
                a = b = s
        spans.append((a, b))
        txt = ", ".join(f"{x}" if x == y else f"{x}-{y}" for x, y in spans[:12])
        fails.append(f"{len(missing)} records missing ({txt}{' ...' if len(spans) > 12 else ''})")
    if order_bad:
        g, prev, seq = order_bad[0]
        fails.append(f"{len(order_bad)} records out of order within their file (first: seq "
                     f"{seq} after {prev} in file {ranges[g][0]}-{ranges[g][1]})")
    if dup_pct > max_dup_pct:
        fails.append(f"{dups} duplicates ({dup_pct:.3f}% > {max_dup_pct}%)")
    if id_bad:
        seq, a, b = id_bad[0]
        fails.append(f"{len(id_bad)} duplicates with another id/offset (seq {seq}: {a} vs {b})")
    if shape_bad:
        seq, lines, msg = shape_bad[0]
        fails.append(f"{len(shape_bad)} records with wrong lines (seq {seq}: lines {lines}, "
                     f"message {msg!r})")
    if not_tail:
        run, seq, o, fp, c = not_tail[0]
        fails.append(f"{len(not_tail)} duplicates not from the unacknowledged tail (first: run "
                     f"{run} re-sent seq {seq} at offset {o} of file {fp}, checkpoint {c})")
    if unknown:
        fails.append(f"{unknown} records the writer did not write in {first}..{last}")
    if garbage and "--allow-garbage" not in flags:
        fails.append(f"{len(garbage)} events that are no writer record (first: {garbage[0]})")
    if fails:
        for f_ in fails:
            print(f"FAIL {name}: {f_}")
        return 1
    if "--quiet" not in flags:
        print(f"ok {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
