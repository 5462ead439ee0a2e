#!/usr/bin/env bash
# Times the workbook and investigation reports of issue 17 as whole processes, 5 runs each
# (median and peak memory), on a store made by `benches/before-after.sh` (1 M sign-ins).
#   benches/workbooks-1m.sh BIN STORE
set -euo pipefail
bin=$1 store=$2
user=$("$bin" report breakdown --by user --store "$store" --event-types interactiveUser,nonInteractiveUser \
  --top 1 --format csv 2>/dev/null | sed -n 2p | cut -d, -f1)
ip=$("$bin" report user "$user" --store "$store" --format json 2>/dev/null |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["ipAddresses"][0]["ipAddress"])')
run() {
  local name=$1; shift
  local times=() mem=0
  for _ in 1 2 3 4 5; do
    local out
    /usr/bin/time -o /tmp/workbooks-1m.time -f "%e %M" "$bin" "$@" --store "$store" --format json >/dev/null 2>&1 || true
    out=$(tail -1 /tmp/workbooks-1m.time)
    times+=("${out% *}")
    mem=$(( ${out#* } > mem ? ${out#* } : mem ))
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
  printf '%-40s %6s s  %4d MB\n' "$name" "$median" $((mem / 1024))
}
run "report user <UPN>" report user "$user"
run "report user <display name part>" report user "${user%%@*}"
run "report ip <address>" report ip "$ip"
run "report mfa-gaps" report mfa-gaps
run "report mfa-gaps --by user" report mfa-gaps --by user
run "report auth-prompts" report auth-prompts
run "report auth-prompts --by user" report auth-prompts --by user
run "report cross-tenant" report cross-tenant
run "report risky-sign-ins" report risky-sign-ins
run "signins --country DE --outcome failure (JSON: originals)" signins --country DE --outcome failure
SIGNIN_INSIGHTS_SCAN_STATS=1 "$bin" report user "$user" --store "$store" --format json 2>&1 >/dev/null | grep opened | sed 's/^/user:  /'
SIGNIN_INSIGHTS_SCAN_STATS=1 "$bin" report ip "$ip" --store "$store" --format json 2>&1 >/dev/null | grep opened | sed 's/^/ip:    /'
