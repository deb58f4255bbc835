#!/usr/bin/env bats
# examples/: the Slurm array script's per-task logic run here with
# SLURM_ARRAY_TASK_ID set (and its SIGTERM/resume path), a tiny sweep and its
# collected table, incremental re-runs, and lessons end to end, with the
# figures their READMEs quote (figures.bash).  Every output goes to the
# test's temporary directory (OUT=...), never the tree.

load sweep_helpers
load figures

setup() {
    EX="$DL_TEST_ROOT/examples"
    T="$BATS_TEST_TMPDIR"
    BIN=$(dirname "$(command -v dl-train)")
    # The suite may run under a make: its flags (variables, jobserver) are
    # not for the examples' makes.
    unset MAKEFLAGS MFLAGS MAKELEVEL
    export DL_BIN="$BIN" SWEEP_OUT="$T/sweep"
    # A grid of two configurations, five epochs each.
    GRID=(BIN="$BIN" OUT="$T/sweep" LRS=0.01 "UNITS=2 4" WDS=0 EPOCHS=5)
}

# column_of FILE NAME: the values of column NAME, one a line.
column_of() { "$EX/bin/tsv-select" "$2" < "$1" | tail -n +2; }

# weight_shape CKPT: the shape of layer1.weight as "[R, C]".
weight_shape() {
    dl-tensor info "$1" | awk '$1 ~ /^[0-9]+$/ && $NF == "layer1.weight" { print $3, $4; exit }'
}

is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

@test "slurm.sh: task k trains line k+1 of configs.tsv, with its overrides" {
    run make -s -C "$EX/sweep" "${GRID[@]}" configs data
    [ "$status" -eq 0 ]
    [ "$(wc -l < "$T/sweep/configs.tsv")" -eq 2 ]
    run env SLURM_ARRAY_TASK_ID=1 "$EX/sweep/slurm.sh"
    [ "$status" -eq 0 ]
    [[ $output == *"lr0.01_h4_wd0: done"* ]]
    [ "$(weight_shape "$T/sweep/runs/lr0.01_h4_wd0.ckpt")" = "[4, 2]" ]
    [ "$(rows "$T/sweep/runs/lr0.01_h4_wd0.log.tsv")" -eq 5 ]
    [ ! -e "$T/sweep/runs/lr0.01_h2_wd0.ckpt" ]
    run env SLURM_ARRAY_TASK_ID=0 "$EX/sweep/slurm.sh"
    [ "$status" -eq 0 ]
    [ "$(weight_shape "$T/sweep/runs/lr0.01_h2_wd0.ckpt")" = "[2, 2]" ]
    # The checkpoint predicts.
    dl-predict "$T/sweep/runs/lr0.01_h2_wd0.ckpt" "$T/sweep/val-raw.dlt" | dl-eval >/dev/null
}

@test "slurm.sh: a task past the end, a bad task number, no task number, no configs" {
    make -s -C "$EX/sweep" "${GRID[@]}" configs data
    run env SLURM_ARRAY_TASK_ID=2 "$EX/sweep/slurm.sh"
    [ "$status" -eq 1 ]
    [[ $output == *"configs.tsv: no line for task 2 (2 configurations: --array=0-1)"* ]]
    run env SLURM_ARRAY_TASK_ID=1x "$EX/sweep/slurm.sh"
    [ "$status" -eq 2 ]
    [[ $output == *"'1x' is not a task number"* ]]
    run env -u SLURM_ARRAY_TASK_ID "$EX/sweep/slurm.sh"
    [ "$status" -eq 2 ]
    [[ $output == *"SLURM_ARRAY_TASK_ID is not set"* ]]
    run env SLURM_ARRAY_TASK_ID=0 SWEEP_OUT="$T/nowhere" "$EX/sweep/slurm.sh"
    [ "$status" -eq 1 ]
    [[ $output == *"nowhere/configs.tsv: cannot read it"* ]]
    [ ! -e "$T/sweep/runs" ]
}

