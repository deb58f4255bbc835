#!/usr/bin/env bats
# The unpenalized intercept and sample weights ('w') in dl-lstsq, against
# scikit-learn (tests/fixtures/intercept/gen_intercept.py).

# `run ! cmd`: a bare `! cmd` before a test's last line is never checked
bats_require_minimum_version 1.5.0

load linear_helpers
load metrics_helpers

IFIX="$DL_TEST_ROOT/tests/fixtures/intercept"

# The standardized diabetes design, and the same with the weights.
diabetes() {
    dl-tensor import -t 1 "$IFIX/diabetes.csv" | dl-design -q --standardize > "$TMP/d.dlt"
    dl-tensor import --name w "$IFIX/diabetes_w.csv" > "$TMP/w.dlt"
    cat "$TMP/w.dlt" <(dl-tensor import -t 1 "$IFIX/diabetes.csv") |
        dl-design -q --standardize > "$TMP/dw.dlt"
}

# fit_near STREAM FIXTURE OPTIONS...: the fitted weights equal the fixture's to 1e-10
fit_near() {
    local in=$1 want=$2
    shift 2
    dl-lstsq -q "$@" < "$in" | dl-tensor export --name w > "$TMP/got.csv"
    WANT_SKIP=1 numbers_near "$TMP/got.csv" "$IFIX/$want.txt" 1e-10
}

@test "ridge, lasso and elastic net leave the bias alone: scikit-learn's fit_intercept=True to 1e-10" {
    diabetes
    fit_near "$TMP/d.dlt" ridge100 --ridge 100
    fit_near "$TMP/d.dlt" lasso --lasso 0.5 --tol 1e-15
    fit_near "$TMP/d.dlt" enet --elastic-net 0.5 --l1-ratio 0.3 --tol 1e-15
    fit_near "$TMP/d.dlt" ridge100_penalized --ridge 100 --penalize-bias
}

@test "standardized diabetes, --ridge 100: scikit-learn's Ridge(alpha=100) R^2" {
    diabetes
    run dl-lstsq --ridge 100 -o "$TMP/m.ckpt" "$TMP/d.dlt"
    [ "$status" -eq 0 ]
    r2=$(sed -n 's/.*output 1: training MSE .*, R^2 \(.*\)$/\1/p' <<< "$output")
    want=$(tail -n 1 "$IFIX/ridge100_r2.txt")
    awk -v a="$r2" -v b="$want" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }'
    [[ $r2 == 0.506* ]]
    run dl-lstsq --ridge 100 --penalize-bias -o "$TMP/m.ckpt" "$TMP/d.dlt"
    r2=$(sed -n 's/.*R^2 \(.*\)$/\1/p' <<< "$output")
    want=$(tail -n 1 "$IFIX/ridge100_penalized_r2.txt")
    awk -v a="$r2" -v b="$want" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }'
}

@test "the posterior mean is the ridge solution with the bias unpenalized, weighted or not" {
    diabetes
    fit_near "$TMP/d.dlt" ridge100 --ridge 100 --posterior
    fit_near "$TMP/dw.dlt" ridge100_w --ridge 100 --posterior
}

@test "a design without a bias column is said on stderr, once; -q silences it" {
    diabetes
    dl-tensor import -t 2 "$FIX/wc.csv" > "$TMP/wc.dlt"
    run dl-lstsq -o "$TMP/m.ckpt" "$TMP/wc.dlt"
    [ "$status" -eq 0 ]
    [ "${lines[3]}" = "dl-lstsq: note: x has no bias column, so the fit has no intercept (dl-design adds one)" ]
    [ "$(grep -c 'no bias column' <<< "$output")" -eq 1 ]
    run dl-lstsq -q -o "$TMP/m.ckpt" "$TMP/wc.dlt"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    dl-tensor import -t 2 "$FIX/wc.csv" | dl-design -q --no-bias > "$TMP/nb.dlt"
    run dl-lstsq -o "$TMP/m.ckpt" "$TMP/nb.dlt"
    [[ $output == *"dl-lstsq: note: x has no bias column"* ]]
    run dl-lstsq -o "$TMP/m.ckpt" "$TMP/d.dlt"
    [[ $output != *"no bias column"* ]]
}

@test "--penalize-bias goes with a penalty" {
    run dl-lstsq --penalize-bias
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-lstsq: --penalize-bias goes with --ridge, --lasso or --elastic-net" ]]
}

@test "weighted least squares: svd, qr and normal give scikit-learn's sample_weight fit, MSE and R^2" {
    diabetes
    for m in svd qr normal; do
        fit_near "$TMP/dw.dlt" ols_w -m $m
    done
    run dl-lstsq -o "$TMP/m.ckpt" "$TMP/dw.dlt"
    [[ ${lines[0]} == *", weights summing to "* ]]
    mse=$(sed -n 's/.*training MSE \([^,]*\),.*/\1/p' <<< "$output")
    r2=$(sed -n 's/.*R^2 \(.*\)$/\1/p' <<< "$output")
    awk -v a="$mse" -v b="$(tail -n 1 "$IFIX/ols_w_mse.txt")" 'BEGIN { d = a / b - 1; exit !(d < 1e-5 && d > -1e-5) }'
    awk -v a="$r2" -v b="$(tail -n 1 "$IFIX/ols_w_r2.txt")" 'BEGIN { d = a - b; exit !(d < 1e-5 && d > -1e-5) }'
}

