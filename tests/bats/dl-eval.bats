#!/usr/bin/env bats
# dl-eval against sklearn.metrics values (tests/fixtures/metrics, made by
# gen_metrics.py), its output formats, and its refusal of bad input.

load plot_helpers
load metrics_helpers

setup() {
    FIX="$DL_TEST_ROOT/tests/fixtures/metrics"
    T="$BATS_TEST_TMPDIR"
}

# check_case NAME: dl-eval's TSV record equals the case's expected.tsv to 1e-9.
check_case() {
    local c=$FIX/$1
    mkstream "$T/$1.dlt" y "$c/y.csv" yhat "$c/yhat.csv"
    # shellcheck disable=SC2046
    dl-eval --format tsv $(cat "$c/options") "$T/$1.dlt" >"$T/$1.tsv" 2>"$T/$1.err" || {
        cat "$T/$1.err"; return 1; }
    same_metrics "$1" "$c/expected.tsv" "$T/$1.tsv"
}

check_cases() {
    local c found=0
    for c in "$FIX"/$1*/; do
        c=$(basename "$c")
        check_case "$c" || return 1
        found=$((found + 1))
    done
    [ "$found" -gt 0 ]
}

# named_cases CASE...: dl-eval's TSV record of each stream
# tests/fixtures/metrics_names/CASE.dlt equals CASE.tsv (made by
# gen_names.py) to 1e-9.
named_cases() {
    local nf=$DL_TEST_ROOT/tests/fixtures/metrics_names c
    for c in "$@"; do
        dl-eval -f tsv "$nf/$c.dlt" >"$T/$c.tsv" 2>/dev/null
        same_metrics "$c" "$nf/$c.tsv" "$T/$c.tsv" || return 1
    done
}

@test "dl-eval: regression metrics equal sklearn (multi-output, constant y, Lq)" {
    run check_cases reg_
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "dl-eval: binary metrics equal sklearn (ties, p of 0 and 1, one class, threshold, eps)" {
    run check_cases bin_
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "dl-eval: multiclass metrics equal sklearn (probabilities, labels, one-hot)" {
    run check_cases mc_
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "dl-eval: multilabel metrics equal sklearn (a label never true nor predicted)" {
    run check_cases ml_
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "dl-eval: r2 keeps its digits when y is far from 0 (1e8 + spread 0.006, 300000 rows)" {
    local off=$DL_TEST_ROOT/tests/fixtures/metrics_offset
    awk 'BEGIN { s = 20261201; for (i = 0; i < 300000; i++) {
            s = (s * 16807) % 2147483647; k = s % 20971 - 10485
            s = (s * 16807) % 2147483647; j = s % 10486 - 5242
            printf "%.17g %.17g %.17g\n", 1e8 + k / 1048576, 1e8 + (k + j) / 1048576, (i % 4) / 2 } }' \
        >"$T/rows.txt"
    [ "$(md5sum <"$T/rows.txt" | cut -d ' ' -f 1)" = "$(cat "$off/rows.md5")" ]
    awk '{ print $1 }' "$T/rows.txt" | dl-tensor import --name y >"$T/o.dlt"
    awk '{ print $2 }' "$T/rows.txt" | dl-tensor import --name yhat >>"$T/o.dlt"
    awk '{ print $3 }' "$T/rows.txt" | dl-tensor import --name w >"$T/w.dlt"
    dl-eval -f tsv "$T/o.dlt" | awk -F '\t' 'NR == 2 { print "r2\t" $6; print "mse\t" $3 }' >"$T/got"
    cat "$T/o.dlt" "$T/w.dlt" | dl-eval -f tsv |
        awk -F '\t' 'NR == 2 { print "r2_w\t" $6; print "mse_w\t" $3 }' >>"$T/got"
    # sklearn's values to the man page's 1e-9; r2 to 1e-13 of the exact value
    # (sklearn's own is some 1e-12 from it)
    within() { # within WANT TOLERANCE COUNT
        awk -F '\t' -v tol="$2" -v count="$3" 'NR == FNR { want[$1] = $2; next }
            $1 in want { d = ($2 - want[$1]) / want[$1]; if (d < 0) d = -d; n++
                         if (d > tol) { print $1 " = " $2 ", want " want[$1]; bad = 1 } }
            END { exit bad || n != count }' "$1" "$T/got"
    }
    run within "$off/expected.tsv" 1e-9 4
    echo "$output"
    [ "$status" -eq 0 ]
    run within "$off/exact.tsv" 1e-13 2
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "dl-eval: --truth reads y from another stream; a forced task is used" {
    mkstream "$T/t.dlt" y "$FIX/reg_single/y.csv"
    mkstream "$T/p.dlt" yhat "$FIX/reg_single/yhat.csv"
    run dl-eval --truth "$T/t.dlt" --format tsv --task regression "$T/p.dlt"
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == regression$'\t'40$'\t'* ]]
    # the same from stdin, concatenated
    run bash -c "cat '$T/t.dlt' '$T/p.dlt' | dl-eval --format tsv"
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == regression$'\t'40$'\t'* ]]
}

@test "dl-eval: --truth and the predictions cannot both be standard input" {
    mkstream "$T/t.dlt" y "$FIX/reg_single/y.csv"
    mkstream "$T/p.dlt" yhat "$FIX/reg_single/yhat.csv"
    for input in "" "-"; do
        run sh -c "dl-eval --truth - $input < '$T/t.dlt'"
        [ "$status" -eq 2 ] || { echo "$output"; return 1; }
        [ "${lines[0]}" = "dl-eval: --truth and FILE cannot both be standard input" ]
    done
    # either one alone is
    dl-eval --truth - -f tsv "$T/p.dlt" < "$T/t.dlt" | grep -q '^regression'
    dl-eval --truth "$T/t.dlt" -f tsv < "$T/p.dlt" | grep -q '^regression'
}

