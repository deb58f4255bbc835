#!/usr/bin/env bats
# dl-plot's figures of predictions (roc, pr, confusion, parity, residuals)
# and of wider models (fit, regions with --inputs): valid PNG/SVG, and the
# numbers in each figure's datablocks (dl-plot --script) equal to
# scikit-learn's (tests/fixtures/plot/predictions, made by
# gen_predictions.py).

load plot_helpers

setup() {
    FIX="$DL_TEST_ROOT/tests/fixtures/plot/predictions"
    T="$BATS_TEST_TMPDIR"
    command -v gnuplot > /dev/null || skip "gnuplot not installed"
}

# comment NAME KEY < SCRIPT: the value of the comment line "# KEY VALUE" of
# datablock $NAME.
comment() {
    awk -v head="\$$1 << EOD" -v key="$2" '$0 == head { f = 1; next } /^EOD$/ { f = 0 }
        f && $1 == "#" && $2 == key { print $3 }'
}

# scalar NAME: the expected value NAME from scalars.tsv.
scalar() {
    awk -F '\t' -v k="$1" '$1 == k { print $2 }' "$FIX/scalars.tsv"
}

# same_number GOT WANT: two numbers equal to 1e-12 relative.
same_number() {
    awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b;
        if (m < 1) m = 1; if (a == "" || d > 1e-12 * m) { print a " vs " b; exit 1 } }'
}

# binary_curve CMD KIND AREA M: dl-plot CMD's curve of model M and its area
# are sklearn's (KIND_M.tsv, AREA_M), the area in the legend.
binary_curve() {
    local cmd=$1 kind=$2 area=$3 m=$4
    mkstream "$T/$m.dlt" y "$FIX/bin_y.csv" yhat "$FIX/bin_$m.csv"
    dl-plot "$cmd" --script "$T/$m.dlt" -o "$T/x.png" >"$T/$m.gp"
    block curve0 <"$T/$m.gp" >"$T/got"
    same_numbers "$T/got" "$FIX/${kind}_$m.tsv"
    same_number "$(comment curve0 "$area" <"$T/$m.gp")" "$(scalar "$(tr A-Z a-z <<<"$area")_$m")"
    local rounded
    rounded=$(awk -v v="$(scalar "$(tr A-Z a-z <<<"$area")_$m")" 'BEGIN { printf "%.4f", v }')
    grep -q "title \"$area = $rounded\"" "$T/$m.gp"
}

@test "dl-plot roc: the curve and its area are sklearn's roc_curve and roc_auc_score" {
    binary_curve roc roc AUC a
    binary_curve roc roc AUC b
    run dl-plot roc "$T/a.dlt" -o "$T/r.png"
    [ "$status" -eq 0 ]
    is_png "$T/r.png"
}

@test "dl-plot roc: several models on one figure, each named with its area; --truth" {
    mkstream "$T/a.dlt" yhat "$FIX/bin_a.csv"
    mkstream "$T/b.dlt" yhat "$FIX/bin_b.csv"
    mkstream "$T/y.dlt" y "$FIX/bin_y.csv"
    run dl-plot roc --truth "$T/y.dlt" --script "$T/a.dlt" "$T/b.dlt" -o "$T/r.svg"
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" >"$T/ab.gp"
    block curve0 <"$T/ab.gp" >"$T/got0"
    block curve1 <"$T/ab.gp" >"$T/got1"
    same_numbers "$T/got0" "$FIX/roc_a.tsv"
    same_numbers "$T/got1" "$FIX/roc_b.tsv"
    grep -q "title \"$T/a.dlt (AUC = 0.8945)\"" "$T/ab.gp"
    grep -q "title \"$T/b.dlt (AUC = 0.9062)\"" "$T/ab.gp"
    run dl-plot roc --truth "$T/y.dlt" "$T/a.dlt" "$T/b.dlt" -o "$T/r.svg"
    [ "$status" -eq 0 ]
    is_svg "$T/r.svg"
    # without y anywhere
    run dl-plot roc "$T/a.dlt" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == *"no 'y' tensor (truth; or give --truth FILE)"* ]]
    [ ! -e "$T/x.png" ]
}

