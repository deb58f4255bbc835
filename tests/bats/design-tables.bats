#!/usr/bin/env bats
# dl-design's input stage on tables: --impute, --impute-indicator, --onehot,
# --unseen, against scikit-learn's SimpleImputer and OneHotEncoder
# (tests/fixtures/design/gen_design.py); derived column names; missing cells.

load linear_helpers

D="$DL_TEST_ROOT/tests/fixtures/design"

# design_x OUT ARGS...: dl-design ARGS on mixed.dlt, x exported as CSV to OUT.
design_x() {
    local out=$1
    shift
    dl-design -q "$@" "$D/mixed.dlt" > "$TMP/d.dlt"
    dl-tensor export --name x "$TMP/d.dlt" > "$out"
}

@test "--impute mean|median|most_frequent|constant with indicators and --onehot auto match scikit-learn" {
    for how in mean median most_frequent; do
        design_x "$TMP/$how.csv" --no-bias --impute "$how" --impute-indicator --onehot auto
        WANT_SKIP=1 numbers_near "$TMP/$how.csv" "$D/mixed_$how.txt" 1e-13
    done
    design_x "$TMP/c.csv" --no-bias --impute constant=7.5 --impute-indicator --onehot auto
    WANT_SKIP=1 numbers_near "$TMP/c.csv" "$D/mixed_constant.txt" 1e-13
}

@test "the median is exact over many rows (ties, negatives, even and odd counts), as is the most frequent value" {
    dl-design -q --impute median "$D/median.dlt" > "$TMP/m.dlt"
    grep -a '^fill: ' "$TMP/m.dlt" | sed 's/^fill: //' > "$TMP/fill.txt"
    WANT_SKIP=1 numbers_near "$TMP/fill.txt" "$D/median_fill.txt" 0
    dl-design -q --impute most_frequent "$D/median.dlt" > "$TMP/f.dlt"
    grep -a '^fill: ' "$TMP/f.dlt" | sed 's/^fill: //' > "$TMP/fill.txt"
    WANT_SKIP=1 numbers_near "$TMP/fill.txt" "$D/frequent_fill.txt" 0
}

@test "--apply re-applies the statistics and maps the input's own category codes to the training levels" {
    dl-design -q --no-bias --impute median --impute-indicator --onehot auto "$D/mixed.dlt" > "$TMP/m.dlt"
    dl-design -q -a "$TMP/m.dlt" "$D/mixed_new.dlt" | dl-tensor export --name x > "$TMP/new.csv"
    WANT_SKIP=1 numbers_near "$TMP/new.csv" "$D/mixed_new.txt" 1e-13
}

@test "an unseen level is exit 1 naming column and level; --unseen zero gives an all-zero row" {
    dl-design -q --no-bias --impute median --impute-indicator --onehot auto "$D/mixed.dlt" > "$TMP/m.dlt"
    run dl-design -q -a "$TMP/m.dlt" "$D/mixed_unseen.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-design: $D/mixed_unseen.dlt: record 3 ('x'): row 2, column 3 ('color'): level 'purple' was not in the training data (dl-design --unseen zero gives it an all-zero row)" ]]
    dl-design -q --no-bias --impute median --impute-indicator --onehot auto --unseen zero "$D/mixed.dlt" > "$TMP/z.dlt"
    dl-design -q -a "$TMP/z.dlt" "$D/mixed_unseen.dlt" | dl-tensor export --name x > "$TMP/z.csv"
    WANT_SKIP=1 numbers_near "$TMP/z.csv" "$D/mixed_unseen_zero.txt" 1e-13
}