@test "weighted ridge, lasso and elastic net: scikit-learn's sample_weight to 1e-10" {
    diabetes
    fit_near "$TMP/dw.dlt" ridge100_w --ridge 100
    fit_near "$TMP/dw.dlt" lasso_w --lasso 0.5 --tol 1e-15
    fit_near "$TMP/dw.dlt" enet_w --elastic-net 0.5 --l1-ratio 0.3 --tol 1e-15
}

@test "weights interleaved with their rows, chunk by chunk, as one record" {
    diabetes
    # three chunks: x, y, w of rows 1-100, then the rest
    head -n 100 "$IFIX/diabetes.csv" > "$TMP/a.csv"; tail -n +101 "$IFIX/diabetes.csv" > "$TMP/b.csv"
    head -n 100 "$IFIX/diabetes_w.csv" > "$TMP/aw.csv"; tail -n +101 "$IFIX/diabetes_w.csv" > "$TMP/bw.csv"
    { dl-tensor import -t 1 "$TMP/a.csv"; dl-tensor import --name w "$TMP/aw.csv"
      dl-tensor import -t 1 "$TMP/b.csv"; dl-tensor import --name w "$TMP/bw.csv"; } |
        dl-design -q > "$TMP/chunks.dlt"
    cat "$TMP/w.dlt" <(dl-tensor import -t 1 "$IFIX/diabetes.csv") | dl-design -q > "$TMP/one.dlt"
    dl-lstsq -q --ridge 3 "$TMP/one.dlt" | dl-tensor export --name w > "$TMP/one.csv"
    dl-lstsq -q --ridge 3 "$TMP/chunks.dlt" | dl-tensor export --name w > "$TMP/chunks.csv"
    numbers_near "$TMP/chunks.csv" "$TMP/one.csv" 1e-10
}

@test "weighted --partial shards and --combine give the one-pass fit" {
    head -n 200 "$IFIX/diabetes.csv" > "$TMP/a.csv"; tail -n +201 "$IFIX/diabetes.csv" > "$TMP/b.csv"
    head -n 200 "$IFIX/diabetes_w.csv" > "$TMP/aw.csv"; tail -n +201 "$IFIX/diabetes_w.csv" > "$TMP/bw.csv"
    for s in a b; do
        cat <(dl-tensor import --name w "$TMP/${s}w.csv") <(dl-tensor import -t 1 "$TMP/$s.csv") |
            dl-design -q | dl-lstsq --partial > "$TMP/$s.part"
    done
    cat <(dl-tensor import --name w "$IFIX/diabetes_w.csv") <(dl-tensor import -t 1 "$IFIX/diabetes.csv") |
        dl-design -q > "$TMP/all.dlt"
    for opts in "" "--ridge 2" "--lasso 0.5 --tol 1e-15" "--ridge 2 --posterior"; do
        dl-lstsq -q $opts "$TMP/all.dlt" | dl-tensor export --name w > "$TMP/one.csv"
        cat "$TMP/a.part" "$TMP/b.part" | dl-lstsq -q --combine $opts | dl-tensor export --name w > "$TMP/comb.csv"
        numbers_near "$TMP/comb.csv" "$TMP/one.csv" 1e-9
    done
    # a weighted partial says so
    run dl-lstsq --combine -o "$TMP/m.ckpt" "$TMP/a.part"
    [[ ${lines[0]} == *", weights summing to "* ]]
}

@test "--combine reports the weights as the one-pass fit does, also when they sum to the row count" {
    # weights that sum to the 6 rows, weights of 1, and none
    printf 'a,y,w\n1,2,0.5\n2,4.1,1.5\n3,5.9,1\n4,8,1\n5,10.1,0.25\n6,12.2,1.75\n' > "$TMP/w.csv"
    awk -F, 'BEGIN { OFS = "," } NR > 1 { $3 = 1 } 1' "$TMP/w.csv" > "$TMP/ones.csv"
    cut -d, -f1,2 "$TMP/w.csv" > "$TMP/none.csv"
    for s in w ones none; do
        weight=(--weight w)
        [ $s = none ] && weight=()
        dl-tensor import --target y "${weight[@]}" "$TMP/$s.csv" | dl-design -q > "$TMP/$s.dlt"
        dl-tensor split --fraction 0.5 --seed 3 "$TMP/$s.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
        dl-lstsq -q --partial -o "$TMP/a.part" "$TMP/a.dlt"
        dl-lstsq -q --partial -o "$TMP/b.part" "$TMP/b.dlt"
        for opts in "" "--ridge 0.5"; do
            run dl-lstsq $opts -o "$TMP/one.ckpt" "$TMP/$s.dlt"
            [ "$status" -eq 0 ]
            one=$output
            run dl-lstsq --combine $opts -o "$TMP/comb.ckpt" <(cat "$TMP/a.part" "$TMP/b.part")
            [ "$status" -eq 0 ]
            [ "$output" = "$one" ]
        done
        if [ $s = none ]; then
            [[ $one != *"weights summing"* ]]
        else
            [[ $one == *", weights summing to 6"$'\n'* ]]
        fi
    done
}