@test "dl-eval: tags become leading columns; --no-header appends a row" {
    mkstream "$T/b.dlt" y "$FIX/bin_ties_01/y.csv" yhat "$FIX/bin_ties_01/yhat.csv"
    dl-eval -f tsv --tag lr=0.1 --tag model=mlp "$T/b.dlt" >"$T/table.tsv"
    dl-eval -f tsv --no-header --tag lr=0.01 --tag model=mlp "$T/b.dlt" >>"$T/table.tsv"
    run cat "$T/table.tsv"
    [ "${#lines[@]}" -eq 3 ]
    [[ "${lines[0]}" == lr$'\t'model$'\t'task$'\t'n$'\t'accuracy$'\t'* ]]
    [[ "${lines[2]}" == 0.01$'\t'mlp$'\t'binary$'\t'50$'\t'0.68$'\t'* ]]
    # every row has as many fields as the header
    run awk -F '\t' 'NF != n { if (NR > 1) exit 1; n = NF }' "$T/table.tsv"
    [ "$status" -eq 0 ]
    # the text table: a tag key longer than every metric's name widens the
    # column, so that every value starts where the longest key's does
    dl-eval --tag experiment_name_this_long=base --tag m=1 "$T/b.dlt" > "$T/table.txt"
    run awk 'NF == 0 { exit } { print index($0, $2) }' "$T/table.txt"
    [ "$(printf '%s\n' "${lines[@]}" | sort -u)" = 28 ]
}

@test "dl-eval: a --tag key that is given twice or is one of the record's columns is refused" {
    mkstream "$T/b.dlt" y "$FIX/bin_ties_01/y.csv" yhat "$FIX/bin_ties_01/yhat.csv"
    for key in task n accuracy tp roc_auc 'cm[0,1]' confusion_matrix note; do
        run dl-eval -f tsv --tag "$key=1" "$T/b.dlt"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-eval: --tag: '$key' is a column of dl-eval's own record" ]
    done
    run dl-eval -f json --tag lr=0.1 --tag seed=1 --tag lr=0.2 "$T/b.dlt"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-eval: --tag: 'lr' is given twice" ]
    mkstream "$T/r.dlt" y "$FIX/reg_multi_const/y.csv" yhat "$FIX/reg_multi_const/yhat.csv"
    run dl-eval --tag 'r2[1]=x' "$T/r.dlt"
    [ "$status" -eq 2 ]
    # a key the record does not hold is fine
    run dl-eval -f tsv --tag accuracy=1 --tag fold=2 "$T/r.dlt"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == accuracy$'\t'fold$'\t'task$'\t'* ]]
}

@test "dl-eval: a --tag named as a --summary column, or breaking the records, is refused" {
    mkstream "$T/b.dlt" y "$FIX/bin_ties_01/y.csv" yhat "$FIX/bin_ties_01/yhat.csv"
    for key in metric runs mean sd min max; do
        run dl-eval -f json --tag "$key=lr0.1" "$T/b.dlt"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-eval: --tag: '$key' is a column of dl-eval --summary's records" ]
    done
    local rule="(a tag is KEY=VALUE in UTF-8, without control characters, double quotes or backslashes)"
    run dl-eval -f json --tag 'a=b\c' "$T/b.dlt"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-eval: --tag: 'a=b\c' contains a double quote or a backslash $rule" ]
    run dl-eval -f json --tag "a=b$(printf '\001')c" "$T/b.dlt"
    [ "$status" -eq 2 ]
    [[ "${lines[0]}" == *" contains a control character $rule" ]]
    run dl-eval -f json --tag "a=$(printf '\377')" "$T/b.dlt"
    [ "$status" -eq 2 ]
    [[ "${lines[0]}" == *" is not valid UTF-8 $rule" ]]
    run dl-eval -f json --tag "a=$(printf '\303\251')" "$T/b.dlt"
    [ "$status" -eq 0 ]
    [[ "$output" == '{"a": "'$'\303\251''", "task": "binary",'* ]]
    # --summary --by: the same columns, and a key given twice
    dl-eval -f json --tag lr=0.1 "$T/b.dlt" >"$T/runs.jsonl"
    for key in metric runs mean sd min max; do
        run dl-eval --summary --by "$key" -f json "$T/runs.jsonl"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-eval: --by: '$key' is a column of the summary's own records" ]
    done
    run dl-eval --summary --by lr,lr "$T/runs.jsonl"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-eval: --by: 'lr' is given twice" ]
}

@test "dl-eval --summary --by: an empty KEY is refused wherever the comma too many is; a quoted KEY holds a comma" {
    mkstream "$T/b.dlt" y "$FIX/bin_ties_01/y.csv" yhat "$FIX/bin_ties_01/yhat.csv"
    { dl-eval -f tsv --tag 'lr=0.1' --tag 'a,b=1' "$T/b.dlt"
      dl-eval -f tsv --no-header --tag 'lr=0.1' --tag 'a,b=2' "$T/b.dlt"; } >"$T/runs.tsv"
    for list in 'lr,' ',lr' 'lr,,a' '' '"",lr'; do
        run dl-eval --summary --by "$list" "$T/runs.tsv"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-eval: --by: an empty tag name in '$list' (names are separated by single commas)" ]
    done
    run dl-eval --summary --by '"lr' "$T/runs.tsv"
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-eval: --by '\"lr': item 1: unterminated quote"* ]]
    # the tag a,b, quoted as an item: two groups of one run each
    run dl-eval --summary --by 'lr,"a,b"' -f tsv "$T/runs.tsv"
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == $'lr\ta,b\tmetric\truns\t'* ]]
    [ "$(printf '%s\n' "${lines[@]}" | awk -F'\t' 'NR > 1 && $3 == "accuracy"' | cut -f1,2,4 | tr '\t' ' ' | tr '\n' ';')" = "0.1 1 1;0.1 2 1;" ]
}