@test "slurm.sh: SIGTERM leaves a usable checkpoint, exit 6; the task run again resumes to the same bits" {
    make -s -C "$EX/sweep" "${GRID[@]}" data
    local long=(-s training.epochs=1000000 -s training.early_stopping.patience=0)
    "$EX/sweep/slurm.sh" cut "${long[@]}" 2>"$T/cut.err" &
    local pid=$!
    # Signal once training is under way (a few epochs logged).
    for _ in $(seq 200); do
        [ "$(wc -l < "$T/sweep/runs/cut.log.tsv" 2>/dev/null || echo 0)" -gt 3 ] && break
        sleep 0.05
    done
    kill -TERM "$pid"
    local status=0
    wait "$pid" || status=$?
    [ "$status" -eq 6 ]
    grep -q 'cut: interrupted' "$T/cut.err"
    [ -e "$T/sweep/runs/cut.interrupted" ]
    dl-predict "$T/sweep/runs/cut.ckpt" "$T/sweep/val-raw.dlt" | dl-eval >/dev/null
    # Resume up to a few epochs past the stop, and train the same from scratch.
    local stopped end
    stopped=$(tail -n 1 "$T/sweep/runs/cut.log.tsv" | cut -f 1)
    end=$((stopped + 7))
    cp "$T/sweep/runs/cut.log.tsv" "$T/before.tsv"
    run "$EX/sweep/slurm.sh" cut -s training.epochs=$end -s training.early_stopping.patience=0
    [ "$status" -eq 0 ]
    [[ $output == *"cut: resuming the interrupted run"* ]]
    [ ! -e "$T/sweep/runs/cut.interrupted" ]
    # Continued, not redone: the first part's rows (with their timings) stay.
    cmp -n "$(wc -c < "$T/before.tsv")" "$T/before.tsv" "$T/sweep/runs/cut.log.tsv"
    resumed_as_whole "$end"
}

@test "slurm.sh: SIGTERM while dl-train reads its data: no checkpoint, no mark, and it says so" {
    make -s -C "$EX/sweep" "${GRID[@]}" data
    mkdir "$T/fifo"
    cp "$T/sweep/val.dlt" "$T/fifo/"
    mkfifo "$T/fifo/train.dlt"
    SWEEP_OUT=$T/fifo "$EX/sweep/slurm.sh" early 2> "$T/early.err" &
    local pid=$! status=0
    # Opening the data for writing waits until dl-train opens it to read.
    hold_fifo_writer "$T/fifo/train.dlt" || { cat "$T/early.err"; return 1; }
    kill -TERM "$pid"
    wait "$pid" || status=$?
    kill "$WRITER"
    [ "$status" -eq 6 ]
    grep -q 'slurm.sh: early: interrupted before training: no checkpoint written; submit the task again' "$T/early.err"
    [ ! -e "$T/fifo/runs/early.ckpt" ]
    [ ! -e "$T/fifo/runs/early.interrupted" ]
}

@test "slurm.sh: a usage error's message ends with the message, not the exit status" {
    run env SLURM_ARRAY_TASK_ID=x "$EX/sweep/slurm.sh"
    [ "$status" -eq 2 ]
    [ "$output" = "slurm.sh: SLURM_ARRAY_TASK_ID: 'x' is not a task number" ]
}

@test "sweep: make runs again a configuration marked interrupted, whatever the times of its files" {
    make -s -C "$EX/sweep" "${GRID[@]}" >/dev/null
    local r=$T/sweep/runs/lr0.01_h4_wd0
    # the mark made within the checkpoint's clock tick: the same time
    touch -r "$r.ckpt" "$r.interrupted"
    run make -C "$EX/sweep" "${GRID[@]}"
    [ "$status" -eq 0 ]
    [ "$(grep -c '\./slurm\.sh' <<<"$output")" -eq 1 ]
    [[ $output == *"slurm.sh lr0.01_h4_wd0 "* ]]
    [[ $output == *"lr0.01_h4_wd0: resuming the interrupted run"* ]]
    [ ! -e "$r.interrupted" ]
}

@test "sweep: a 2-configuration grid collects one table sorted by validation log loss" {
    run make -j 2 -C "$EX/sweep" "${GRID[@]}"
    [ "$status" -eq 0 ]
    local table=$T/sweep/results.tsv
    [ "$(head -n 1 "$table")" = "$(printf 'config\tlr\tunits\tweight_decay\taccuracy\tf1\troc_auc\tlog_loss')" ]
    [ "$(rows "$table")" -eq 2 ]
    [ "$(column_of "$table" config | sort | tr '\n' ' ')" = "lr0.01_h2_wd0 lr0.01_h4_wd0 " ]
    column_of "$table" log_loss | sort -g -c
    # Each row is what dl-eval says of that checkpoint on the validation set.
    local c=lr0.01_h4_wd0 want got
    want=$(dl-predict "$T/sweep/runs/$c.ckpt" "$T/sweep/val-raw.dlt" | dl-eval --format tsv |
           "$EX/bin/tsv-select" log_loss | tail -n 1)
    got=$(awk -F '\t' -v c=$c '$1 == c { print $8 }' "$table")
    [ "$got" = "$want" ]
    # The runs used the grid's overrides.
    [ "$(weight_shape "$T/sweep/runs/lr0.01_h2_wd0.ckpt")" = "[2, 2]" ]
    [ "$(rows "$T/sweep/runs/lr0.01_h2_wd0.log.tsv")" -eq 5 ]
}