@test "--combine refuses a shard's partial without weights beside partials with them, but for an empty shard" {
    printf 'a,y,w\n1,2,0.1\n2,4.1,0.3\n3,5.9,0.2\n4,8,0.1\n5,10.1,0.2\n6,12.2,0.1\n' > "$TMP/w.csv"
    dl-tensor import --target y --weight w "$TMP/w.csv" | dl-design -q | dl-lstsq -q --partial -o "$TMP/w.part"
    cut -d, -f1,2 "$TMP/w.csv" | dl-tensor import --target y | dl-design -q > "$TMP/none.dlt"
    dl-lstsq -q --partial -o "$TMP/none.part" "$TMP/none.dlt"
    run dl-lstsq --combine -o "$TMP/m.ckpt" <(cat "$TMP/w.part" "$TMP/none.part")
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: "*": record "*" ('model'): partial 2's rows had no weights, but partial 1's had weights: give every shard its weights (a column of 1s where each row counts once)" ]] ||
        { echo "$output"; return 1; }
    [ ! -e "$TMP/m.ckpt" ]
    run dl-lstsq --combine -o "$TMP/m.ckpt" <(cat "$TMP/none.part" "$TMP/w.part")
    [ "$status" -eq 1 ]
    [[ $output == *"partial 2's rows had weights, but partial 1's had none: "* ]]
    # an empty shard weighs nothing, with weights or without
    dl-tensor head -n 0 "$TMP/none.dlt" | dl-lstsq -q --partial -o "$TMP/empty.part"
    dl-lstsq -q --combine -o "$TMP/m.ckpt" <(cat "$TMP/empty.part" "$TMP/w.part" "$TMP/empty.part")
    dl-lstsq -q --combine "$TMP/w.part" | dl-tensor export --name w |
        cmp - <(dl-tensor export --name w "$TMP/m.ckpt")
}

# lstsq_refuses MESSAGE FILE...: dl-lstsq, reading the FILEs one after the
# other, exits 1 with a message ending in MESSAGE.
lstsq_refuses() {
    local want=$1
    shift
    run dl-lstsq < <(cat "$@")
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: "*"$want" ]]
}

@test "bad weights: negative, NaN, infinite, two columns, rows that disagree with x, w after its rows" {
    printf '1,2\n3,4\n5,7\n' | dl-tensor import -t 1 > "$TMP/xy.dlt"
    printf '1\n-2\n1\n' | dl-tensor import --name w > "$TMP/neg.dlt"
    cat "$TMP/neg.dlt" "$TMP/xy.dlt" > "$TMP/in.dlt"
    run dl-lstsq "$TMP/in.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/in.dlt: record 1 ('w'): 'w': row 2: weight -2 is negative" ]
    printf '1\n1\nnan\n' | dl-tensor import --allow-nonfinite --name w > "$TMP/nan.dlt"
    lstsq_refuses "record 3 ('w'): 'w': row 3: the weight is missing (NaN)" "$TMP/xy.dlt" "$TMP/nan.dlt"
    printf 'inf\n1\n1\n' | dl-tensor import --allow-nonfinite --name w > "$TMP/inf.dlt"
    lstsq_refuses "record 1 ('w'): 'w': row 1: weight inf is not finite" "$TMP/inf.dlt" "$TMP/xy.dlt"
    printf '1,1\n1,1\n1,1\n' | dl-tensor import --name w > "$TMP/two.dlt"
    lstsq_refuses "record 1 ('w'): 'w' has 2 columns; weights are N x 1" "$TMP/two.dlt" "$TMP/xy.dlt"
    printf '1\n1\n' | dl-tensor import --name w > "$TMP/short.dlt"
    lstsq_refuses ": x has 3 rows but w has 2" "$TMP/short.dlt" "$TMP/xy.dlt"
    printf '1\n1\n1\n' | dl-tensor import --name w > "$TMP/ok.dlt"
    printf '1,2\n' | dl-tensor import -t 1 > "$TMP/more.dlt"
    lstsq_refuses "record 5 ('w'): comes after 3 rows of x and y were fitted without weights; give 'w' before or beside its rows" \
        "$TMP/xy.dlt" "$TMP/more.dlt" "$TMP/ok.dlt"
    printf '0\n0\n0\n' | dl-tensor import --name w > "$TMP/zero.dlt"
    lstsq_refuses "every row has weight 0" "$TMP/zero.dlt" "$TMP/xy.dlt"
}

