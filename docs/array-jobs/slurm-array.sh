#!/bin/bash
# One ecsim sweep as a Slurm job array (docs/array-jobs.md): each array task runs one shard. ecsim reads the
# shard from SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT, so --array=1-8 runs
# shards 1/8 to 8/8. Every task writes into the same folder on a shared file system (each run is its own
# file, written whole by the one task that owns it, so tasks never collide); a requeued or resubmitted task
# skips the runs already there.
#
# Submit the array, then the merge once every task has succeeded:
#
#   jid=$(sbatch --parsable docs/array-jobs/slurm-array.sh sweeps/quickstart-sizes.toml /shared/results/quickstart-sizes)
#   sbatch --dependency=afterok:$jid --wrap "ecsim merge /shared/results/quickstart-sizes --out /shared/results/quickstart-sizes"
#
# Rerun one failed task, say 3 of 8, by naming its shard: a one-task array (--array=3) has a COUNT of 1,
# from which ecsim would take the whole sweep.
#
#   sbatch --array=3 --export=ALL,ECSIM_SHARD=3/8 docs/array-jobs/slurm-array.sh SWEEP.toml OUT_FOLDER
#
# ecsim must be on PATH on the compute nodes (cargo install --locked --path . on a shared prefix, or a
# module), or run from the container image: ECSIM="apptainer run docker://ACCOUNT_ID.dkr.ecr.REGION.amazonaws.com/ecsim:COMMIT"
# (the image's entrypoint is ecsim; bind the shared folder with APPTAINER_BIND).
#
#SBATCH --job-name=ecsim-sweep
#SBATCH --array=1-8
#SBATCH --cpus-per-task=1
#SBATCH --mem=512M
#SBATCH --time=06:00:00
#SBATCH --requeue
#SBATCH --output=ecsim-sweep-%A_%a.out

set -euo pipefail
SWEEP=${1:?usage: sbatch slurm-array.sh SWEEP.toml OUT_FOLDER}
OUT=${2:?usage: sbatch slurm-array.sh SWEEP.toml OUT_FOLDER}

# shellcheck disable=SC2086 # ECSIM may be a command with arguments
exec ${ECSIM:-ecsim} sweep "$SWEEP" --out "$OUT" --jobs "${SLURM_CPUS_PER_TASK:-1}" ${ECSIM_SHARD:+--shard "$ECSIM_SHARD"}