@test "sweep: re-running make redoes only what changed" {
    make -s -C "$EX/sweep" "${GRID[@]}" >/dev/null
    run make -C "$EX/sweep" "${GRID[@]}"
    [ "$status" -eq 0 ]
    [[ $output != *slurm.sh* ]]
    [[ $output != *dl-predict* ]]
    # A third configuration: one run, the table collected again.
    run make -C "$EX/sweep" "${GRID[@]}" "UNITS=2 4 8"
    [ "$status" -eq 0 ]
    [ "$(grep -c '\./slurm\.sh' <<<"$output")" -eq 1 ]
    [[ $output == *"slurm.sh lr0.01_h8_wd0 "* ]]
    [ "$(rows "$T/sweep/results.tsv")" -eq 3 ]
    # Other shared settings (EPOCHS) retrain every configuration.
    run make -C "$EX/sweep" "${GRID[@]}" "UNITS=2 4 8" EPOCHS=6
    [ "$status" -eq 0 ]
    [ "$(grep -c '\./slurm\.sh' <<<"$output")" -eq 3 ]
    [ "$(rows "$T/sweep/runs/lr0.01_h8_wd0.log.tsv")" -eq 6 ]
}

@test "sweep: make configs writes a grid too big for a pipe buffer (no SIGPIPE from the comparison)" {
    # Over 64 KiB of configurations: a writer piped into a comparison that
    # exits at the missing file would die of SIGPIPE every time.
    local lrs
    lrs=$(seq -f '0.%04g' 1 300 | tr '\n' ' ')
    run make -C "$EX/sweep" BIN="$BIN" OUT="$T/sweep" "LRS=$lrs" "UNITS=2 4 8" WDS=0 configs
    [ "$status" -eq 0 ]
    [[ $output == *"900 configurations: sbatch --array=0-899 slurm.sh"* ]]
    [ "$(wc -l < "$T/sweep/configs.tsv")" -eq 900 ]
    [ "$(wc -c < "$T/sweep/configs.tsv")" -gt 65536 ]
    [ "$(sed -n 900p "$T/sweep/configs.tsv" | cut -f 1)" = lr0.0300_h8_wd0 ]
    # Unchanged: not rewritten, nothing said.
    touch -d '2001-01-01' "$T/sweep/configs.tsv"
    run make -C "$EX/sweep" BIN="$BIN" OUT="$T/sweep" "LRS=$lrs" "UNITS=2 4 8" WDS=0 configs
    [ "$status" -eq 0 ]
    [[ $output != *configurations* ]]
    [ "$(date -r "$T/sweep/configs.tsv" +%Y)" = 2001 ]
}

@test "sweep: after 'make configs data' and every array task, make only evaluates" {
    run make -s -C "$EX/sweep" "${GRID[@]}" configs data
    [ "$status" -eq 0 ]
    local k
    for k in 0 1; do
        run env SLURM_ARRAY_TASK_ID=$k "$EX/sweep/slurm.sh"
        [ "$status" -eq 0 ]
    done
    run make -C "$EX/sweep" "${GRID[@]}"
    [ "$status" -eq 0 ]
    [[ $output != *slurm.sh* ]]
    [ "$(grep -c 'dl-predict' <<<"$output")" -eq 2 ]
    [ "$(rows "$T/sweep/results.tsv")" -eq 2 ]
}

@test "lesson classify: x_D is -b/w of the trained model; the network beats a straight line in 2-D" {
    run make -s -j 2 -C "$EX/classify" BIN="$BIN" OUT="$T/classify"
    [ "$status" -eq 0 ]
    local w b xd
    w=$(dl-tensor export --name layer1.weight "$T/classify/speed.ckpt")
    b=$(dl-tensor export --name layer1.bias "$T/classify/speed.ckpt")
    xd=$(awk -v w="$w" -v b="$b" 'BEGIN { printf "%.4f", -b / w }')
    grep -q "x_D = -b / w = $xd m/s" "$T/classify/boundary.txt"
    # Between the two species' mean speeds (2.1 and 3.4 m/s in data/gen_fish.py).
    awk -v x="$xd" 'BEGIN { exit !(x > 2.1 && x < 3.4) }'
    # The model says so too: p < 1/2 just below x_D, > 1/2 just above.
    printf 'speed\n%s\n%s\n' "$(awk -v x="$xd" 'BEGIN { print x - 0.01 }')" \
        "$(awk -v x="$xd" 'BEGIN { print x + 0.01 }')" > "$T/around.csv"
    dl-tensor import "$T/around.csv" | dl-predict "$T/classify/speed.ckpt" | dl-tensor export --name yhat > "$T/p.csv"
    awk 'NR == 1 && $1 >= 0.5 { exit 1 } NR == 2 && $1 <= 0.5 { exit 1 }' "$T/p.csv"
    local table=$T/classify/metrics.tsv lin net
    [ "$(rows "$table")" -eq 3 ]
    lin=$(awk -F '\t' '$1 == "fish2d-linear" { print $3 }' "$table")
    net=$(awk -F '\t' '$1 == "fish2d-network" { print $3 }' "$table")
    awk -v l="$lin" -v n="$net" 'BEGIN { exit !(n > l + 0.1) }'
    if command -v gnuplot >/dev/null; then
        for f in speed-fit regions-linear regions-network; do is_png "$T/classify/$f.png"; done
    fi
    check_outputs "$EX/classify/README.md" "$T/classify"
    check_figures "$EX/classify/README.md" "$T/classify"
}