@test "dl-plot: standard input is read once: named for two inputs, or --truth - for several PRED, is a usage error" {
    mkstream "$T/a.dlt" yhat "$FIX/bin_a.csv"
    mkstream "$T/b.dlt" yhat "$FIX/bin_b.csv"
    mkstream "$T/y.dlt" y "$FIX/bin_y.csv"
    for figure in roc pr confusion parity residuals; do
        for pred in "" "-"; do
            run sh -c "dl-plot $figure --truth - $pred -o '$T/x.png' < '$T/y.dlt'"
            [ "$status" -eq 2 ] || { echo "$figure $pred: $output"; return 1; }
            [ "${lines[0]}" = "dl-plot: --truth and PRED cannot both be standard input" ]
        done
    done
    for figure in roc pr; do
        run sh -c "dl-plot $figure --truth - '$T/a.dlt' '$T/b.dlt' -o '$T/x.png' < '$T/y.dlt'"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-plot: --truth -: standard input is read once, not for each of 2 PRED (name the truth's FILE)" ]
        run sh -c "dl-plot $figure - - -o '$T/x.png' < '$T/a.dlt'"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-plot: PRED 1 and PRED 2 cannot both be standard input" ]
    done
    run sh -c "dl-plot fit - -o '$T/x.png' < '$T/a.dlt'"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-plot: MODEL and DATA cannot both be standard input" ]
    run sh -c "dl-plot regions - - -o '$T/x.png' < '$T/a.dlt'"
    [ "${lines[0]}" = "dl-plot: MODEL and DATA cannot both be standard input" ]
    [ ! -e "$T/x.png" ]
    # one PRED and the truth on standard input: read once each
    dl-plot roc --truth - --script "$T/a.dlt" -o "$T/x.png" < "$T/y.dlt" | grep -q '^# AUC'
}

@test "dl-plot pr: the curve and average precision are sklearn's" {
    binary_curve pr pr AP a
    binary_curve pr pr AP b
    # standard input, PNG and SVG
    run bash -c "dl-plot pr -o '$T/p.png' < '$T/a.dlt'"
    [ "$status" -eq 0 ]
    is_png "$T/p.png"
    run dl-plot pr "$T/a.dlt" "$T/b.dlt" -o "$T/p.svg"
    [ "$status" -eq 0 ]
    is_svg "$T/p.svg"
}

@test "dl-plot roc, pr: class probabilities give a curve per class against the rest" {
    mkstream "$T/mc.dlt" y "$FIX/mc_y.csv" yhat "$FIX/mc_p.csv"
    dl-plot roc --script "$T/mc.dlt" -o "$T/r.png" >"$T/roc.gp"
    dl-plot pr --script "$T/mc.dlt" -o "$T/r.png" >"$T/pr.gp"
    for c in 0 1 2; do
        block curve$c <"$T/roc.gp" >"$T/got"
        same_numbers "$T/got" "$FIX/roc_mc$c.tsv"
        same_number "$(comment curve$c AUC <"$T/roc.gp")" "$(scalar auc_mc$c)"
        block curve$c <"$T/pr.gp" >"$T/got"
        same_numbers "$T/got" "$FIX/pr_mc$c.tsv"
        same_number "$(comment curve$c AP <"$T/pr.gp")" "$(scalar ap_mc$c)"
        grep -q "title \"class $c (AUC = " "$T/roc.gp"
    done
    # the same truth one-hot
    awk '{ printf "%d,%d,%d\n", $1 == 0, $1 == 1, $1 == 2 }' "$FIX/mc_y.csv" >"$T/onehot.csv"
    mkstream "$T/oh.dlt" y "$T/onehot.csv" yhat "$FIX/mc_p.csv"
    dl-plot roc --script "$T/oh.dlt" -o "$T/r.png" | block curve2 >"$T/got"
    same_numbers "$T/got" "$FIX/roc_mc2.tsv"
    run dl-plot roc "$T/mc.dlt" -o "$T/r.png"
    [ "$status" -eq 0 ]
    is_png "$T/r.png"
}

# refused FIGURE STREAM PATTERN: dl-plot FIGURE of STREAM is bad data (status
# 1), said in one line: "dl-plot: STREAM: " then PATTERN (a glob).
refused() {
    run dl-plot "$1" "$2" -o "$T/x.png"
    [ "$status" -eq 1 ] || { echo "status $status: $output"; return 1; }
    [[ "$output" == "dl-plot: $2: "$3 ]] || { echo "got: $output"; return 1; }
}

@test "dl-plot roc, pr: data without a curve are refused with the file and row" {
    mkstream "$T/reg.dlt" y "$FIX/reg_y.csv" yhat "$FIX/reg_yhat.csv"
    refused roc "$T/reg.dlt" "'y' row 1: * is not a 0/1 label*"
    printf '1\n1\n1\n' >"$T/ones.csv"
    printf '0.2\n0.5\n0.9\n' >"$T/s.csv"
    mkstream "$T/one.dlt" y "$T/ones.csv" yhat "$T/s.csv"
    refused pr "$T/one.dlt" "'y' holds positives only: the curve needs both classes"
    printf '0\n1\n3\n' >"$T/lab.csv"
    printf '0.2,0.8\n0.5,0.5\n0.9,0.1\n' >"$T/p2.csv"
    mkstream "$T/lab.dlt" y "$T/lab.csv" yhat "$T/p2.csv"
    refused roc "$T/lab.dlt" "'y' row 3: 3 is not a class label 0..1"
    printf '0\n1\n0\n' >"$T/two.csv"
    printf '0.2,0.7,0.1\n0.5,0.3,0.2\n0.9,0.05,0.05\n' >"$T/p3.csv"
    mkstream "$T/absent.dlt" y "$T/two.csv" yhat "$T/p3.csv"
    refused roc "$T/absent.dlt" "class 2: 'y' holds negatives only: the curve needs both classes"
    # both classes in y, but its positives all weigh 0: y is not to blame
    printf '0\n1\n1\n' >"$T/y3.csv"
    printf '2\n0\n0\n' >"$T/w0.csv"
    mkstream "$T/w0.dlt" y "$T/y3.csv" yhat "$T/s.csv" w "$T/w0.csv"
    for figure in roc pr; do
        refused $figure "$T/w0.dlt" "'w': every row of the positives of 'y' has weight 0: the curve needs both classes"
    done
    printf '0\n1\nnan\n' >"$T/nan.csv"
    dl-tensor import --allow-nonfinite --name yhat "$T/nan.csv" >"$T/nan.dlt"
    dl-tensor import --name y "$T/lab.csv" >>"$T/nan.dlt"
    refused roc "$T/nan.dlt" "'yhat' row 3, column 1: NaN"
    mkstream "$T/short.dlt" y "$T/lab.csv"
    run dl-plot roc --truth "$T/short.dlt" "$T/reg.dlt" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == *"has 3 rows but 'yhat' has 40"* ]]
    run dl-plot roc a b c d e f g h i -o "$T/x.png"
    [ "$status" -eq 2 ]
    [ ! -e "$T/x.png" ]
}