@test "--posterior: weights summing to no more than the parameters are named for the degrees of freedom they leave, not the rows" {
    printf '1,2\n3,4\n5,7\n' | dl-tensor import -t 1 | dl-design -q > "$TMP/xy.dlt"
    printf '0.25\n0.25\n0.25\n' | dl-tensor import --name w > "$TMP/w.dlt"
    cat "$TMP/w.dlt" "$TMP/xy.dlt" > "$TMP/in.dlt"
    run dl-lstsq --posterior -o "$TMP/m.ckpt" "$TMP/in.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/in.dlt: cannot estimate the noise variance: the weights sum to 0.75, which leaves no residual degrees of freedom beside 2 effective parameters (a weight of c counts as c rows); give --noise-var" ]
    [ ! -e "$TMP/m.ckpt" ]
    # the same 3 rows unweighted leave one; the variance given needs none
    dl-lstsq -q --posterior "$TMP/xy.dlt" > /dev/null
    dl-lstsq -q --posterior --noise-var 1 "$TMP/in.dlt" > /dev/null
    printf '1,2\n' | dl-tensor import -t 1 | dl-design -q > "$TMP/one.dlt"
    run dl-lstsq --posterior --ridge 1 "$TMP/one.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/one.dlt: cannot estimate the noise variance: 1 row leaves no residual degrees of freedom; give --noise-var" ]
}

# ---------------------------------- dl-eval ----------------------------------

WFIX="$DL_TEST_ROOT/tests/fixtures/metrics_weighted"

# eval_case NAME: dl-eval's TSV record of y, yhat and w equals sklearn's
# sample_weight values (expected.tsv) to 1e-9, metric for metric.
eval_case() {
    local c=$WFIX/$1
    { dl-tensor import --name y "$c/y.csv"; dl-tensor import --name yhat "$c/yhat.csv"
      dl-tensor import --name w "$c/w.csv"; } > "$TMP/$1.dlt"
    # shellcheck disable=SC2046
    dl-eval --format tsv $(cat "$c/options") "$TMP/$1.dlt" > "$TMP/$1.tsv" || return 1
    same_metrics "$1" "$c/expected.tsv" "$TMP/$1.tsv"
}

@test "dl-eval with 'w': every metric is scikit-learn's with sample_weight" {
    for c in reg_single reg_multi bin_ties mc_probs mc_labels ml_probs; do
        run eval_case $c
        echo "$output"
        [ "$status" -eq 0 ]
    done
}

@test "dl-eval with 'w': the confusion matrix holds sums of weights; w comes with the truth" {
    c=$WFIX/mc_probs
    dl-tensor import --name yhat "$c/yhat.csv" > "$TMP/p.dlt"
    { dl-tensor import --name y "$c/y.csv"; dl-tensor import --name w "$c/w.csv"; } > "$TMP/t.dlt"
    dl-eval --format json --truth "$TMP/t.dlt" "$TMP/p.dlt" > "$TMP/r.json"
    sed 's/.*"counts": \[\[//; s/\]\]}.*//; s/\], \[/\n/g; s/, /,/g' "$TMP/r.json" > "$TMP/cm.csv"
    numbers_near "$TMP/cm.csv" "$c/cm.csv" 1e-12
    # the weights of a --truth file are not looked for in the predictions
    cat "$TMP/p.dlt" <(dl-tensor import --name w "$c/w.csv") > "$TMP/pw.dlt"
    dl-tensor import --name y "$c/y.csv" > "$TMP/t1.dlt"
    dl-eval --format tsv --truth "$TMP/t1.dlt" "$TMP/pw.dlt" > "$TMP/a.tsv"
    dl-eval --format tsv --truth "$TMP/t1.dlt" "$TMP/p.dlt" > "$TMP/b.tsv"
    cmp <(cut -f 1-4,6- "$TMP/a.tsv") <(cut -f 1-4,6- "$TMP/b.tsv")   # all but the seconds
    run dl-eval --truth "$TMP/t.dlt" "$TMP/p.dlt"
    [[ $output == *"confusion matrix"* ]]
    [[ $output == *"9.48903"* ]]
}

@test "dl-eval: bad weights are exit 1 naming the row" {
    printf '1\n2\n3\n' | dl-tensor import --name y > "$TMP/y.dlt"
    printf '1\n2\n4\n' | dl-tensor import --name yhat > "$TMP/p.dlt"
    printf '1\n-1\n1\n' | dl-tensor import --name w > "$TMP/neg.dlt"
    run dl-eval < <(cat "$TMP/y.dlt" "$TMP/p.dlt" "$TMP/neg.dlt")
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: <stdin>: 'w': row 2: weight -1 is negative" ]
    printf '1\nnan\n1\n' | dl-tensor import --allow-nonfinite --name w > "$TMP/nan.dlt"
    run dl-eval < <(cat "$TMP/y.dlt" "$TMP/p.dlt" "$TMP/nan.dlt")
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: <stdin>: 'w': row 2: the weight is missing (NaN)" ]
    printf '1\n1\n' | dl-tensor import --name w > "$TMP/short.dlt"
    run dl-eval < <(cat "$TMP/y.dlt" "$TMP/p.dlt" "$TMP/short.dlt")
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: <stdin>: 'y' has 3 rows but 'w' has 2" ]
    printf '0\n0\n0\n' | dl-tensor import --name w > "$TMP/zero.dlt"
    run dl-eval < <(cat "$TMP/y.dlt" "$TMP/p.dlt" "$TMP/zero.dlt")
    [ "$status" -eq 1 ]
    [[ $output == *"every row has weight 0" ]]
}

