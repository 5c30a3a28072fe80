#!/usr/bin/env bash
# The racing-against-exhaustive table of docs/plan.md ("Measured"): each plan run by `ecsim plan` (racing)
# and by `ecsim plan --exhaustive` into fresh folders, then one Markdown row per plan:
#
#   scripts/plan-racing.sh [ECSIM_BINARY] [PLAN...]   (default: target/release/ecsim; plans/nasa-web.toml,
#                                                      plans/nasa-fargate-week.toml, plans/nasa-ec2-3d.toml)
#
# runs: the runs each search spent (summary.txt's first line); recommendation: the id each chose; cost
# difference: what the exhaustive search measured for racing's choice against its own choice, per 730-h
# month (0 % when both chose the same candidate); verdict: whether each found something feasible; time:
# CPU seconds (user + system) and wall seconds of each command (/usr/bin/time), on however many cores
# rayon uses (all by default). Needs bash, awk and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/release/ecsim}
shift || true
plans=("$@")
if [ ${#plans[@]} -eq 0 ]; then
  plans=(plans/nasa-web.toml plans/nasa-fargate-week.toml plans/nasa-ec2-3d.toml)
fi
if [ ! -x "$bin" ]; then
  cargo build --release --locked
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the value of column NAME of the row whose id is ID in a plan.csv
col() {
  awk -F, -v id="$2" -v name="$3" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
    $1 == id { print $c }' "$1"
}
runs() { sed -n '1s/.*; \([0-9][0-9]*\) runs (.*/\1/p' "$1/summary.txt"; }
rec() { sed -n 's/^recommendation: \(c[0-9]*\) .*/\1/p' "$1/summary.txt"; }

echo "| plan | candidates | runs: racing | runs: exhaustive | fewer | recommendation: racing | recommendation: exhaustive | cost difference | feasible: racing / exhaustive | CPU s (wall s): racing | CPU s (wall s): exhaustive |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for plan in "${plans[@]}"; do
  name=$(basename "$plan" .toml)
  for mode in racing exhaustive; do
    flag=()
    [ "$mode" = exhaustive ] && flag=(--exhaustive)
    /usr/bin/time -f "%U %S %e" -o "$tmp/$name-$mode.time" \
      "$bin" plan "$plan" "${flag[@]}" --out "$tmp/$name-$mode" >"$tmp/$name-$mode.out" 2>"$tmp/$name-$mode.err" || {
      echo "ecsim plan $plan ${flag[*]} failed:" >&2
      cat "$tmp/$name-$mode.err" >&2
      exit 1
    }
  done
  r="$tmp/$name-racing"
  e="$tmp/$name-exhaustive"
  cands=$(($(wc -l <"$e/plan.csv") - 1))
  rr=$(runs "$r")
  er=$(runs "$e")
  rrec=$(rec "$r")
  erec=$(rec "$e")
  if [ -n "$rrec" ] && [ -n "$erec" ]; then
    diff=$(awk -v a="$(col "$e/plan.csv" "$rrec" cost_month_usd)" -v b="$(col "$e/plan.csv" "$erec" cost_month_usd)" \
      'BEGIN { printf "%+.2f %%", (a - b) / b * 100 }')
  else
    diff="–"
  fi
  verdict="$([ -n "$rrec" ] && echo yes || echo no) / $([ -n "$erec" ] && echo yes || echo no)"
  t() { awk '{ printf "%.1f (%.1f)", $1 + $2, $3 }' "$1"; }
  fewer=$(awk -v a="$rr" -v b="$er" 'BEGIN { printf "%.1f×", b / a }')
  echo "| \`$plan\` | $cands | $rr | $er | $fewer | ${rrec:-none} | ${erec:-none} | $diff | $verdict | $(t "$tmp/$name-racing.time") | $(t "$tmp/$name-exhaustive.time") |"
done