@test "lesson linear: the validation error is lowest at a middle degree, the training error falls" {
    run make -s -j 2 -C "$EX/linear" BIN="$BIN" OUT="$T/linear" "DEGREES=1 2 3 4 6 8 10"
    [ "$status" -eq 0 ]
    local table=$T/linear/error-vs-degree.tsv
    [ "$(head -n 1 "$table")" = "$(printf 'degree\ttrain_rmse\tval_rmse')" ]
    [ "$(column_of "$table" degree | tr '\n' ' ')" = "1 2 3 4 6 8 10 " ]
    # Training error never rises with the degree (nested least squares).
    column_of "$table" train_rmse | awk 'NR > 1 && $1 > prev + 1e-9 { exit 1 } { prev = $1 }'
    # Underfitting at degree 1, overfitting at degree 10, the best in between.
    local best
    best=$(tail -n +2 "$table" | sort -t "$(printf '\t')" -k 3,3 -g | head -n 1 | cut -f 1)
    [ "$best" -gt 1 ]
    [ "$best" -lt 10 ]
    # Row degree 3 is that model's RMSE on the validation points.
    local want
    want=$(dl-predict "$T/linear/poly3.ckpt" "$T/linear/val.dlt" | dl-eval --format tsv |
           "$EX/bin/tsv-select" rmse | tail -n 1)
    [ "$(awk -F '\t' '$1 == 3 { print $3 }' "$table")" = "$want" ]
    if command -v gnuplot >/dev/null; then
        is_png "$T/linear/error-vs-degree.png"
        is_png "$T/linear/fit-poly9.png"
    fi
}

@test "lessons: a variable set anew on make's command line redoes what depends on it" {
    local L=(-C "$EX/linear" BIN="$BIN" OUT="$T/linear" CENTERS=2 "$T/linear/error-vs-degree.tsv")
    make -s "${L[@]}" "DEGREES=1 2 3" >/dev/null
    # Fewer degrees: the table again, with only those.
    make -s "${L[@]}" "DEGREES=1 3" >/dev/null
    [ "$(column_of "$T/linear/error-vs-degree.tsv" degree | tr '\n' ' ')" = "1 3 " ]
    # Another split: every fit again, on 30 training points instead of 21.
    run make -s "${L[@]}" "DEGREES=1 3" TRAIN_FRACTION=0.1
    [ "$status" -eq 0 ]
    [ "$(dl-tensor info "$T/linear/train.dlt" | awk '$NF == "x" { print $3; exit }')" = "[30," ]
    local want
    want=$(dl-predict "$T/linear/poly3.ckpt" "$T/linear/val.dlt" | dl-eval --format tsv |
           "$EX/bin/tsv-select" rmse | tail -n 1)
    [ "$(awk -F '\t' '$1 == 3 { print $3 }' "$T/linear/error-vs-degree.tsv")" = "$want" ]
    # The same values again: nothing is run.
    run make "${L[@]}" "DEGREES=1 3" TRAIN_FRACTION=0.1
    [ "$status" -eq 0 ]
    [[ $output != *dl-tensor* && $output != *dl-lstsq* && $output != *dl-eval* ]]
    # K folds: a new K splits every fold again (fold 1 of 3 is a third of the rows).
    local C=(-s -C "$EX/cv" BIN="$BIN" OUT="$T/cv")
    make "${C[@]}" K=2 "$T/cv/fold1-test.dlt" >/dev/null
    make "${C[@]}" K=3 "$T/cv/fold1-test.dlt" >/dev/null
    [ "$(dl-tensor info "$T/cv/fold1-test.dlt" | awk '$NF == "x" { print $3; exit }')" = "[190," ]
}

