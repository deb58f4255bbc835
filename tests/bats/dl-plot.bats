#!/usr/bin/env bats
# dl-plot: the files it makes are valid PNG/SVG, bad input is refused and
# leaves no output, and a missing gnuplot says what to install.  Pixels are
# not compared.

load plot_helpers

setup() {
    FIX="$DL_TEST_ROOT/tests/fixtures/plot"
    T="$BATS_TEST_TMPDIR"
}

linear_model() { # linear_model CSV TARGETS DESIGN-OPTIONS... -> $T/lin.ckpt, $T/data.dlt
    local csv=$1 k=$2; shift 2
    dl-tensor import -t "$k" "$csv" >"$T/data.dlt"
    dl-design -q "$@" "$T/data.dlt" | dl-lstsq 2>/dev/null >"$T/lin.ckpt"
}

@test "dl-plot curves: PNG and SVG from a dl-train --log, with --log-scale" {
    run dl-plot curves "$FIX/curve.tsv" -o "$T/c.png"
    [ "$status" -eq 0 ]
    is_png "$T/c.png"
    run dl-plot curves --log-scale --title "it's a curve" "$FIX/curve.tsv" -o "$T/c.svg"
    [ "$status" -eq 0 ]
    is_svg "$T/c.svg"
}

@test "dl-plot curves: the best epoch is the last one dl-train flagged" {
    best=$(awk -F '\t' 'NR > 1 && $6 == 1 { e = $1 } END { print e }' "$FIX/curve.tsv")
    run dl-plot curves --script "$FIX/curve.tsv" -o "$T/c.png"
    [ "$status" -eq 0 ]
    [[ "$output" == *"title 'best epoch $best (validation loss "* ]]
    [[ "$output" == *"set output \"$T/c.png\""* ]]
    [ ! -e "$T/c.png" ]
}

@test "dl-plot curves: a run that kept its initial weights marks no epoch of its log as the best" {
    dl-tensor import -t 1 "$FIX/circ.csv" >"$T/circ.dlt"
    dl-train -q "$FIX/net.yaml" --log "$T/log.tsv" "$T/circ.dlt" >"$T/net.ckpt"
    # fine-tuning at a learning rate that only makes things worse: the
    # checkpoint keeps epoch 0, and the log flags none of its epochs
    dl-train -q "$FIX/net.yaml" --init-from "$T/net.ckpt" -s optimizer.lr=1 \
        -s training.epochs=3 --log "$T/ft.tsv" "$T/circ.dlt" >"$T/ft.ckpt"
    [ "$(dl-tensor show "$T/ft.ckpt" | sed -n 's/^  best_epoch: //p')" -eq 0 ]
    [ "$(awk -F '\t' 'NR > 1 && $6 == 1' "$T/ft.tsv")" = "" ]
    run dl-plot curves --script "$T/ft.tsv" -o "$T/ft.png"
    [ "$status" -eq 0 ]
    [[ "$output" == *"keyentry title 'best epoch before this log"* ]]
    [[ "$output" != *"with points"* ]]
    [[ "$output" != *"set arrow"* ]]
    run dl-plot curves --script "$T/ft.tsv" "$T/log.tsv" -o "$T/two.png"
    [ "$status" -eq 0 ]
    [[ "$output" == *"title \"$T/ft.tsv validation (best epoch before this log)\""* ]]
    [[ "$output" != *'$curve0 using ($1 =='* ]]
    [[ "$output" == *'$curve1 using ($1 =='* ]]
    [ "$(grep -c '^set arrow' <<<"$output")" -eq 1 ]
    run dl-plot curves "$T/ft.tsv" -o "$T/ft.png"
    [ "$status" -eq 0 ]
    is_png "$T/ft.png"
    run dl-plot curves "$T/ft.tsv" "$T/log.tsv" -o "$T/two.svg"
    [ "$status" -eq 0 ]
    is_svg "$T/two.svg"
}

@test "dl-plot curves: a log without validation marks the best training loss" {
    printf 'epoch\ttrain_loss\tval_loss\n1\t0.5\tnan\n2\t0.25\tnan\n3\t0.3\tnan\n' >"$T/nv.tsv"
    run dl-plot curves --script "$T/nv.tsv" -o "$T/nv.png"
    [ "$status" -eq 0 ]
    [[ "$output" == *"best epoch 2 (training loss 0.25)"* ]]
    [[ "$output" != *"title 'validation'"* ]]
    run dl-plot curves "$T/nv.tsv" -o "$T/nv.png"
    [ "$status" -eq 0 ]
    is_png "$T/nv.png"
}

