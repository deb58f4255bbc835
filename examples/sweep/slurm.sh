#!/bin/bash
# slurm.sh - the sweep on a Slurm cluster: one configuration per array task.
#
#   cd examples/sweep
#   make configs data                            # configs.tsv and the data (login node)
#   sbatch --array=0-$(($(wc -l < out/configs.tsv) - 1)) slurm.sh
#   make                                         # afterwards: evaluate, collect results.tsv
#
# Task k trains the configuration on line k + 1 of out/configs.tsv (the name,
# a tab, the dl-train -s overrides; `make configs` writes it) and writes
# out/runs/NAME.ckpt and out/runs/NAME.log.tsv, the files the Makefile's rule
# for that configuration makes, so `make` afterwards trains nothing that
# finished and only evaluates and collects.
#
# The time limit.  `--signal=B:TERM@120` makes Slurm send SIGTERM to this
# shell 120 s before the limit (B: the batch shell: without it Slurm signals
# only job steps started with srun, and dl-train, started here directly, would
# see nothing until the limit itself), and the trap below forwards it to
# dl-train.  dl-train finishes the batch it is in, writes the checkpoint of
# its best epoch so far together with the state of its last completed epoch,
# and exits 6.  This script then leaves NAME.interrupted beside the
# checkpoint and exits 6.  That checkpoint is usable as it is (dl-predict,
# dl-eval), and submitting the same task again (sbatch --array=k slurm.sh)
# continues the run with dl-train --resume: the result is bit for bit the one
# an uninterrupted run gives.  120 s is ample for one batch of the networks
# here; raise it for big batches.
#
# Run one task here, without Slurm:  SLURM_ARRAY_TASK_ID=3 ./slurm.sh
# or one configuration by name:      ./slurm.sh NAME -s KEY=VALUE...  (what
# the Makefile does for each target).
#
# Environment: SWEEP_OUT (default: out/ in the submission directory or beside
# this script), SWEEP_SPEC (default: net.yaml there), DL_BIN (a directory of
# the dl tools, else ../../build/bin when it exists, else PATH).
#
# Exit status: dl-train's (0 done, 5 NaN/Inf loss with the best checkpoint
# written, 6 interrupted with the checkpoint written, ...), or 2 for a bad
# task number, 1 for a missing configs file or line.
#
#SBATCH --job-name=dl-sweep
#SBATCH --time=00:30:00
#SBATCH --cpus-per-task=1
#SBATCH --mem=1G
#SBATCH --signal=B:TERM@120
#SBATCH --output=slurm-%A_%a.out
set -u

die() {
    printf 'slurm.sh: %s\n' "$1" >&2
    exit "${2:-1}"
}

# sbatch runs a copy of this script from its spool directory: the files are
# found from the directory the job was submitted in.
here=${SLURM_SUBMIT_DIR:-$(cd "$(dirname "$0")" && pwd)}
out=${SWEEP_OUT:-$here/out}
spec=${SWEEP_SPEC:-$here/net.yaml}
if [ -n "${DL_BIN:-}" ]; then
    PATH=$DL_BIN:$PATH
elif [ -x "$here/../../build/bin/dl-train" ]; then
    PATH=$here/../../build/bin:$PATH
fi
command -v dl-train >/dev/null || die "dl-train not found: build the toolkit or set DL_BIN"

# The configuration: NAME and its overrides from the command line, or the
# line of configs.tsv that the array task's number picks.
if [ $# -gt 0 ]; then
    name=$1
    shift
    overrides=("$@")
else
    task=${SLURM_ARRAY_TASK_ID:-}
    [ -n "$task" ] || die "SLURM_ARRAY_TASK_ID is not set (sbatch --array sets it; here: SLURM_ARRAY_TASK_ID=0 $0)" 2
    case $task in *[!0-9]*) die "SLURM_ARRAY_TASK_ID: '$task' is not a task number" 2 ;; esac
    configs=$out/configs.tsv
    [ -r "$configs" ] || die "$configs: cannot read it (run 'make configs data' first)"
    line=$(sed -n "$((10#$task + 1))p" "$configs")
    [ -n "$line" ] || die "$configs: no line for task $task ($(wc -l < "$configs") configurations: --array=0-$(($(wc -l < "$configs") - 1)))"
    name=${line%%$'\t'*}
    read -r -a overrides <<< "${line#*$'\t'}"
fi
case $name in '' | */* | .*) die "'$name' is not a configuration name" 2 ;; esac
for f in "$spec" "$out/train.dlt" "$out/val.dlt"; do
    [ -r "$f" ] || die "$f: cannot read it (run 'make data' first)"
done

runs=$out/runs
ckpt=$runs/$name.ckpt
log=$runs/$name.log.tsv
mark=$runs/$name.interrupted
mkdir -p "$runs" || exit 3

# An interrupted run continues where it stopped; its curve is appended to the
# log it had.
resume=()
part=$log
if [ -e "$mark" ] && [ -e "$ckpt" ]; then
    resume=(--resume "$ckpt")
    part=$runs/$name.resumed.log.tsv
    echo "slurm.sh: $name: resuming the interrupted run in $ckpt" >&2
fi

# A signal while dl-train still reads its data ends it with no checkpoint
# written: the checkpoint's time (none: empty) tells whether this run wrote one.
ckpt_time() { stat -c %.9Y "$ckpt" 2>/dev/null; }
before=$(ckpt_time)

dl-train -q -j "${SLURM_CPUS_PER_TASK:-1}" "$spec" "${overrides[@]}" "$out/train.dlt" \
    --val "$out/val.dlt" --log "$part" "${resume[@]}" -o "$ckpt" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
wait "$pid"
status=$?
# A trapped signal ends the first wait early (status > 128): wait for
# dl-train's own exit status, once it has written its checkpoint.
if [ $status -gt 128 ]; then
    wait "$pid"
    status=$?
fi
trap - TERM INT

if [ "$part" != "$log" ] && [ -e "$part" ]; then
    tail -n +2 "$part" >> "$log" && rm -f "$part"
fi

case $status in
0)
    rm -f "$mark"
    echo "slurm.sh: $name: done, $ckpt" >&2
    ;;
6)
    if [ "$(ckpt_time)" = "$before" ]; then
        echo "slurm.sh: $name: interrupted before training: no checkpoint written; submit the" \
             "task again" >&2
    else
        touch "$mark"
        echo "slurm.sh: $name: interrupted; $ckpt holds the best epoch so far and the state" \
             "to resume: submit the task again to continue" >&2
    fi
    ;;
5)
    rm -f "$mark"
    echo "slurm.sh: $name: stopped by a NaN/Inf loss; $ckpt holds the best epoch before it" >&2
    ;;
*)
    echo "slurm.sh: $name: dl-train failed (exit status $status)" >&2
    ;;
esac
exit $status
