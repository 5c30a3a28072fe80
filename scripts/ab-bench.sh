#!/bin/bash
# Side-by-side timing of two ecsim-bench binaries on the same scenario: one per core, the cores swapped
# each round, so that both see the same moments of a noisy (shared) machine. Prints each run and the means.
# Usage: scripts/ab-bench.sh BASE_BINARY NEW_BINARY SCENARIO [ROUNDS]
# e.g.   git worktree add /tmp/base <commit> && (cd /tmp/base && cargo build --release --bin ecsim-bench)
#        scripts/ab-bench.sh /tmp/base/target/release/ecsim-bench target/release/ecsim-bench \
#            scenarios/fleet/medium.toml 10
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n 2,7p "$0"
  exit 2
fi
B=$1; N=$2; S=$3; R=${4:-4}
for r in $(seq "$R"); do
  cb=$(( r % 2 )); cn=$(( 1 - cb ))
  ( taskset -c $cb "$B" sim "$S" 1 | grep -o "run 0: [0-9.]*" | sed "s/run 0: /base /" ) &
  ( taskset -c $cn "$N" sim "$S" 1 | grep -o "run 0: [0-9.]*" | sed "s/run 0: /new  /" ) &
  wait
done | awk '{print; s[$1] += $2; n[$1]++} END {printf "mean: base %.3f s, new %.3f s, new/base %.3f\n", s["base"]/n["base"], s["new"]/n["new"], (s["new"]/n["new"])/(s["base"]/n["base"])}'