@test "dl-eval: json is one object per run, NaN as null with a note" {
    mkstream "$T/o.dlt" y "$FIX/bin_one_class/y.csv" yhat "$FIX/bin_one_class/yhat.csv"
    run dl-eval --format json --tag seed=3 "$T/o.dlt"
    [ "$status" -eq 0 ]
    [[ "$output" == *'dl-eval: warning: roc_auc is undefined'* ]]
    json=$(dl-eval --format json --tag seed=3 "$T/o.dlt" 2>/dev/null)
    [ "$(printf '%s\n' "$json" | wc -l)" -eq 1 ]
    [[ "$json" == '{"seed": "3", "task": "binary", "n": 12,'* ]]
    [[ "$json" == *'"roc_auc": null,'* ]]
    [[ "$json" == *'"confusion_matrix": {"labels": [0, 1], "counts": [['* ]]
    if command -v jq >/dev/null; then printf '%s\n' "$json" | jq -e .n; fi
}

@test "dl-eval: infinite values are null in JSON, inf in TSV; --summary reads both" {
    # sklearn: mse, rmse and mae inf, r2 -inf, max_error 1e308 (squares overflow)
    printf '1\n2\n' >"$T/y.csv"
    printf '1e308\n-1e308\n' >"$T/p.csv"
    mkstream "$T/inf.dlt" y "$T/y.csv" yhat "$T/p.csv"
    dl-eval -f json "$T/inf.dlt" >"$T/inf.json"
    run cat "$T/inf.json"
    [ "$output" = '{"task": "regression", "n": 2, "mse": null, "rmse": null, "mae": null, "r2": null, "max_error": 1e+308}' ]
    if command -v jq >/dev/null; then jq -e '.mse == null and .max_error > 1e307' "$T/inf.json"; fi
    run dl-eval -f tsv --no-header "$T/inf.dlt"
    [ "$output" = $'regression\t2\tinf\tinf\tinf\t-inf\t1e+308' ]
    dl-eval -f tsv "$T/inf.dlt" >"$T/inf.tsv"
    run dl-eval --summary -f json "$T/inf.json" "$T/inf.tsv"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = '{"metric": "mse", "runs": 2, "mean": null, "sd": null, "min": null, "max": null}' ]
    run dl-eval --summary -f tsv "$T/inf.tsv"
    [ "${lines[4]}" = $'r2\t1\t-inf\tnan\t-inf\t-inf' ]
    # y of 1e170: both sums of squares overflow; sklearn's r2_score is nan
    # (inf / inf), not the 0 of a constant y predicted imperfectly
    printf '1e170\n2e170\n3.1e170\n' >"$T/y.csv"
    printf '1e170\n2e170\n3e170\n' >"$T/p.csv"
    mkstream "$T/big.dlt" y "$T/y.csv" yhat "$T/p.csv"
    [ "$(dl-eval -f tsv --no-header "$T/big.dlt" 2>/dev/null | cut -f 6)" = nan ]
    # said why, as for one row: a note in JSON, a warning on standard error
    dl-eval -f json "$T/big.dlt" 2>"$T/err" | grep -q '"r2": null, .*"note": "r2 is undefined (NaN): the sums of squares of y overflow (inf / inf)"}$'
    [ "$(cat "$T/err")" = "dl-eval: warning: r2 is undefined (NaN): the sums of squares of y overflow (inf / inf)" ]
}

@test "dl-eval: the table shows metrics, per-class rows and the confusion matrix" {
    mkstream "$T/m.dlt" y "$FIX/mc_labels/y.csv" yhat "$FIX/mc_labels/yhat.csv"
    run dl-eval "$T/m.dlt"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^task\ +multiclass$ ]]
    [[ "$output" =~ accuracy\ +0\.533333 ]]
    [[ "$output" =~ class\ +precision\ +recall\ +f1\ +support ]]
    [[ "$output" == *"confusion matrix (rows: true class, columns: predicted)"* ]]
}

@test "dl-eval: the confusion matrix lines up with class codes and sums of weights wider than 8 characters" {
    printf '123456789012\n5\n5\n-3\n' >"$T/y.csv"
    printf '123456789012\n5\n-3\n5\n' >"$T/yhat.csv"
    printf '1000000000\n3\n1.5\n1234567.5\n' >"$T/w.csv"
    mkstream "$T/c.dlt" y "$T/y.csv" yhat "$T/yhat.csv"
    mkstream "$T/w.dlt" y "$T/y.csv" yhat "$T/yhat.csv" w "$T/w.csv"
    for f in c w; do
        dl-eval "$T/$f.dlt" | sed -n '/^confusion matrix/,$p' | tail -n +2 >"$T/$f.cm"
        cat "$T/$f.cm"
        # every line as long as the header: the columns end where it does
        [ "$(awk '{ print length($0) }' "$T/$f.cm" | sort -u | wc -l)" -eq 1 ]
    done
    grep -q '^123456789012  *0  *0  *1$' "$T/c.cm"
    grep -q '^ *-3  *0  *1.23457e+06  *0$' "$T/w.cm"
    grep -q '^123456789012  *0  *0  *1000000000$' "$T/w.cm"
}

