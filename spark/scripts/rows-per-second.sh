#!/bin/bash
# Rows per second of `rsground spark ground` in local mode: the wall time of every pair minus that of the first
# pair alone (JVM, Spark and model start-up), per master.
# usage: spark/scripts/rows-per-second.sh WEIGHTS PAIRS.jsonl [MASTER ...]   (default masters: local[1] local[2])
set -euo pipefail
weights=${1:?weights}; pairs=${2:?pairs.jsonl}; shift 2
masters=("$@"); [ ${#masters[@]} -gt 0 ] || masters=("local[1]" "local[2]")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
head -1 "$pairs" > "$work/one.jsonl"
rows=$(grep -c . "$pairs")
seconds() { # pairs master
  local s e
  s=$(date +%s.%N)
  ./rsground spark ground --weights "$weights" --input "$1" --output "$work/out" --format json --master "$2" \
      --overwrite > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
  e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" 'BEGIN { print b - a }'
}
for m in "${masters[@]}"; do
  one=$(seconds "$work/one.jsonl" "$m")
  all=$(seconds "$pairs" "$m")
  printf '%s: %d rows in %.1f s, start-up %.1f s: %.1f rows/s\n' "$m" "$rows" "$all" "$one" \
      "$(awk -v r="$rows" -v a="$all" -v o="$one" 'BEGIN { print (r - 1) / (a - o) }')"
done