@test "lesson tables: a CSV with strings and holes to an evaluated model, names carried through" {
    run make -s -C "$EX/tables" BIN="$BIN" OUT="$T/tables"
    [ "$status" -eq 0 ]
    local table=$T/tables/metrics.tsv r2
    [ "$(rows "$table")" -eq 2 ]
    # Both models explain a good part of the variance on the held-out rows.
    for m in ridge network; do
        r2=$(awk -F '\t' -v m=$m 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "r2") c = i }
                                  $1 == m { print $c }' "$table")
        awk -v r="$r2" 'BEGIN { exit !(r > 0.3 && r < 0.7) }'
    done
    grep -q "impute median, one-hot 2 columns" "$T/tables/design.txt"
    grep -q "coefficient 3 (sex=female): " "$T/tables/ridge.txt"
    grep -q "(bp_class=normal): " "$T/tables/ridge.txt"
    # A level the training rows never had stops dl-predict, naming it.
    sed 's/,low,/,very low,/' "$DL_TEST_ROOT/data/diabetes_mixed.csv" > "$T/new.csv"
    dl-tensor import --target progression --missing "NA," "$T/new.csv" > "$T/new.dlt"
    run dl-predict "$T/tables/ridge.ckpt" "$T/new.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"column 11 ('bp_class'): level 'very low' was not in the training data"* ]]
    check_figures "$EX/tables/README.md" "$T/tables"
}

@test "lesson lq: the RMSE of each q's fit is SciPy's direct minimum, and grows with q" {
    run make -s -C "$EX/lq" BIN="$BIN" OUT="$T/lq"
    [ "$status" -eq 0 ]
    local table=$T/lq/lq.tsv
    [ "$(head -n 1 "$table")" = "$(printf 'q\trmse\tmae\tmax_error')" ]
    [ "$(column_of "$table" q | tr '\n' ' ')" = "1 1.5 2 4 " ]
    column_of "$table" rmse | sort -g -c
    # tests/fixtures/lq/gen_lq.py; q = 1 has a flat minimum, hence 1 %
    paste <(tail -n +2 "$table" | cut -f 1,2) "$DL_TEST_ROOT/tests/fixtures/lq/lq_rmse.txt" |
        awk '{ d = ($2 - $4) / $4; d = d < 0 ? -d : d; tol = $1 == 1 ? 0.01 : 0.001
               if ($1 != $3 || d > tol) { print "q", $1, $2, "want", $4; exit 1 } }'
    [ "$(wc -l < "$T/lq/curves.tsv")" -eq 302 ]
    [ "$(head -n 1 "$T/lq/curves.tsv")" = "$(printf 't\tq=1\tq=1.5\tq=2\tq=4')" ]
    if command -v gnuplot >/dev/null; then is_png "$T/lq/fits.png"; fi
    check_figures "$EX/lq/README.md" "$T/lq"
}

@test "lesson posterior: ridge is the posterior mean; the band is numpy's, honest in range, wide beyond" {
    run make -s -C "$EX/posterior" BIN="$BIN" OUT="$T/post"
    [ "$status" -eq 0 ]
    local table=$T/post/map.tsv fix=$DL_TEST_ROOT/tests/fixtures/posterior/band.txt
    [ "$(rows "$table")" -eq 4 ]
    [ "$(column_of "$table" max_w_diff | sort -u)" = 0 ]
    # lambda 0.1 against tests/fixtures/posterior/gen_posterior.py
    local s2
    s2=$(dl-tensor show "$T/post/posterior-0.1.ckpt" | sed -n 's/^noise_variance: //p')
    awk -v a="$s2" -v b="$(awk '$1 == "noise_var" { print $2 }' "$fix")" \
        'BEGIN { d = (a - b) / b; exit !(d < 1e-8 && d > -1e-8) }'
    { echo t; awk '$1 != "noise_var" { print $1 }' "$fix"; } | dl-tensor import |
        dl-predict "$T/post/posterior-0.1.ckpt" > "$T/q.dlt"
    paste <(dl-tensor export --name yhat "$T/q.dlt") <(dl-tensor export --name ystd "$T/q.dlt") \
          <(awk '$1 != "noise_var" { print $2, $3 }' "$fix") |
        awk '{ for (i = 1; i <= 2; i++) { d = ($i - $(i + 2)) / $(i + 2); d = d < 0 ? -d : d
               if (d > 1e-8) { print; exit 1 } } }'
    # about 95 % within 2 sd where there was data; the band widens beyond
    awk -F '\t' '$1 == "0.1" { exit !($4 >= 0.9 && $7 > 10 * $5) }' "$table"
    grep -q '^posterior: yes$' "$T/post/show.txt"
    # the README's table of outputs lists every measurement's prediction
    [ "$(wc -l < "$T/post/0.1.pred.tsv")" -eq 300 ]
    if command -v gnuplot >/dev/null; then is_png "$T/post/band.png"; fi
    check_figures "$EX/posterior/README.md" "$T/post"
}