@test "dl-plot confusion: --threshold of a multiclass task, which no threshold decides, is a usage error" {
    mkstream "$T/mc.dlt" y "$FIX/mc_y.csv" yhat "$FIX/mc_p.csv"
    run dl-plot confusion --threshold 0.9 "$T/mc.dlt" -o "$T/x.png"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-plot: $T/mc.dlt: --threshold goes with one score column (a binary task): the task is multiclass" ]
    [ ! -e "$T/x.png" ]
    # class labels too
    mkstream "$T/mc01.dlt" y "$FIX/mc01_y.csv" yhat "$FIX/mc01_p.csv"
    run dl-plot confusion --threshold 0.5 "$T/mc01.dlt" -o "$T/x.png"
    [ "$status" -eq 2 ]
}

@test "dl-plot confusion: counts and fractions are sklearn's confusion_matrix" {
    mkstream "$T/mc.dlt" y "$FIX/mc_y.csv" yhat "$FIX/mc_p.csv"
    for norm in true pred all; do
        dl-plot confusion --normalize "$norm" --script "$T/mc.dlt" -o "$T/c.png" |
            block cm >"$T/got"
        same_numbers "$T/got" "$FIX/cm_mc_$norm.tsv"
    done
    # the default: over true classes; binary scores at --threshold
    dl-plot confusion --script "$T/mc.dlt" -o "$T/c.png" | block cm >"$T/got"
    same_numbers "$T/got" "$FIX/cm_mc_true.tsv"
    mkstream "$T/a.dlt" y "$FIX/bin_y.csv" yhat "$FIX/bin_a.csv"
    dl-plot confusion --threshold 0.5 --script "$T/a.dlt" -o "$T/c.png" | block cm >"$T/got"
    same_numbers "$T/got" "$FIX/cm_bin_a.tsv"
    dl-plot confusion --normalize none --script "$T/a.dlt" -o "$T/c.png" >"$T/none.gp"
    grep -q 'Confusion matrix"' "$T/none.gp"
    # classes coded by y.categories and yhat.categories, matched by name
    local nf=$DL_TEST_ROOT/tests/fixtures/metrics_names
    dl-plot confusion --script "$nf/relabel_b.dlt" -o "$T/c.png" >"$T/rb.gp"
    block cm <"$T/rb.gp" >"$T/got"
    same_numbers "$T/got" "$nf/cm_relabel_b.tsv"
    grep -qx 'set xtics ("arctica" 0, "setosa" 1, "versicolor" 2, "virginica" 3)' "$T/rb.gp"
    # class scores named NAME=CLASS beside y's own codes of its classes
    dl-plot confusion --script "$nf/scores_a.dlt" -o "$T/c.png" >"$T/sa.gp"
    block cm <"$T/sa.gp" >"$T/got"
    same_numbers "$T/got" "$nf/cm_scores_a.tsv"
    grep -qx 'set xtics ("a" 0, "b" 1, "c" 2)' "$T/sa.gp"
    # integer labels beside a y of 0 and 1 are classes, not binary scores
    mkstream "$T/mc01.dlt" y "$FIX/mc01_y.csv" yhat "$FIX/mc01_p.csv"
    dl-plot confusion --script "$T/mc01.dlt" -o "$T/c.png" | block cm >"$T/got"
    same_numbers "$T/got" "$FIX/cm_mc01.tsv"
    run dl-plot confusion "$T/mc.dlt" -o "$T/c.png"
    [ "$status" -eq 0 ]
    is_png "$T/c.png"
    run dl-plot confusion --normalize pred "$T/a.dlt" -o "$T/c.svg"
    [ "$status" -eq 0 ]
    is_svg "$T/c.svg"
    run dl-plot confusion --normalize rows "$T/a.dlt" -o "$T/x.png"
    [ "$status" -eq 2 ]
    mkstream "$T/reg.dlt" y "$FIX/reg_y.csv" yhat "$FIX/reg_yhat.csv"
    run dl-plot confusion "$T/reg.dlt" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == "dl-plot: $T/reg.dlt: not class labels or scores"* ]]
    [ ! -e "$T/x.png" ]
}

@test "dl-plot confusion: a count of a million rows is written whole in its cell" {
    # a row of weight 1000546 stands for as many rows (sklearn's
    # confusion_matrix with sample_weight: [[1000546, 3], [2, 1]])
    printf '0\n0\n1\n1\n' >"$T/y.csv"
    printf '0.1\n0.9\n0.1\n0.9\n' >"$T/p.csv"
    printf '1000546\n3\n2\n1\n' >"$T/w.csv"
    mkstream "$T/m.dlt" y "$T/y.csv" yhat "$T/p.csv" w "$T/w.csv"
    for norm in true none; do
        dl-plot confusion --normalize $norm "$T/m.dlt" -o "$T/c.svg"
        grep -q '<text>1000546</text>' "$T/c.svg"
        grep -q '<text>3</text>' "$T/c.svg"
    done
    # and one of 3e16 rows, and of 1e20, beyond the integers gnuplot's floor() takes
    printf '3e16\n3\n2\n1e20\n' >"$T/w.csv"
    mkstream "$T/b.dlt" y "$T/y.csv" yhat "$T/p.csv" w "$T/w.csv"
    dl-plot confusion --normalize none "$T/b.dlt" -o "$T/b.svg"
    grep -q '<text>30000000000000000</text>' "$T/b.svg"
    grep -q '<text>100000000000000000000</text>' "$T/b.svg"
    # sums of weights that are not whole keep six digits
    printf '0.25\n3\n2\n1\n' >"$T/w.csv"
    mkstream "$T/f.dlt" y "$T/y.csv" yhat "$T/p.csv" w "$T/w.csv"
    dl-plot confusion "$T/f.dlt" -o "$T/f.svg"
    grep -q '<text>0.25</text>' "$T/f.svg"
}