@test "dl-plot curves: a log of validation losses alone draws no training entry" {
    printf 'epoch\tval_loss\n1\t0.5\n2\t0.25\n3\t0.3\n' >"$T/v.tsv"
    printf 'epoch\ttrain_loss\tval_loss\n1\tnan\t0.5\n2\tnan\t0.25\n' >"$T/vn.tsv"
    for f in v vn; do
        run dl-plot curves --script "$T/$f.tsv" -o "$T/$f.png"
        [ "$status" -eq 0 ]
        [[ "$output" != *"title 'training'"* ]]
        [[ "$output" == *"plot \$curve using 1:3 with lines"*"title 'validation'"* ]]
        [[ "$output" == *"best epoch 2 (validation loss 0.25)"* ]]
        run dl-plot curves "$T/$f.tsv" -o "$T/$f.png"
        [ "$status" -eq 0 ]
        is_png "$T/$f.png"
    done
}

# log_columns LOG: epoch, train_loss and val_loss of each data row of a
# dl-train --log, taken by their names in its header (nan for one it lacks).
log_columns() {
    awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { print $col["epoch"], (col["train_loss"] ? $col["train_loss"] : "nan"),
                (col["val_loss"] ? $col["val_loss"] : "nan") }' "$1"
}

# same_blocks SCRIPT LOG...: datablock $curveI of SCRIPT holds the numbers
# of the I-th LOG.
same_blocks() {
    local script=$1 i=0; shift
    for log in "$@"; do
        block "curve$i" <"$script" >"$T/got"
        log_columns "$log" >"$T/want"
        same_numbers "$T/got" "$T/want" || { echo "curve$i: $log"; return 1; }
        i=$((i + 1))
    done
}

# colours SCRIPT NAME: the colours of the clauses that draw datablock $NAME.
colours() {
    grep -F "\$$2 using" "$1" | sed -n "s/.*lc rgb '\(#[0-9A-Fa-f]*\)'.*/\1/p" | sort -u
}

