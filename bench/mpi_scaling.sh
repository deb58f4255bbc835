#!/usr/bin/env bash
# Data-parallel scaling of dl-train on this machine: an MNIST-sized MLP
# (784-256-128-10 relu, softmax CE, Adam, global batch 512, 20,480 synthetic
# samples = 40 steps per epoch), one process with one BLAS thread against
# `mpirun -np 2` with one BLAS thread per process, both ways of summing:
# shared (the default: one copy of the weights in the node's shared memory,
# each process updating its shard) and summed (DL_MPI_SHARED=0, as with
# nodes of unequal counts: bucketed MPI sums, each process updating its own
# copy).  Samples/s
# in the training loop come from the --log epoch seconds (median of epochs
# 2..E, so MPI start-up is excluded), each side run RUNS times (3) in turn
# and the medians compared; the progress lines say how long each epoch
# waited (summed: for the sums the backward pass did not hide, plus load
# imbalance; shared: for the other processes); bench/allreduce.c times the
# blocking MPI_Allreduce of the whole gradient, i.e. the cost without overlap.
# Also: single-process start-up of dl-train (hyperfine, or a loop).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${BUILD:-build}; EPOCHS=${EPOCHS:-6}; RUNS=${RUNS:-3}; PY=/usr/bin/python3
tools_on_path
command -v mpirun > /dev/null || { echo "mpi_scaling: mpirun not installed, skipped"; exit 0; }
[ -f "$BUILD/lib/dltk/mpi.so" ] || { echo "mpi_scaling: no MPI plugin built, skipped"; exit 0; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-mpi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

$PY - "$tmp" <<'PY'
import sys, numpy as np
d = sys.argv[1]; rng = np.random.default_rng(1)
x = rng.standard_normal((20480, 784)).astype(np.float32)
w = rng.standard_normal((784, 10)).astype(np.float32)
np.save(d + "/x.npy", x); np.save(d + "/y.npy", np.argmax(x @ w, 1).reshape(-1, 1).astype(np.float32))
PY
npy_dataset "$tmp/x.npy" "$tmp/y.npy" > "$tmp/d.dlt"
mnist_mlp_spec "{epochs: $EPOCHS, batch_size: 512, seed: 1, validation: 0, early_stopping: {patience: 0}}" \
    > "$tmp/net.yaml"

# median of the seconds column of epochs 2.. of a --log file
epoch_median() {
    awk -F'\t' 'NR > 2 { print $5 }' "$1" | median
}

# One process and `mpirun -np 2` in turn, RUNS times, so that a drift of
# this machine's speed between runs falls on both sides alike: each run
# gives its median epoch, and the figures are the medians of those.
for r in $(seq "$RUNS"); do
    dl-train "$tmp/net.yaml" "$tmp/d.dlt" -j 1 -q --log "$tmp/one$r.tsv" -o /dev/null
    mpirun -np 2 --bind-to core dl-train "$tmp/net.yaml" "$tmp/d.dlt" -j 1 --log "$tmp/shared$r.tsv" \
        -o /dev/null 2> "$tmp/shared$r.err"
    DL_MPI_SHARED=0 mpirun -x DL_MPI_SHARED -np 2 --bind-to core dl-train "$tmp/net.yaml" \
        "$tmp/d.dlt" -j 1 --log "$tmp/two$r.tsv" -o /dev/null 2> "$tmp/two$r.err"
done
# The machine's ceiling for the MPI sums: two independent processes at once,
# each with half the rows and half the batch (the same work per step as one
# rank that updates its own copy, without any communication), one per core.
# What they lose against one process alone (shared caches, memory
# bandwidth, the clock of two busy cores) no scheme in which every process
# does the whole update can win back; sharing the weights halves the update,
# so it can pass this mark.
dl-tensor head -n 10240 "$tmp/d.dlt" > "$tmp/half.dlt"
for c in 0 1; do
    taskset -c $c dl-train "$tmp/net.yaml" "$tmp/half.dlt" -j 1 -q -s training.batch_size=256 \
        --log "$tmp/solo$c.tsv" -o /dev/null &
done
wait
one=$(for r in $(seq "$RUNS"); do epoch_median "$tmp/one$r.tsv"; done | median)
two=$(for r in $(seq "$RUNS"); do epoch_median "$tmp/two$r.tsv"; done | median)
shared=$(for r in $(seq "$RUNS"); do epoch_median "$tmp/shared$r.tsv"; done | median)
shared_waited=$(for r in $(seq "$RUNS"); do
    sed -n 's/.*(\([0-9.]*\)s waiting.*/\1/p' "$tmp/shared$r.err" | tail -n +2 | median
done | median)
solo=$(for c in 0 1; do epoch_median "$tmp/solo$c.tsv"; done | sort -g | tail -n 1)
waited=$(for r in $(seq "$RUNS"); do
    sed -n 's/.*(\([0-9.]*\)s waiting.*/\1/p' "$tmp/two$r.err" | tail -n +2 | median
done | median)
mpicc -O2 bench/allreduce.c -o "$tmp/allreduce"
ar=$(mpirun -np 2 --bind-to core "$tmp/allreduce" 235146 | awk '{ print $2 }')
awk -v one="$one" -v two="$two" -v shared="$shared" -v sw="$shared_waited" -v solo="$solo" \
    -v w="$waited" -v ar="$ar" 'BEGIN {
    steps = 40; n = 20480
    printf "784-256-128-10, batch 512, 40 steps/epoch, median epoch of %s, median of %s runs in turn:\n", "'"$EPOCHS"'", "'"$RUNS"'"
    printf "  1 process,  1 thread:          %.3f s/epoch  %8.0f samples/s  %.2f ms/step\n", one, n / one, 1e3 * one / steps
    printf "  2 processes, 1 thread each, sharing the weights (one node):\n"
    printf "                                 %.3f s/epoch  %8.0f samples/s  %.2f ms/step\n", shared, n / shared, 1e3 * shared / steps
    printf "  speed-up %.2fx (efficiency %.0f%%); waited for the other process %.3f ms/step\n", one / shared, 50 * one / shared, 1e3 * sw / steps
    printf "  2 processes, 1 thread each, MPI sums (DL_MPI_SHARED=0):\n"
    printf "                                 %.3f s/epoch  %8.0f samples/s  %.2f ms/step\n", two, n / two, 1e3 * two / steps
    printf "  speed-up %.2fx (efficiency %.0f%%)\n", one / two, 50 * one / two
    printf "  2 independent processes, half the rows and batch each (each a whole update): %.3f s/epoch, %.2fx;\n", solo, one / solo
    printf "           the MPI sums reach %.0f%% of it, the shared weights %.0f%%\n", 100 * solo / two, 100 * solo / shared
    printf "  blocking MPI_Allreduce of the 235,146-float gradient: %.3f ms/step\n", ar
    # Both cores compute all the time, so the sums cannot hide: their copies
    # are CPU work (shared memory) that takes a core from the products.
    # Each rank keeps the whole optimizer state (every rank holds the same
    # weights and state), so nothing of the step itself can be shared out.
    printf "  MPI sums ceiling: independent step + blocking all-reduce = %.3f ms/step, %.2fx\n", \
        1e3 * solo / steps + ar, one / (solo + ar * steps / 1e3)
    wait_ms = 1e3 * w / steps; hidden = ar > wait_ms ? (ar - wait_ms) / ar : 0
    printf "  waited for the sums (not hidden + imbalance): %.3f ms/step; hidden behind backward: %.0f%% of the blocking cost\n", wait_ms, 100 * hidden
}'

# Start-up of one process: the launcher check is a few getenv calls.
printf 'x,y\n1,2\n2,3\n' | dl-tensor import -t 1 > "$tmp/tiny.dlt"
printf 'model: {layers: [{units: 1, activation: identity}]}\nloss: mse\ntraining: {epochs: 1}\n' > "$tmp/tiny.yaml"
if command -v hyperfine > /dev/null; then
    hyperfine -N -w 5 -r 100 "dl-train $tmp/tiny.yaml $tmp/tiny.dlt -q -o /dev/null" 2>&1 | grep -E 'Time|Range'
else
    s=$(date +%s.%N)
    for _ in $(seq 100); do dl-train "$tmp/tiny.yaml" "$tmp/tiny.dlt" -q -o /dev/null; done
    e=$(date +%s.%N)
    echo "start-up: $(echo "($e - $s) * 10" | bc -l | cut -c1-6) ms per run (100 runs)"
fi
