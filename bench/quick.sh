#!/usr/bin/env bash
# `make bench-quick`: every speed target once, at smaller sizes, in under two
# minutes, as one ratio table.  Each row runs ours and the reference in turn,
# RUNS times (5), and compares medians, because this machine's speed drifts
# between runs.  The header states the CPU and the sgemm peak measured in the
# same run (OpenBLAS, same thread count), so figures from different machines
# compare as ratios.  For the full-size figures run bench/run.
# Needs `scripts/install-deps --bench`; rows whose reference is missing say so.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${BUILD:-build}; RUNS=${RUNS:-5}; PY=/usr/bin/python3
tools_on_path
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-quick.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2}

field() { # the value after FIELD in a command's "name value" output
    bash -c "$1" 2>/dev/null | awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'
}
calc() { echo "scale=4; $1" | bc -l; }
# Runs two measurements in turn RUNS times; sets A and B to their medians.
in_turn() {
    : > "$tmp/ma"; : > "$tmp/mb"
    for _ in $(seq "$RUNS"); do
        eval "$1" >> "$tmp/ma"
        eval "$2" >> "$tmp/mb"
    done
    A=$(median < "$tmp/ma"); B=$(median < "$tmp/mb")
}
row() { printf '%-34s %12s %12s %8sx  %s\n' "$@"; }

# -------------------------------------------------------------- set-up ------
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
peaks=$($BUILD/bench/nn_kernels peak)
peak=$(echo "$peaks" | awk '{ print $2 }'); step_peak=$(echo "$peaks" | awk '{ print $6 }')
core=$($BUILD/bench/nn_kernels core)
echo "bench-quick: $cpu, $(nproc) cores, OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS," \
     "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} (OpenBLAS's kernels: $core)," \
     "load $(cut -d' ' -f1 /proc/loadavg)"
echo "sgemm peak: $peak GFLOP/s (1024^3); $step_peak GFLOP/s for the products of one" \
     "training step of (a) alone (their shapes, batch 128); medians of $RUNS, in turn"
have_torch=1; $PY -c 'import torch' 2>/dev/null || have_torch=0
$PY bench/train_torch.py gen "$tmp" 2>/dev/null
for s in tr pr b; do
    npy_dataset "$tmp/x$s.npy" "$tmp/y$s.npy" > "$tmp/$s.dlt"
done
mnist_mlp_spec '{epochs: 5, batch_size: 128, seed: 1}' > "$tmp/a.yaml"
sed -n '/^cat > "$tmp\/b.yaml"/,/^YAML/p' bench/train.sh | sed '1d;$d' > "$tmp/b.yaml"
[ -s "$tmp/b.yaml" ] || { echo "bench-quick: no spec (b) found in bench/train.sh" >&2; exit 1; }
row "path" "dl" "reference" "ratio" "(target; above 1: dl is faster)"