@test "dl-eval, dl-plot: weights that are all 0 name the --truth file that holds them" {
    printf 'a,w,y\n1,0,1\n2,0,0\n' > "$TMP/w0.csv"
    dl-tensor import --weight w -t 1 "$TMP/w0.csv" > "$TMP/truth.dlt"
    printf '0.3\n0.8\n' | dl-tensor import --name yhat > "$TMP/pred.dlt"
    run dl-eval --truth "$TMP/truth.dlt" "$TMP/pred.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: $TMP/truth.dlt: 'w': every row has weight 0" ]
    run dl-plot roc --truth "$TMP/truth.dlt" "$TMP/pred.dlt" -o "$TMP/roc.svg"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-plot: $TMP/truth.dlt: 'w': every row has weight 0" ]
}

@test "dl-eval: roc_auc of weights of any scale, and the note when a class weighs 0" {
    # scores 0.2 (y 0), 0.7 (y 1), 0.4 (y 1): every positive above the one
    # negative, so the area is exactly 1 whatever the common weight
    # (sklearn's roc_auc_score too)
    printf '0.2\n0.7\n0.4\n' | dl-tensor import --name yhat > "$TMP/p.dlt"
    for wt in 1e-170 1e160 1e300; do
        printf 'id,y,w\n1,0,%s\n2,1,%s\n3,1,%s\n' $wt $wt $wt > "$TMP/t.csv"
        dl-tensor import --target y --weight w "$TMP/t.csv" > "$TMP/t.dlt"
        run dl-eval -f json --truth "$TMP/t.dlt" "$TMP/p.dlt"
        [ "$status" -eq 0 ]
        [[ $output == *'"roc_auc": 1, '* ]]
        [[ $output != *note* ]]
    done
    # both classes, but the negative row weighs 0: nothing to rank against
    printf 'id,y,w\n1,0,0\n2,1,1\n3,1,1\n' > "$TMP/z.csv"
    dl-tensor import --target y --weight w "$TMP/z.csv" > "$TMP/z.dlt"
    run dl-eval -f tsv --truth "$TMP/z.dlt" "$TMP/p.dlt"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "dl-eval: warning: roc_auc is undefined (NaN): one class of y has weight 0 in every row" ]
    printf '0,0.2\n1,0.7\n0,0.4\n' | dl-tensor import --name yhat > "$TMP/mlp.dlt"
    printf 'id,a,b,w\n1,0,0,0\n2,1,1,1\n3,0,1,1\n' > "$TMP/ml.csv"
    dl-tensor import --target a,b --weight w "$TMP/ml.csv" > "$TMP/ml.dlt"
    run dl-eval -f tsv --truth "$TMP/ml.dlt" "$TMP/mlp.dlt"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "dl-eval: warning: roc_auc is undefined (NaN) for a label one of whose classes has weight 0 in every row" ]
}

# --------------------------------- dl-train ----------------------------------

EX="$DL_TEST_ROOT/examples"
CFIX="$DL_TEST_ROOT/tests/fixtures/class_weight"

# Full-batch training from the data's order, no held-out rows.
FULL=(-q -s training.epochs=15 -s training.batch_size=full -s training.shuffle=false
      -s training.validation=0 -s training.early_stopping.patience=0)

# Relative difference |a - b| / |b| (Euclidean norms) of tensor NAME of two checkpoints.
max_rel() {
    paste <(dl-tensor export --name "$1" --format tsv "$2" | tr '\t' '\n') \
          <(dl-tensor export --name "$1" --format tsv "$3" | tr '\t' '\n') |
        awk '{ d += ($1 - $2) ^ 2; n += $2 ^ 2 } END { printf "%.3g\n", sqrt(d / n) }'
}

# same_params A B: every layer's weights and biases of two checkpoints, byte for byte.
same_params() {
    for t in state.layer1.weight state.layer1.bias state.layer2.weight state.layer3.weight \
             state.layer3.bias; do
        cmp <(dl-tensor export --name $t "$1") <(dl-tensor export --name $t "$2") || return 1
    done
}

