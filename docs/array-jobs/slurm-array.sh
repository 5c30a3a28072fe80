#!/bin/bash
# One ecsim sweep as a Slurm job array: each array task runs one shard. ecsim reads the shard from
# SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT, so --array=1-8 runs shards 1/8 to
# 8/8. Every task writes into the same folder on a shared file system (each run is its own file, written
# whole, so tasks never collide); a requeued or resubmitted task skips the runs already there.
#
# Submit the array, then the merge once every task has succeeded:
#
#   jid=$(sbatch --parsable docs/array-jobs/slurm-array.sh sweeps/quickstart-sizes.toml /shared/results/quickstart-sizes)
#   sbatch --dependency=afterok:$jid --wrap "ecsim merge /shared/results/quickstart-sizes --out /shared/results/quickstart-sizes"
#
# (Or give each task its own folder, --out "$OUT/shard-$SLURM_ARRAY_TASK_ID", and merge them all:
#  ecsim merge "$OUT"/shard-* --out "$OUT".)
#
#SBATCH --job-name=ecsim-sweep
#SBATCH --array=1-8
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=06:00:00
#SBATCH --requeue
#SBATCH --output=ecsim-sweep-%A_%a.out

set -euo pipefail
SWEEP=${1:?usage: sbatch slurm-array.sh SWEEP.toml OUT_FOLDER}
OUT=${2:?usage: sbatch slurm-array.sh SWEEP.toml OUT_FOLDER}

# ecsim must be on PATH on the compute nodes (cargo install --path . or a module).
exec ecsim sweep "$SWEEP" --out "$OUT" --jobs "${SLURM_CPUS_PER_TASK:-1}"
