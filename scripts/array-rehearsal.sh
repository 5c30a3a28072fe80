#!/usr/bin/env bash
# Rehearse a sweep the way an array-job engine runs it, and check the result against one machine's.
#
# For each engine's variables in turn (AWS Batch, a Kubernetes Indexed Job, a Slurm job array), N=3 shard
# processes start at once, each with an empty environment but for its array index (and the array size
# where the engine gives one), all with the same --out folder. Once one of them has recorded some runs it
# is killed with kill -9; `ecsim merge` must then refuse the folder (runs missing) and write nothing; the
# killed shard is started again exactly as the engine's retry starts it (same variables) and must skip the
# runs it had recorded. When every shard has exited 0, the folder is merged into itself, and runs.csv,
# aggregate.csv, paired.csv, variants.csv, sweep.json and every run file must be byte-identical to the
# same sweep run on one machine. (report.html and charts/ are compared too; leftover temporary files of
# the killed process, runs/.vNNNN-seedS.json.tmp-*, are the only files allowed to differ: they are ignored
# by ecsim and are listed.) See docs/array-jobs.md.
#
# Usage: scripts/array-rehearsal.sh [ECSIM_BINARY] [SWEEP_FILE]
#   defaults: target/release/ecsim (build it with `cargo build --release --locked`), sweeps/array-rehearsal.toml
# CI runs it (.ci/run); about 15 s on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
ECSIM=${1:-target/release/ecsim}
SWEEP=${2:-sweeps/array-rehearsal.toml}
N=3        # shards
VICTIM=2   # the shard (1-based) killed and retried
KILL_AFTER=2  # its runs recorded before the kill

if [ ! -x "$ECSIM" ]; then
  echo "array-rehearsal: $ECSIM is not built: run cargo build --release --locked" >&2
  exit 1
