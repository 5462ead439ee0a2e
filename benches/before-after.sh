#!/usr/bin/env bash
# Ingest speed and report latency of two builds on the same files, the same machine and in the
# same run, alternating which goes first (this VM's timings drift by ±15%):
#
#   benches/before-after.sh BIN_BEFORE BIN_AFTER [RECORDS] [WORKDIR] [RUNS]
#
# Generates RECORDS sign-ins as JSON lines (30 days, no overlap) with an inventory, a tenth as
# many AD FS sign-ins, registrations and audit events, once. Each run ingests them into a fresh
# store with each binary (wall time, MB/s, records/s, peak RSS from GNU time), then runs every
# report of the catalog with each binary on the store it wrote (whole processes, `--format json`).
# Prints one line per measurement and a table of medians with the ratio after/before.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BIN_BEFORE BIN_AFTER [RECORDS] [WORKDIR] [RUNS]" >&2; exit 2; }
a="$(realpath "$1")"; b="$(realpath "$2")"
records=${3:-1000000}
work=${4:-/tmp/signin-insights-before-after}
runs=${5:-3}
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
mkdir -p "$work"
if [ ! -f "$work/.done-in-$records" ]; then
  rm -rf "$work/in"
  "$b" generate --quiet --records "$records" --per-file $((records / 10 > 0 ? records / 10 : 1)) --overlap 0 \
    --format jsonl --inventory --adfs $((records / 10)) --auth-methods --out "$work/in"
  touch "$work/.done-in-$records"
fi
mb=$(du -sb "$work/in" | awk '{printf "%.1f", $1 / 1e6}')
echo "== $records sign-ins ($mb MB of JSON lines with inventory, AD FS, registrations, audits); $(nproc) cores"
results="$work/results.txt"
: >"$results"

# measure LABEL WHICH COMMAND...: appends "LABEL WHICH seconds rss_kb" to the results.
measure() {
  local label=$1 which=$2; shift 2
  /usr/bin/time -o "$work/.time" -f "%e %M" "$@" >/dev/null 2>"$work/.stderr" || {
    cat "$work/.stderr" >&2; return 1; }
  read -r secs kb <"$work/.time"
  echo "$label $which $secs $kb" >>"$results"
  printf '%-28s %-6s %7.2f s %7.0f MB RSS\n' "$label" "$which" "$secs" "$((kb / 1024))"
}

reports="apps app-daily app-errors app-last-signin service-principals credentials adfs auth-usage mfa-summary
         auth-registration registration-events registration-activity password-resets"
for run in $(seq 1 "$runs"); do
  order="before after"; [ $((run % 2)) -eq 0 ] && order="after before"
  for which in $order; do
    bin=$([ "$which" = before ] && echo "$a" || echo "$b")
    rm -rf "$work/store-$which"
    measure ingest "$which" "$bin" ingest --quiet --store "$work/store-$which" "$work/in"
  done
  for r in $reports; do
    for which in $order; do
      bin=$([ "$which" = before ] && echo "$a" || echo "$b")
      measure "report-$r" "$which" "$bin" report "$r" --quiet --store "$work/store-$which" --format json
    done
  done
done

echo
echo "== medians of $runs runs (before -> after, ratio after/before; ingest also MB/s and records/s)"
python3 - "$results" "$mb" "$records" <<'EOF'
import sys, statistics, collections
path, mb, records = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
t = collections.defaultdict(list)
m = collections.defaultdict(list)
for line in open(path):
    label, which, secs, kb = line.split()
    t[(label, which)].append(float(secs))
    m[(label, which)].append(int(kb) / 1024)
for label in dict.fromkeys(l for l, _ in t):
    b, a = statistics.median(t[(label, "before")]), statistics.median(t[(label, "after")])
    rb, ra = max(m[(label, "before")]), max(m[(label, "after")])
    extra = ""
    if label == "ingest":
        extra = f"  ({mb / b:.0f} -> {mb / a:.0f} MB/s, {records / b / 1000:.0f}k -> {records / a / 1000:.0f}k rec/s)"
    spread = lambda xs: f"{min(xs):.2f}-{max(xs):.2f}"
    print(f"{label:28} {b:6.2f} s [{spread(t[(label, 'before')])}] -> {a:6.2f} s [{spread(t[(label, 'after')])}]"
          f"  x{a / b:.2f}  peak {rb:.0f} -> {ra:.0f} MB{extra}")
EOF