@test "dl-plot curves: several logs on one figure, each in its own colour and datablock, named by its file" {
    cp "$FIX/curve.tsv" "$T/a.tsv"
    # another run: losses a tenth higher, fewer epochs
    awk -F '\t' -v OFS='\t' 'NR > 1 { $2 *= 1.1; $3 *= 1.1 } NR <= 9' "$T/a.tsv" >"$T/b.tsv"
    run dl-plot curves --script "$T/a.tsv" "$T/b.tsv" -o "$T/ab.png"
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" >"$T/ab.gp"
    same_blocks "$T/ab.gp" "$T/a.tsv" "$T/b.tsv"
    # two legend entries per loss, each naming its log; the validation's
    # gives the log's best epoch
    [ "$(grep -c 'title ".* training' "$T/ab.gp")" -eq 2 ]
    [ "$(grep -c 'title ".* validation' "$T/ab.gp")" -eq 2 ]
    local i=0 f best loss
    for f in a b; do
        grep -qF "title \"$T/$f.tsv training\"" "$T/ab.gp"
        best=$(awk -F '\t' 'NR > 1 && $6 == 1 { e = $1 } END { print e }' "$T/$f.tsv")
        loss=$(awk -F '\t' -v e="$best" 'NR > 1 && $1 == e { printf "%.4g", $3 }' "$T/$f.tsv")
        grep -qF "title \"$T/$f.tsv validation (best epoch $best, $loss)\"" "$T/ab.gp"
        grep -qF "\$curve$i using (\$1 == $best ? \$1 : NaN):3 with points" "$T/ab.gp"
        i=$((i + 1))
    done
    # a colour a log: its training solid, its validation dashed
    [ "$(colours "$T/ab.gp" curve0 | wc -l)" -eq 1 ]
    [ "$(colours "$T/ab.gp" curve1 | wc -l)" -eq 1 ]
    [ "$(colours "$T/ab.gp" curve0)" != "$(colours "$T/ab.gp" curve1)" ]
    grep -F '$curve1 using 1:3 ' "$T/ab.gp" | grep -q ' dt 2 '
    [ -z "$(grep -F '$curve1 using 1:2 ' "$T/ab.gp" | grep ' dt ')" ]
    # --log-scale is the figure's: every log's
    run dl-plot curves --log-scale --script "$T/a.tsv" "$T/b.tsv" -o "$T/ab.svg"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^set logscale y$' <<<"$output")" -eq 1 ]
    run dl-plot curves "$T/a.tsv" "$T/b.tsv" -o "$T/ab.png"
    [ "$status" -eq 0 ]
    is_png "$T/ab.png"
    run dl-plot curves --log-scale "$T/a.tsv" "$T/b.tsv" -o "$T/ab.svg"
    [ "$status" -eq 0 ]
    is_svg "$T/ab.svg"
}

@test "dl-plot curves: logs of other columns and epochs: without validation, resumed, without a val_loss column" {
    printf 'epoch\ttrain_loss\tval_loss\n1\t0.5\tnan\n2\t0.25\tnan\n3\t0.3\tnan\n' >"$T/nv.tsv"
    # from epoch 6 on, no best flag: the lowest validation loss is the best
    printf 'epoch\ttrain_loss\tval_loss\n6\t0.4\t0.45\n7\t0.35\t0.42\n8\t0.3\t0.43\n9\t0.32\t0.44\n' \
        >"$T/resumed.tsv"
    printf 'epoch\ttrain_loss\n1\t2\n2\t1\n' >"$T/tr.tsv"
    run dl-plot curves --script "$T/nv.tsv" "$T/resumed.tsv" "$T/tr.tsv" -o "$T/x.svg"
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" >"$T/x.gp"
    same_blocks "$T/x.gp" "$T/nv.tsv" "$T/resumed.tsv" "$T/tr.tsv"
    [ "$(grep -c 'title ".* training' "$T/x.gp")" -eq 3 ]
    [ "$(grep -c 'title ".* validation' "$T/x.gp")" -eq 1 ]
    grep -qF "title \"$T/nv.tsv training (best epoch 2, 0.25)\"" "$T/x.gp"
    grep -qF "title \"$T/resumed.tsv validation (best epoch 7, 0.42)\"" "$T/x.gp"
    grep -qF "title \"$T/tr.tsv training (best epoch 2, 1)\"" "$T/x.gp"
    run dl-plot curves "$T/nv.tsv" "$T/resumed.tsv" "$T/tr.tsv" -o "$T/x.svg"
    [ "$status" -eq 0 ]
    is_svg "$T/x.svg"
    run dl-plot curves "$T/nv.tsv" "$T/resumed.tsv" "$T/tr.tsv" -o "$T/x.png"
    [ "$status" -eq 0 ]
    is_png "$T/x.png"
}

@test "dl-plot curves: a log of several that is not dl-train's is refused by its name before gnuplot runs; - once; up to 8" {
    cp "$FIX/curve.tsv" "$T/a.tsv"
    # refused while the script is made: status 1 even where no gnuplot is found
    plot=$(command -v dl-plot)
    run env PATH=/nonexistent "$plot" curves "$T/a.tsv" "$FIX/diag.tsv" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == "dl-plot: $FIX/diag.tsv: no loss column"* ]]
    printf '1,2\n3,4\n' >"$T/d.csv"
    dl-tensor import "$T/d.csv" >"$T/d.dlt"
    run dl-plot curves "$T/a.tsv" "$T/d.dlt" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-plot: $T/d.dlt: binary data, not a TSV table" ]
    printf 'epoch\ttrain_loss\n1\t0.5\n2\t0\n' >"$T/zero.tsv"
    run dl-plot curves --log-scale "$T/a.tsv" "$T/zero.tsv" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-plot: $T/zero.tsv: data row 2, column 'train_loss': 0 cannot be drawn on a log scale" ]
    run dl-plot curves "$T/a.tsv" "$T/absent.tsv" -o "$T/x.png"
    [ "$status" -eq 3 ]
    [ -z "$(ls "$T" | grep 'x.png')" ]
    # standard input is read once
    run sh -c "dl-plot curves - '$T/a.tsv' - -o '$T/x.png' < '$T/a.tsv'"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-plot: LOG 1 and LOG 3 cannot both be standard input" ]
    [ ! -e "$T/x.png" ]
    dl-plot curves --script - "$T/a.tsv" -o "$T/x.png" <"$T/a.tsv" >"$T/in.gp"
    grep -qF 'title "\074stdin\076 training"' "$T/in.gp"
    same_blocks "$T/in.gp" "$T/a.tsv" "$T/a.tsv"
    # up to 8, as roc and pr take
    local logs=() i
    for i in 1 2 3 4 5 6 7 8 9; do logs+=("$T/a.tsv"); done
    run dl-plot curves --script "${logs[@]:0:8}" -o "$T/x.png"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'title ".* training' <<<"$output")" -eq 8 ]
    run dl-plot curves "${logs[@]}" -o "$T/x.png"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-plot: unexpected argument '$T/a.tsv': curves takes 1 to 8 TSV files" ]
    run dl-plot roc "${logs[@]}" -o "$T/x.png"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-plot: unexpected argument '$T/a.tsv': roc takes up to 8 prediction streams" ]
    run dl-plot curves -o "$T/x.png"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-plot: curves takes 1 to 8 TSV files" ]
    [ ! -e "$T/x.png" ]
}

@test "dl-plot layers: per-layer amplitudes from dl-train --diagnostics" {
    run dl-plot layers --log-scale "$FIX/diag.tsv" -o "$T/l.png"
    [ "$status" -eq 0 ]
    is_png "$T/l.png"
    run dl-plot layers --script "$FIX/diag.tsv" -o "$T/l.svg"
    [[ "$output" == *"activations a: standard deviation"* ]]
    [[ "$output" == *"weight gradient: norm"* ]]
    [[ "$output" == *"layer 3: sigmoid, 1 unit"* ]]
    run dl-plot layers "$FIX/diag.tsv" -o "$T/l.svg"
    [ "$status" -eq 0 ]
    is_svg "$T/l.svg"
}

@test "dl-plot layers: overflowed pre-activations, nan in dl-train --diagnostics, are drawn as gaps" {
    # inputs of 1000 through weights of 1e37: the first layer's z overflow
    # to inf of both signs, whose mean and spread are NaN; its tanh is finite
    printf 'a,b,y\n1000,-2000,1\n-1500,1000,0\n2000,1500,1\n-1000,-1000,0\n' >"$T/big.csv"
    dl-tensor import -t 1 "$T/big.csv" >"$T/big.dlt"
    dl-train -q "$FIX/net.yaml" -s model.init=normal -s model.init_scale=1e37 \
        -s training.validation=0 -s training.epochs=2 "$T/big.dlt" \
        --diagnostics "$T/diag.tsv" -o "$T/big.ckpt"
    [ "$(awk -F '\t' '$1 == 1 && $2 == 1 { print $5, $6 }' "$T/diag.tsv")" = "nan nan" ]
    run grep -c -- '-nan' "$T/diag.tsv"
    [ "$output" = 0 ]
    run dl-plot layers "$T/diag.tsv" -o "$T/l.png"
    [ "$status" -eq 0 ]
    is_png "$T/l.png"
    # printf's NaN of sign bit set, as other programs write it, reads as NaN
    sed 's/\tnan\t/\t-nan\t/g' "$T/diag.tsv" >"$T/signed.tsv"
    run dl-plot layers --script "$T/signed.tsv" -o "$T/l.png"
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\n1 NaN 1 0 0\n'* ]]
}

@test "dl-plot layers, curves: an infinite statistic (it overflowed) is drawn as a gap, said once" {
    # dl-train --diagnostics writes inf for a statistic that overflowed
    printf 'epoch\tlayer\tz_std\ta_std\n1\t1\t7\t1\n1\t2\tinf\t-inf\n2\t1\t3\tinf\n2\t2\t4\t5\n' >"$T/inf.tsv"
    run dl-plot layers "$T/inf.tsv" -o "$T/l.png"
    [ "$status" -eq 0 ]
    [ "$output" = "dl-plot: $T/inf.tsv: 3 infinite cells (a statistic that overflowed) drawn as gaps, the first at data row 2, column 'z_std'" ]
    is_png "$T/l.png"
    dl-plot layers --script "$T/inf.tsv" -o "$T/l.png" 2>/dev/null >"$T/l.gp"
    [ "$(block layer0 <"$T/l.gp")" = "$(printf '1 7 1\n2 3 NaN')" ]
    [ "$(block layer1 <"$T/l.gp")" = "$(printf '1 NaN NaN\n2 4 5')" ]
    # a loss that overflowed in one of two logs
    printf 'epoch\ttrain_loss\tval_loss\n1\t2\t3\n2\tinf\t1\n3\t0.5\t0.7\n' >"$T/c1.tsv"
    printf 'epoch\ttrain_loss\n1\t2\n2\t1\n' >"$T/c2.tsv"
    run dl-plot curves "$T/c2.tsv" "$T/c1.tsv" -o "$T/c.png"
    [ "$status" -eq 0 ]
    [ "$output" = "dl-plot: $T/c1.tsv: 1 infinite cell (a statistic that overflowed) drawn as a gap, the first at data row 2, column 'train_loss'" ]
    is_png "$T/c.png"
}

@test "dl-plot curves: a log whose losses are all infinite or NaN has no finite loss to draw, and says so" {
    printf 'epoch\ttrain_loss\n1\tinf\n2\tnan\n' >"$T/a.tsv"
    run dl-plot curves "$T/a.tsv" -o "$T/a.png"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-plot: $T/a.tsv: the loss columns hold no finite values" ]
    [ ! -e "$T/a.png" ]
}

@test "dl-plot with fresh dl-train logs (the formats agree)" {
    dl-tensor import -t 1 "$FIX/circ.csv" >"$T/circ.dlt"
    dl-train -q "$FIX/net.yaml" -s training.epochs=5 --log "$T/log.tsv" \
        --diagnostics "$T/diag.tsv" "$T/circ.dlt" >"$T/net.ckpt"
    run dl-plot curves "$T/log.tsv" -o "$T/c.png"
    [ "$status" -eq 0 ]
    is_png "$T/c.png"
    # that run resumed (its log from epoch 6 on), and a run without validation
    dl-train -q "$FIX/net.yaml" -s training.epochs=8 --resume "$T/net.ckpt" \
        --log "$T/resumed.tsv" "$T/circ.dlt" >"$T/net8.ckpt"
    [ "$(awk 'NR == 2 { print $1 }' "$T/resumed.tsv")" -eq 6 ]
    dl-train -q "$FIX/net.yaml" -s training.epochs=7 -s training.validation=0 \
        --log "$T/noval.tsv" "$T/circ.dlt" >"$T/noval.ckpt"
    run dl-plot curves --script "$T/log.tsv" "$T/resumed.tsv" "$T/noval.tsv" -o "$T/c3.png"
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" >"$T/c3.gp"
    same_blocks "$T/c3.gp" "$T/log.tsv" "$T/resumed.tsv" "$T/noval.tsv"
    [ "$(grep -c 'title ".* validation' "$T/c3.gp")" -eq 2 ]
    run dl-plot curves "$T/log.tsv" "$T/resumed.tsv" "$T/noval.tsv" -o "$T/c3.png"
    [ "$status" -eq 0 ]
    is_png "$T/c3.png"
    run dl-plot layers "$T/diag.tsv" -o "$T/l.png"
    [ "$status" -eq 0 ]
    is_png "$T/l.png"
    run dl-plot regions "$T/net.ckpt" "$T/circ.dlt" -o "$T/r.png" --grid 50
    [ "$status" -eq 0 ]
    is_png "$T/r.png"
}

@test "dl-plot fit: data, prediction band and weighted basis of a linear model" {
    dl-tensor import -t 1 "$FIX/sin.csv" >"$T/sin.dlt"
    dl-design -q --rbf 6 "$T/sin.dlt" | dl-lstsq --ridge 1e-3 --posterior 2>/dev/null >"$T/rbf.ckpt"
    run dl-plot fit --basis "$T/rbf.ckpt" "$T/sin.dlt" -o "$T/f.png"
    [ "$status" -eq 0 ]
    is_png "$T/f.png"
    run dl-plot fit --basis --script --grid 50 "$T/rbf.ckpt" "$T/sin.dlt" -o "$T/f.png"
    [[ "$output" == *"model ± 2 sd"* ]]
    [[ "$output" == *"basis functions, weighted"* ]]
    # the y range: the data's widened by 60% of its span on both sides, as dl-plot(1) says
    want=$(awk -F, 'NR == 1 || $2 < lo { lo = $2 } NR == 1 || $2 > hi { hi = $2 }
                    END { printf "%.9g %.9g", lo - 0.6 * (hi - lo), hi + 0.6 * (hi - lo) }' "$FIX/sin.csv")
    got=$(echo "$output" | sed -n 's/^set yrange \[\(.*\):\(.*\)\]$/\1 \2/p' | awk '{ printf "%.9g %.9g", $1, $2 }')
    [ "$got" = "$want" ] || { echo "yrange $got, wanted $want"; false; }
    # data from standard input, SVG
    run bash -c "dl-plot fit '$T/rbf.ckpt' -o '$T/f.svg' < '$T/sin.dlt'"
    [ "$status" -eq 0 ]
    is_svg "$T/f.svg"
}

@test "dl-plot regions: binary and three-class linear classifiers" {
    linear_model "$FIX/circ.csv" 1 --poly 2
    run dl-plot regions "$T/lin.ckpt" "$T/data.dlt" -o "$T/r2.png"
    [ "$status" -eq 0 ]
    is_png "$T/r2.png"
    linear_model "$FIX/circ3.csv" 3 --poly 2
    run dl-plot regions --script --grid 20 "$T/lin.ckpt" "$T/data.dlt" -o "$T/r3.svg"
    [ "$status" -eq 0 ]
    [[ "$output" == *'title "class 2"'* ]]
    run dl-plot regions "$T/lin.ckpt" "$T/data.dlt" -o "$T/r3.svg"
    [ "$status" -eq 0 ]
    is_svg "$T/r3.svg"
    # the largest of three outputs is the class: --threshold would change nothing
    run dl-plot regions --threshold 0.9 "$T/lin.ckpt" "$T/data.dlt" -o "$T/x.svg"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-plot: $T/lin.ckpt: --threshold goes with a model of one output, not of 3" ]
    [ ! -e "$T/x.svg" ]
}

@test "dl-plot: bad tables are refused, naming file and line, and leave no image" {
    printf 'epoch\tlr\n1\t0.1\n' >"$T/noloss.tsv"
    run dl-plot curves "$T/noloss.tsv" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == "dl-plot: $T/noloss.tsv: no loss column"* ]]

    printf 'epoch\ttrain_loss\n1\t0.5\n2\tabc\n' >"$T/text.tsv"
    run dl-plot curves "$T/text.tsv" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == "dl-plot: $T/text.tsv: data row 2, column 'train_loss': 'abc' is not a number" ]]

    # an infinite epoch cannot be placed: named as infinite, not as text that is no number
    printf 'epoch\tlayer\tz_std\n1\t1\t2\ninf\t2\t1\n' >"$T/inf.tsv"
    run dl-plot layers "$T/inf.tsv" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-plot: $T/inf.tsv: data row 2, column 'epoch': 'inf' is infinite (it overflowed), which cannot be drawn" ]
    [ ! -e "$T/x.png" ]

    printf 'epoch\ttrain_loss\n1\t0.5\t7\n' >"$T/ragged.tsv"
    run dl-plot curves "$T/ragged.tsv" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == *"line 2: 3 fields, the header has 2"* ]]

    : >"$T/empty.tsv"
    run dl-plot curves "$T/empty.tsv" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == *"empty table"* ]]

    printf 'epoch\ttrain_loss\n1\t0.5\n2\t0\n' >"$T/zero.tsv"
    run dl-plot curves --log-scale "$T/zero.tsv" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot be drawn on a log scale"* ]]

    run dl-plot layers "$FIX/curve.tsv" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == *"needs 'epoch' and 'layer' columns"* ]]

    run dl-plot curves "$T/absent.tsv" -o "$T/x.png"
    [ "$status" -eq 3 ]
    [ ! -e "$T/x.png" ]
    [ -z "$(ls "$T" | grep 'x.png')" ]
}

