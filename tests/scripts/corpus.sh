#!/usr/bin/env bash
# Corpus accuracy of --source auto (tests/scripts/corpus_score.py).
exec python3 "$(dirname "$0")/corpus_score.py"