@test "dl-plot confusion: a single class draws its one cell, and gnuplot has nothing to say" {
    printf '2\n2\n2\n' >"$T/one.csv"
    mkstream "$T/one.dlt" y "$T/one.csv" yhat "$T/one.csv"
    dl-plot confusion --script "$T/one.dlt" -o "$T/c.svg" | block cm >"$T/got"
    [ "$(cat "$T/got")" = "0 0 3 1" ]
    for ext in svg png; do
        dl-plot confusion "$T/one.dlt" -o "$T/c.$ext" 2>"$T/err"
        [ ! -s "$T/err" ] || { cat "$T/err"; return 1; }
    done
    is_svg "$T/c.svg"
    is_png "$T/c.png"
    # the cell, of fraction 1, in the full colour of the scale
    grep -q "fill = 'rgb(  0, 114, 178)' points" "$T/c.svg"
}

@test "dl-plot parity, residuals: the points drawn, and R² as sklearn's r2_score" {
    mkstream "$T/reg.dlt" y "$FIX/reg_y.csv" yhat "$FIX/reg_yhat.csv"
    dl-plot parity --script "$T/reg.dlt" -o "$T/p.png" >"$T/p.gp"
    dl-plot residuals --script "$T/reg.dlt" -o "$T/p.png" >"$T/r.gp"
    same_number "$(awk '$1 == "#" && $2 == "r2" { print $3; exit }' "$T/p.gp")" "$(scalar r2)"
    r2=$(awk -v v="$(scalar r2)" 'BEGIN { printf "%.4f", v }')
    grep -q "^set title \"Predicted against actual (R\\\\302\\\\262 = $r2)\"" "$T/p.gp"
    for j in 0 1; do
        same_number "$(comment output$j r2 <"$T/p.gp")" "$(scalar r2_$j)"
        paste -d ' ' <(cut -d, -f$((j + 1)) "$FIX/reg_y.csv") \
            <(cut -d, -f$((j + 1)) "$FIX/reg_yhat.csv") >"$T/want"
        block output$j <"$T/p.gp" >"$T/got"
        same_numbers "$T/got" "$T/want"
        awk '{ printf "%.17g %.17g\n", $2, $1 - $2 }' "$T/want" >"$T/want_res"
        block output$j <"$T/r.gp" >"$T/got"
        same_numbers "$T/got" "$T/want_res"
    done
    run dl-plot parity "$T/reg.dlt" -o "$T/p.png"
    [ "$status" -eq 0 ]
    is_png "$T/p.png"
    run dl-plot residuals "$T/reg.dlt" -o "$T/r.svg"
    [ "$status" -eq 0 ]
    is_svg "$T/r.svg"
    # a title of one's own keeps R²
    dl-plot parity --title 'ridge' --script "$T/reg.dlt" -o "$T/p.png" |
        grep -q "^set title \"ridge (R\\\\302\\\\262 = $r2)\""
    # one row: R² is undefined (nan), as sklearn's
    mkstream "$T/one.dlt" y "$FIX/reg1_y.csv" yhat "$FIX/reg1_yhat.csv"
    for kind in parity residuals; do
        dl-plot $kind --script "$T/one.dlt" -o "$T/p.png" >"$T/one.gp"
        [ "$(awk '$1 == "#" && $2 == "r2" { print $3; exit }' "$T/one.gp")" = "$(scalar r2_one)" ]
        grep -q "^set title \".* (R\\\\302\\\\262 = nan)\"" "$T/one.gp"
    done
    # y and yhat of different widths
    mkstream "$T/bad.dlt" y "$FIX/reg_y.csv" yhat "$FIX/bin_a.csv"
    run dl-plot parity "$T/bad.dlt" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [ ! -e "$T/x.png" ]
}

@test "dl-plot parity, residuals: values far from 0 with a small spread keep every digit, and draw" {
    # a price near 1e8 predicted to the thousandth: nine digits made every
    # point the same and the axis range empty, which gnuplot refused
    printf '100000000.001\n100000000.002\n100000000.003\n' >"$T/y.csv"
    printf '100000000.0015\n100000000.002\n100000000.0026\n' >"$T/yhat.csv"
    mkstream "$T/off.dlt" y "$T/y.csv" yhat "$T/yhat.csv"
    dl-plot parity --script "$T/off.dlt" -o "$T/p.png" >"$T/p.gp"
    block output0 <"$T/p.gp" >"$T/got"
    paste -d ' ' "$T/y.csv" "$T/yhat.csv" >"$T/want"
    diff "$T/got" "$T/want"
    grep -q '^set xrange \[100000000.000[0-9]*:100000000.003[0-9]*\]$' "$T/p.gp"
    for kind in parity residuals; do
        run dl-plot $kind "$T/off.dlt" -o "$T/$kind.png"
        [ "$status" -eq 0 ]
        is_png "$T/$kind.png"
    done
    # the tics tell their values apart (gnuplot's six digits wrote 1e+08 on
    # every one): on the two axes of parity, each label twice at most
    dl-plot parity "$T/off.dlt" -o "$T/p.svg"
    sed -n 's|^[[:space:]]*<text> *\([-0-9.e+]*\)</text>$|\1|p' "$T/p.svg" | sort | uniq -c >"$T/tics"
    cat "$T/tics"
    [ "$(wc -l <"$T/tics")" -ge 3 ]
    awk '$1 > 2 { exit 1 }' "$T/tics"
    grep -q ' 100000000.0015$' "$T/tics"
}

@test "dl-plot parity, residuals: a constant far from 0, and values near the largest double, get a range gnuplot draws" {
    # 1e20 +- 0.5 rounds to 1e20, an empty range; the span of -1e308 and
    # 1e308 overflows to an infinite one
    printf '1e20\n1e20\n1e20\n' >"$T/c.csv"
    printf -- '-1e308\n1e308\n5\n' >"$T/b.csv"
    mkstream "$T/c.dlt" y "$T/c.csv" yhat "$T/c.csv"
    mkstream "$T/b.dlt" y "$T/b.csv" yhat "$T/b.csv"
    dl-plot parity --script "$T/c.dlt" -o "$T/p.png" | grep -qx 'set xrange \[9.5e+19:1.05e+20\]'
    dl-plot parity --script "$T/b.dlt" -o "$T/p.png" | grep -qx 'set xrange \[-1.1e+308:1.1e+308\]'
    for f in c b; do
        for kind in parity residuals; do
            run dl-plot $kind "$T/$f.dlt" -o "$T/$f-$kind.png"
            [ "$status" -eq 0 ] || { echo "$kind $f: $output"; return 1; }
            is_png "$T/$f-$kind.png"
        done
    done
}

@test "dl-plot parity, residuals: an R² undefined by overflow reads nan, not -nan" {
    # y of 1e170: both sums of squares overflow, sklearn's r2_score is nan
    printf '1e170\n2e170\n3.1e170\n' >"$T/y.csv"
    printf '1e170\n2e170\n3e170\n' >"$T/p.csv"
    mkstream "$T/o.dlt" y "$T/y.csv" yhat "$T/p.csv"
    for kind in parity residuals; do
        dl-plot $kind --script "$T/o.dlt" -o "$T/p.png" >"$T/o.gp"
        [ "$(awk '$1 == "#" && $2 == "r2" { print $3 }' "$T/o.gp" | sort -u)" = nan ]
        grep -q "^set title \".* (R\\\\302\\\\262 = nan)\"" "$T/o.gp"
    done
}

@test "dl-plot residuals: the x axis spans the predictions, not an outlier of y" {
    # yhat 0..10 (5% of the span, 0.5, on each side); y the same but one
    # row of 1000, whose residual is high on the y axis, not on the x axis
    seq 0 10 >"$T/p.csv"
    sed '4s/.*/1000/' "$T/p.csv" >"$T/y.csv"
    mkstream "$T/o.dlt" y "$T/y.csv" yhat "$T/p.csv"
    dl-plot residuals --script "$T/o.dlt" -o "$T/r.png" | grep -qx 'set xrange \[-0.5:10.5\]'
    # parity's equal axes span both
    dl-plot parity --script "$T/o.dlt" -o "$T/p.png" | grep -qx 'set xrange \[-50:1050\]'
}

@test "dl-plot fit, regions: inputs far from 0 with a small spread keep every digit, and draw" {
    # distances near 1e8 measured to the thousandth: nine digits made every
    # point the same and the x range empty, which gnuplot refused
    printf 'x,y\n100000000.001,1\n100000000.002,2\n100000000.003,2.9\n100000000.004,4.2\n' >"$T/fo.csv"
    dl-tensor import -t 1 "$T/fo.csv" >"$T/fo.dlt"
    dl-design -q --poly 1 "$T/fo.dlt" | dl-lstsq -q >"$T/fo.ckpt"
    dl-plot fit --script "$T/fo.ckpt" "$T/fo.dlt" -o "$T/f.png" | block points >"$T/got"
    tail -n +2 "$T/fo.csv" | tr , ' ' >"$T/want"
    diff "$T/got" "$T/want"
    run dl-plot fit "$T/fo.ckpt" "$T/fo.dlt" -o "$T/f.png"
    [ "$status" -eq 0 ]
    is_png "$T/f.png"
    printf 'a,b,c\n100000000.001,5,0\n100000000.002,6,1\n100000000.003,5,0\n100000000.004,6,1\n' >"$T/fc.csv"
    dl-tensor import -t 1 "$T/fc.csv" >"$T/fc.dlt"
    dl-design -q --poly 1 "$T/fc.dlt" | dl-lstsq -q >"$T/fc.ckpt"
    dl-plot regions --script "$T/fc.ckpt" "$T/fc.dlt" -o "$T/r.png" | block points |
        cut -d ' ' -f 1,2 >"$T/got"
    tail -n +2 "$T/fc.csv" | cut -d , -f 1,2 | tr , ' ' >"$T/want"
    diff "$T/got" "$T/want"
    run dl-plot regions "$T/fc.ckpt" "$T/fc.dlt" -o "$T/r.png"
    [ "$status" -eq 0 ]
    is_png "$T/r.png"
}

@test "dl-plot fit, regions: one or two inputs of a wider model, the others at their means" {
    dl-tensor import -t 1 "$FIX/wide.csv" >"$T/wide.dlt"
    dl-design -q --poly 1 "$T/wide.dlt" | dl-lstsq 2>/dev/null >"$T/wide.ckpt"
    dl-plot fit --inputs 1 --grid 11 --script "$T/wide.ckpt" "$T/wide.dlt" -o "$T/f.png" |
        block fit >"$T/got"
    same_numbers "$T/got" "$FIX/fit_x1.tsv"
    run dl-plot fit --inputs 1 "$T/wide.ckpt" "$T/wide.dlt" -o "$T/f.png"
    [ "$status" -eq 0 ]
    is_png "$T/f.png"
    # a classifier of three inputs, drawn over x0 and x2: the points are those columns
    awk -F, '{ printf "%s,%s,%s,%d\n", $1, $2, $3, ($4 > 2) }' "$FIX/wide.csv" >"$T/cls.csv"
    dl-tensor import -t 1 "$T/cls.csv" >"$T/cls.dlt"
    dl-design -q --poly 1 "$T/cls.dlt" | dl-lstsq 2>/dev/null >"$T/cls.ckpt"
    dl-plot regions --inputs 0,2 --grid 20 --script "$T/cls.ckpt" "$T/cls.dlt" -o "$T/r.png" \
        >"$T/r.gp"
    block points <"$T/r.gp" | cut -d ' ' -f 1,2 >"$T/got"
    awk -F, '{ printf "%.17g %.17g\n", $1, $3 }' "$T/cls.csv" >"$T/want"
    same_numbers "$T/got" "$T/want"
    grep -q '^set xlabel "x_0"' "$T/r.gp"
    grep -q '^set ylabel "x_2"' "$T/r.gp"
    grep -q 'the other inputs at their means' "$T/r.gp"
    run dl-plot regions --inputs 2,0 "$T/cls.ckpt" "$T/cls.dlt" -o "$T/r.svg" --grid 30
    [ "$status" -eq 0 ]
    is_svg "$T/r.svg"
    # refused: no --inputs for a wider model, a column that is not there, one twice
    run dl-plot regions "$T/cls.ckpt" "$T/cls.dlt" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == *"'x' has 3 columns; this plot draws 2 (name two with --inputs)" ]]
    run dl-plot fit --inputs 3 "$T/wide.ckpt" "$T/wide.dlt" -o "$T/x.png"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--inputs: '3' is not a column of $T/wide.dlt's 'x' (0..2)"* ]]
    run dl-plot regions --inputs 1,1 "$T/cls.ckpt" "$T/cls.dlt" -o "$T/x.png"
    [ "$status" -eq 2 ]
    run dl-plot regions --inputs 0 "$T/cls.ckpt" "$T/cls.dlt" -o "$T/x.png"
    [ "$status" -eq 2 ]
    [ ! -e "$T/x.png" ]
}