@test "lesson exploding: weights twice Kaiming's double z forward and the error backward; training overflows" {
    run make -s -C "$EX/exploding" BIN="$BIN" OUT="$T/expl"
    [ "$status" -eq 0 ]
    local table=$T/expl/layers.tsv
    [ "$(rows "$table")" -eq 8 ]
    # hidden layers 2..7: z's spread grows by 1.5 to 2.5 per layer (x2 in theory);
    # the error grows by the same on the way back; Kaiming's stay within 2x
    awk -F '\t' 'NR > 2 && NR <= 8 { r = $3 / z; if (r < 1.5 || r > 2.5) exit 1 } NR > 1 { z = $3 }' "$table"
    awk -F '\t' 'NR == 2 { first = $5 } NR == 9 { last = $5 } END { exit !(first > 20 * last) }' "$table"
    awk -F '\t' 'NR > 1 { if (!lo || $4 < lo) lo = $4; if ($4 > hi) hi = $4 } END { exit !(hi < 2 * lo) }' "$table"
    local training=$T/expl/training.tsv
    [ "$(awk -F '\t' '$1 == "kaiming" { print $4 }' "$training")" = completed ]
    [ "$(awk -F '\t' '$1 == "large" { print $2, $3, $4 }' "$training")" = "0 0 nan_loss" ]
    awk -F '\t' '$1 == "kaiming" { k = $5 } $1 == "large" { l = $5 } END { exit !(k > l + 0.1) }' "$training"
    if command -v gnuplot >/dev/null; then is_png "$T/expl/layers.png"; fi
    check_figures "$EX/exploding/README.md" "$T/expl"
}

@test "tsv-select and tsv-sort: named columns, repeated headers dropped, unknown names refused" {
    printf 'a\tb\n1\t3\na\tb\n2\t0.5\n' > "$T/t.tsv"
    run "$EX/bin/tsv-select" b a < "$T/t.tsv"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'b\ta\n3\t1\n0.5\t2')" ]
    run "$EX/bin/tsv-select" c < "$T/t.tsv"
    [ "$status" -eq 1 ]
    [[ $output == *"no column 'c'"* ]]
    run bash -c "'$EX/bin/tsv-select' a b < '$T/t.tsv' | '$EX/bin/tsv-sort' b"
    [ "$output" = "$(printf 'a\tb\n2\t0.5\n1\t3')" ]
    run "$EX/bin/tsv-sort" z < "$T/t.tsv"
    [ "$status" -eq 1 ]
}

@test "lstsq.sbatch: SIGTERM in a task exits 6 and leaves no part; the task run again makes it" {
    cd "$T"
    mkfifo s0.dlt
    echo s0.dlt > shards.txt
    SLURM_ARRAY_TASK_ID=0 "$EX/cluster/lstsq.sbatch" partial shards.txt parts --poly 2 2> err &
    local pid=$! status=0
    # Opening the shard for writing waits until the task reads it.
    hold_fifo_writer s0.dlt || { cat err; return 1; }
    kill -TERM "$pid"
    wait "$pid" || status=$?
    kill "$WRITER"
    [ "$status" -eq 6 ]
    grep -q 'task 0: interrupted, no part written: submit the task again' err
    [ -z "$(ls -A parts)" ]
    rm s0.dlt
    dl-tensor import -t 1 "$DL_TEST_ROOT/tests/fixtures/linear/train.csv" -o s0.dlt
    run env SLURM_ARRAY_TASK_ID=0 "$EX/cluster/lstsq.sbatch" partial shards.txt parts --poly 2
    [ "$status" -eq 0 ]
    [[ $output == *"task 0: s0.dlt -> parts/0.part"* ]]
    run env SLURM_ARRAY_TASK_ID=0 "$EX/cluster/lstsq.sbatch" partial shards.txt parts --poly 2
    [ "$status" -eq 0 ]
    [[ $output == *"task 0: parts/0.part is already there"* ]]
}

# two_shards CSV: its first 100 rows and the rest as s0.dlt and s1.dlt,
# listed in shards.txt.
two_shards() {
    local k
    head -n 100 "$1" > s0.csv
    tail -n +101 "$1" > s1.csv
    for k in 0 1; do
        dl-tensor import --no-header -t 1 s$k.csv -o s$k.dlt
        echo s$k.dlt
    done > shards.txt
}

@test "lstsq.sbatch: a part made with other dl-design options is made again, and the combined fit is numpy's" {
    cd "$T"
    local F=$DL_TEST_ROOT/tests/fixtures/linear k
    two_shards "$F/train.csv"
    for k in 0 1; do
        SLURM_ARRAY_TASK_ID=$k "$EX/cluster/lstsq.sbatch" partial shards.txt parts --poly 3
    done
    for k in 0 1; do
        run env SLURM_ARRAY_TASK_ID=$k "$EX/cluster/lstsq.sbatch" partial shards.txt parts --poly 2
        [ "$status" -eq 0 ]
        [[ $output == *"task $k: parts/$k.part is older than s$k.dlt or made with other options: made again"* ]]
        [[ $output == *"task $k: s$k.dlt -> parts/$k.part"* ]]
    done
    "$EX/cluster/lstsq.sbatch" combine shards.txt parts model.ckpt -q
    # numpy's least-squares weights of the degree-2 design on all rows
    paste -d ' ' <(dl-tensor export --name w model.ckpt) <(tail -n +2 "$F/train_poly2_w.txt") |
        awk 'NF != 2 { exit 1 } { d = $1 - $2; d = d < 0 ? -d : d; s = $2 < 0 ? -$2 : $2
             if (d > 1e-10 * (s > 1 ? s : 1)) exit 1 } END { exit NR != 10 }'
    run env SLURM_ARRAY_TASK_ID=0 "$EX/cluster/lstsq.sbatch" partial shards.txt parts --poly 2
    [[ $output == *"task 0: parts/0.part is already there"* ]]
}

