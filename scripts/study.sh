#!/usr/bin/env bash
# Regenerate the committed study in results/ (results/README.md says what it shows):
#
#   scripts/study.sh [ECSIM_BINARY]      (default: target/release/ecsim, built when missing)
#
# 1. results/compare-nasa/: `ecsim compare` of scenarios/nasa-ec2-autoscaling.toml (the NASA 1995 trace,
#    three days): compare.csv, the printed table (compare.txt), and per variant summary.json and the
#    self-contained report.html. The variants' CSV files and chart files are left out to keep the study
#    small; `ecsim compare scenarios/nasa-ec2-autoscaling.toml` writes them all.
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

# --- size check ---------------------------------------------------------------------------------------
kb=$(du -sk --exclude=.gitignore results/compare-nasa | awk '{s += $1} END {print s}')
echo "study written: results/compare-nasa (${kb} KiB)"
if [ "$kb" -ge 5120 ]; then
  echo "the study is ${kb} KiB, over the 5 MB it must stay under" >&2
  exit 1
fi