@test "dl-eval: the table writes counts of a million rows whole, as its confusion matrix does" {
    # a row of weight 1000546 stands for as many rows; sklearn's
    # confusion_matrix with sample_weight: [[1000546, 3], [2, 1]]
    printf '0\n0\n1\n1\n' >"$T/y.csv"
    printf '0.1\n0.9\n0.1\n0.9\n' >"$T/p.csv"
    printf '1000546\n3\n2\n1\n' >"$T/w.csv"
    mkstream "$T/b.dlt" y "$T/y.csv" yhat "$T/p.csv" w "$T/w.csv"
    dl-eval "$T/b.dlt" >"$T/b.txt"
    grep -qx 'tn  *1000546' "$T/b.txt"
    grep -qx ' *0  *1000546  *3' "$T/b.txt"
    # in the per-label grid too: label 0 true in every row, support 1000552
    # and fn 1000548 (sklearn's precision_recall_fscore_support and
    # multilabel_confusion_matrix)
    printf '1\n1\n1\n1\n' | paste -d, - "$T/y.csv" >"$T/y2.csv"
    paste -d, "$T/p.csv" "$T/p.csv" >"$T/p2.csv"
    mkstream "$T/m.dlt" y "$T/y2.csv" yhat "$T/p2.csv" w "$T/w.csv"
    dl-eval "$T/m.dlt" >"$T/m.txt"
    cat "$T/m.txt"
    grep -q '^0  .* 1000552 .* 1000548 ' "$T/m.txt"
}

@test "dl-eval: class names of non-ASCII characters line up as ASCII names do, a character a column" {
    local acute f
    acute=$(printf '\xc3\xa9') # one character in two bytes: e with an acute accent
    # a class name shorter than the columns, one longer, which widens them
    # (with é twice), and a tag; the same data with e in a.dlt
    for f in u a; do
        printf 'i,sp\n1,caf\xc3\xa9\n2,d\xc3\xa9caf\xc3\xa9in\xc3\xa9\n3,caf\xc3\xa9\n4,m\n5,m\n' |
            { [ $f = u ] && cat || sed "s/$acute/e/g"; } | dl-tensor import --target sp > "$T/$f.dlt"
        printf '0\tcaf\xc3\xa9\td\xc3\xa9caf\xc3\xa9in\xc3\xa9\tm\n' |
            { [ $f = u ] && cat || sed "s/$acute/e/g"; } |
            dl-tensor import --format text --name yhat.categories >> "$T/$f.dlt"
        printf '0\n1\n1\n2\n0\n' | dl-tensor import --name yhat >> "$T/$f.dlt"
    done
    dl-eval --tag "r${acute}seau=a" "$T/u.dlt" > "$T/u.txt"
    cat "$T/u.txt"
    grep -q "^caf${acute}  *0.5  " "$T/u.txt"
    grep -q "^d${acute}caf${acute}in${acute}  *0  *1  *0\$" "$T/u.txt"
    sed "s/$acute/e/g" "$T/u.txt" | diff - <(dl-eval --tag reseau=a "$T/a.dlt")
}

@test "dl-eval: integer dtypes are accepted" {
    mkstream "$T/i.dlt" y "$FIX/mc_labels/y.csv"
    dl-tensor import --name yhat "$FIX/mc_labels/yhat_i64.npy" >>"$T/i.dlt"
    run dl-tensor info "$T/i.dlt"
    [[ "$output" == *i64* ]]
    run dl-eval -f tsv "$T/i.dlt"
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == multiclass$'\t'45$'\t'0.5333333333333333$'\t'* ]]
}