@test "dl-plot curves, layers: a column name given twice (two logs pasted side by side) is refused" {
    paste "$FIX/curve.tsv" "$FIX/curve.tsv" >"$T/two.tsv"
    run dl-plot curves "$T/two.tsv" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-plot: $T/two.tsv: line 1: column 8 is named 'epoch', as column 1 is (columns are read by name)" ]
    { printf '# diagnostics\n'; paste "$FIX/diag.tsv" <(cut -f 6 "$FIX/diag.tsv"); } >"$T/two.tsv"
    run dl-plot layers "$T/two.tsv" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-plot: $T/two.tsv: line 2: column 11 is named 'z_std', as column 6 is (columns are read by name)" ]
    [ ! -e "$T/x.png" ]
}

@test "dl-plot layers: a statistics column without a finite value is refused (exit 1), not left to gnuplot" {
    awk -F '\t' -v OFS='\t' 'NR > 1 { $9 = "nan" } { print }' "$FIX/diag.tsv" >"$T/nan.tsv"
    run dl-plot layers "$T/nan.tsv" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-plot: $T/nan.tsv: column 'grad_w_norm' has no finite value to draw" ]
    [ ! -e "$T/x.png" ]
    # one value is enough to draw the panel
    awk -F '\t' -v OFS='\t' 'NR > 2 { $9 = "nan" } { print }' "$FIX/diag.tsv" >"$T/one.tsv"
    dl-plot layers "$T/one.tsv" -o "$T/x.png"
    [ -s "$T/x.png" ]
}

