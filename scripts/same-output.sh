#!/usr/bin/env bash
# Shows that two builds give the same bytes: `scripts/same-output.sh BIN_BEFORE BIN_AFTER [WORKDIR]`.
#
# Each binary generates the synthetic exports of every shape (Graph pages, PowerShell arrays, JSON
# lines, Log Analytics rows, diagnostic records, portal CSV; with an inventory, AD FS sign-ins,
# registrations and audit events), ingests them, the bundled sample, the golden cases and the
# public samples into stores of its own, and then runs every report in every format under several
# windows, two time zones and pseudonymisation, the drill-down with its filters, the HTML page,
# `store info`, and a few refused command lines. Standard output, standard error and the exit code
# of every run are compared; the generated exports are compared too. Ingests run on one thread, so
# that the store layout and the order of quarantine messages are the same in both runs. Workbooks
# are compared by their unzipped parts (a zip's timestamps are not content). The outputs of
# BIN_BEFORE are kept in WORKDIR and reused while that binary is unchanged. Exit 0 when equal.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BIN_BEFORE BIN_AFTER [WORKDIR]" >&2; exit 2; }
a="$(realpath "$1")"; b="$(realpath "$2")"
work="${3:-$(mktemp -d)}"
mkdir -p "$work"
root="$(cd "$(dirname "$0")/.." && pwd)"

# One command line: its stdout, stderr and exit code under $out/$name.
# Paths are made relative to the run's folder so both runs print the same text.
run() {
  local name="$1"; shift
  local code=0
  (cd "$dir" && "$bin" "$@" >"$out/$name.stdout" 2>"$out/$name.stderr") || code=$?
  echo "$code" >"$out/$name.code"
  if head -c 2 "$out/$name.stdout" | grep -q "PK"; then
    # An xlsx: keep the parts' text, not the zip's dates.
    python3 - "$out/$name.stdout" <<'EOF'
import sys, zipfile
p = sys.argv[1]
with zipfile.ZipFile(p) as z:
    parts = {n: z.read(n) for n in sorted(z.namelist())}
with open(p, "wb") as f:
    for n, data in parts.items():
        if n == "docProps/core.xml":
            continue  # creation time
        f.write(n.encode() + b"\n" + data + b"\n")
EOF
  fi
}

reports="apps app-daily app-errors app-last-signin service-principals credentials adfs auth-usage mfa-summary
         auth-registration registration-events registration-activity password-resets"

