#!/usr/bin/env bash
# Side by side with DuckDB on the same generated exports: ingest (JSON lines and Graph pages,
# default and typed-only; DuckDB also reading every field the store keeps) and the app-summary +
# top-errors reports. Prints wall time, MB/s, records/s and peak RSS for both, and the ratio.
#
#   benches/compare.sh [RECORDS] [WORKDIR]      (default 1000000 sign-ins, /tmp/signin-insights-bench)
#
# Exports of your own instead of generated ones: LINES=DIR (JSON lines) and/or PAGES=DIR (Graph
# pages), each a folder of files holding RECORDS sign-ins; a shape not given is generated.
#
# Needs: cargo, python3, `pip install duckdb`, GNU time (/usr/bin/time, Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-1000000}
work=${2:-/tmp/signin-insights-bench}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/signin-insights-target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/signin-insights"
python3 -c 'import duckdb' 2>/dev/null || pip install --quiet duckdb
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null

mkdir -p "$work"
per_file=$(( records / 10 > 0 ? records / 10 : 1 ))
declare -A input=([lines]="${LINES:-$work/lines}" [pages]="${PAGES:-$work/pages}")
for shape in lines pages; do
  fmt=$([ "$shape" = lines ] && echo jsonl || echo graph)
  given=$([ "$shape" = lines ] && echo "${LINES:-}" || echo "${PAGES:-}")
  if [ -z "$given" ] && [ ! -f "$work/.done-$shape-$records" ]; then
    rm -rf "${work:?}/$shape"
    "$bin" generate --quiet --records "$records" --per-file "$per_file" --overlap 0 --format "$fmt" --out "$work/$shape"
    touch "$work/.done-$shape-$records"
  fi
done
mb() { du -sbL "${input[$1]}" | awk '{printf "%.1f", $1 / 1e6}'; }

# measure LABEL MB COMMAND...: one row of the table.
measure() {
  local label=$1 size=$2; shift 2
  /usr/bin/time -o "$work/.time" -f "%e %M" "$@" >/dev/null 2>"$work/.stderr"
  local secs kb
  secs=$(awk '{print $1}' "$work/.time"); kb=$(awk '{print $2}' "$work/.time")
  awk -v l="$label" -v s="$secs" -v k="$kb" -v m="$size" -v r="$records" \
    'BEGIN { printf "%-34s %8.2f s %9.1f MB/s %10.0f rec/s %7.0f MB RSS\n", l, s, (m > 0 ? m / s : 0), r / s, k / 1024 }'
  echo "$secs" > "$work/.last"
}

echo "== $records sign-ins: lines $(mb lines) MB, pages $(mb pages) MB; $(nproc) cores"
declare -A t
for shape in lines pages; do
  size=$(mb "$shape")
  rm -rf "$work/store-$shape"
  measure "signin-insights ingest $shape" "$size" "$bin" ingest --quiet --store "$work/store-$shape" "${input[$shape]}"
  t[si-$shape]=$(cat "$work/.last")
  rm -rf "$work/store-typed"
  measure "signin-insights ingest --no-raw $shape" "$size" "$bin" ingest --quiet --no-raw --store "$work/store-typed" "${input[$shape]}"
  t[sit-$shape]=$(cat "$work/.last")
  measure "duckdb read_json_auto $shape" "$size" python3 benches/duckdb_side.py load-auto "$shape" "${input[$shape]}"
  t[da-$shape]=$(cat "$work/.last")
  measure "duckdb read_json explicit $shape" "$size" python3 benches/duckdb_side.py load-explicit "$shape" "${input[$shape]}"
  t[de-$shape]=$(cat "$work/.last")
done
# Not the issue-20 reference (that is the 14-column read above): DuckDB doing the work `ingest
# --no-raw` does, reading every field the store keeps, into memory and into a zstd Parquet file.
size=$(mb lines)
measure "duckdb read_json every stored col" "$size" python3 benches/duckdb_side.py load-stored lines "${input[lines]}"
t[ds]=$(cat "$work/.last")
rm -rf "$work/duckdb-parquet" && mkdir -p "$work/duckdb-parquet"
measure "duckdb same, COPY to Parquet" "$size" python3 benches/duckdb_side.py copy-stored lines "${input[lines]}" "$work/duckdb-parquet"
t[dc]=$(cat "$work/.last")
measure "signin-insights report apps" 0 "$bin" report apps --quiet --store "$work/store-lines" --format json
a=$(cat "$work/.last")
measure "signin-insights report app-errors" 0 "$bin" report app-errors --quiet --store "$work/store-lines" --format json
e=$(cat "$work/.last")
measure "duckdb both queries (one process)" 0 python3 benches/duckdb_side.py queries "$work/store-lines"
d=$(cat "$work/.last")
echo "== ratios (DuckDB time / signin-insights time)"
for shape in lines pages; do
  awk -v s="$shape" -v a="${t[da-$shape]}" -v e="${t[de-$shape]}" -v x="${t[si-$shape]}" -v y="${t[sit-$shape]}" \
    'BEGIN { printf "%-6s default vs auto %.2fx   typed-only vs explicit %.2fx\n", s, a / x, e / y }'
done
awk -v s="${t[ds]}" -v c="${t[dc]}" -v y="${t[sit-lines]}" \
  'BEGIN { printf "lines  typed-only vs every stored column %.2fx, vs the same to Parquet %.2fx\n", s / y, c / y }'
awk -v a="$a" -v e="$e" -v d="$d" 'BEGIN { printf "reports: apps + app-errors %.2f s vs duckdb %.2f s: %.2fx\n", a + e, d, d / (a + e) }'