@test "dl-plot fit/regions: wrong dimensions and bad models are refused" {
    linear_model "$FIX/circ.csv" 1 --poly 2
    run dl-plot fit "$T/lin.ckpt" "$T/data.dlt" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == *"'x' has 2 columns; this plot draws 1 (name one with --inputs)"* ]]
    dl-tensor import -t 1 "$FIX/sin.csv" >"$T/sin.dlt"
    run dl-plot regions "$T/lin.ckpt" "$T/sin.dlt" -o "$T/x.png"
    [ "$status" -eq 1 ]
    run dl-plot fit "$T/sin.dlt" "$T/sin.dlt" -o "$T/x.png"
    [ "$status" -ne 0 ]
    head -c 100 "$T/lin.ckpt" >"$T/trunc.ckpt"
    run dl-plot regions "$T/trunc.ckpt" "$T/data.dlt" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [[ "$output" == "dl-plot: $T/trunc.ckpt: "* ]]
    [ ! -e "$T/x.png" ]
}

@test "dl-plot fit/regions: MODEL is read once and before DATA, standard input included" {
    dl-tensor import -t 1 "$FIX/sin.csv" >"$T/sin.dlt"
    dl-design -q --rbf 4 "$T/sin.dlt" | dl-lstsq -q >"$T/rbf.ckpt"
    printf 'not a stream\n' >"$T/bad.dlt"
    head -c 100 "$T/rbf.ckpt" >"$T/trunc.ckpt"
    # both inputs bad: the model's error, before DATA is read
    for figure in fit regions; do
        run dl-plot "$figure" "$T/trunc.ckpt" "$T/bad.dlt" -o "$T/x.png"
        [ "$status" -eq 1 ]
        [[ "$output" == "dl-plot: $T/trunc.ckpt: "* ]]
        run dl-plot "$figure" "$T/missing.ckpt" - -o "$T/x.png" <"$T/bad.dlt"
        [ "$status" -eq 3 ]
        [ "$output" = "dl-plot: $T/missing.ckpt: cannot open: No such file or directory" ]
    done
    [ ! -e "$T/x.png" ]
    # --basis from a model on standard input, read once: the same script as from its file
    dl-plot fit --basis --script --grid 20 "$T/rbf.ckpt" "$T/sin.dlt" -o "$T/f.png" >"$T/file.gp"
    run bash -c "dl-plot fit --basis --script --grid 20 - '$T/sin.dlt' -o '$T/f.png' <'$T/rbf.ckpt' >'$T/stdin.gp'"
    [ "$status" -eq 0 ]
    diff "$T/file.gp" "$T/stdin.gp"
}