outputs() {
  bin="$1"; dir="$2"; out="$dir/out"
  rm -rf "$dir"; mkdir -p "$dir/in" "$out"
  (cd "$dir" && "$bin" keygen --quiet --out key >/dev/null 2>&1 || true)
  printf '0123456789abcdef0123456789abcdef\n' >"$dir/key"
  local shapes="graph array jsonl log-analytics diagnostic csv" seed=1
  for shape in $shapes; do
    seed=$((seed + 1))
    "$bin" generate --quiet --records 3000 --days 20 --seed $seed --per-file 1000 --format "$shape" \
      --inventory --adfs 500 --auth-methods --out "$dir/in/gen-$shape"
  done
  cp -r "$root/testdata/sample" "$dir/in/sample"
  for g in "$root"/testdata/golden/*/; do mkdir -p "$dir/in/golden-$(basename "$g")"; cp "$g"/*.json "$dir/in/golden-$(basename "$g")/"; done
  cp -r "$root/testdata/public" "$dir/in/public"
  rm -f "$dir/in/public/PROVENANCE.md"
  stores=""
  for i in "$dir"/in/*/; do
    s="$(basename "$i")"
    stores="$stores $s"
    run "ingest-$s" --threads 1 ingest --quiet --store "st/$s" "in/$s"
    run "info-$s" store info --store "st/$s"
    run "verify-$s" store verify --store "st/$s"
  done
  for s in $stores; do
    for r in $reports; do
      for f in table json jsonl csv xlsx; do
        run "$s-$r-$f" report "$r" --store "st/$s" --format "$f"
      done
      for f in table json csv; do
        run "$s-$r-D1-$f" report "$r" --store "st/$s" --period D1 --format "$f"
        run "$s-$r-D7-$f" report "$r" --store "st/$s" --period D7 --format "$f"
        run "$s-$r-ktm-$f" --tz Asia/Kathmandu report "$r" --store "st/$s" --format "$f"
        run "$s-$r-ny-$f" --tz America/New_York report "$r" --store "st/$s" --period D7 --format "$f"
        run "$s-$r-pseudo-$f" --pseudonymize key report "$r" --store "st/$s" --format "$f"
      done
      run "$s-$r-range" report "$r" --store "st/$s" --since 2026-10-20 --until 2026-10-25T12:00 --format json
      run "$s-$r-asof" report "$r" --store "st/$s" --as-of 2026-10-28T06:00:00Z --period D3 --format json
      run "$s-$r-top" report "$r" --store "st/$s" --top 2 --format json
    done
    # Report options.
    run "$s-apps-failed" report apps --store "st/$s" --sort failed --top 3 --format table
    run "$s-apps-nonint" report apps --store "st/$s" --event-types interactiveUser,nonInteractiveUser --format json
    for app in 00000002-0000-0ff1-ce00-000000000000 4765445b-32c6-49b0-83e6-1d93765276ca "Office 365 Exchange Online"; do
      for r in apps app-daily app-errors app-last-signin service-principals credentials; do
        run "$s-$r-app-${app// /_}" report "$r" --store "st/$s" --app "$app" --format json
      done
      run "$s-signins-app-${app// /_}" signins --store "st/$s" --app "$app" --format csv
    done
    run "$s-cred-expired" report credentials --store "st/$s" --expired --format table
    run "$s-cred-unused" report credentials --store "st/$s" --unused --format json
    run "$s-cred-expiring" report credentials --store "st/$s" --expiring-within 30d --format csv
    run "$s-adfs-rules" report adfs --store "st/$s" --rules --format table
    run "$s-adfs-rules-json" report adfs --store "st/$s" --rules --format json
    run "$s-reg-method" report auth-registration --store "st/$s" --by method --format json
    run "$s-reg-member" report auth-registration --store "st/$s" --user-types member --user-roles admin --format table
    run "$s-reg-user" report auth-registration --store "st/$s" --user a --format json
    run "$s-reg-user-pseudo" --pseudonymize key report auth-registration --store "st/$s" --user a --format table
    run "$s-reg-priv" report auth-registration --store "st/$s" --user-roles privilegedAdmin
    run "$s-events-f" report registration-events --store "st/$s" --status failure --format table
    run "$s-events-reset" report registration-events --store "st/$s" --feature reset --method mobilePhone --format json
    run "$s-events-user" report registration-events --store "st/$s" --user a --format csv
    # Refused: a flag of another report, an unknown report, an unknown event type.
    run "$s-bad-flag" report apps --store "st/$s" --expired
    run "$s-bad-flag2" report apps --store "st/$s" --feature reset
    run "$s-bad-flag3" report credentials --store "st/$s" --rules
    run "$s-bad-flag4" report apps --store "st/$s" --user x
    run "$s-bad-flag5" report apps --store "st/$s" --by method
    run "$s-bad-report" report nosuch --store "st/$s"
    run "$s-bad-type" report apps --store "st/$s" --event-types robot
    # The drill-down.
    for f in table json jsonl csv; do
      run "$s-signins-failed-$f" signins --store "st/$s" --failed --limit 40 --format "$f"
      run "$s-signins-pseudo-$f" --pseudonymize key signins --store "st/$s" --limit 40 --format "$f"
      run "$s-signins-ktm-$f" --tz Asia/Kathmandu signins --store "st/$s" --period D2 --limit 40 --format "$f"
    done
    run "$s-signins-day" signins --store "st/$s" --day 2026-10-25 --event-type interactiveUser --format csv
    run "$s-signins-code" signins --store "st/$s" --error-code 50126 --format csv
    run "$s-signins-user" signins --store "st/$s" --user ANA.LINDQVIST1@contoso.example --format csv
    run "$s-signins-xlsx" signins --store "st/$s" --limit 100 --format xlsx
    run "$s-html" html --store "st/$s" --out "../html-$s.html"
    cp "$dir/../html-$s.html" "$out/$s.html" 2>/dev/null || true
    run "$s-html-ktm" --tz Asia/Kathmandu --pseudonymize key html --store "st/$s" --period D7 --chart-apps 2 --per-bar 3 --out "../html-$s.html"
    cp "$dir/../html-$s.html" "$out/$s-ktm.html" 2>/dev/null || true
    rm -f "$dir/../html-$s.html"
  done
  (cd "$dir" && "$bin" demo >"$out/demo.stdout" 2>/dev/null) || true
  sed -i -E 's/signin-insights-demo-[0-9]+/signin-insights-demo-PID/; s/[0-9.]+ s \([0-9.]+ MB\/s\)/T/' "$out/demo.stdout"
}

stamp="$(sha1sum <"$a")"
if [ -f "$work/a.done" ] && [ "$(cat "$work/a.done")" = "$stamp" ]; then
  echo "== before: $a (outputs kept from an earlier run)" >&2
else
  echo "== before: $a" >&2
  outputs "$a" "$work/a"
  echo "$stamp" >"$work/a.done"
fi
echo "== after: $b" >&2
outputs "$b" "$work/b"
n=$(ls "$work/a/out" | wc -l)
if diff -r "$work/a/in" "$work/b/in" >"$work/in.diff" && diff -r "$work/a/out" "$work/b/out" >"$work/out.diff"; then
  echo "same: $n outputs (stdout, stderr, exit code) and the generated exports are identical" >&2
else
  cat "$work/in.diff" "$work/out.diff" 2>/dev/null | head -200
  echo "DIFFERENT: see $work/in.diff and $work/out.diff" >&2
  exit 1
fi