@test "dl-plot --inputs: a column number is that column, a name that is a number and no column picks its column" {
    dl-tensor import -t 1 --names 2,0,10,y "$FIX/wide.csv" >"$T/num.dlt"
    dl-design -q --poly 1 "$T/num.dlt" | dl-lstsq -q >"$T/num.ckpt"
    # 0 is column 0 (named 2), not the column named 0, as dl-tensor split --group takes it
    dl-plot fit --inputs 0 --grid 11 --script "$T/num.ckpt" "$T/num.dlt" -o "$T/f.png" >"$T/f.gp"
    grep -q '^set xlabel "2"' "$T/f.gp"
    # 10 is no column of 3: the column so named
    dl-plot fit --inputs 10 --grid 11 --script "$T/num.ckpt" "$T/num.dlt" -o "$T/f.png" >"$T/f.gp"
    grep -q '^set xlabel "10"' "$T/f.gp"
    awk -F, '{ printf "%s,%s,%s,%d\n", $1, $2, $3, ($4 > 2) }' "$FIX/wide.csv" |
        dl-tensor import -t 1 --names 2,0,10,y >"$T/cls.dlt"
    dl-design -q --poly 1 "$T/cls.dlt" | dl-lstsq -q >"$T/cls.ckpt"
    dl-plot regions --inputs 10,0 --grid 11 --script "$T/cls.ckpt" "$T/cls.dlt" -o "$T/r.png" >"$T/r.gp"
    grep -q '^set xlabel "10"' "$T/r.gp"
    grep -q '^set ylabel "2"' "$T/r.gp"
}