@test "dl-plot fit/regions: --grid out of the figure's range is a usage error naming that range, before any input is read" {
    run dl-plot regions --grid 5000 "$T/missing.ckpt" "$T/missing.dlt" -o "$T/x.png"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-plot: --grid: '5000' is not a whole number from 2 to 4096" ]
    run dl-plot regions --grid 1 "$T/missing.ckpt" "$T/missing.dlt" -o "$T/x.png"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-plot: --grid: '1' is not a whole number from 2 to 4096" ]
    # the option may come before the figure: its range is still the figure's
    run dl-plot --grid 1 fit "$T/missing.ckpt" "$T/missing.dlt" -o "$T/x.png"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-plot: --grid: '1' is not a whole number from 2 to 100000" ]
    run dl-plot fit --grid 100001 "$T/missing.ckpt" "$T/missing.dlt" -o "$T/x.png"
    [ "${lines[0]}" = "dl-plot: --grid: '100001' is not a whole number from 2 to 100000" ]
    [ ! -e "$T/x.png" ]
}

@test "dl-plot fit/regions: DATA that went through the model's design is refused as such, not as too many inputs" {
    linear_model "$FIX/sin.csv" 1 --poly 3
    dl-design -q --poly 3 "$T/data.dlt" >"$T/designed.dlt"
    for opts in "" "--inputs x"; do
        run dl-plot fit $opts "$T/lin.ckpt" "$T/designed.dlt" -o "$T/x.png"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-plot: $T/designed.dlt: 'x' went through a design already (its 'design' record), but the figure draws the model over its raw inputs, which the model's design expands: give the data as it was before dl-design" ]
    done
    [ ! -e "$T/x.png" ]
    run dl-plot fit "$T/lin.ckpt" "$T/data.dlt" -o "$T/x.png"
    [ "$status" -eq 0 ]
}