@test "lstsq.sbatch: combine refuses a part older than its shard, naming the task to submit again" {
    cd "$T"
    local F=$DL_TEST_ROOT/tests/fixtures/linear k
    two_shards "$F/train.csv"
    for k in 0 1; do
        SLURM_ARRAY_TASK_ID=$k "$EX/cluster/lstsq.sbatch" partial shards.txt parts --poly 2
    done
    # shard 1 made again from other rows after its part (made a little earlier)
    head -n 60 "$F/train.csv" | dl-tensor import --no-header -t 1 -o s1.dlt
    touch -d @$(($(stat -c %Y s1.dlt) - 2)) parts/1.part
    run "$EX/cluster/lstsq.sbatch" combine shards.txt parts model.ckpt -q
    [ "$status" -eq 1 ]
    [[ $output == *"parts: the part of task(s) 1 is older than its shard: submit them again (sbatch --array=1 ...)"* ]]
    [ ! -e model.ckpt ]
    # made again, the model is one pass's over the shards' rows
    SLURM_ARRAY_TASK_ID=1 "$EX/cluster/lstsq.sbatch" partial shards.txt parts --poly 2
    "$EX/cluster/lstsq.sbatch" combine shards.txt parts model.ckpt -q
    cat s0.dlt s1.dlt | dl-design -q --poly 2 | dl-lstsq -q -o one.ckpt
    paste -d ' ' <(dl-tensor export --name w model.ckpt) <(dl-tensor export --name w one.ckpt) |
        awk 'NF != 2 { exit 1 } { d = $1 - $2; d = d < 0 ? -d : d; s = $2 < 0 ? -$2 : $2
             if (d > 1e-10 * (s > 1 ? s : 1)) exit 1 } END { exit NR != 10 }'
}

@test "lesson cv: every row in one stratified test fold; the summary is the folds' mean and sd" {
    run make -s -j 2 -C "$EX/cv" BIN="$BIN" OUT="$T/cv"
    [ "$status" -eq 0 ]
    local d=$T/cv i
    cmp <(for i in 1 2 3 4 5; do dl-tensor export "$d/fold$i-test.dlt"; done | sort) \
        <(dl-tensor export "$d/breast_cancer.dlt" | sort)
    # 212 malignant of 569: 42 or 43 in each fold of 113-114 rows
    for i in 1 2 3 4 5; do
        dl-tensor export --name y "$d/fold$i-test.dlt" |
            awk '{ n++; m += $1 } END { exit !(m >= 42 && m <= 43 && n >= 113 && n <= 114) }'
    done
    # mean and sd (n - 1) of accuracy over the five folds, by awk
    for model in linear network; do
        for i in 1 2 3 4 5; do column_of "$d/$model-$i.eval.tsv" accuracy; done |
            awk '{ v[NR] = $1; s += $1 } END { m = s / NR; for (i = 1; i <= NR; i++) q += (v[i] - m) ^ 2
                 printf "%d %.12g %.12g\n", NR, m, sqrt(q / (NR - 1)) }' > "$T/want"
        awk -F '\t' -v m=$model '$1 == m && $2 == "accuracy" { printf "%d %.12g %.12g\n", $3, $4, $5 }' \
            "$d/cv.tsv" > "$T/got"
        cmp "$T/got" "$T/want"
        grep -q "^$model .* accuracy  *5 " "$d/cv.txt"
    done
    grep -q '^network  accuracy  *5 ' "$d/seeds.txt"
    [ "$(ls "$d"/seed-*.eval.tsv | wc -l)" -eq 5 ]
    # the checkpoints stay for a look, not removed as make's intermediate files
    for f in linear network seed; do
        [ "$(ls "$d/$f"-[1-5].ckpt | wc -l)" -eq 5 ]
    done
    check_outputs "$EX/cv/README.md" "$d"
}