@test "dl-eval: classes coded by y.categories and yhat.categories are matched by name" {
    local nf=$DL_TEST_ROOT/tests/fixtures/metrics_names
    run named_cases relabel_a relabel_b
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    # a class only yhat names is a class of the table and the confusion matrix
    run dl-eval "$nf/relabel_b.dlt"
    [ "$status" -eq 0 ]
    [[ "$output" =~ $'\n'arctica\ +0\ +0\ +0\ +0$'\n' ]]
    [[ "$output" =~ $'\n'\ +arctica\ +setosa\ +versicolor\ +virginica$'\n' ]]
    [[ "$output" =~ $'\n'\ +setosa\ +1\ +2\ +0\ +0$'\n' ]]
    run dl-eval -f json "$nf/relabel_b.dlt"
    [[ "$output" == *'"confusion_matrix": {"labels": [0, 1, 2, 3], '* ]]
    # --truth: y's classes from the truth's stream (relabel_a's rows)
    printf 'a,sp\n1,setosa\n2,virginica\n3,versicolor\n4,setosa\n5,virginica\n' |
        dl-tensor import --target sp >"$T/s.dlt"
    printf '0\tsetosa\tvirginica\n' | dl-tensor import --format text --name yhat.categories >"$T/yc.dlt"
    printf '0\n1\n1\n0\n1\n' | dl-tensor import --name yhat >>"$T/yc.dlt"
    dl-eval -f tsv --truth "$T/s.dlt" "$T/yc.dlt" >"$T/truth.tsv"
    run same_metrics truth "$nf/relabel_a.tsv" "$T/truth.tsv"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "dl-eval: a class named but neither true nor predicted is left out of the macro averages, as sklearn's default labels" {
    local nf=$DL_TEST_ROOT/tests/fixtures/metrics_names
    # y.categories a b c d: b is in no row of y and never predicted; the
    # labels' e and the scores' d are predicted but never true
    run named_cases absent_labels absent_scores
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    run dl-eval "$nf/absent_labels.dlt"
    [[ "$output" =~ $'\n'e\ +0\ +0\ +0\ +0$'\n' ]]
    [[ "$output" =~ $'\n'\ +a\ +c\ +d\ +e$'\n' ]]
    [[ "$output" != *$'\n'b\ * ]]
}

@test "dl-eval: class scores named NAME=CLASS are matched to y's string classes by name" {
    local nf=$DL_TEST_ROOT/tests/fixtures/metrics_names
    # scores_a: y codes b c, yhat scores a b c; scores_b: columns c a b;
    # binary_no: one column scoring 'no'; binary_yes: y holds 'yes' only
    run named_cases scores_a scores_b binary_no binary_yes
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    # the table names yhat's classes, a class y lacks included
    run dl-eval "$nf/scores_a.dlt"
    [[ "$output" =~ $'\n'\ +a\ +b\ +c$'\n'\ +a\ +0\ +0\ +0$'\n'\ +b\ +1\ +2\ +0$'\n' ]]
    # --truth: y from another stream, coded by its own classes
    printf 'i,sp\n1,b\n2,c\n3,b\n4,c\n5,c\n6,b\n' | dl-tensor import --target sp >"$T/truth.dlt"
    dl-eval -f tsv --truth "$T/truth.dlt" "$nf/scores_a.dlt" >"$T/truth.tsv"
    run same_metrics truth "$nf/scores_a.tsv" "$T/truth.tsv"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "dl-eval: scores that do not name their classes beside string classes are refused" {
    printf 'a,sp\n1,b\n2,d\n3,c\n' | dl-tensor import --target sp >"$T/bd.dlt"
    printf 'a,species\n1,b\n2,c\n3,c\n' | dl-tensor import --target species >"$T/species.dlt"
    printf '0.8,0.1,0.1\n0.1,0.1,0.8\n0.1,0.8,0.1\n' | dl-tensor import --name yhat >"$T/p.dlt"
    printf '0.8,0.1,0.1\n0.1,0.1,0.8\n0.1,0.8,0.1\n' |
        dl-tensor import --name yhat --names sp=a,sp=b,sp=c >"$T/named.dlt"
    # no names: which class each column scores is not known
    run dl-eval --truth "$T/bd.dlt" "$T/p.dlt"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "dl-eval: $T/p.dlt: 'yhat' holds columns of scores without the names of their classes, and 'y' holds string classes: name each NAME=CLASS in 'yhat.names' (as dl-predict does), or give class labels with their 'yhat.categories'" ]
    cut -d, -f1 <<<$'0.8,0.1\n0.1,0.1\n0.1,0.8' | dl-tensor import --name yhat >"$T/p1.dlt"
    run dl-eval --truth "$T/bd.dlt" "$T/p1.dlt"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "dl-eval: $T/p1.dlt: 'yhat' holds a column of scores without the name of its class, and 'y' holds string classes: name it NAME=CLASS in 'yhat.names' (as dl-predict does), or give class labels with their 'yhat.categories'" ]
    # one column of class codes without yhat.categories: y's own codes (b d c), as before
    printf '0\n2\n1\n' | dl-tensor import --name yhat >"$T/codes.dlt"
    run dl-eval -f tsv --truth "$T/bd.dlt" "$T/codes.dlt"
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == multiclass$'\t'3$'\t'1$'\t'* ]]
    # a class of y with no column
    run dl-eval --truth "$T/bd.dlt" "$T/named.dlt"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "dl-eval: $T/bd.dlt: 'y' row 2: class 'd' has no column of scores in 'yhat' (by their names NAME=CLASS)" ]
    # scores of another target's classes
    run dl-eval --truth "$T/species.dlt" "$T/named.dlt"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "dl-eval: $T/named.dlt: 'yhat' column 1 is 'sp=a', a class of the target 'sp', not of y's 'species'" ]
    # ... the unnamed target of a model trained on data without a header
    printf '0.9\n0.2\n0.4\n' | dl-tensor import --name yhat --names y0=b >"$T/y0.dlt"
    run dl-eval --truth "$T/species.dlt" "$T/y0.dlt"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "dl-eval: $T/y0.dlt: 'yhat' column 1 is 'y0=b', a class of the target 'y0', not of y's 'species' (a model trained on data without a header names its target y0)" ]
    # one column: scores of the class it names, against one other
    printf '0.9\n0.2\n0.4\n' | dl-tensor import --name yhat --names sp=b >"$T/b.dlt"
    run dl-eval --truth "$T/bd.dlt" "$T/b.dlt"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "dl-eval: $T/bd.dlt: 'y' has the classes 'c' and 'd' besides 'b', the one 'yhat' scores: one column of scores sets one class against one other" ]
    printf '0.9\n0.2\n0.4\n' | dl-tensor import --name yhat --names sp >"$T/b1.dlt"
    run dl-eval --truth "$T/bd.dlt" "$T/b1.dlt"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "dl-eval: $T/b1.dlt: 'yhat' column 1 is 'sp', not sp=CLASS: the class it scores is not named" ]
    # numeric classes: the codes are the columns, as before (every row right)
    printf 'a,sp\n1,0\n2,2\n3,1\n' | dl-tensor import --target sp >"$T/num.dlt"
    run dl-eval -f tsv --truth "$T/num.dlt" "$T/p.dlt"
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == multiclass$'\t'3$'\t'1$'\t'* ]]
}

@test "dl-eval: a class code that its categories do not name is refused, not scored as a class of its own" {
    # y.categories names 2 classes (a, b: codes 0 and 1)
    printf '0\ta\tb\n' | dl-tensor import --format text --name y.categories >"$T/yc.dlt"
    printf '0\ta\tb\n' | dl-tensor import --format text --name yhat.categories >"$T/hc.dlt"
    printf '0\n1\n1\n' | dl-tensor import --name y >"$T/y.dlt"
    printf '0\n2\n1\n' | dl-tensor import --name y >"$T/y2.dlt"
    printf '0\n1\n1\n' | dl-tensor import --name yhat >"$T/h.dlt"
    printf '0\n1\n2\n' | dl-tensor import --name yhat >"$T/h2.dlt"
    # y's own codes (yhat without categories)
    run bash -c "cat '$T/yc.dlt' '$T/y2.dlt' '$T/h.dlt' | dl-eval"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: <stdin>: 'y' row 2: 2 is no class code of 'y.categories' (0..1)" ]
    run bash -c "cat '$T/yc.dlt' '$T/y.dlt' '$T/h2.dlt' | dl-eval"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: <stdin>: 'yhat' row 3: 2 is no class code of 'y.categories' (0..1)" ]
    # the same categories on both sides
    cat "$T/yc.dlt" "$T/y2.dlt" >"$T/truth.dlt"
    run dl-eval --truth "$T/truth.dlt" <(cat "$T/hc.dlt" "$T/h.dlt")
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: $T/truth.dlt: 'y' row 2: 2 is no class code of 'y.categories' (0..1)" ]
    run bash -c "cat '$T/yc.dlt' '$T/y.dlt' '$T/hc.dlt' '$T/h2.dlt' | dl-eval"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: <stdin>: 'yhat' row 3: 2 is no class code of 'yhat.categories' (0..1)" ]
    # codes within the categories are scored
    run bash -c "cat '$T/yc.dlt' '$T/y.dlt' '$T/hc.dlt' '$T/h.dlt' | dl-eval -f tsv"
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == binary$'\t'3$'\t'1$'\t'* ]]
}