@test "dl-plot: the extension of -o is read in any case" {
    run dl-plot curves --script "$FIX/curve.tsv" -o "$T/c.Png"
    [ "$status" -eq 0 ]
    [[ "$output" == *"set terminal pngcairo "* ]]
    run dl-plot curves --script "$FIX/curve.tsv" -o "$T/c.sVg"
    [ "$status" -eq 0 ]
    [[ "$output" == *"set terminal svg "* ]]
    run dl-plot curves "$FIX/curve.tsv" -o "$T/c.Png"
    [ "$status" -eq 0 ]
    is_png "$T/c.Png"
}

@test "dl-plot: without gnuplot, says what to install" {
    plot=$(command -v dl-plot)
    run env PATH=/nonexistent "$plot" curves "$FIX/curve.tsv" -o "$T/x.png"
    [ "$status" -eq 3 ]
    [[ "$output" == *"apt-get install gnuplot-nox"* ]]
    [ -z "$(ls "$T")" ]
}

@test "dl-plot: an image that cannot be written whole is an I/O error, and the old file stays" {
    echo old >"$T/c.png"
    # a file size limit of 8 KiB, its signal ignored: writes past it fail (EFBIG)
    run bash -c 'trap "" XFSZ; ulimit -f 8; dl-plot curves "$1" -o "$2"' _ "$FIX/curve.tsv" "$T/c.png"
    [ "$status" -eq 3 ]
    [ "$output" = "dl-plot: $T/c.png: write failed: File too large" ]
    [ "$(cat "$T/c.png")" = old ]
    [ "$(ls -A "$T")" = c.png ]
    ln -s /dev/full "$T/full.png"
    run dl-plot curves "$FIX/curve.tsv" -o "$T/full.png"
    [ "$status" -eq 3 ]
    [ "$output" = "dl-plot: $T/full.png: write failed: No space left on device" ]
}

@test "dl-plot --script that cannot be written says standard output: write failed, as every tool does" {
    [ -w /dev/full ] || skip "no /dev/full"
    run bash -c 'dl-plot curves --script "$1" -o "$2" > /dev/full' _ "$FIX/curve.tsv" "$T/c.png"
    [ "$status" -eq 3 ]
    [ "$output" = "dl-plot: standard output: write failed: No space left on device" ]
}