@test "a one-hot column has only the levels of the fitting rows, not every level x.categories lists" {
    for how in median most_frequent; do
        dl-design -q --no-bias --impute "$how" --impute-indicator --onehot auto "$D/mixed_extra.dlt" |
            dl-tensor export --name x > "$TMP/$how.csv"
        WANT_SKIP=1 numbers_near "$TMP/$how.csv" "$D/mixed_$how.txt" 1e-13
    done
    dl-design -q --no-bias --impute median --impute-indicator --onehot auto "$D/mixed_extra.dlt" > "$TMP/m.dlt"
    run dl-design -q -a "$TMP/m.dlt" "$D/mixed_unseen.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"row 2, column 3 ('color'): level 'purple' was not in the training data"* ]]
    dl-design -q --no-bias --impute median --impute-indicator --onehot auto --unseen zero "$D/mixed_extra.dlt" > "$TMP/z.dlt"
    dl-design -q -a "$TMP/z.dlt" "$D/mixed_unseen.dlt" | dl-tensor export --name x > "$TMP/z.csv"
    WANT_SKIP=1 numbers_near "$TMP/z.csv" "$D/mixed_unseen_zero.txt" 1e-13
    dl-design -q -a "$TMP/m.dlt" "$D/mixed_new.dlt" | dl-tensor export --name x > "$TMP/new.csv"
    WANT_SKIP=1 numbers_near "$TMP/new.csv" "$D/mixed_new.txt" 1e-13
    dl-design -q --impute median --onehot auto "$D/mixed_extra.dlt" | dl-lstsq -q --ridge 1 > "$TMP/m.ckpt"
    run dl-predict "$TMP/m.ckpt" "$D/mixed_unseen.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"row 2, column 3 ('color'): level 'purple' was not in the training data"* ]]
}

@test "a categorical column with no value in the input (import types it numeric) is imputed by --apply and dl-predict" {
    printf 'age,sex,y\n50,male,1\n60,female,2\n55,male,3\n' | dl-tensor import --target y > "$TMP/t.dlt"
    dl-design -q --impute median --onehot auto "$TMP/t.dlt" > "$TMP/t.phi"
    printf 'age,sex\n52,NA\n40,NA\n' | dl-tensor import --missing NA > "$TMP/na.dlt"
    dl-design -q -a "$TMP/t.phi" "$TMP/na.dlt" | dl-tensor export --name x > "$TMP/na.csv"
    # bias, age, sex=female, sex=male: the most frequent level is male
    printf '1,52,0,1\n1,40,0,1\n' > "$TMP/want.csv"
    numbers_near "$TMP/na.csv" "$TMP/want.csv" 0
    dl-lstsq -q "$TMP/t.phi" > "$TMP/s.ckpt"
    dl-predict "$TMP/s.ckpt" "$TMP/na.dlt" | dl-tensor export --name yhat > "$TMP/yhat.csv"
    # three rows, four columns: the fit goes through every training row, and
    # (52, male) = 0.6 (50, male) + 0.4 (55, male), (40, male) = 3 (50, male) - 2 (55, male)
    awk 'BEGIN { printf "%.17g\n%.17g\n", 0.6 * 1 + 0.4 * 3, 3 * 1 - 2 * 3 }' > "$TMP/want_yhat.csv"
    numbers_near "$TMP/yhat.csv" "$TMP/want_yhat.csv" 1e-9
}

@test "dl-predict re-applies the stage of the checkpoint's design, unseen levels included" {
    dl-design -q --impute median --onehot auto "$D/mixed.dlt" | dl-lstsq -q --ridge 1 > "$TMP/m.ckpt"
    run dl-predict "$TMP/m.ckpt" "$D/mixed_new.dlt"
    [ "$status" -eq 0 ]
    run dl-predict "$TMP/m.ckpt" "$D/mixed_unseen.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"row 2, column 3 ('color'): level 'purple' was not in the training data"* ]]
}