@test "dl-train: whole-number weights train as the rows repeated (the weighted mean loss)" {
    head -n 121 "$DL_TEST_ROOT/data/fish2d.csv" | tail -n 120 > "$TMP/f.csv"
    awk '{ print NR % 3 }' "$TMP/f.csv" > "$TMP/w.csv"       # 0, 1 or 2 times
    awk '{ for (i = 0; i < NR % 3; i++) print }' "$TMP/f.csv" > "$TMP/rep.csv"
    { dl-tensor import -t 1 "$TMP/f.csv"; dl-tensor import --name w "$TMP/w.csv"; } > "$TMP/w.dlt"
    dl-tensor import -t 1 "$TMP/rep.csv" > "$TMP/rep.dlt"
    dl-train "$EX/fish2d.yaml" "${FULL[@]}" -o "$TMP/w.ckpt" "$TMP/w.dlt"
    dl-train "$EX/fish2d.yaml" "${FULL[@]}" -o "$TMP/rep.ckpt" "$TMP/rep.dlt"
    for t in state.layer1.weight state.layer2.weight state.layer3.weight state.layer3.bias; do
        rel=$(max_rel $t "$TMP/w.ckpt" "$TMP/rep.ckpt")
        echo "$t $rel"
        awk -v r="$rel" 'BEGIN { exit !(r < 1e-5) }'
    done
    # and differ from the unweighted fit
    dl-tensor import -t 1 "$TMP/f.csv" > "$TMP/plain.dlt"
    dl-train "$EX/fish2d.yaml" "${FULL[@]}" -o "$TMP/plain.ckpt" "$TMP/plain.dlt"
    rel=$(max_rel state.layer1.weight "$TMP/plain.ckpt" "$TMP/rep.ckpt")
    awk -v r="$rel" 'BEGIN { exit !(r > 1e-3) }'
}

@test "dl-train: class_weight balanced is scikit-learn's compute_class_weight; a map weighs the named classes" {
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/fish2d.csv" > "$TMP/f.dlt"
    cat "$TMP/f.dlt" <(dl-tensor import --name w "$CFIX/fish2d_balanced_w.csv") > "$TMP/fw.dlt"
    dl-train "$EX/fish2d.yaml" "${FULL[@]}" -s training.class_weight=balanced -o "$TMP/b.ckpt" "$TMP/f.dlt"
    dl-train "$EX/fish2d.yaml" "${FULL[@]}" -o "$TMP/w.ckpt" "$TMP/fw.dlt"
    same_params "$TMP/b.ckpt" "$TMP/w.ckpt"
    # {1: 3}: class 1 weighs 3, class 0 keeps 1; times the rows' own weights
    tail -n +2 "$DL_TEST_ROOT/data/fish2d.csv" | awk -F, '{ print ($3 == 1 ? 3 : 1) * (NR % 2 + 1) }' > "$TMP/cw.csv"
    tail -n +2 "$DL_TEST_ROOT/data/fish2d.csv" | awk -F, '{ print NR % 2 + 1 }' > "$TMP/w2.csv"
    cat "$TMP/f.dlt" <(dl-tensor import --name w "$TMP/cw.csv") > "$TMP/cw.dlt"
    cat "$TMP/f.dlt" <(dl-tensor import --name w "$TMP/w2.csv") > "$TMP/w2.dlt"
    dl-train "$EX/fish2d.yaml" "${FULL[@]}" -s 'training.class_weight={1: 3}' -o "$TMP/m.ckpt" "$TMP/w2.dlt"
    dl-train "$EX/fish2d.yaml" "${FULL[@]}" -o "$TMP/cw.ckpt" "$TMP/cw.dlt"
    same_params "$TMP/m.ckpt" "$TMP/cw.ckpt"
    run ! same_params "$TMP/m.ckpt" "$TMP/b.ckpt"
    # the checkpoint's spec keeps it
    dl-tensor export --name model "$TMP/m.ckpt" | grep -q '^  class_weight: {1: 3}$'
    run dl-train "$EX/fish2d.yaml" -s 'training.class_weight={1: 3, 0: 0.5}' --print-config
    [[ $output == *"  class_weight: {0: 0.5, 1: 3}"* ]]
    run dl-train "$EX/fish2d.yaml" -s 'training.class_weight=balanced' --print-config
    [[ $output == *"  class_weight: balanced"* ]]
}

@test "dl-train: class_weight balanced refuses a validation row whose class has no training rows" {
    printf '1,2,0\n2,1,1\n3,3,0\n0,1,1\n1,1,0\n' | dl-tensor import --no-header -t 1 - > "$TMP/tr.dlt"
    printf '1,2,1\n2,1,2\n1,1,1\n1,2,2\n' | dl-tensor import --no-header -t 1 - > "$TMP/va.dlt"
    echo '{model: {layers: [{units: 3, activation: softmax}]}, loss: ce, training: {epochs: 1, class_weight: balanced}}' > "$TMP/cb.yaml"
    run dl-train -q "$TMP/cb.yaml" "$TMP/tr.dlt" --val "$TMP/va.dlt" -o "$TMP/cb.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/va.dlt: record 'y': row 2: class 2 has no training rows (training.class_weight balanced needs every class among the training rows)" ]
    [ ! -e "$TMP/cb.ckpt" ]
    # held out by training.validation (one row of six): the message names the data's
    # row 6, the one row of class 2, whenever a seed holds it out
    printf '1,2,0\n2,1,1\n3,3,0\n0,1,1\n1,1,0\n1,2,2\n' | dl-tensor import --no-header -t 1 - > "$TMP/six.dlt"
    for seed in 1 2 3 4 5 6 7 8; do
        run dl-train -q "$TMP/cb.yaml" "$TMP/six.dlt" -s training.validation=0.2 \
            -s training.seed=$seed -o "$TMP/h.ckpt"
        if [ "$status" -ne 0 ]; then
            [ "$status" -eq 1 ]
            [ "$output" = "dl-train: $TMP/six.dlt: record 'y': row 6: class 2 has no training rows (training.class_weight balanced needs every class among the training rows)" ]
            held=1
        fi
    done
    [ "${held:-}" = 1 ]
    # the class among the training rows too: it trains
    printf '1,2,0\n2,1,1\n3,3,2\n0,1,1\n1,1,0\n' | dl-tensor import --no-header -t 1 - > "$TMP/tr3.dlt"
    dl-train -q "$TMP/cb.yaml" "$TMP/tr3.dlt" --val "$TMP/va.dlt" -o "$TMP/cb.ckpt"
}