@test "lesson overfit: 10 units overfit, 3 do not; early stopping restores its best epoch" {
    # the tables only: the pictures are the other lessons' to test
    run make -s -C "$EX/overfit" BIN="$BIN" OUT="$T/overfit" "$T/overfit/summary.tsv" "$T/overfit/early-stopping.txt"
    [ "$status" -eq 0 ]
    local table=$T/overfit/summary.tsv
    [ "$(head -n 1 "$table")" = "$(printf 'run\tepochs_run\tbest_epoch\ttrain_rmse\tval_rmse')" ]
    # 10 units end with the lower training error and the higher validation error
    awk -F '\t' '{ tr[$1] = $4; va[$1] = $5 }
        END { exit !(tr["h10-end"] < tr["h3-end"] && va["h10-end"] > va["h3-end"] + 0.3) }' "$table"
    # the early-stopped run: its checkpoint's best epoch is the log's, patience epochs before its last
    local best last
    best=$(awk -F '\t' '$1 == "h10-early" { print $3 }' "$table")
    last=$(awk -F '\t' '$1 == "h10-early" { print $2 }' "$table")
    [ $((last - best)) -eq 300 ]
    [ "$(dl-tensor show "$T/overfit/h10-early.ckpt" | sed -n 's/^  best_epoch: //p')" = "$best" ]
    grep -qx "early stopping (patience 300): stopped after epoch $last, restored the weights of epoch $best (validation RMSE [0-9.]*)" \
        "$T/overfit/early-stopping.txt"
    check_figures "$EX/overfit/README.md" "$T/overfit"
}

@test "lesson regularize: ridge keeps every coefficient, the lasso zeroes them; L1 resists outliers" {
    run make -s -j 2 -C "$EX/regularize" BIN="$BIN" OUT="$T/regularize" "$T/regularize/coefficients.tsv" "$T/regularize/outliers.tsv"
    [ "$status" -eq 0 ]
    # every lasso fit converged: no warning telling the reader to raise --max-iter
    [[ $output != *"did not converge"* ]]
    local table=$T/regularize/coefficients.tsv
    awk -F '\t' '$1 == "ridge" && $3 != 10 { exit 1 }' "$table"
    # the lasso's count of non-zero coefficients never grows with lambda (rows in order)
    awk -F '\t' '$1 == "lasso" { if (n != "" && $3 > n) exit 1; n = $3 }' "$table"
    # the nonzero column counts the w columns that are not 0
    awk -F '\t' 'NR > 1 { k = 0; for (i = 5; i <= NF; i++) k += $i != 0; if (k != $3) exit 1 }' "$table"
    awk -F '\t' '$1 == "mse" { m = $2 } $1 == "mae" { a = $2 } END { exit !(a < m) }' "$T/regularize/outliers.tsv"
    check_figures "$EX/regularize/README.md" "$T/regularize"
}

@test "lesson vanishing: sigmoid gradients shrink layer by layer, relu's do not" {
    run make -s -C "$EX/vanishing" BIN="$BIN" OUT="$T/vanishing" "$T/vanishing/gradients.tsv" "$T/vanishing/metrics.tsv"
    [ "$status" -eq 0 ]
    local table=$T/vanishing/gradients.tsv
    [ "$(rows "$table")" -eq 8 ]
    # sigmoid: each layer's gradient smaller than the next one's
    awk -F '\t' 'NR > 2 && $2 <= prev { exit 1 } NR > 1 { prev = $2 }' "$table"
    # relu: within a factor of ten of each other
    awk -F '\t' 'NR > 1 { if (!lo || $3 < lo) lo = $3; if ($3 > hi) hi = $3 } END { exit !(hi < 10 * lo) }' "$table"
    check_figures "$EX/vanishing/README.md" "$T/vanishing"
}

@test "sweep: the default grid gives the table the README shows" {
    run make -s -j 2 -C "$EX/sweep" BIN="$BIN" OUT="$T/sweep"
    [ "$status" -eq 0 ]
    [ "$(rows "$T/sweep/results.tsv")" -eq 12 ]
    check_outputs "$EX/sweep/README.md" "$T/sweep"
}

@test "figures: a figure is its value rounded to the digits shown, or within the ~TOL its marker gives" {
    printf 'run\tacc\na\t0.97\n' > "$BATS_TEST_TMPDIR/m.tsv"
    doc() { printf 'It learns (accuracy 0.96).\n<!--\nfigure "learns (accuracy {})" out/m.tsv run=a acc%s\n-->\n' "$1" > "$BATS_TEST_TMPDIR/d.md"; }
    doc ""
    run check_figures "$BATS_TEST_TMPDIR/d.md" "$BATS_TEST_TMPDIR"
    [ "$status" -eq 1 ]
    [[ $output == *'"learns (accuracy 0.96)": the run gives 0.97 (out/m.tsv run=a acc)'* ]]
    doc " ~0.005"
    run check_figures "$BATS_TEST_TMPDIR/d.md" "$BATS_TEST_TMPDIR"
    [ "$status" -eq 1 ]
    doc " ~0.01"
    run check_figures "$BATS_TEST_TMPDIR/d.md" "$BATS_TEST_TMPDIR"
    [ "$status" -eq 0 ]
}
