#!/usr/bin/env bash
# tests/scripts/ingest_poll.sh: the same guarantees in forced polling mode (issue 5), the path
# of files on network filesystems where inotify sees nothing: `faultline ingest --poll`.
#
# Runs the rotation torture both ways (ingest_rotation.sh rename|copytruncate --poll: 200,000
# records, writer at 10,000/s so that a rotated file lives four poll intervals before it is
# deleted), the crash test (ingest_crash.sh --poll: 10 x kill -9) and the outage
# (ingest_outage.sh --poll: the brokers down for 15 s instead of 30 s, to keep the suite's
# time down). Their ok/FAIL/INFO lines pass through; fails if any fails.
here=$(dirname "$0")
rc=0
bash "$here/ingest_rotation.sh" rename --poll || rc=1
bash "$here/ingest_rotation.sh" copytruncate --poll || rc=1
bash "$here/ingest_crash.sh" --poll || rc=1
bash "$here/ingest_outage.sh" --poll || rc=1
exit $rc
