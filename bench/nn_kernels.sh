#!/usr/bin/env bash
# The network core in-process (lib/nn + lib/optim, no I/O, no tool) against
# PyTorch's training loop, in the same run, on the same data and the same
# initial weights: 784-256-128-10 relu, softmax cross-entropy, Adam lr 1e-3,
# batch 128, 5 epochs of 8,000 samples (bench/nn_kernels.c and
# bench/nn_kernels_torch.py).  Training samples/s, medians of RUNS runs taken
# in turn (ours, theirs, sgemm peak, ours, ...) because this machine's speed
# drifts between runs; held-out accuracy on 2,000 more samples; the fraction of the
# sgemm peak (1024^3, same thread count, median of the same runs) that the
# network's FLOPs reach.  Variants: OPENBLAS_NUM_THREADS 1 and 2 for both
# sides, torch.set_num_threads(1) (and 2 once: it fights OpenBLAS's pool).
# Ratios above 1 mean dl is faster.  OPENBLAS_CORETYPE is left as it is.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${BUILD:-build}; RUNS=${RUNS:-5}; PY=/usr/bin/python3
tool=$BUILD/bench/nn_kernels
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-nn.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -x "$tool" ] || { echo "bench: $tool missing (make BUILD=$BUILD bench)" >&2; exit 1; }
$tool gen "$tmp"

field() { awk -v f="$1" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'; }
# FLOP per sample: forward 2P and weight gradients 2P (P = 784*256 + 256*128
# + 128*10 multiply-adds), input gradients of layers 2 and 3
flops=$(( 4 * (784 * 256 + 256 * 128 + 128 * 10) + 2 * (256 * 128 + 128 * 10) ))

echo "nn core, 784-256-128-10 relu, CE, Adam, batch 128, 5 epochs x 8,000; median of $RUNS"
best_dl=0 best_t=0
for ob in 1 2; do
    export OPENBLAS_NUM_THREADS=$ob
    : > "$tmp/dl" && : > "$tmp/t" && : > "$tmp/peak"
    for _ in $(seq "$RUNS"); do
        $tool train "$tmp" >> "$tmp/dl"
        $PY bench/nn_kernels_torch.py "$tmp" 1 2>/dev/null >> "$tmp/t"
        $tool peak >> "$tmp/peak"
    done
    peak=$(field sgemm_gflops_1024 < "$tmp/peak" | median)
    r_dl=$(field samples_per_s < "$tmp/dl" | median); r_t=$(field samples_per_s < "$tmp/t" | median)
    a_dl=$(field test_accuracy < "$tmp/dl" | median); a_t=$(field test_accuracy < "$tmp/t" | median)
    printf '  OPENBLAS_NUM_THREADS=%d  sgemm peak %6.1f GFLOP/s\n' "$ob" "$peak"
    printf '    dl core   %8.0f samples/s  accuracy %s  %5.1f GFLOP/s = %2.0f%% of peak  (runs: %s)\n' \
        "$r_dl" "$a_dl" "$(echo "$r_dl * $flops / 10^9" | bc -l)" \
        "$(echo "100 * $r_dl * $flops / ($peak * 10^9)" | bc -l)" "$(field samples_per_s < "$tmp/dl" | tr '\n' ' ')"
    printf '    torch t1  %8.0f samples/s  accuracy %s  (runs: %s)\n' "$r_t" "$a_t" \
        "$(field samples_per_s < "$tmp/t" | tr '\n' ' ')"
    printf '    ratio     %sx\n' "$(echo "scale=2; $r_dl / $r_t" | bc -l)"
    best_dl=$(echo "if ($r_dl > $best_dl) $r_dl else $best_dl" | bc -l)
    best_t=$(echo "if ($r_t > $best_t) $r_t else $best_t" | bc -l)
done
r_t2=$(OPENBLAS_NUM_THREADS=2 $PY bench/nn_kernels_torch.py "$tmp" 2 2>/dev/null | field samples_per_s)
printf '  torch set_num_threads(2), OPENBLAS_NUM_THREADS=2 (one run): %.0f samples/s\n' "$r_t2"
printf '  best dl %.0f / best torch %.0f samples/s = %sx (target 1.5x)\n' "$best_dl" "$best_t" \
    "$(echo "scale=2; $best_dl / $best_t" | bc -l)"
rm -rf "$tmp"