# (a) MNIST-shaped training: dl-train whole process against torch's loop alone.
if [ "$have_torch" = 1 ]; then
    ep=2 n=$((2 * 8000))
    # The whole process's floor: the step's products at their own peak, one
    # Adam step per batch at one thread's speed shared perfectly between
    # the threads, and reading the data once (start-up, initialization and
    # the checkpoint left out): torch's loop over it is the best ratio here.
    # Measured in turn with both sides, best of the runs, so that the floor
    # is one this machine reached while they ran.
    # The loop's own rate (the epochs' seconds of --log) is taken too, for
    # its share of the sgemm peak beside the whole process's.  The last
    # run's checkpoint is removed untimed: replacing it would add the old
    # file's removal, a few ms here, which is not training's work.
    : > "$tmp/floors"; : > "$tmp/loop"
    in_turn "rm -f $tmp/a.ckpt $tmp/a.tsv
             calc \"$n / \$(wall_seconds 'dl-train -q $tmp/a.yaml -s training.epochs=$ep --log $tmp/a.tsv < $tmp/tr.dlt > $tmp/a.ckpt')\"
             awk -F'\\t' 'NR > 1 { s += \$5 } END { print $n / s }' $tmp/a.tsv >> $tmp/loop" \
            "field 'EPOCHS=$ep $PY bench/train_torch.py a $tmp 1' samples_per_s;
             { $BUILD/bench/nn_kernels peak; OPENBLAS_NUM_THREADS=1 $BUILD/bench/nn_kernels train_floor $tmp/tr.dlt; } |
                 tr '\\n' ' ' >> $tmp/floors; echo >> $tmp/floors"
    flops=$(( 4 * (784 * 256 + 256 * 128 + 128 * 10) + 2 * (256 * 128 + 128 * 10) ))
    read -r best_step adam rd <<< "$(awk '{ if ($6 > p) p = $6; if (!a || $8 < a) a = $8; if (!r || $10 < r) r = $10 }
                                     END { print p, a, r }' "$tmp/floors")"
    [ "$(calc "$best_step > $step_peak")" = 1 ] && step_peak=$best_step
    loop=$(median < "$tmp/loop")
    steps=$(( ep * ((8000 + 127) / 128) ))
    floor=$(calc "$n * $flops / ($step_peak * 10^9) + $steps * $adam / $OPENBLAS_NUM_THREADS + $rd")
    row "train 784-256-128-10 samples/s" "$(printf %.0f "$A")" "$(printf %.0f "$B")" \
        "$(calc "$A / $B" | xargs printf %.2f)" \
        "(3x; torch 1 thread; $(calc "100 * $A * $flops / ($peak * 10^9)" | xargs printf %.0f)% of sgemm peak, the loop alone $(calc "100 * $loop * $flops / ($peak * 10^9)" | xargs printf %.0f)%, $(calc "100 * $A * $flops / ($step_peak * 10^9)" | xargs printf %.0f)% of the step's products; floor $(printf %.3f "$floor") s: ceiling $(calc "$n / $B / $floor" | xargs printf %.2f)x, dl at $(calc "100 * $floor * $A / $n" | xargs printf %.0f)% of it)"
else
    row "train 784-256-128-10" "-" "-" "-" "(torch missing)"
fi

# .npy (native f64, C order) into a stream through a pipe, against cat | cat.
$PY -c "import numpy as np; np.save('$tmp/big.npy', np.random.default_rng(1).standard_normal((1 << 20, 8)))"
cat "$tmp/big.npy" > /dev/null
in_turn "wall_seconds 'dl-tensor import $tmp/big.npy | dl-tensor info'" "wall_seconds 'cat $tmp/big.npy | cat'"
row ".npy 64 MiB | info, seconds" "$(printf %.3f "$A")" "$(printf %.3f "$B")" \
    "$(calc "$B / $A" | xargs printf %.2f)" "(1/1.3 = 0.77x of cat | cat)"