@test "dl-train: weighted minibatches with shuffling and a validation split: the same seed gives the same bits" {
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/fish2d.csv" > "$TMP/f.dlt"
    tail -n +2 "$DL_TEST_ROOT/data/fish2d.csv" | awk '{ print (NR % 5) * 0.25 }' > "$TMP/w.csv"
    cat "$TMP/f.dlt" <(dl-tensor import --name w "$TMP/w.csv") > "$TMP/fw.dlt"
    args=(-q -s training.epochs=5 -s training.early_stopping.patience=0 -s training.class_weight=balanced)
    dl-train "$EX/fish2d.yaml" "${args[@]}" --log "$TMP/a.tsv" -o "$TMP/a.ckpt" "$TMP/fw.dlt"
    dl-train "$EX/fish2d.yaml" "${args[@]}" --log "$TMP/b.tsv" -o "$TMP/b.ckpt" "$TMP/fw.dlt"
    cmp "$TMP/a.ckpt" "$TMP/b.ckpt"
    cmp <(cut -f 1-4,6- "$TMP/a.tsv") <(cut -f 1-4,6- "$TMP/b.tsv")   # all but the seconds
    dl-train "$EX/fish2d.yaml" "${args[@]}" -o "$TMP/c.ckpt" "$TMP/f.dlt"
    ! cmp -s "$TMP/a.ckpt" "$TMP/c.ckpt"
}

@test "dl-train: bad weights and class weights are refused naming the row or the key" {
    printf '1,2,0\n2,1,1\n3,3,1\n' | dl-tensor import -t 1 > "$TMP/d.dlt"
    printf 'model:\n  layers:\n    - {units: 1, activation: sigmoid}\nloss: bce\n' > "$TMP/s.yaml"
    printf '1\n-0.5\n1\n' | dl-tensor import --name w > "$TMP/neg.dlt"
    run dl-train "$TMP/s.yaml" -q -s training.validation=0 <(cat "$TMP/d.dlt" "$TMP/neg.dlt")
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: "*": 'w': row 2: weight -0.5 is negative" ]]
    printf '1\nnan\n1\n' | dl-tensor import --allow-nonfinite --name w > "$TMP/nan.dlt"
    cat "$TMP/d.dlt" "$TMP/nan.dlt" > "$TMP/dn.dlt"
    run dl-train "$TMP/s.yaml" -q -s training.validation=0 "$TMP/dn.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/dn.dlt: 'w': row 2: the weight is missing (NaN)" ]
    printf '1\n1\n' | dl-tensor import --name w > "$TMP/short.dlt"
    cat "$TMP/d.dlt" "$TMP/short.dlt" > "$TMP/ds.dlt"
    run dl-train "$TMP/s.yaml" -q -s training.validation=0 "$TMP/ds.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/ds.dlt: 'x' has 3 rows but 'w' has 2" ]
    # positive weights that float32 holds as 0 are not rows of weight 0
    printf '1e-50\n1e-50\n1e-50\n' | dl-tensor import --name w > "$TMP/tiny.dlt"
    cat "$TMP/d.dlt" "$TMP/tiny.dlt" > "$TMP/dt.dlt"
    msg="record 'w': row 1: weight 1e-50 is below float32's range (about 1.4e-45) and would weigh 0"
    run dl-train "$TMP/s.yaml" -q -s training.validation=0 "$TMP/dt.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: $TMP/dt.dlt: $msg"* ]]
    run dl-train "$TMP/s.yaml" -q "$TMP/d.dlt" --val "$TMP/dt.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: $TMP/dt.dlt: $msg"* ]]
    run dl-train "$TMP/s.yaml" -q -s training.validation=0 -s loss=mse -s training.class_weight=balanced "$TMP/d.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"training.class_weight goes with loss ce or bce, not mse" ]]
    run dl-train "$TMP/s.yaml" -q -s training.validation=0 -s 'training.class_weight={2: 1}' "$TMP/d.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: -s 'training.class_weight={2: 1}': training.class_weight: class 2 is not one of the network's 2 classes (0 to 1)" ]
    run dl-train "$TMP/s.yaml" -q -s training.validation=0 -s 'training.class_weight={0: -1}' "$TMP/d.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"training.class_weight: must be a finite weight >= 0, found -1" ]]
    run dl-train "$TMP/s.yaml" -q -s training.validation=0 -s 'training.class_weight=heavy' "$TMP/d.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"training.class_weight: expected balanced, none or a map {class: weight}" ]]
    printf '1,2,0\n2,1,0.5\n' | dl-tensor import -t 1 > "$TMP/soft.dlt"
    run dl-train "$TMP/s.yaml" -q -s training.validation=0 -s training.class_weight=balanced "$TMP/soft.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/soft.dlt: record 'y': row 2: target 0.5 is not a class (training.class_weight with bce needs targets 0 or 1)" ]
}

