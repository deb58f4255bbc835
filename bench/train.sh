#!/usr/bin/env bash
# Networks, dl-train and dl-predict against PyTorch (CPU) in the same run,
# medians of RUNS runs:
#   peak  float32 matmul GFLOP/s (1024^3, numpy on the system OpenBLAS)
#   (a)   784-256-128-10 relu, softmax CE, Adam 1e-3, batch 128, 5 epochs on
#         8,000 synthetic samples: training samples/s (dl from the --log epoch
#         seconds, torch from its loop), held-out accuracy on 2,000 more, and
#         whole-process seconds; torch with set_num_threads(1) and
#         OPENBLAS_NUM_THREADS=2 (its fastest here) and with 2 threads
#   (b)   1-10-1 tanh, mse, Adam 0.01, 2,000 epochs on 200 points, full batch
#         and batch 16: whole process (dl-train vs python + torch), and per
#         epoch in-process against FANN's RPROP (libfann-dev)
#   (p)   dl-predict rows/s for (a)'s network on 40,000 rows, whole process,
#         against torch inference (in-process, batches of 1,024), both at 1
#         and 2 OpenBLAS threads; CPU seconds at 1 thread beside their floor
#         (the forward products and reading the input: the best ratio here)
# Ratios above 1 mean dl is faster.  OPENBLAS_CORETYPE is left as it is.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${BUILD:-build}; RUNS=${RUNS:-5}; PY=/usr/bin/python3
tools_on_path
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-train.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=2

# median of a field: median_field RUNS FIELD 'command' (the command prints
# "name value" pairs; the value after FIELD is collected)
median_field() {
    for _ in $(seq "$1"); do
        bash -c "$3" | awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'
    done | median
}

$PY bench/train_torch.py gen "$tmp"
for s in tr te pr b; do
    npy_dataset "$tmp/x$s.npy" "$tmp/y$s.npy" > "$tmp/$s.dlt"
done
mnist_mlp_spec '{epochs: 5, batch_size: 128, seed: 1}' > "$tmp/a.yaml"
cat > "$tmp/b.yaml" <<'YAML'
model:
  layers:
    - {units: 10, activation: tanh}
    - {units: 1, activation: identity}
loss: mse
optimizer: {name: adam, lr: 0.01}
training: {epochs: 2000, batch_size: full, seed: 1}
YAML

peak=$(median_field "$RUNS" gflops "$PY bench/train_torch.py peak")
echo "sgemm peak (1024^3, 2 threads): $peak GFLOP/s"

echo "(a) 784-256-128-10 relu, CE, Adam, batch 128, 5 epochs x 8,000 samples; median of $RUNS"
dl_a="dl-train -q $tmp/a.yaml --log $tmp/a.tsv -o $tmp/a.ckpt < $tmp/tr.dlt && awk -F'\t' 'NR > 1 { s += \$5; e++ } END { printf \"samples_per_s %.1f\n\", 8000 * e / s }' $tmp/a.tsv"
r_dl1=$(median_field "$RUNS" samples_per_s "${dl_a/dl-train -q/dl-train -q -j 1}")
r_dl=$(median_field "$RUNS" samples_per_s "$dl_a") # last: a.ckpt for the accuracy
r_t1=$(median_field "$RUNS" samples_per_s "$PY bench/train_torch.py a $tmp 1")
r_t2=$(median_field "$RUNS" samples_per_s "$PY bench/train_torch.py a $tmp 2")
acc_dl=$(dl-predict "$tmp/a.ckpt" < "$tmp/te.dlt" | dl-eval | awk '$1 == "accuracy" { print $2 }')
acc_t=$($PY bench/train_torch.py a "$tmp" 1 | awk '{ print $4 }')
w_dl=$(median_seconds "$RUNS" "dl-train -q $tmp/a.yaml < $tmp/tr.dlt > $tmp/w.ckpt")
w_t=$(median_seconds "$RUNS" "$PY bench/train_torch.py a $tmp 1")
# FLOP per sample: forward 2P, weight gradients 2P, input gradients of layers 2 and 3
flops=$(( 2 * 234752 + 2 * 234752 + 2 * (256 * 128 + 128 * 10) ))
printf '  dl-train (2 BLAS threads) %9.0f samples/s  accuracy %s  whole process %6.2f s  %.0f%% of sgemm peak\n' \
    "$r_dl" "$acc_dl" "$w_dl" "$(echo "100 * $r_dl * $flops / ($peak * 10^9)" | bc -l)"
printf '  dl-train -j 1             %9.0f samples/s\n' "$r_dl1"
printf '  torch 1 thread            %9.0f samples/s  accuracy %s  whole process %6.2f s  (OPENBLAS_NUM_THREADS=2)\n' "$r_t1" "$acc_t" "$w_t"
printf '  torch 2 threads           %9.0f samples/s\n' "$r_t2"
echo "  speed-up vs torch's fastest: $(ratio "$r_dl" "$(echo "if ($r_t1 > $r_t2) $r_t1 else $r_t2" | bc -l)")x"