@test "dl-eval: class scores beside a yhat.categories other than y's are refused" {
    printf 'a,sp\n1,setosa\n2,virginica\n3,versicolor\n' | dl-tensor import --target sp >"$T/s.dlt"
    printf '0\tsetosa\tversicolor\tvirginica\n' |
        dl-tensor import --format text --name yhat.categories >"$T/same.dlt"
    printf '0\tsetosa\tvirginica\tzebra\n' |
        dl-tensor import --format text --name yhat.categories >"$T/other.dlt"
    printf '0.8,0.1,0.1\n0.1,0.1,0.8\n0.1,0.8,0.1\n' | dl-tensor import --name yhat >"$T/p.dlt"
    run bash -c "cat '$T/s.dlt' '$T/other.dlt' '$T/p.dlt' | dl-eval"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "dl-eval: <stdin>: 'yhat' holds 3 columns of class scores and its 'yhat.categories' differs from 'y.categories': the columns cannot be matched to y's classes by name (write them in y's class order)" ]
    # the same classes coded alike: nothing to match
    run bash -c "cat '$T/s.dlt' '$T/same.dlt' '$T/p.dlt' | dl-eval -f tsv"
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == multiclass$'\t'3$'\t'1$'\t'* ]]
}

@test "dl-eval: one column of class labels against one-hot y: each row's class is its 1's column" {
    # classes 0 1 2 1 against labels 0 1 1 1: 3 of 4 right (accuracy 3/4),
    # class 2's row predicted as class 1 (cm[2,1] = 1)
    printf '1,0,0\n0,1,0\n0,0,1\n0,1,0\n' | dl-tensor import --name y >"$T/y.dlt"
    printf '0\n1\n1\n1\n' | dl-tensor import --name yhat >"$T/p.dlt"
    for task in auto multiclass; do
        run dl-eval -f json -T "$task" --truth "$T/y.dlt" "$T/p.dlt"
        [ "$status" -eq 0 ]
        [[ "$output" == '{"task": "multiclass", "n": 4, "accuracy": 0.75, '* ]]
        [[ "$output" == *'"counts": [[1, 0, 0], [0, 2, 0], [0, 1, 0]]}}' ]]
    done
    # a row with two 1s (or none) names no class
    printf '1,0,0\n0,1,1\n0,0,1\n0,1,0\n' | dl-tensor import --name y >"$T/bad.dlt"
    for task in auto multiclass; do
        run dl-eval -T "$task" --truth "$T/bad.dlt" "$T/p.dlt"
        [ "$status" -eq 1 ]
        [ "${lines[0]}" = "dl-eval: $T/bad.dlt: 'y' row 2 is not one-hot: beside one column of class labels in 'yhat', a 'y' of 3 columns must hold one 1 per row, the class's column" ]
    done
}

@test "dl-eval: --task multiclass names the row, and the file, of a y as wide as yhat that is not one-hot" {
    printf '1,0,0\n0,1,0\n1,0,1\n0,1,0\n' | dl-tensor import --name y >"$T/y.dlt"
    printf '.8,.1,.1\n.1,.8,.1\n.1,.1,.8\n.2,.7,.1\n' | dl-tensor import --name yhat >"$T/p.dlt"
    run dl-eval -T multiclass --truth "$T/y.dlt" "$T/p.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: $T/y.dlt: 'y' row 3 is not one-hot: in the multiclass task, a 'y' of 3 columns must hold one 1 per row, the class's column, the rest 0" ]
    printf '1,0,0\n0,1,0\n0,0,2\n0,1,0\n' | dl-tensor import --name y >"$T/y2.dlt"
    run dl-eval -T multiclass --truth "$T/y2.dlt" "$T/p.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: $T/y2.dlt: 'y' row 3 is not one-hot: in the multiclass task, a 'y' of 3 columns must hold one 1 per row, the class's column, the rest 0" ]
}

@test "dl-eval: named outputs of yhat in another order than y's are refused, not scored crosswise" {
    # a model of outputs u, v; a test file whose y columns come as v, u
    printf 'a,u,v\n1,2,3\n2,4,5\n3,6,8\n4,8,9\n' > "$T/uv.csv"
    awk -F, -v OFS=, '{ print $1, $3, $2 }' "$T/uv.csv" > "$T/vu.csv"
    dl-tensor import --target u,v "$T/uv.csv" > "$T/uv.dlt"
    dl-tensor import --target v,u "$T/vu.csv" > "$T/vu.dlt"
    dl-lstsq -q -o "$T/uv.ckpt" "$T/uv.dlt"
    dl-predict "$T/uv.ckpt" < "$T/vu.dlt" > "$T/crossed.dlt"
    run dl-eval "$T/crossed.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: $T/crossed.dlt: 'yhat': column 1 is 'u' in the input but 'v' in the truth ('y')" ]
    run dl-eval --truth "$T/vu.dlt" "$T/crossed.dlt"
    [ "$status" -eq 1 ]
    # in the model's order, or without names on one side, they are paired by position
    dl-predict "$T/uv.ckpt" < "$T/uv.dlt" | dl-eval | grep -q '^task  *regression$'
    dl-tensor export --name yhat "$T/crossed.dlt" | dl-tensor import --name yhat > "$T/unnamed.dlt"
    dl-eval --truth "$T/uv.dlt" "$T/unnamed.dlt" | grep -q '^task  *regression$'
}

