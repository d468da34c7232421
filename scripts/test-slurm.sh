#!/usr/bin/env bash
# `make test-slurm`: the Slurm backend against a real Slurm on this machine
# (scripts/local-slurm.sh). A 6-run sweep (2 tiny configs × 3 folds on
# Bench-hard, generated with the published recipe as no file is in the
# empty data directory) is submitted as a job array; one task is
# cancelled while it runs; `gpool collect` must list exactly that run as
# missing, with its state and log; submitting again must submit only that
# run and leave the 5 finished records untouched; the collected tables must
# equal the local runner's on the same runs (wall times aside).
#
# usage: scripts/test-slurm.sh [GPOOL]   (default .build/release/gpool)
# When a Slurm daemon cannot run here, the test prints SKIPPED with the
# reason and exits 0; every other failure exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
GPOOL=$(realpath "${1:-.build/release/gpool}")
W=$(mktemp -d /tmp/gpool-test-slurm.XXXXXX)
export GPOOL_SLURM_DIR=${GPOOL_SLURM_DIR:-/tmp/gpool-slurm}
unset GPOOL_THREADS  # both sides run with --threads 1
T0=$(date +%s)

say() { echo "test-slurm [$(( $(date +%s) - T0 )) s]: $*"; }
fail() { echo "test-slurm: FAILED: $*" >&2; echo "work directory kept: $W" >&2; exit 1; }
finish() {
  local rc=$?
  [ "${GPOOL_SLURM_KEEP:-0}" = 1 ] || scripts/local-slurm.sh stop >/dev/null 2>&1 || true
  [ $rc = 0 ] && rm -rf "$W"
  return $rc
}
trap finish EXIT

[ -x "$GPOOL" ] || fail "$GPOOL is not built (make test-slurm builds it)"

set +e
scripts/local-slurm.sh start
rc=$?
set -e
if [ $rc = 3 ]; then
  echo "test-slurm: SKIPPED: a Slurm daemon cannot run on this machine (reason above); the Slurm backend was not tested"
  exit 0
fi
[ $rc = 0 ] || fail "scripts/local-slurm.sh start exited with $rc"
eval "$(scripts/local-slurm.sh env)"

# --- the sweep -------------------------------------------------------------
mkdir -p "$W/data" "$W/Configs" "$W/Experiments/sweep"
config() {  # name, method, maximum epochs, pooling layer JSON (or empty)
  cat > "$W/Configs/$1.json" <<EOF
{"method": "$2", "task": "graph_classification",
 "dataset": {"name": "Bench-hard"},
 "model": [{"type": "gcs", "units": 16, "activation": "relu", "l2": 0.0001},
           $4
           {"type": "gcs", "units": 16, "activation": "relu", "l2": 0.0001},
           {"type": "readout", "mode": "mean"}, {"type": "dense"}],
 "optimizer": {"type": "adam", "learning_rate": 0.005},
 "training": {"batch_size": 8, "max_epochs": $3, "patience": 50},
 "split": {"kind": "stratified_k_fold", "folds": 3, "validation_fraction": 0.1, "seed": 0}}
EOF
}
config nopool "No-pool" 4 ""
config mincut "MinCutPool" ${SWEEP_EPOCHS:-40} '{"type": "mincut", "k_ratio": 0.5, "mlp_hidden": [8], "l2": 0.0001},'
cat > "$W/Experiments/sweep/experiment.json" <<EOF
{"name": "sweep", "title": "Slurm backend test sweep", "seeds": [0],
 "configs": ["Configs/nopool.json", "Configs/mincut.json"]}
EOF
SUBMIT=("$GPOOL" reproduce sweep --root "$W" --data-dir "$W/data" --output "$W/slurm"
  --backend slurm --max-parallel 2 --time 00:30:00 --threads 1)

# --- dry run: a script, nothing submitted ----------------------------------
"${SUBMIT[@]}" --dry-run > "$W/dry-run.txt" 2>/dev/null
grep -q '^#SBATCH --array=0-5%2$' "$W/dry-run.txt" || fail "dry run: no '#SBATCH --array=0-5%2' line: $(cat "$W/dry-run.txt")"
[ ! -e "$W/slurm/slurm/submissions.json" ] || fail "the dry run submitted"
say "dry run prints the script (array 0-5%2) and submits nothing"

# --- submit, resubmit while queued, cancel one running task ----------------
# The array is submitted held (sbatch --hold), so that no task can start, let
# alone finish, before the resubmission check and the choice of the victim,
# however slow this machine is (a loaded machine took 27 s for the second
# submission, and the victim had finished by then); `scontrol release` starts it.
"${SUBMIT[@]}" --sbatch-arg=--hold > "$W/submit1.txt" 2>&1 || fail "submission failed: $(cat "$W/submit1.txt")"
JOB=$(sed -n 's/^submitted job \([0-9]*\) .*/\1/p' "$W/submit1.txt")
[ -n "$JOB" ] || fail "no job id in: $(cat "$W/submit1.txt")"
grep -q "6 run(s) submitted" "$W/submit1.txt" || fail "expected 6 runs submitted: $(cat "$W/submit1.txt")"
SUBMITTED_AT=$(date +%s.%N)
say "submitted job $JOB (6 tasks)"
"${SUBMIT[@]}" > "$W/submit-again.txt" 2>&1 || fail "second submission failed: $(cat "$W/submit-again.txt")"
grep -q "nothing to submit" "$W/submit-again.txt" \
  || fail "submitting again while every run is queued submitted something: $(cat "$W/submit-again.txt")"