@test "--onehot NAME expands only that column; derived names travel as x.names" {
    dl-design -q --impute mean --impute-indicator --onehot size --poly 2 "$D/mixed.dlt" > "$TMP/d.dlt"
    run dl-tensor info "$TMP/d.dlt"
    [[ $output == *"x.names"* ]]
    grep -a -c '^size=M$' "$TMP/d.dlt"
    grep -a -c 'bias$' "$TMP/d.dlt"
    grep -a -c '^speed^2$' "$TMP/d.dlt"
    grep -a -c '^speed\*depth$' "$TMP/d.dlt"
    grep -a -c '^missing(depth)$' "$TMP/d.dlt"
    grep -a -c '^color\*size=L$' "$TMP/d.dlt"
    dl-design -q --rbf 2 --fourier 1 --legendre 2 --onehot color --impute median "$D/mixed.dlt" > "$TMP/r.dlt"
    grep -a -c '^rbf3$' "$TMP/r.dlt"
    grep -a -c '^sin1(color=red)$' "$TMP/r.dlt"
    grep -a -c '^P2(size)$' "$TMP/r.dlt"
}

@test "--standardize leaves one-hot and indicator columns 0/1" {
    design_x "$TMP/s.csv" --no-bias --impute median --impute-indicator --onehot auto --standardize
    awk -F, '{ for (i = 3; i <= 11; i++) if ($i != 0 && $i != 1) exit 1 }' "$TMP/s.csv"
    # the numeric columns are centred
    awk -F, '{ s += $1 } END { exit !(s < 1e-9 && s > -1e-9) }' "$TMP/s.csv"
}

@test "--impute and --standardize take their statistics of the rows whatever their weights" {
    # a = 1, 2, 4, 8 and a missing cell: the unweighted mean 3.75 fills it;
    # standardized over 1, 2, 4, 8, 3.75: mean 3.75, std sqrt(28.75 / 5)
    printf 'a,w,y\n1,1,1\n2,3,2\n4,1,3\n8,2,4\nNA,10,5\n' > "$TMP/w.csv"
    dl-tensor import --target y --weight w --missing NA "$TMP/w.csv" > "$TMP/w.dlt"
    dl-design -q --impute mean --standardize "$TMP/w.dlt" | dl-tensor export --name design > "$TMP/w.txt"
    grep -qx 'fill: 3.75' "$TMP/w.txt"
    grep -qx 'mean: 3.75' "$TMP/w.txt"
    awk '$1 == "scale:" { d = $2 - sqrt(28.75 / 5); ok = d < 1e-15 && d > -1e-15 } END { exit !ok }' "$TMP/w.txt"
}

@test "a missing cell without --impute: exit 1 naming row, column and name, and how to impute" {
    run dl-design -q "$D/holes.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-design: $D/holes.dlt: record 2 ('x'): row 3, column 2 ('depth'): missing value (impute with dl-design --impute)" ]]
    run dl-design -q --standardize "$D/holes.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"row 3, column 2 ('depth'): missing value (impute with dl-design --impute)" ]]
    # without -q too: the one line is the error, no column report before it
    run dl-design "$D/holes.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-design: $D/holes.dlt: record 2 ('x'): row 3, column 2 ('depth'): missing value (impute with dl-design --impute)" ]]
}

@test "usage: bad --impute, --impute-indicator alone, unknown --onehot column, --unseen alone, options with --apply" {
    run dl-design --impute mode "$D/mixed.dlt"
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-design: --impute: 'mode' is not mean, median, most_frequent or constant[=VALUE]" ]]
    run dl-design --impute median=3 "$D/mixed.dlt"
    [ "$status" -eq 2 ]
    run dl-design --impute constant=abc "$D/mixed.dlt"
    [ "$status" -eq 2 ]
    run dl-design --impute-indicator "$D/mixed.dlt"
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-design: --impute-indicator goes with --impute" ]]
    run dl-design --onehot shade "$D/mixed.dlt"
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-design: --onehot: x has no column 'shade' (its columns: 'speed', 'depth', 'color', 'size')" ]]
    run dl-design --onehot speed "$D/mixed.dlt"
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-design: --onehot: column 1 ('speed') is not categorical" ]]
    # an empty name, wherever the comma too many is, or the list ''
    for list in 'color,' ',color' 'color,,size' ''; do
        run dl-design --onehot "$list" "$D/mixed.dlt"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-design: --onehot: an empty column name in '$list' (names are separated by single commas)" ]
    done
    run dl-design --onehot color,color "$D/mixed.dlt"
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-design: --onehot: column 'color' is named twice" ]]
    run dl-design --unseen zero "$D/mixed.dlt"
    [ "$status" -eq 2 ]
    run dl-design --impute mean -a "$D/mixed.dlt" "$D/mixed.dlt"
    [ "$status" -eq 2 ]
}