# ------------------------------ dl-eval: names -------------------------------

NFIX="$DL_TEST_ROOT/tests/fixtures/metrics_names"

@test "dl-eval's table names the classes from y.categories and the outputs from y.names" {
    run dl-eval "$NFIX/classes.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *$'\nsetosa                1            1            1            2\n'* ]]
    [[ $output == *$'\nversicolor            1          0.5     0.666667            2\n'* ]]
    [[ $output == *$'\n               setosa versicolor  virginica\n    setosa          2          0          0\nversicolor          0          1          1\n virginica          0          0          2'* ]]
    # TSV and JSON keep the codes, so that runs line up
    run dl-eval --format tsv "$NFIX/classes.dlt"
    [[ $output == *"precision[0]"*"cm[2,2]"* ]]
    [[ $output != *setosa* ]]
    run dl-eval "$NFIX/outputs.dlt"
    [[ $output == *$'\noutput            mse'* ]]
    [[ $output == *$'\nprice          0.1875'* ]]
    [[ $output == *$'\nrent            0.375'* ]]
    # --truth: the names come with y
    dl-tensor import --name yhat <(printf '0\n2\n2\n2\n1\n0\n') > "$TMP/p.dlt"
    run dl-eval --truth "$NFIX/classes.dlt" "$TMP/p.dlt"
    [[ $output == *$'\n virginica          0          0          2'* ]]
}

@test "dl-train: a class_weight code beyond the output layer's classes names the spec's line, before any data is read" {
    printf 'model:\n  layers:\n    - {units: 3, activation: softmax}\nloss: ce\ntraining:\n  class_weight: {0: 2, 3: 1}\n' > "$TMP/cw.yaml"
    run dl-train "$TMP/cw.yaml" --print-config
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/cw.yaml:6:24: training.class_weight: class 3 is not one of the network's 3 classes (0 to 2)" ]
    run dl-train "$TMP/cw.yaml" -s model.layers.1.units=4 --print-config
    [ "$status" -eq 0 ]
    [[ $output == *"  class_weight: {0: 2, 3: 1}"* ]]
}

@test "dl-train: class_weight keys name the classes of y.categories" {
    printf 'model:\n  layers:\n    - {units: 4, activation: tanh}\n    - {units: 3, activation: softmax}\nloss: ce\ntraining: {epochs: 5, batch_size: 16, validation: 0}\n' > "$TMP/ce.yaml"
    dl-train "$TMP/ce.yaml" -q -s 'training.class_weight={virginica: 2, setosa: 0.5}' -o "$TMP/a.ckpt" "$NFIX/train3.dlt"
    dl-train "$TMP/ce.yaml" -q -s 'training.class_weight={2: 2, 0: 0.5}' -o "$TMP/b.ckpt" "$NFIX/train3.dlt"
    dl-train "$TMP/ce.yaml" -q -o "$TMP/c.ckpt" "$NFIX/train3.dlt"
    same_params "$TMP/a.ckpt" "$TMP/b.ckpt"
    run ! same_params "$TMP/a.ckpt" "$TMP/c.ckpt"
    run dl-train "$TMP/ce.yaml" -s 'training.class_weight={virginica: 2, setosa: 0.5}' --print-config
    [[ $output == *"  class_weight: {'virginica': 2, 'setosa': 0.5}"* ]]
    run dl-train "$TMP/ce.yaml" -q -s 'training.class_weight={rose: 2}' "$NFIX/train3.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $NFIX/train3.dlt: training.class_weight: 'rose' is not a class of y (its classes are setosa ... virginica)" ]
    run dl-train "$TMP/ce.yaml" -q -s 'training.class_weight={setosa: 2, 0: 1}' "$NFIX/train3.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $NFIX/train3.dlt: training.class_weight: class 0 is given twice (by its code and its name)" ]
    printf '1,2,0\n2,1,1\n3,3,2\n' | dl-tensor import -t 1 > "$TMP/codes.dlt"
    run dl-train "$TMP/ce.yaml" -q -s 'training.class_weight={setosa: 2}' "$TMP/codes.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"training.class_weight names class 'setosa', but y has no class names (y.categories, from string classes at import): give its code" ]]
    # a negative code is a code out of range, not a name to be given as a code
    run dl-train "$TMP/ce.yaml" -q -s 'training.class_weight={-1: 2}' "$TMP/codes.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: training.class_weight: class -1 is not one of the network's 3 classes (0 to 2)" ]
}