say "submitting again while the tasks are queued submits nothing"
scontrol release "$JOB"

# The victim: the first MinCutPool run (a few seconds long; No-pool's take well under one).
TASKS=$(ls "$W"/slurm/slurm/*.tasks.json)
LINE=$(grep '"id"' "$TASKS" | grep -n '"mincut-' | head -n 1)
VICTIM_INDEX=$(( ${LINE%%:*} - 1 ))
VICTIM=$(echo "$LINE" | sed 's/.*"id" *: *"\([^"]*\)".*/\1/')
LOG="$W/slurm/slurm/logs/${JOB}_${VICTIM_INDEX}.out"
for _ in $(seq 1 600); do
  [ -s "$LOG" ] && grep -q "loaded Bench-hard" "$LOG" && break
  sleep 0.2
done
grep -q "loaded Bench-hard" "$LOG" 2>/dev/null || fail "task ${JOB}_${VICTIM_INDEX} did not start training within 120 s"
sleep 0.5
[ ! -e "$W/slurm/runs/$VICTIM.json" ] || fail "the run $VICTIM finished before it could be cancelled; raise SWEEP_EPOCHS"
scancel "${JOB}_${VICTIM_INDEX}"
say "cancelled task ${JOB}_${VICTIM_INDEX} ($VICTIM) while it ran"

wait_for_job() {  # job id
  for _ in $(seq 1 1800); do
    active=$(squeue --noheader --array --jobs="$1" --format=%T 2>/dev/null \
      | grep -cE 'PENDING|RUNNING|CONFIGURING|COMPLETING' || true)
    [ "$active" = 0 ] && return 0
    sleep 0.5
  done
  fail "job $1 still has tasks after 15 minutes"
}
wait_for_job "$JOB"
say "job $JOB ended: $(squeue --noheader --array --states=all --jobs="$JOB" --format='%i=%T' | sort | tr '\n' ' ')"

# --- collect: the cancelled run is missing, with its state and log --------
set +e
"$GPOOL" collect --output "$W/slurm" > "$W/collect1.txt" 2>"$W/collect1.err"
rc=$?
set -e
echo "--- gpool collect after the cancellation (exit status $rc):"
cat "$W/collect1.txt"
echo "---"
[ $rc = 1 ] || fail "collect with a missing run exited with $rc, not 1"
grep -q "1 run(s) missing" "$W/collect1.txt" || fail "collect did not report exactly one missing run"
grep -q "  $VICTIM: job $JOB task $VICTIM_INDEX, CANCELLED" "$W/collect1.txt" \
  || fail "collect did not report $VICTIM as cancelled"
[ "$(ls "$W"/slurm/runs/*.json | wc -l)" = 5 ] || fail "expected 5 stored runs after the cancellation"
grep -q "| 2/3 |" "$W/slurm/sweep.md" || fail "the table does not show the partial cell as 2/3: $(cat "$W/slurm/sweep.md")"
sha256sum "$W"/slurm/runs/*.json > "$W/finished.sha256"

# --- resubmit: only the missing run ---------------------------------------
"${SUBMIT[@]}" > "$W/submit2.txt" 2>&1 || fail "resubmission failed: $(cat "$W/submit2.txt")"
grep -q "1 run(s) submitted" "$W/submit2.txt" || fail "resubmission did not submit exactly 1 run: $(cat "$W/submit2.txt")"
JOB2=$(sed -n 's/^submitted job \([0-9]*\) .*/\1/p' "$W/submit2.txt")
grep -q "\"$VICTIM\"" "$(ls -t "$W"/slurm/slurm/*.tasks.json | head -n 1)" || fail "the resubmitted run is not $VICTIM"
say "resubmitted: job $JOB2 with the one missing run ($VICTIM)"
wait_for_job "$JOB2"
"$GPOOL" collect --output "$W/slurm" > "$W/collect2.txt" 2>"$W/collect2.err" \
  || fail "collect after the resubmission: $(cat "$W/collect2.txt" "$W/collect2.err")"
grep -q "every run is done" "$W/collect2.txt" || fail "collect: $(cat "$W/collect2.txt")"
sha256sum --quiet -c "$W/finished.sha256" || fail "a finished run was recomputed by the resubmission"
COLLECTED_AT=$(date +%s.%N)
say "collected: 6/6 runs; the 5 finished records are byte-identical (not recomputed)"

# --- the local runner on the same runs ------------------------------------
"$GPOOL" reproduce sweep --root "$W" --data-dir "$W/data" --output "$W/local" --jobs 2 --threads 1 \
  > "$W/local.txt" 2>&1 || fail "local run failed: $(cat "$W/local.txt")"
# Everything but the wall time of each run must agree.
drop_seconds() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") s = i }
           { line = ""; for (i = 1; i <= NF; i++) if (i != s) line = line (line == "" ? "" : ",") $i; print line }' "$1"
}
diff <(drop_seconds "$W/local/runs.csv") <(drop_seconds "$W/slurm/runs.csv") \
  || fail "runs.csv differs between the local runner and the Slurm backend"
diff "$W/local/summary.csv" "$W/slurm/summary.csv" || fail "summary.csv differs"
diff "$W/local/sweep.md" "$W/slurm/sweep.md" || fail "sweep.md differs"
say "the collected runs.csv (wall times aside), summary.csv and sweep.md equal the local runner's"
say "PASSED; from the first sbatch to the collected table: $(awk -v a="$SUBMITTED_AT" -v b="$COLLECTED_AT" 'BEGIN { printf "%.1f", b - a }') s (with one cancellation and a resubmission)"
