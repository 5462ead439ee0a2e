#!/usr/bin/env bash
# How the section 3 reports, a daily ingest, compaction and a merge grow with the store
# (issue 19). For each size N: a store of N generated sign-ins over 30 days, built by
# `generate --out - | ingest -` (the same generator and ingest, no JSON on disk), plus AD FS
# sign-ins (N/10) and the credential inventory; then each report over D30 as a whole process
# (median of 3 and peak memory), and one more day of sign-ins (N/30, at most 1 M) ingested into
# an empty store and into this one, compaction (up to 10 M) and merges.
#   benches/scale.sh BIN WORKDIR N [N...]        e.g. benches/scale.sh target/release/signin-insights /tmp/scale 1000000 10000000
# REPORTS_ONLY=1 stops after the reports (the stores are left as they are).
set -euo pipefail
bin=$1 work=$2
shift 2
mkdir -p "$work"
t() { # t LABEL CMD...: time a whole process, print seconds and peak MB
  local label=$1; shift
  /usr/bin/time -o "$work/time" -f "%e %M" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr"; return 1; }
  local out; out=$(tail -1 "$work/time")
  printf '%-44s %7s s  %5d MB\n' "$label" "${out% *}" $(( ${out#* } / 1024 ))
}
median3() { # median3 LABEL CMD...
  local label=$1; shift
  local times=() mem=0
  for _ in 1 2 3; do
    /usr/bin/time -o "$work/time" -f "%e %M" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr"; return 1; }
    local out; out=$(tail -1 "$work/time")
    times+=("${out% *}")
    mem=$(( ${out#* } > mem ? ${out#* } : mem ))
  done
  printf '%-44s %7s s  %5d MB\n' "$label" "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)" $((mem / 1024))
}
for n in "$@"; do
  store=$work/store-$n
  echo "== $n sign-ins"
  if [ ! -f "$store/manifest.json" ]; then
    start=$(date +%s.%N)
    "$bin" generate --quiet --records "$n" --days 30 --per-file 1000000 --overlap 0 --format jsonl --out - |
      /usr/bin/time -o "$work/time" -f "%e %M" "$bin" ingest --quiet --store "$store" -
    echo "build: generate | ingest $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}') s, ingest peak $(( $(cut -d' ' -f2 "$work/time") / 1024 )) MB"
    "$bin" generate --quiet --records 1000 --days 30 --adfs $((n / 10)) --inventory --format jsonl --out "$work/side-$n"
    "$bin" ingest --quiet --store "$store" "$work/side-$n"
  fi
  "$bin" store info --store "$store" | sed -n '1,3p'
  du -sh "$store" | sed 's/^/size: /'
  for r in apps app-daily app-errors app-last-signin service-principals credentials adfs auth-usage mfa-summary; do
    median3 "report $r --period D30" "$bin" report "$r" --store "$store" --period D30 --format json
  done
  app=$("$bin" report apps --store "$store" --period D30 --format csv --top 1 2>/dev/null | sed -n 2p | cut -d, -f2)
  median3 "signins --app <top app> --day 2026-10-30 --failed" "$bin" signins --store "$store" --app "$app" --day 2026-10-30 --failed --format csv
  files=$(python3 -c "import json,sys; print(len(json.load(open('$store/manifest.json'))['tables']['signins']))")
  echo "sign-in files: $files"
  [ -n "${REPORTS_ONLY:-}" ] && continue
  # One more day (N/30 sign-ins of 1 Nov, at most 1 M), into an empty store and into this one.
  day=$((n / 30 > 1000000 ? 1000000 : n / 30))
  "$bin" generate --quiet --records "$day" --days 1 --seed 9 --per-file "$day" --overlap 0 --format jsonl \
    --end 2026-11-01T23:59:59Z --out "$work/day-$n"
  rm -rf "$work/empty-$n"
  t "ingest one day ($day) into an empty store" "$bin" ingest --quiet --store "$work/empty-$n" "$work/day-$n"
  t "ingest one day ($day) into the store" "$bin" ingest --quiet --store "$store" "$work/day-$n"
  # Every partition of several files rewritten (a slice of time at a time: bounded memory).
  t "store compact" "$bin" store compact --quiet --store "$store"
  rm -rf "$work/merged-$n"
  t "store merge of the one-day store into a new one" "$bin" store merge --quiet --store "$work/merged-$n" "$work/empty-$n"
  t "store merge of the one-day store again (all duplicates)" "$bin" store merge --quiet --store "$store" "$work/empty-$n"
done
