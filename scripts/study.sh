#!/usr/bin/env bash
# Regenerate the committed study in results/ (results/README.md says what it shows):
#
#   scripts/study.sh [ECSIM_BINARY]      (default: target/release/ecsim, built when missing)
#
# 1. results/compare-nasa/: `ecsim compare` of scenarios/nasa-ec2-autoscaling.toml (the NASA 1995 trace,
#    three days): compare.csv, the printed table (compare.txt), and per variant summary.json and the
#    self-contained report.html. The variants' CSV files and chart files are left out to keep the study
#    small; `ecsim compare scenarios/nasa-ec2-autoscaling.toml` writes them all.
# 2. results/plans/nasa-web/: `ecsim plan plans/nasa-web.toml` from scratch (plan.csv, pareto.csv, rules.csv,
#    summary.txt, best.toml, charts/ and report.html; its run records in runs/ stay out of git), then
#    `ecsim run` of its best.toml into a temporary folder, to check that the recommendation meets the SLO
#    it was chosen for (the script fails if it does not).
# Everything is deterministic except summary.json's wall_seconds. The whole study stays under 5 MB (checked
# at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/release/ecsim}
if [ ! -x "$bin" ]; then
  cargo build --release --locked
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- 1. EC2 against Fargate on the NASA trace ---------------------------------------------------------
out=results/compare-nasa
"$bin" compare scenarios/nasa-ec2-autoscaling.toml --out "$tmp/compare" | grep -v '^wrote ' >"$tmp/compare.txt"
rm -rf "$out"
mkdir -p "$out"
cp "$tmp/compare/compare.csv" "$tmp/compare.txt" "$out/"
for v in "$tmp"/compare/*/; do
  name=$(basename "$v")
  mkdir -p "$out/$name"
  cp "$v/summary.json" "$v/report.html" "$out/$name/"
done

# --- 2. the example plan -------------------------------------------------------------------------------
plan=results/plans/nasa-web
rm -rf "$plan"
"$bin" plan plans/nasa-web.toml -q
"$bin" run "$plan/best.toml" --out "$tmp/best" -q
met=$(awk '/"met"/ { gsub(/[ ,]/, ""); print }' "$tmp/best/summary.json" | head -1)
echo "ecsim run $plan/best.toml: $met"
if [ "$met" != '"met":true' ]; then
  echo "the recommendation does not meet its SLO when run on its own" >&2
  exit 1
fi

# --- size check ---------------------------------------------------------------------------------------
kb=$(du -sk --exclude=runs results/compare-nasa "$plan" | awk '{s += $1} END {print s}')
echo "study written: results/compare-nasa, $plan (${kb} KiB without the run records)"
if [ "$kb" -ge 5120 ]; then
  echo "the study is ${kb} KiB, over the 5 MB it must stay under" >&2
  exit 1
fi