@test "dl-plot --inputs takes a column name holding a comma in double quotes, as dl-tensor's lists do" {
    dl-tensor import -t 1 --names '"a,b",c,d,y' "$FIX/wide.csv" >"$T/q.dlt"
    dl-design -q --poly 1 "$T/q.dlt" | dl-lstsq -q >"$T/q.ckpt"
    dl-plot fit --inputs '"a,b"' --grid 11 --script "$T/q.ckpt" "$T/q.dlt" -o "$T/f.png" >"$T/f.gp"
    grep -q '^set xlabel "a,b"' "$T/f.gp"
    run dl-plot fit --inputs a,b "$T/q.ckpt" "$T/q.dlt" -o "$T/f.png"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--inputs: 'a,b' is not one input"* ]]
    run dl-plot fit --inputs '"a,b' "$T/q.ckpt" "$T/q.dlt" -o "$T/f.png"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--inputs '\"a,b': item 1: unterminated quote"* ]]
}

@test "dl-plot fit: a categorical input not drawn is held at its most frequent level, read by the data's own levels" {
    C="$DL_TEST_ROOT/tests/fixtures/plot/categorical"
    dl-tensor import --target price "$C/shop.csv" >"$T/shop.dlt"
    dl-design -q --onehot auto "$T/shop.dlt" | dl-lstsq -q >"$T/shop.ckpt"
    # colour: blue 6, green 2, red 6; the mean of the codes would be green
    dl-plot fit --inputs size --grid 11 --script "$T/shop.ckpt" "$T/shop.dlt" -o "$T/f.png" \
        >"$T/f.gp"
    block fit <"$T/f.gp" >"$T/got"
    same_numbers "$T/got" "$C/fit_size.tsv"
    grep -q 'the other inputs at their means or most frequent levels' "$T/f.gp"
    # data without green: its codes are blue 0, red 1, and red the most frequent
    dl-tensor import --target price "$C/shop_sub.csv" >"$T/sub.dlt"
    dl-plot fit --inputs size --grid 11 --script "$T/shop.ckpt" "$T/sub.dlt" -o "$T/f.png" |
        block fit >"$T/got"
    same_numbers "$T/got" "$C/fit_size_sub.tsv"
    run dl-plot fit --inputs size "$T/shop.ckpt" "$T/sub.dlt" -o "$T/f.png"
    [ "$status" -eq 0 ]
    is_png "$T/f.png"
    # a categorical input is not drawn
    run dl-plot fit --inputs colour "$T/shop.ckpt" "$T/shop.dlt" -o "$T/x.png"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--inputs: 'colour' is a column of categories in $T/shop.dlt's 'x'"* ]]
    [ ! -e "$T/x.png" ]
    # nor without --inputs, which the message then does not blame
    printf 'colour,size,price\nred,1,3\nblue,2,5\nred,3,8\n' >"$T/two.csv"
    dl-tensor import --target price "$T/two.csv" >"$T/two.dlt"
    dl-design -q --onehot auto "$T/two.dlt" | dl-lstsq -q >"$T/two.ckpt"
    run dl-plot regions "$T/two.ckpt" "$T/two.dlt" -o "$T/x.png"
    [ "$status" -eq 2 ]
    [[ "${lines[0]}" == "dl-plot: $T/two.dlt: 'x' column 1 ('colour') is a column of categories (x.categories): a figure draws numeric inputs only" ]]
    [ ! -e "$T/x.png" ]
}