@test "--onehot given twice is a usage error: a second list would not add to the first" {
    for twice in "color --onehot size" "auto --onehot color" "color --onehot auto"; do
        set -- $twice
        run dl-design -q --onehot "$1" --onehot "$3" "$D/mixed.dlt"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-design: --onehot given twice ('$1', then '$3'): give the columns once, NAME,NAME" ]
    done
    dl-design -q --impute median --onehot color,size "$D/mixed.dlt" > /dev/null
}

@test "a column with no values at all cannot be imputed from the data" {
    dl-tensor import -t 1 --allow-nonfinite <(printf 'nan,1,2\nnan,2,3\n') > "$TMP/e.dlt"
    run dl-design -q --impute mean "$TMP/e.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"column 1 ('x0') has no values in the training rows: nothing to take the mean of (use --impute constant)" ]]
    dl-design -q --impute constant=3 "$TMP/e.dlt" > /dev/null
}

@test "a categorical column with no value in the training rows is refused without pointing at --impute constant" {
    # the file lists the levels x and y, the first two rows (the training
    # rows) have neither; a categorical column takes its most frequent level
    # whatever the strategy, so --impute constant cannot fill it either
    printf 'c,a,y\n,1,1\n,2,2\nx,3,3\ny,4,4\n' > "$TMP/e.csv"
    dl-tensor import -t 1 --missing '' "$TMP/e.csv" > "$TMP/all.dlt"
    dl-tensor head -n 2 "$TMP/all.dlt" > "$TMP/e.dlt"
    for how in mean constant; do
        run dl-design -q --impute "$how" --onehot auto "$TMP/e.dlt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-design: $TMP/e.dlt: column 1 ('c') has no level in the training rows: nothing to fill its missing cells with (a categorical column takes its most frequent level, whatever --impute says)" ]
    done
}

@test "--impute mean and median of inputs near the largest double fill finite values that --apply reads back" {
    # mean (1.5 + 1.7 + 1.6 + 1.7) / 4 and median (1.6 + 1.7) / 2, times 1e308:
    # their sums overflow, they do not
    printf 'a,y\n1.5e308,1\n1.7e308,2\nNA,3\n1.6e308,4\n1.7e308,5\n' > "$TMP/big.csv"
    dl-tensor import -t 1 --missing NA "$TMP/big.csv" > "$TMP/big.dlt"
    for how in mean:1.625e308 median:1.65e308; do
        dl-design -q --no-bias --impute "${how%%:*}" "$TMP/big.dlt" > "$TMP/d.dlt"
        dl-design -q -a "$TMP/d.dlt" "$TMP/big.dlt" | dl-tensor export --name x > "$TMP/x.csv"
        printf '1.5e308\n1.7e308\n%s\n1.6e308\n1.7e308\n' "${how#*:}" > "$TMP/want.csv"
        numbers_near "$TMP/x.csv" "$TMP/want.csv" 1e-15
    done
}

@test "columns that differ from the design's are refused by name" {
    dl-design -q --impute median --onehot auto "$D/mixed.dlt" > "$TMP/m.dlt"
    run dl-design -q -a "$TMP/m.dlt" "$D/holes.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"x has 2 columns but the design takes 4 inputs"* ]]
}