@test "dl-eval: bad input is refused with a clear message" {
    mkstream "$T/yonly.dlt" y "$FIX/reg_single/y.csv"
    run dl-eval "$T/yonly.dlt"
    [ "$status" -eq 1 ]
    [[ "$output" == "dl-eval: $T/yonly.dlt: no 'yhat' tensor"* ]]

    mkstream "$T/rows.dlt" y "$FIX/reg_single/y.csv" yhat "$FIX/bin_one_class/yhat.csv"
    run dl-eval "$T/rows.dlt"
    [ "$status" -eq 1 ]
    [[ "$output" == *"'y' has 40 rows but 'yhat' has 12"* ]]

    head -n 25 "$FIX/reg_multi_const/y.csv" >"$T/y25.csv"
    cut -d, -f1,2 "$FIX/mc_onehot/yhat.csv" >"$T/p2.csv"
    mkstream "$T/width.dlt" y "$T/y25.csv" yhat "$T/p2.csv"
    run dl-eval "$T/width.dlt"
    [ "$status" -eq 1 ]
    [[ "$output" == *"'y' has 3 columns but 'yhat' has 2"* ]]

    mkstream "$T/frac.dlt" y "$FIX/reg_single/y.csv" yhat "$FIX/reg_single/yhat.csv"
    run dl-eval --task multiclass "$T/frac.dlt"
    [ "$status" -eq 1 ]
    [[ "$output" == *"'y' row 1: "*" is not an integer class label"* ]]

    run dl-eval --task binary "$T/frac.dlt"
    [ "$status" -eq 1 ]
    [[ "$output" == *"is not a 0/1 label"* ]]

    head -c 200 "$T/frac.dlt" >"$T/trunc.dlt"
    run dl-eval "$T/trunc.dlt"
    [ "$status" -eq 1 ]
    [[ "$output" == "dl-eval: $T/trunc.dlt: record "* ]]

    run dl-eval "$T/missing.dlt"
    [ "$status" -eq 3 ]
}

@test "dl-eval: NaN in yhat is refused, naming the row" {
    printf '0\n1\n1\n' >"$T/y.csv"
    printf '0.2\nnan\n0.9\n' >"$T/p.csv"
    mkstream "$T/n.dlt" y "$T/y.csv"
    dl-tensor import --name yhat --allow-nonfinite "$T/p.csv" >>"$T/n.dlt" 2>/dev/null ||
        dl-tensor import --name yhat "$T/p.csv" >>"$T/n.dlt" ||
        skip "dl-tensor cannot store a NaN"
    run dl-eval "$T/n.dlt"
    [ "$status" -eq 1 ]
    [[ "$output" == "dl-eval: $T/n.dlt: 'yhat' row 2, column 1: NaN" ]]
}

@test "dl-eval: usage errors exit 2; --help shows every default; --version" {
    run dl-eval --task sideways x
    [ "$status" -eq 2 ]
    [[ "${lines[0]}" == "dl-eval: --task: unknown task 'sideways'" ]]
    run dl-eval --format xml x
    [ "$status" -eq 2 ]
    run dl-eval --tag novalue x
    [ "$status" -eq 2 ]
    run dl-eval --q -1 x
    [ "$status" -eq 2 ]
    run dl-eval a b
    [ "$status" -eq 2 ]
    run dl-eval --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"(default: 0.5)"* ]]
    [[ "$output" == *"(default: table)"* ]]
    [[ "$output" == *"(default: auto"* ]]
    run dl-eval --version
    [ "$status" -eq 0 ]
    [[ "$output" == "dl-eval (dl toolkit) "* ]]
}

# refuses TASK MESSAGE OPTION...: dl-eval of the fixture case TASK with the
# options is a usage error whose first line is MESSAGE, with nothing on
# standard output.
refuses() {
    local c=$1 message=$2
    shift 2
    dl-eval "$@" "$T/$c.dlt" >"$T/out" 2>"$T/err" && { echo "exit 0: dl-eval $*"; return 1; }
    [ $? -eq 2 ] || { echo "not exit 2: dl-eval $*"; cat "$T/err"; return 1; }
    [ "$(head -n 1 "$T/err")" = "dl-eval: $message" ] || { cat "$T/err"; return 1; }
    [ ! -s "$T/out" ]
}

@test "dl-eval: an option the task would ignore is a usage error, with -T or inferred" {
    for c in bin_ties_01 mc_labels mc_probs ml_probs reg_single; do
        mkstream "$T/$c.dlt" y "$FIX/$c/y.csv" yhat "$FIX/$c/yhat.csv"
    done
    inferred=" (inferred from 'y' and 'yhat'; -T sets it)"
    q="--q goes with the regression task (lq): the task is"
    refuses bin_ties_01 "$T/bin_ties_01.dlt: $q binary$inferred" --q 3
    refuses bin_ties_01 "$q binary" -T binary --q 3
    refuses mc_probs "$T/mc_probs.dlt: $q multiclass$inferred" --q 2
    refuses ml_probs "$q multilabel" -T multilabel --q 2
    thr="--threshold goes with the binary and multilabel tasks: the task is"
    refuses reg_single "$T/reg_single.dlt: $thr regression$inferred" --threshold 0.3
    refuses reg_single "$thr regression" -T regression --threshold 0.3
    refuses mc_labels "$T/mc_labels.dlt: $thr multiclass$inferred" --threshold 0.3
    eps="--eps goes with a log_loss (binary, or multiclass probabilities): the task is"
    refuses reg_single "$T/reg_single.dlt: $eps regression$inferred" --eps 0.1
    refuses reg_single "$eps regression" -T regression --eps 0.1
    refuses ml_probs "$eps multilabel" -T multilabel --eps 0.1
    labels="--eps goes with a log_loss, which class labels (one column of yhat) have not: the task is"
    refuses mc_labels "$T/mc_labels.dlt: $labels multiclass$inferred" --eps 0.1
    refuses mc_labels "$T/mc_labels.dlt: $labels multiclass" -T multiclass --eps 0.1
    # each where it counts
    dl-eval -f tsv --q 3 "$T/reg_single.dlt" | head -n 1 | tr '\t' '\n' | grep -qx lq
    dl-eval --threshold 0.3 --eps 0.1 "$T/bin_ties_01.dlt" > /dev/null
    dl-eval --eps 0.1 "$T/mc_probs.dlt" > /dev/null
    dl-eval --threshold 0.3 "$T/ml_probs.dlt" > /dev/null
}