# dl-predict whole process (start, checkpoint, reading and checking the
# stream, products, writing yhat) against torch's inference loop alone (its
# rows already in memory), both with the same OpenBLAS threads, 1 and
# OPENBLAS_NUM_THREADS: that library makes both sides' products (torch's
# Linear calls the same sgemm, 1,024 rows a call).  Torch keeps 1 intra-op
# thread for its elementwise passes, its fastest here (2 of its OpenMP
# threads beside 2 of OpenBLAS's only contend for the 2 cores).  CPU
# time, which a loaded machine disturbs less, at 1 thread, with its floor:
# dl-predict cannot spend less than the forward products at their shapes
# plus reading its input (predict_floor in bench/lib.sh), so torch's loop
# over that floor is the best ratio this machine and BLAS allow ("ceiling").
# The rows/s rows state the same floor in wall seconds at their thread
# count, measured after the pair (the CPU row takes the one-thread one),
# with the reading as dl-predict can do it: with a core free for a reading
# thread only the first piece's read (1,024 rows, or the first chunk when
# it is smaller) cannot overlap the products; without one, every piece is
# read shared among the BLAS threads.
if [ "$have_torch" = 1 ]; then
    first=$(dl-tensor info "$tmp/pr.dlt" |
            awk '$NF == "x" { rows = substr($3, 2) + 0; b = $(NF - 2); print (rows > 1024 ? b / rows * 1024 : b); exit }')
    for t in $(printf '%s\n' 1 "$OPENBLAS_NUM_THREADS" | sort -un); do
        in_turn "calc \"40000 / \$(wall_seconds 'OPENBLAS_NUM_THREADS=$t dl-predict $tmp/a.ckpt < $tmp/pr.dlt')\"" \
                "field 'OPENBLAS_NUM_THREADS=$t $PY bench/train_torch.py predict $tmp 1' rows_per_s"
        read -r products rd wall <<< "$(OPENBLAS_NUM_THREADS=$t predict_floor "$BUILD" "$tmp/pr.dlt")"
        if [ "$t" = 1 ]; then products1=$products rd1=$rd; fi
        if [ "$t" -lt "$(nproc)" ]; then
            rd_wall=$(calc "$rd * $first / $(stat -c %s "$tmp/pr.dlt")") how="first piece's read"
        else
            rd_wall=$(calc "$rd / $t") how="read shared"
        fi
        row "predict rows/s, $t thread$( [ "$t" = 1 ] || echo s)" "$(printf %.0f "$A")" "$(printf %.0f "$B")" \
            "$(calc "$A / $B" | xargs printf %.2f)" \
            "(1.2x; torch's loop in-process; $t BLAS thread$( [ "$t" = 1 ] || echo s) each; floor $(printf %.3f "$wall") s products + $(printf %.3f "$rd_wall") $how: ceiling $(calc "40000 / $B / ($wall + $rd_wall)" | xargs printf %.2f)x, dl at $(calc "100 * ($wall + $rd_wall) * $A / 40000" | xargs printf %.0f)% of it)"
    done
    products=$products1 rd=$rd1
    in_turn "cpu_seconds 'OPENBLAS_NUM_THREADS=1 dl-predict $tmp/a.ckpt < $tmp/pr.dlt'" \
            "field 'OPENBLAS_NUM_THREADS=1 $PY bench/train_torch.py predict $tmp 1' cpu_seconds"
    floor=$(calc "$products + $rd")
    row "predict CPU s (1 thread)" "$(printf %.3f "$A")" "$(printf %.3f "$B")" \
        "$(calc "$B / $A" | xargs printf %.2f)" \
        "(floor $(printf %.3f "$products") products + $(printf %.3f "$rd") read: ceiling $(calc "$B / $floor" | xargs printf %.2f)x, dl at $(calc "100 * $floor / $A" | xargs printf %.0f)% of it)"
fi

# Tiny 1-10-1 tanh network, full batch, per epoch against FANN's RPROP.
if cc -O2 -std=c11 bench/train_fann.c -o "$tmp/train_fann" -lfloatfann -lm 2>/dev/null; then
    in_turn "OPENBLAS_NUM_THREADS=1 dl-train -q -j 1 $tmp/b.yaml --log $tmp/b.tsv < $tmp/b.dlt > /dev/null && awk -F'\t' 'NR > 1 { s += \$5; e++ } END { printf \"%.3f\n\", 1e6 * s / e }' $tmp/b.tsv" \
            "field '$tmp/train_fann $tmp/b.fann' epoch_us"
    row "tiny 1-10-1 tanh, us/epoch" "$(printf %.2f "$A")" "$(printf %.2f "$B")" \
        "$(calc "$B / $A" | xargs printf %.2f)" "(3x; FANN RPROP)"
else
    row "tiny 1-10-1 tanh" "-" "-" "-" "(FANN missing)"
fi