@test "dl-train meets a missing cell: exit 1 naming row, column and name" {
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\ntraining: {epochs: 1, validation: 0}\n' > "$TMP/lin.yaml"
    run dl-train -q "$TMP/lin.yaml" "$D/holes.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: $D/holes.dlt: record 'x': row 3, column 2 ('depth'): missing value (impute with dl-design --impute)" ]]
}

@test "dl-predict meets a missing cell its checkpoint cannot impute: exit 1 naming row, column and name" {
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\ntraining: {epochs: 1, validation: 0}\n' > "$TMP/lin.yaml"
    dl-train -q "$TMP/lin.yaml" "$D/clean.dlt" > "$TMP/net.ckpt"
    run dl-predict "$TMP/net.ckpt" "$D/holes.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-predict: $D/holes.dlt: record 2 ('x'): row 3, column 2 ('depth'): missing value (impute with dl-design --impute)" ]]
    # a design fitted without --impute, which --apply cannot add
    dl-design -q "$D/clean.dlt" | dl-lstsq -q > "$TMP/lin.ckpt"
    run dl-predict "$TMP/lin.ckpt" "$D/holes.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-predict: $D/holes.dlt: record 2 ('x'): row 3, column 2 ('depth'): missing value (the design was fitted without --impute: fit it again with dl-design --impute, whose fill values it keeps)" ]]
    dl-design -q "$D/clean.dlt" > "$TMP/d.dlt"
    run dl-design --apply "$TMP/d.dlt" "$D/holes.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"row 3, column 2 ('depth'): missing value (the design was fitted without --impute:"* ]]
}

@test "dl-predict names a missing cell by its row in x, in a later chunk, as dl-design does" {
    { echo a,t; for i in $(seq 30); do echo "$i,$((2 * i + 1))"; done; } > "$TMP/tr.csv"
    { echo a; for i in $(seq 25); do [ "$i" = 23 ] && echo NA || echo "$i"; done; } > "$TMP/te.csv"
    dl-tensor import --target t "$TMP/tr.csv" > "$TMP/tr.dlt"
    dl-tensor import --missing NA --chunk-rows 10 "$TMP/te.csv" > "$TMP/te.dlt"
    want="record 4 ('x'): row 23, column 1 ('a'): missing value (impute with dl-design --impute)"
    run dl-design -q "$TMP/te.dlt"
    [[ $output == "dl-design: $TMP/te.dlt: $want" ]]
    dl-design -q "$TMP/tr.dlt" | dl-lstsq -q > "$TMP/lin.ckpt"
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\ntraining: {epochs: 1, validation: 0}\n' > "$TMP/lin.yaml"
    dl-train -q "$TMP/lin.yaml" "$TMP/tr.dlt" > "$TMP/net.ckpt"
    run dl-predict "$TMP/net.ckpt" "$TMP/te.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $TMP/te.dlt: $want" ]
    run dl-predict "$TMP/lin.ckpt" "$TMP/te.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $TMP/te.dlt: ${want%(*}(the design was fitted without --impute: fit it again with dl-design --impute, whose fill values it keeps)" ]
    # an infinity, for a checkpoint of raw x (no design): named by its row too
    sed 's/^NA$/inf/' "$TMP/te.csv" | dl-tensor import --allow-nonfinite --chunk-rows 10 > "$TMP/inf.dlt"
    dl-lstsq -q "$TMP/tr.dlt" > "$TMP/raw.ckpt"
    run dl-predict "$TMP/raw.ckpt" "$TMP/inf.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $TMP/inf.dlt: record 4 ('x'): x row 23 holds an infinity" ]
}

@test "checkpoints of dl-train keep x.names, y.names and y.categories" {
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\ntraining: {epochs: 1, validation: 0}\n' > "$TMP/lin.yaml"
    dl-design -q --onehot auto --impute median "$D/mixed.dlt" > "$TMP/d.dlt"
    dl-train -q "$TMP/lin.yaml" "$TMP/d.dlt" > "$TMP/net.ckpt"
    dl-tensor export --name x.names "$TMP/d.dlt" > "$TMP/want"
    dl-tensor export --name x.names "$TMP/net.ckpt" > "$TMP/got"
    cmp "$TMP/want" "$TMP/got"
    dl-train -q "$TMP/lin.yaml" "$D/clean.dlt" > "$TMP/c.ckpt"
    run dl-tensor info "$TMP/c.ckpt"
    [[ $output == *"y.names"* ]]
}