@test "dl-plot: a FIFO named by -o is written in place, the image to its reader" {
    mkfifo "$T/fifo.png"
    timeout 20 cat "$T/fifo.png" >"$T/got.png" &
    reader=$!
    run timeout 20 dl-plot curves "$FIX/curve.tsv" -o "$T/fifo.png"
    wait "$reader"
    [ "$status" -eq 0 ]
    [ -p "$T/fifo.png" ]
    is_png "$T/got.png"
    dl-plot curves "$FIX/curve.tsv" -o "$T/file.png"
    cmp "$T/got.png" "$T/file.png"
}

@test "dl-plot: any file name is written, quotes and newlines included; --script names it exactly" {
    for name in "it's.png" "say \"hi\".svg" $'two\nlines.png' 'back\\slash `x` @y.png'; do
        run dl-plot curves "$FIX/curve.tsv" -o "$T/$name"
        [ "$status" -eq 0 ]
        case $name in
        *.png) is_png "$T/$name" ;;
        *) is_svg "$T/$name" ;;
        esac
        # the script's own set output writes the same file
        dl-plot curves --script "$FIX/curve.tsv" -o "$T/script-$name" | gnuplot -d
        cmp "$T/$name" "$T/script-$name"
    done
    [ "$(ls -Aq "$T" | wc -l)" -eq 8 ] # no temporary left
}

@test "dl-plot: gnuplot reads no start-up file of the user's" {
    mkdir "$T/home"
    printf 'set datafile separator ","\nset print "%s"\nprint "read"\n' "$T/read" >"$T/home/.gnuplot"
    HOME="$T/home" run dl-plot curves "$FIX/curve.tsv" -o "$T/c.png"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    is_png "$T/c.png"
    [ ! -e "$T/read" ]
}

@test "dl-plot: usage errors exit 2; --help shows every default; --version" {
    run dl-plot curves "$FIX/curve.tsv" -o "$T/x.jpg"
    [ "$status" -eq 2 ]
    [[ "$output" == *"must end in .png or .svg"* ]]
    run dl-plot curves "$FIX/curve.tsv"
    [ "$status" -eq 2 ]
    run dl-plot histogram x -o "$T/x.png"
    [ "$status" -eq 2 ]
    run dl-plot
    [ "$status" -eq 2 ]
    run dl-plot curves a b c d e f g h i -o "$T/x.png"
    [ "$status" -eq 2 ]
    run dl-plot fit m d --grid 1 -o "$T/x.png"
    [ "$status" -eq 2 ]
    run dl-plot curves --size 10x10 "$FIX/curve.tsv" -o "$T/x.png"
    [ "$status" -eq 2 ]
    run dl-plot --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"curves LOG.tsv... -o FILE"* ]]
    [[ "$output" == *"(default: 800x560)"* ]]
    [[ "$output" == *"(default: 400)"* ]]
    [[ "$output" == *"(default: 0.5)"* ]]
    run dl-plot --version
    [[ "$output" == "dl-plot (dl toolkit) "* ]]
}

@test "dl-plot: an option of other figures is refused, naming the figures it belongs to" {
    local figures="curves layers fit regions roc pr confusion parity residuals"
    local -A of=(
        ["--log-scale"]="curves, layers" ["--basis"]="fit" ["--grid=50"]="fit, regions"
        ["--inputs=0"]="fit, regions" ["--threshold=0.3"]="regions, confusion"
        ["--truth=$T/y.dlt"]="roc, pr, confusion, parity, residuals" ["--normalize=pred"]="confusion"
    )
    for opt in "${!of[@]}"; do
        for fig in $figures; do
            run dl-plot "$fig" "$opt" "$T/absent" -o "$T/x.png"
            if [[ ", ${of[$opt]}, " == *", $fig, "* ]]; then
                [[ "$output" != *"does not apply"* ]] || { echo "$fig $opt: $output"; return 1; }
            else
                [ "$status" -eq 2 ] || { echo "$fig $opt: status $status"; return 1; }
                [ "${lines[0]}" = "dl-plot: $fig: ${opt%%=*} does not apply (an option of ${of[$opt]})" ]
            fi
        done
    done
    [ ! -e "$T/x.png" ]
    run dl-plot roc --title t --xlabel x --ylabel y --size 200x200 --script "$T/absent" -o "$T/x.png"
    [[ "$output" != *"does not apply"* ]]
}

@test "dl-plot: a stream given where a TSV is expected is refused, nothing leaks (ASan)" {
    printf '1,2\n3,4\n' >"$T/d.csv"
    dl-tensor import "$T/d.csv" >"$T/d.dlt"
    run dl-plot curves "$T/d.dlt" -o "$T/x.png"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-plot: $T/d.dlt: binary data, not a TSV table" ]
    [ ! -e "$T/x.png" ]
}
