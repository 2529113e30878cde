#!/usr/bin/env bash
# tests/scripts/ingest_copytruncate.sh: the rotation torture with copytruncate rotation
# (issue 5): ingest_rotation.sh copytruncate. Duplicates at most 0.1%.
exec bash "$(dirname "$0")/ingest_rotation.sh" copytruncate