@test "dl-eval: --no-header goes with --format tsv, also with --summary" {
    mkstream "$T/b.dlt" y "$FIX/bin_ties_01/y.csv" yhat "$FIX/bin_ties_01/yhat.csv"
    message="--no-header goes with --format tsv (only TSV has a header line)"
    refuses b "$message" --no-header
    refuses b "$message" --no-header -f table
    refuses b "$message" --no-header -f json
    dl-eval -f tsv "$T/b.dlt" > "$T/b.tsv"
    run dl-eval --summary --no-header "$T/b.tsv"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-eval: $message" ]
    run dl-eval --summary -f json --no-header "$T/b.tsv"
    [ "$status" -eq 2 ]
    [ "$(dl-eval -f tsv --no-header "$T/b.dlt")" = "$(tail -n 1 "$T/b.tsv")" ]
    [ "$(dl-eval --summary -f tsv --no-header "$T/b.tsv" | wc -l)" -eq \
      "$(($(dl-eval --summary -f tsv "$T/b.tsv" | wc -l) - 1))" ]
}

@test "dl-eval: log-loss clipping follows yhat's dtype (f32: float32 epsilon), as sklearn" {
    c=$FIX/bin_ties_01
    dl-tensor import --name y "$c/y.csv" >"$T/f32.dlt"
    dl-tensor import --name yhat --dtype f32 "$c/yhat.csv" >>"$T/f32.dlt"
    auto=$(dl-eval -f tsv --no-header "$T/f32.dlt")
    eps32=$(dl-eval -f tsv --no-header --eps 1.1920928955078125e-07 "$T/f32.dlt")
    eps64=$(dl-eval -f tsv --no-header --eps 2.220446049250313e-16 "$T/f32.dlt")
    [ "$auto" = "$eps32" ]
    [ "$auto" != "$eps64" ]
}

@test "dl-eval: the man page's examples run as written" {
    cd "$T"
    printf '0.1,0\n0.9,1\n0.2,0\n0.7,1\n' >val.csv
    dl-tensor import --targets 1 val.csv >val.dlt
    printf 'x,y\n0,0\n1,1\n' >line.csv
    dl-tensor import --targets 1 line.csv | dl-design --poly 1 | dl-lstsq -q >model.dlt
    dl-predict model.dlt val.dlt >pred-0.1.dlt
    cp pred-0.1.dlt pred-0.01.dlt
    examples=$(awk '/^\.SH EXAMPLES/ { p = 1; next } /^\.SH/ { p = 0 } p && !/^\./' \
        "$DL_TEST_ROOT/man/dl-eval.1" | sed 's/\\-/-/g')
    [ -n "$examples" ]
    run bash -euo pipefail -c "$examples"
    [ "$status" -eq 0 ]
    [ "$(wc -l <sweep.tsv)" -eq 3 ]
    [ "$(wc -l <sweep.jsonl)" -eq 1 ]
}

@test "-t is dl-tensor's --targets everywhere: dl-eval has --truth only" {
    run dl-eval -t x.dlt
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-eval: unknown option '-t'" ]
    run dl-eval --help
    [[ $output == *"      --truth=FILE"* ]]
    [[ $output != *"-t, --truth"* ]]
}

@test "dl-eval: a y or yhat of no columns is named, and so is the file it came from" {
    # y of 4 rows and no columns beside yhat of one, and the reverse
    # (tests/hostile/gen_hostile.py)
    H="$DL_TEST_ROOT/tests/hostile/inputs"
    run dl-eval "$H/y_no_cols.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: $H/y_no_cols.dlt: 'y' has no columns: nothing to evaluate" ]
    run dl-eval "$H/yhat_no_cols.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: $H/yhat_no_cols.dlt: 'yhat' has no columns: nothing to evaluate" ]
    run dl-eval --truth "$H/y_no_cols.dlt" "$H/yhat_no_cols.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-eval: $H/y_no_cols.dlt: 'y' has no columns: nothing to evaluate" ]
}

@test "dl-eval: a full standard output is a write that failed (exit 3), worded as every tool words it" {
    dl-tensor import --name y <<<$'1\n0\n1\n0' >"$T/y.dlt"
    dl-tensor import --name yhat <<<$'.9\n.2\n.7\n.4' >"$T/p.dlt"
    run bash -c "dl-eval --truth '$T/y.dlt' '$T/p.dlt' > /dev/full"
    [ "$status" -eq 3 ]
    [ "$output" = "dl-eval: standard output: write failed: No space left on device" ]
    dl-eval -f tsv --truth "$T/y.dlt" "$T/p.dlt" >"$T/runs.tsv"
    run bash -c "dl-eval --summary '$T/runs.tsv' > /dev/full"
    [ "$status" -eq 3 ]
    [ "$output" = "dl-eval: standard output: write failed: No space left on device" ]
}