# held NAME < SCRIPT: "COL VALUE" of each "# held COL VALUE NAME" line of
# datablock $NAME: the inputs held fixed and where.
held() {
    awk -v head="\$$1 << EOD" '$0 == head { f = 1; next } /^EOD$/ { f = 0 }
        f && $1 == "#" && $2 == "held" { print $3, $4 }'
}

@test "dl-plot fit, regions: a row missing a cell drawn is left out, said once; the inputs held take their values over the present cells" {
    M="$DL_TEST_ROOT/tests/fixtures/plot/missing"
    dl-tensor import --target price --missing NA "$M/shop.csv" >"$T/shop.dlt"
    # the model imputes: trained on the first 16 rows, which have every price
    dl-tensor head -n 16 "$T/shop.dlt" | dl-design -q --impute mean --onehot auto |
        dl-lstsq -q >"$T/shop.ckpt"
    dl-plot fit --inputs size --grid 11 --script "$T/shop.ckpt" "$T/shop.dlt" -o "$T/f.png" \
        >"$T/f.gp" 2>"$T/err"
    block fit <"$T/f.gp" >"$T/got"
    same_numbers "$T/got" "$M/fit_size.tsv"
    block points <"$T/f.gp" >"$T/got"
    same_numbers "$T/got" "$M/fit_points.tsv"
    held fit <"$T/f.gp" >"$T/got"
    same_numbers "$T/got" "$M/fit_held.tsv"
    [ "$(cat "$T/err")" = "dl-plot: $T/shop.dlt: 3 of 18 rows left out: a missing cell in 'x' column 1 ('size') (2 rows) or 'y' column 1 ('price') (2 rows)" ]
    run dl-plot fit --inputs size "$T/shop.ckpt" "$T/shop.dlt" -o "$T/f.png"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    is_png "$T/f.png"
    # regions: two inputs drawn, a row missing either or its label left out
    dl-tensor import -t 1 --missing NA "$M/cls.csv" >"$T/cls.dlt"
    dl-tensor head -n 38 "$T/cls.dlt" | dl-design -q --impute mean --poly 1 |
        dl-lstsq -q >"$T/cls.ckpt"
    dl-plot regions --inputs x0,x1 --grid 20 --script "$T/cls.ckpt" "$T/cls.dlt" \
        -o "$T/r.png" >"$T/r.gp" 2>"$T/err"
    block points <"$T/r.gp" >"$T/got"
    same_numbers "$T/got" "$M/cls_points.tsv"
    held grid <"$T/r.gp" >"$T/got"
    same_numbers "$T/got" "$M/cls_held.tsv"
    [ "$(cat "$T/err")" = "dl-plot: $T/cls.dlt: 4 of 40 rows left out: a missing cell in 'x' column 1 ('x0') (1 row), 'x' column 2 ('x1') (1 row) or 'y' column 1 ('label') (2 rows)" ]
    run dl-plot regions --inputs x0,x1 "$T/cls.ckpt" "$T/cls.dlt" -o "$T/r.svg"
    [ "$status" -eq 0 ]
    is_svg "$T/r.svg"
    # nothing left out: nothing said
    dl-tensor head -n 2 "$T/shop.dlt" >"$T/two.dlt"
    dl-plot fit --inputs size --script "$T/shop.ckpt" "$T/two.dlt" -o "$T/f.png" \
        >/dev/null 2>"$T/err"
    [ ! -s "$T/err" ]
    # no row left to draw, as no rows at all: exit 1, no image
    printf 'size,colour,age,price\nNA,red,1,3\n4,blue,2,NA\n' >"$T/none.csv"
    dl-tensor import --target price --missing NA "$T/none.csv" >"$T/none.dlt"
    run dl-plot fit --inputs size "$T/shop.ckpt" "$T/none.dlt" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-plot: $T/none.dlt: no row to draw: each has a missing cell in 'x' column 1 ('size') or 'y' column 1 ('price')" ]
    [ ! -e "$T/x.png" ]
    # an input held that has no value at all has nothing to be held at
    printf 'size,colour,age,price\n1,red,NA,3\n4,blue,NA,5\n' >"$T/noage.csv"
    dl-tensor import --target price --missing NA "$T/noage.csv" >"$T/noage.dlt"
    run dl-plot fit --inputs size "$T/shop.ckpt" "$T/noage.dlt" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-plot: $T/noage.dlt: 'x' column 3 ('age') is held fixed but has no value: every cell is missing" ]
    [ ! -e "$T/x.png" ]
    # an infinity is no missing cell: refused wherever it is, drawn or held
    for cells in 'inf,red,1,3' '1,red,inf,3' '1,red,1,inf'; do
        printf 'size,colour,age,price\n%s\n2,blue,2,5\n' "$cells" >"$T/inf.csv"
        dl-tensor import --target price --allow-nonfinite "$T/inf.csv" >"$T/inf.dlt"
        run dl-plot fit --inputs size "$T/shop.ckpt" "$T/inf.dlt" -o "$T/x.png"
        [ "$status" -eq 1 ]
        [[ "$output" == "dl-plot: $T/inf.dlt: '"[xy]"': row 1, column "*": infinite value" ]]
    done
    [ ! -e "$T/x.png" ]
}