fi
case $ECSIM in /*) ;; *) ECSIM=$PWD/$ECSIM ;; esac

work=$(mktemp -d)
case $work in *" "*) echo "array-rehearsal: a temporary folder with a space: $work" >&2; exit 1 ;; esac
pids=()
cleanup() {
  # Only the processes this script started.
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "array-rehearsal: FAILED: $*" >&2
  for f in "$work"/logs/*; do [ -f "$f" ] && { echo "--- $f" >&2; tail -5 "$f" >&2; }; done
  exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(now)

mkdir -p "$work/logs"
# The one-machine sweep (no array variables at all). Not -q: a quiet sweep writes no report.html and
# charts/, which are compared too.
env -i "$ECSIM" sweep "$SWEEP" --out "$work/one-machine" >"$work/logs/one-machine.log" 2>&1 \
  || fail "the one-machine sweep failed"
one=$work/one-machine
# The manifest's seeds, in order: run i of variant v and the seed at position p is i = v·seeds + p.
seeds=$(tr -d ' \n' <"$one/sweep.json" | grep -o '"seeds":\[[0-9,]*\]' | grep -o '[0-9][0-9,]*') \
  || fail "no seeds in $one/sweep.json"
runs=$(ls "$one/runs" | grep -c '^v[0-9]*-seed[0-9]*\.json$')
share=$(( (runs - VICTIM + N) / N ))   # runs i with i mod N = VICTIM − 1

# Number of run files of shard $2 (1-based) in folder $1 (complete files only: they appear by rename).
count_shard() {
  ls "$1/runs" 2>/dev/null | awk -v seeds="$seeds" -v n="$N" -v shard="$2" '
    BEGIN { k = split(seeds, s, ","); for (p = 1; p <= k; p++) pos[s[p]] = p - 1 }
    match($0, /^v[0-9]+-seed[0-9]+\.json$/) {
      split(substr($0, 2), a, /-seed|\.json/); i = (a[1] + 0) * k + pos[a[2]]
      if (i % n == shard - 1) c++
    }
    END { print c + 0 }'
}

# The environment an engine gives the process of shard k (0-based) at attempt a, and the flags its job
# passes. Slurm's retry is the documented rerun of one failed task: a one-task array (sbatch --array=K)
# with the shard named in ECSIM_SHARD (docs/array-jobs/slurm-array.sh).
engine_env() {
  local k=$2 a=$3
  case $1 in
    aws-batch) echo "AWS_BATCH_JOB_ARRAY_INDEX=$k AWS_BATCH_JOB_ARRAY_SIZE=$N AWS_BATCH_JOB_ATTEMPT=$a" ;;
    kubernetes) echo "JOB_COMPLETION_INDEX=$k" ;;
    slurm)
      if [ "$a" -eq 1 ]; then   # sbatch --array=1-3
        echo "SLURM_ARRAY_JOB_ID=4242 SLURM_ARRAY_TASK_ID=$((k + 1)) SLURM_ARRAY_TASK_COUNT=$N SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=$N SLURM_ARRAY_TASK_STEP=1"
      else                      # sbatch --array=K --export=ALL,ECSIM_SHARD=K/3
        echo "SLURM_ARRAY_JOB_ID=4243 SLURM_ARRAY_TASK_ID=$((k + 1)) SLURM_ARRAY_TASK_COUNT=1 SLURM_ARRAY_TASK_MIN=$((k + 1)) SLURM_ARRAY_TASK_MAX=$((k + 1)) SLURM_ARRAY_TASK_STEP=1 ECSIM_SHARD=$((k + 1))/$N"
      fi ;;
  esac
}
# What the engine runs: the container's entrypoint (ecsim) with the job's arguments; for Slurm, the batch
# script in docs/array-jobs/ itself, with ECSIM pointing at the binary (it execs it: same process).
engine_cmd() {
  case $1 in
    aws-batch) echo "$ECSIM sweep $SWEEP --out $out --jobs 1" ;;
    kubernetes) echo "$ECSIM sweep $SWEEP --out $out --shard-count $N --jobs 1" ;;
    slurm) echo "ECSIM=$ECSIM bash docs/array-jobs/slurm-array.sh $SWEEP $out" ;;
  esac
}
# Start shard k (0-based) of engine $1, attempt $3, in the background; its pid goes to $started.
start_shard() {
  local log=$work/logs/$1-shard$(($2 + 1))-attempt$3.log
  # shellcheck disable=SC2046 # the variables and the command are words (no path here has a space)
  env -i $(engine_env "$1" "$2" "$3") $(engine_cmd "$1") >"$log" 2>&1 &
  started=$!
  pids+=("$started")
}

for engine in aws-batch kubernetes slurm; do
  t1=$(now)
  out=$work/$engine
  mkdir -p "$out"
  shard_pid=()
  for k in $(seq 0 $((N - 1))); do
    start_shard "$engine" "$k" 1
    shard_pid[k]=$started
  done
  victim=${shard_pid[VICTIM - 1]}

  # Kill the victim once it has recorded KILL_AFTER runs (and before it has recorded them all).
  deadline=$(( $(date +%s) + 60 ))
  while [ "$(count_shard "$out" "$VICTIM")" -lt "$KILL_AFTER" ]; do
    kill -0 "$victim" 2>/dev/null || fail "$engine: shard $VICTIM exited before recording $KILL_AFTER runs"
    [ "$(date +%s)" -lt "$deadline" ] || fail "$engine: shard $VICTIM recorded nothing in 60 s"
    sleep 0.01
  done
  kill -9 "$victim" 2>/dev/null || true
  rc=0; wait "$victim" 2>/dev/null || rc=$?
  [ "$rc" -eq 137 ] || fail "$engine: shard $VICTIM finished (exit $rc) before the kill: the rehearsal needs longer runs"
  before=$(count_shard "$out" "$VICTIM")
  [ "$before" -lt "$share" ] || fail "$engine: shard $VICTIM had recorded all its $share runs when killed"

  # A merge now must refuse: runs are missing (exit 2), and it must write no outputs.
  rc=0; "$ECSIM" merge "$out" --out "$out" -q 2>"$work/logs/$engine-early-merge.err" || rc=$?
  [ "$rc" -eq 2 ] && grep -q "runs are missing" "$work/logs/$engine-early-merge.err" \
    || fail "$engine: merge of an unfinished folder gave exit $rc: $(cat "$work/logs/$engine-early-merge.err")"
  [ ! -e "$out/runs.csv" ] || fail "$engine: the refused merge wrote runs.csv"

  # The engine's retry: the same variables, while the other shards may still be running.
  start_shard "$engine" $((VICTIM - 1)) 2
  retry=$started
  for k in $(seq 0 $((N - 1))); do
    p=${shard_pid[k]}
    [ "$k" -eq $((VICTIM - 1)) ] && p=$retry
    rc=0; wait "$p" || rc=$?
    [ "$rc" -eq 0 ] || fail "$engine: shard $((k + 1)) exited $rc"
  done
  retry_log=$work/logs/$engine-shard$VICTIM-attempt2.log
  grep -q "ran $((share - before)) runs in .* ($before already done, skipped)" "$retry_log" \
    || fail "$engine: the retry should skip the $before runs recorded and run $((share - before)): $(grep ran "$retry_log")"
  for k in $(seq 1 $N); do
    [ "$k" -eq "$VICTIM" ] && continue
    n=$(count_shard "$out" "$k")
    grep -q "ran $n runs in" "$work/logs/$engine-shard$k-attempt1.log" \
      || fail "$engine: shard $k should have run its $n runs: $(grep ran "$work/logs/$engine-shard$k-attempt1.log")"
  done

  "$ECSIM" merge "$out" --out "$out" -q || fail "$engine: merge failed"

  for f in runs.csv aggregate.csv paired.csv variants.csv table.txt sweep.json report.html; do
    cmp "$one/$f" "$out/$f" || fail "$engine: $f differs from the one-machine sweep"
  done
  diff <(cd "$one/runs" && ls) <(cd "$out/runs" && ls | grep -v '^\.') >/dev/null \
    || fail "$engine: the run files differ from the one-machine sweep's: $(diff <(cd "$one/runs" && ls) <(cd "$out/runs" && ls | grep -v '^\.') | head -5)"
  for f in "$one"/runs/*; do
    cmp "$f" "$out/runs/$(basename "$f")" || fail "$engine: runs/$(basename "$f") differs"
  done
  diff -r "$one/charts" "$out/charts" >/dev/null || fail "$engine: charts/ differ from the one-machine sweep's"
  leftovers=$(ls -A "$out/runs" | grep -c '^\.' || true)
  printf '%s: %d shards into one folder, shard %d killed after %d of its %d runs and retried (skipped %d, ran %d), merged: identical to one machine (%d temporary files of the killed process left, ignored) in %s s\n' \
    "$engine" "$N" "$VICTIM" "$before" "$share" "$before" $((share - before)) "$leftovers" "$(since "$t1")"
done
printf 'array rehearsal passed in %s s\n' "$(since "$t0")"