echo "(b) 1-10-1 tanh, mse, Adam, 2,000 epochs on 200 points; median of $RUNS"
for batch in full 16; do
    tb=$([ "$batch" = full ] && echo 0 || echo 16)
    w_dl=$(median_seconds "$RUNS" "dl-train -q -j 1 $tmp/b.yaml -s training.batch_size=$batch < $tmp/b.dlt > $tmp/b.ckpt")
    w_t=$(median_seconds "$RUNS" "OPENBLAS_NUM_THREADS=1 $PY bench/train_torch.py b $tmp $tb")
    e_dl=$(median_field "$RUNS" epoch_us "dl-train -q -j 1 $tmp/b.yaml -s training.batch_size=$batch --log $tmp/b.tsv < $tmp/b.dlt > /dev/null && awk -F'\t' 'NR > 1 { s += \$5; e++ } END { printf \"epoch_us %.3f\n\", 1e6 * s / e }' $tmp/b.tsv")
    e_t=$(median_field "$RUNS" epoch_us "OPENBLAS_NUM_THREADS=1 $PY bench/train_torch.py b $tmp $tb")
    mse=$(dl-predict "$tmp/b.ckpt" < "$tmp/b.dlt" | dl-eval | awk '$1 == "mse" { print $2 }')
    printf '  batch %-4s  dl %6.3f s (%7.2f us/epoch, mse %s)  torch %6.2f s (%7.1f us/epoch)  whole-process speed-up %sx\n' \
        "$batch" "$w_dl" "$e_dl" "$mse" "$w_t" "$e_t" "$(ratio "$w_t" "$w_dl")"
done
if cc -O2 -std=c11 bench/train_fann.c -o "$tmp/train_fann" -lfloatfann -lm 2>/dev/null; then
    e_f=$(median_field "$RUNS" epoch_us "$tmp/train_fann $tmp/b.fann")
    printf '  FANN RPROP (full batch, in-process) %7.2f us/epoch\n' "$e_f"
else
    echo "  FANN: not built (libfann-dev missing)"
fi

echo "(p) dl-predict, (a)'s network, 40,000 rows; median of $RUNS; torch with 1 intra-op thread"
for t in 1 2; do
    w_p=$(median_seconds "$RUNS" "OPENBLAS_NUM_THREADS=$t dl-predict $tmp/a.ckpt < $tmp/pr.dlt > $tmp/pred.dlt")
    r_tp=$(median_field "$RUNS" rows_per_s "OPENBLAS_NUM_THREADS=$t $PY bench/train_torch.py predict $tmp 1")
    w_tp=$(median_seconds "$RUNS" "OPENBLAS_NUM_THREADS=$t $PY bench/train_torch.py predict $tmp 1")
    r_dp=$(echo "40000 / $w_p" | bc -l)
    echo "  OPENBLAS_NUM_THREADS=$t on both sides:"
    printf '  dl-predict whole process    %9.0f rows/s (%.2f s)\n' "$r_dp" "$w_p"
    printf '  torch inference in-process  %9.0f rows/s   ratio %sx\n' "$r_tp" "$(ratio "$r_dp" "$r_tp")"
    printf '  torch whole process         %9.0f rows/s (%.2f s, python, import, load)   ratio %sx\n' \
        "$(echo "40000 / $w_tp" | bc -l)" "$w_tp" "$(ratio "$w_tp" "$w_p")"
done
# The floor (bench/lib.sh predict_floor): dl-predict cannot spend less CPU
# than its forward products, the same sgemm calls torch makes, plus reading
# its input; torch's loop CPU over it is the best ratio this machine allows.
c_dp=$(median_cpu_seconds "$RUNS" "OPENBLAS_NUM_THREADS=1 dl-predict $tmp/a.ckpt < $tmp/pr.dlt")
c_tp=$(median_field "$RUNS" cpu_seconds "OPENBLAS_NUM_THREADS=1 $PY bench/train_torch.py predict $tmp 1")
read -r products rd _ <<< "$(OPENBLAS_NUM_THREADS=1 predict_floor "$BUILD" "$tmp/pr.dlt")"
floor=$(echo "$products + $rd" | bc -l)
printf '  CPU seconds, 1 thread: dl-predict %.3f, torch loop %.3f (ratio %sx); floor %.3f = products %.3f + read %.3f: ceiling %sx\n' \
    "$c_dp" "$c_tp" "$(ratio "$c_tp" "$c_dp")" "$floor" "$products" "$rd" "$(ratio "$c_tp" "$floor")"
rm -rf "$tmp"