@test "dl-plot: --xlabel and --ylabel on every figure" {
    P="$DL_TEST_ROOT/tests/fixtures/plot"
    mkstream "$T/a.dlt" y "$FIX/bin_y.csv" yhat "$FIX/bin_a.csv"
    mkstream "$T/reg.dlt" y "$FIX/reg_y.csv" yhat "$FIX/reg_yhat.csv"
    dl-tensor import -t 1 "$P/sin.csv" >"$T/sin.dlt"
    dl-design -q --poly 3 "$T/sin.dlt" | dl-lstsq 2>/dev/null >"$T/sin.ckpt"
    dl-tensor import -t 1 "$P/circ.csv" >"$T/circ.dlt"
    dl-design -q --poly 2 "$T/circ.dlt" | dl-lstsq 2>/dev/null >"$T/circ.ckpt"
    for args in "curves $P/curve.tsv" "layers $P/diag.tsv" "fit $T/sin.ckpt $T/sin.dlt" \
        "regions --grid 10 $T/circ.ckpt $T/circ.dlt" "roc $T/a.dlt" "pr $T/a.dlt" \
        "confusion $T/a.dlt" "parity $T/reg.dlt" "residuals $T/reg.dlt"; do
        run dl-plot $args --xlabel 'across' --ylabel 'up' --script -o "$T/x.png"
        [ "$status" -eq 0 ] || { echo "$args: $output"; return 1; }
        [[ "$output" == *'set xlabel "across"'* ]] || { echo "$args: no xlabel"; return 1; }
        [[ "$output" == *'set ylabel "up"'* ]] || { echo "$args: no ylabel"; return 1; }
    done
}

# roc_pr_match CASE: dl-plot roc and pr of $T/CASE.dlt give sklearn's curves
# (roc_CASE.tsv, pr_CASE.tsv) and areas (auc_CASE, ap_CASE).
roc_pr_match() {
    dl-plot roc --script "$T/$1.dlt" -o "$T/x.png" >"$T/roc.gp"
    block curve0 <"$T/roc.gp" >"$T/got"
    same_numbers "$T/got" "$FIX/roc_$1.tsv"
    same_number "$(comment curve0 AUC <"$T/roc.gp")" "$(scalar "auc_$1")"
    dl-plot pr --script "$T/$1.dlt" -o "$T/x.png" >"$T/pr.gp"
    block curve0 <"$T/pr.gp" >"$T/got"
    same_numbers "$T/got" "$FIX/pr_$1.tsv"
    same_number "$(comment curve0 AP <"$T/pr.gp")" "$(scalar "ap_$1")"
}

@test "dl-plot parity, residuals: a classifier's class scores are refused, naming the figures that draw them" {
    mkstream "$T/mc.dlt" y "$FIX/mc_y.csv" yhat "$FIX/mc_p.csv"
    k=$(head -n 1 "$FIX/mc_p.csv" | awk -F, '{ print NF }')
    for fig in parity residuals; do
        run dl-plot $fig "$T/mc.dlt" -o "$T/p.png"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-plot: $T/mc.dlt: 'yhat' holds $k class scores a row: parity and residuals draw a regression's predictions, not a classifier's (confusion, roc and pr draw these)" ]
        [ ! -e "$T/p.png" ]
    done
}

@test "dl-plot roc, pr, confusion, parity: a 'w' beside the truth weighs them as sklearn's sample_weight" {
    mkstream "$T/aw.dlt" y "$FIX/bin_y.csv" w "$FIX/bin_w.csv" yhat "$FIX/bin_a.csv"
    roc_pr_match aw
    # rows of weight 0 add no point to a curve
    mkstream "$T/bz.dlt" y "$FIX/bin_y.csv" w "$FIX/bin_wz.csv" yhat "$FIX/bin_b.csv"
    roc_pr_match bz
    dl-plot confusion --script "$T/aw.dlt" -o "$T/x.png" | block cm >"$T/got"
    same_numbers "$T/got" "$FIX/cm_bin_aw.tsv"
    # the weights travel with the truth: --truth brings them
    mkstream "$T/yw.dlt" y "$FIX/bin_y.csv" w "$FIX/bin_w.csv"
    mkstream "$T/a.dlt" yhat "$FIX/bin_a.csv"
    dl-plot roc --truth "$T/yw.dlt" --script "$T/a.dlt" -o "$T/x.png" | block curve0 >"$T/got"
    same_numbers "$T/got" "$FIX/roc_aw.tsv"
    mkstream "$T/rw.dlt" y "$FIX/reg_y.csv" w "$FIX/reg_w.csv" yhat "$FIX/reg_yhat.csv"
    dl-plot parity --script "$T/rw.dlt" -o "$T/x.png" >"$T/p.gp"
    same_number "$(awk '$1 == "#" && $2 == "r2" { print $3; exit }' "$T/p.gp")" "$(scalar r2_w)"
    run dl-plot roc "$T/aw.dlt" -o "$T/r.png"
    [ "$status" -eq 0 ]
    is_png "$T/r.png"
}
