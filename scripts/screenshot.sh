#!/usr/bin/env bash
# Regenerate docs/report-screenshot.png, the README's picture of report.html, from the shipped example
# (scenarios/nasa-ec2-autoscaling.toml) with headless Chromium, so the picture never goes stale.
#
#   scripts/screenshot.sh [ECSIM_BINARY]      (default: target/release/ecsim, built when missing)
#
# Needs Chromium (apt-get install -y chromium); CHROMIUM names another binary. The page is drawn at
# 1400 × 2400 px: the header, the summary and the first interactive charts.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/release/ecsim}
if [ ! -x "$bin" ]; then
  cargo build --release --locked
fi
browser=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [ -z "$browser" ]; then
  echo "no Chromium found: apt-get install -y chromium, or set CHROMIUM" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" run scenarios/nasa-ec2-autoscaling.toml --out "$tmp/run" -q
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$tmp/profile" --window-size=1400,2400 \
  --screenshot="$tmp/shot.png" "file://$tmp/run/report.html" >/dev/null 2>&1
if [ ! -s "$tmp/shot.png" ]; then
  echo "Chromium wrote no screenshot" >&2
  exit 1
fi
mv "$tmp/shot.png" docs/report-screenshot.png
echo "wrote docs/report-screenshot.png from scenarios/nasa-ec2-autoscaling.toml"