@test "dl-lstsq meets a missing cell: exit 1 naming row, column and name" {
    run dl-lstsq -q "$D/holes.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: $D/holes.dlt: record 2 ('x'): row 3, column 2 ('depth'): missing value (impute with dl-design --impute)" ]]
}

@test "dl-lstsq: the checkpoint keeps x.names and y.names, -v names every coefficient" {
    dl-design -q --impute median --onehot auto "$D/mixed.dlt" > "$TMP/d.dlt"
    run dl-lstsq -v --ridge 1 -o "$TMP/m.ckpt" "$TMP/d.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"coefficient 1 (bias): "* ]]
    [[ $output == *"coefficient 4 (color=blue): "* ]]
    [[ $output == *"coefficient 9 (size=S): "* ]]
    dl-tensor export --name x.names "$TMP/d.dlt" > "$TMP/want"
    dl-tensor export --name x.names "$TMP/m.ckpt" > "$TMP/got"
    cmp "$TMP/want" "$TMP/got"
    run dl-lstsq -v -o "$TMP/c.ckpt" "$D/clean.dlt"
    [[ $output == *"coefficient 2 (depth): "* ]]
    run dl-tensor info "$TMP/c.ckpt"
    [[ $output == *"y.names"* ]]
    # without names, the coefficients are numbered only
    tail -n +2 "$DL_TEST_ROOT/data/particle.csv" | dl-tensor import -t 1 |
        dl-lstsq -v -o "$TMP/p.ckpt" 2> "$TMP/log"
    grep -q '^dl-lstsq: coefficient 1: ' "$TMP/log"
}

@test "a categorical cell that is no code of its levels is exit 1 naming it" {
    for opts in "--onehot auto" "--impute mean" ""; do
        run dl-design -q $opts "$D/badcode.dlt"
        [ "$status" -eq 1 ]
        [[ $output == "dl-design: $D/badcode.dlt: record 3 ('x'): row 2, column 2 ('color'): 2.5 is not a category code (0..1)" ]]
    done
}

@test "dl-train --val: raw validation rows get the training design, their own levels mapped" {
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\ntraining: {epochs: 2}\n' > "$TMP/lin.yaml"
    dl-design -q --impute median --onehot auto "$D/mixed.dlt" > "$TMP/d.dlt"
    dl-train -q "$TMP/lin.yaml" "$TMP/d.dlt" --val "$D/mixed_new.dlt" > /dev/null
    run dl-train -q "$TMP/lin.yaml" "$TMP/d.dlt" --val "$D/mixed_unseen.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"applying the training data's design: row 2, column 3 ('color'): level 'purple' was not in the training data"* ]]
}

@test "--onehot takes a column name holding a comma in double quotes, as dl-tensor's lists do" {
    printf '"a,b",c,y\nred,1,2\nblue,2,3\nred,3,4\n' | dl-tensor import --target y > "$TMP/q.dlt"
    dl-design -q --no-bias --onehot '"a,b"' "$TMP/q.dlt" | dl-tensor export --header > "$TMP/q.csv"
    [ "$(head -n 1 "$TMP/q.csv")" = '"a,b=blue","a,b=red",c,y' ]
    run dl-design --onehot a,b "$TMP/q.dlt"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-design: --onehot: x has no column 'a' (its columns: 'a,b', 'c')" ]
    run dl-design --onehot '"a,b' "$TMP/q.dlt"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-design: --onehot '\"a,b': item 1: unterminated quote (a quoted item ends at its closing quote)" ]
}
