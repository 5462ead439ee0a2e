#!/usr/bin/env bash
# Thirty daily ingests into one store, then `store compact` (issue 19): files per partition
# before and after, the compaction's time and peak memory, and every report before and after
# compared byte for byte.
#   benches/daily.sh BIN WORKDIR PER_DAY        e.g. benches/daily.sh target/release/signin-insights /tmp/daily 33333
set -euo pipefail
bin=$1 work=$2 per_day=$3
store=$work/store
rm -rf "$store" "$work/day"
mkdir -p "$work"
start=$(date +%s.%N)
for d in $(seq 1 30); do
  end=$(date -u -d "2026-10-01 + $d days - 1 second" +%Y-%m-%dT%H:%M:%SZ)
  "$bin" generate --quiet --records "$per_day" --days 1 --seed "$d" --per-file "$per_day" --overlap 0 --format jsonl \
    --end "$end" --out "$work/day"
  "$bin" ingest --quiet --store "$store" "$work/day"
  rm -rf "$work/day"
done
echo "30 daily ingests of $per_day: $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}') s (generate included)"
layout() {
  python3 - "$store/manifest.json" <<'PY'
import json, sys, collections
m = json.load(open(sys.argv[1]))
parts = collections.Counter((f["event_type"], f["date"]) for f in m["tables"]["signins"])
print(f"{len(parts)} partitions, {sum(parts.values())} files, at most {max(parts.values())} in one")
PY
}
reports() {
  for r in apps app-daily app-errors app-last-signin service-principals failure-analysis legacy-auth; do
    "$bin" report "$r" --store "$store" --format json --quiet
  done | md5sum
  "$bin" signins --store "$store" --format jsonl --quiet | md5sum
}
echo "before: $(layout)"
before=$(reports)
/usr/bin/time -o "$work/time" -f "%e s, %M KB" "$bin" store compact --quiet --store "$store"
echo "store compact: $(cat "$work/time")"
echo "after: $(layout)"
after=$(reports)
[ "$before" = "$after" ] && echo "every report and record identical" || { echo "REPORTS DIFFER"; exit 1; }
"$bin" store verify --store "$store" | tail -1