# Least squares, whole pipeline from .npy against numpy (load, design, lstsq):
# wall time, and CPU time (user + system of all the processes of each side).
# The wall row's floor (bench/lstsq_floor.c): the Householder QR's flops on
# the design beside y at this machine's dgemm peak, which a fit by QR or
# SVD cannot go below (numpy's gelsd makes LAPACK's QR of it, dgeqrf: its
# seconds are stated too); numpy over that floor is the best ratio here.
for c in "a 200000 1 15" "b 50000 8 3"; do
    set -- $c
    $PY bench/linear_data.py "$2" "$3" "$tmp/l$1"
    ours="dl-tensor import -t 1 $tmp/l$1.npy | dl-design -q --poly $4 | dl-lstsq -q -o $tmp/l.ckpt"
    theirs="$PY bench/linear_numpy.py $tmp/l$1.npy $4 $tmp/l.w.npy"
    in_turn "wall_seconds '$ours'" "wall_seconds '$theirs'"
    cols=$($PY -c "import math; print(math.comb($3 + $4, $4) + 1)") # the design and y
    read -r _ dpeak _ qr_floor _ dgeqrf <<< "$("$BUILD/bench/lstsq_floor" "$2" "$cols")"
    row "lstsq ${2} x ${3}, degree $4, s" "$(printf %.3f "$A")" "$(printf %.3f "$B")" \
        "$(calc "$B / $A" | xargs printf %.2f)" \
        "(3x; numpy; floor $(printf %.3f "$qr_floor") s: the QR of $2 x $cols at dgemm's $dpeak GFLOP/s (LAPACK's dgeqrf $(printf %.3f "$dgeqrf") s): ceiling $(calc "$B / $qr_floor" | xargs printf %.2f)x, dl at $(calc "100 * $qr_floor / $A" | xargs printf %.0f)% of it)"
    in_turn "cpu_seconds '$ours'" "cpu_seconds '$theirs'"
    row "lstsq ${2} x ${3}, CPU s" "$(printf %.3f "$A")" "$(printf %.3f "$B")" \
        "$(calc "$B / $A" | xargs printf %.2f)" "(3x; numpy)"
done

# CSV import throughput, with the exact round trip checked.
$PY - "$tmp/d.csv" <<'EOF'
import sys, numpy as np
rng = np.random.default_rng(1)
a = rng.standard_normal((200000, 5)) * 10.0 ** rng.integers(-5, 6, (200000, 5))
np.savetxt(sys.argv[1], a, delimiter=",", fmt="%.17g")
EOF
mb=$(calc "$(stat -c %s "$tmp/d.csv") / 1000000")
sync   # no writeback of the new file during the timed runs
# Wall time, and CPU time (user + system), which a loaded machine disturbs less.
# Each run writes a new file: replacing the last run's would add its removal
# (a few ms for 8 MB of page cache), which is not the import's work.  A run
# takes some 20 ms, a few of the machine's hiccups: five times the runs.
RUNS=$((RUNS * 5)) in_turn "rm -f $tmp/d.dlt; calc \"$mb / \$(wall_seconds 'dl-tensor import $tmp/d.csv -o $tmp/d.dlt')\"" \
        "rm -f $tmp/d.dlt; calc \"$mb / \$($BUILD/bench/cpu_seconds dl-tensor import $tmp/d.csv -o $tmp/d.dlt)\""
dl-tensor export "$tmp/d.dlt" | dl-tensor import | cmp -s - "$tmp/d.dlt" && rt=exact || rt=DIFFERENT
row "CSV import MB/s ($(printf %.0f "$mb") MB), wall" "$(printf %.0f "$A")" "1000" \
    "$(calc "$A / 1000" | xargs printf %.2f)" "(1 GB/s; round trip $rt)"
# The parser alone on one warm core (bench/parse_numbers.c): twice that is
# the most the import's two threads can parse, before reading the text,
# faulting pages in and writing the stream.
parse_mbs=$("$BUILD/bench/parse_numbers" "$tmp/d.csv" | awk '{ print $6 }')
row "CSV import MB/s of CPU time" "$(printf %.0f "$B")" "1000" "$(calc "$B / 1000" | xargs printf %.2f)" \
    "(user + system; the parser alone: $parse_mbs MB/s on one warm core)"
