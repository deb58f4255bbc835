#!/usr/bin/env bats
# dl-tensor show: a network's layers, parameter counts and training summary
# (as dl-train recorded them), a linear model's rank, condition number and
# coefficients (as dl-lstsq reported and stored them), JSON for scripts, and
# broken or truncated checkpoints refused with one line.  The JSON's
# grammar is checked by tests/unit/test_show.c.

setup() {
    TMP=$BATS_TEST_TMPDIR
    EX=$DL_TEST_ROOT/examples
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/fish2d.csv" -o "$TMP/f2.dlt"
}

# field NAME FILE: the value of "  NAME: value" in a text description.
field() { sed -n "s/^ *$1: //p" "$2" | head -n 1; }

@test "show: a network's layers, parameters and training summary, as dl-train ran it" {
    dl-train -q -j 1 -s training.epochs=7 -s training.seed=3 "$EX/fish2d.yaml" "$TMP/f2.dlt" \
        --log "$TMP/log.tsv" -o "$TMP/n.ckpt"
    run dl-tensor show "$TMP/n.ckpt"
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" > "$TMP/show.txt"
    [ "${lines[0]}" = "kind: network" ]
    # 2-16-16-1: (2*16+16) + (16*16+16) + (16+1) = 337
    grep -Eq '^ +1 +\[16, 2\] +\[16\] +tanh +48$' "$TMP/show.txt"
    grep -Eq '^ +3 +\[1, 16\] +\[1\] +sigmoid +17$' "$TMP/show.txt"
    grep -Eq '^ +total +337$' "$TMP/show.txt"
    [ "$(field epochs "$TMP/show.txt")" = 7 ]
    [ "$(field stopped "$TMP/show.txt")" = completed ]
    [ "$(field seed "$TMP/show.txt")" = 3 ]
    [ "$(field threads "$TMP/show.txt")" = 1 ]
    [ "$(field processes "$TMP/show.txt")" = 1 ]
    [ "$(field version "$TMP/show.txt")" = "$(dl-tensor --version | awk 'NR == 1 { print $NF }')" ]
    # the best epoch is the log's row marked best last, with its losses
    local best
    best=$(awk -F '\t' 'NR > 1 && $6 == 1 { e = $1; t = $2; v = $3 } END { print e, t, v }' "$TMP/log.tsv")
    read -r e t v <<<"$best"
    [ "$(field best_epoch "$TMP/show.txt")" = "$e" ]
    awk -v a="$(field best_train_loss "$TMP/show.txt")" -v b="$t" 'BEGIN { exit !(a - b < 1e-8 && b - a < 1e-8) }'
    awk -v a="$(field best_val_loss "$TMP/show.txt")" -v b="$v" 'BEGIN { exit !(a - b < 1e-8 && b - a < 1e-8) }'
    # the spec block is the effective spec: dl-train reads it back
    sed -n '/^spec: |$/,$p' "$TMP/show.txt" | tail -n +2 | sed 's/^  //' > "$TMP/spec.yaml"
    diff "$TMP/spec.yaml" <(dl-train --print-config -s model.input=2 -s training.epochs=7 \
                            -s training.seed=3 "$EX/fish2d.yaml")
}

@test "show: early stopping, no validation data, and the JSON form" {
    dl-train -q -s training.epochs=500 -s training.validation=0 \
        -s training.early_stopping.patience=2 -s optimizer.lr=0.5 "$EX/fish2d.yaml" "$TMP/f2.dlt" -o "$TMP/n.ckpt"
    dl-tensor show "$TMP/n.ckpt" > "$TMP/show.txt"
    [ "$(field stopped "$TMP/show.txt")" = early_stopping ]
    [ "$(field best_val_loss "$TMP/show.txt")" = "none (no validation data)" ]
    [ "$(field epochs "$TMP/show.txt")" -lt 500 ]
    run dl-tensor show --format json "$TMP/n.ckpt"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ $output == '{"kind": "network", "input": 2, "design": null, "layers": [{"layer": 1, '* ]]
    [[ $output == *'"parameters": 337, "training": {"epochs": '* ]]
    [[ $output == *'"best_val_loss": null, "validation_rows": 0, "stopped": "early_stopping", '* ]]
    [[ $output == *'"spec": "model:\n  input: 2\n'*'"}' ]]
    # the same checkpoint from standard input
    dl-tensor show --format json < "$TMP/n.ckpt" | cmp - <(printf '%s\n' "$output")
}

@test "show: validation data whose loss was not a number is not 'no validation data'" {
    # weights of about 1e30 on x = 1e20: sin of an overflowed float, NaN on every row
    printf '1e20,0\n1e20,1\n1e20,0\n1e20,1\n' | dl-tensor import --no-header -t 1 - > "$TMP/s.dlt"
    echo '{model: {layers: [{units: 1, activation: sin}], init: normal, init_scale: 1e30},
           loss: mse, training: {epochs: 3, validation: 0.5}}' > "$TMP/s.yaml"
    run dl-train -q "$TMP/s.yaml" "$TMP/s.dlt" -o "$TMP/s.ckpt"
    [ "$status" -eq 5 ]
    dl-tensor show "$TMP/s.ckpt" > "$TMP/show.txt"
    [ "$(field stopped "$TMP/show.txt")" = nan_loss ]
    [ "$(field best_val_loss "$TMP/show.txt")" = "not a number (the loss of the checkpoint's weights on the validation rows)" ]
    [ "$(field validation_rows "$TMP/show.txt")" = 2 ]
    run dl-tensor show --format json "$TMP/s.ckpt"
    [[ $output == *'"best_val_loss": null, "validation_rows": 2, "stopped": "nan_loss", '* ]]
}

@test "show: a resumed run's summary is the uninterrupted run's" {
    dl-train -q -j 1 -s training.epochs=6 "$EX/fish2d.yaml" "$TMP/f2.dlt" -o "$TMP/full.ckpt"
    dl-train -q -j 1 -s training.epochs=2 "$EX/fish2d.yaml" "$TMP/f2.dlt" -o "$TMP/part.ckpt"
    dl-train -q -j 1 -s training.epochs=6 --resume "$TMP/part.ckpt" "$EX/fish2d.yaml" "$TMP/f2.dlt" \
        -o "$TMP/resumed.ckpt"
    diff <(dl-tensor show "$TMP/full.ckpt") <(dl-tensor show "$TMP/resumed.ckpt")
}

@test "show: a linear model's rank, condition number and coefficients, as dl-lstsq found them" {
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/particle.csv" |
        dl-design -q --standardize --poly 3 > "$TMP/d.dlt"
    dl-lstsq --ridge 0.1 --posterior "$TMP/d.dlt" -o "$TMP/l.ckpt" 2> "$TMP/report"
    run dl-tensor show "$TMP/l.ckpt"
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" > "$TMP/show.txt"
    [ "$(field kind "$TMP/show.txt")" = linear ]
    [ "$(field solver "$TMP/show.txt")" = ridge ]
    [ "$(field rows "$TMP/show.txt")" = 300 ]
    [ "$(field rank "$TMP/show.txt")" = 4 ]
    [ "$(field posterior "$TMP/show.txt")" = yes ]
    [ "$(field design "$TMP/show.txt")" = "standardized inputs; bias + poly 3: 4 columns from 1 input" ]
    # the condition number dl-lstsq reported (to its 3 digits)
    local reported
    reported=$(sed -n 's/.*condition number ~\([0-9.e+]*\).*/\1/p' "$TMP/report")
    awk -v a="$(field condition_number "$TMP/show.txt")" -v b="$reported" \
        'BEGIN { exit !(sprintf("%.3g", a) == sprintf("%.3g", b)) }'
    # the coefficients are w, index by index, with sd = sqrt(diag w_cov)
    diff <(sed -n '/^coefficients:/,$p' "$TMP/show.txt" | awk 'NR > 2 { printf "%.15g\n", $3 }') \
         <(dl-tensor export --name w "$TMP/l.ckpt" | awk '{ printf "%.15g\n", $1 }')
    diff <(sed -n '/^coefficients:/,$p' "$TMP/show.txt" | awk 'NR > 2 { printf "%.12g\n", $4 * $4 }') \
         <(dl-tensor export --name w_cov "$TMP/l.ckpt" | tr ',' '\n' | awk 'NR % 5 == 1 { printf "%.12g\n", $1 }')
    # the names of the design's columns and of y, from the CSV header through dl-design
    [ "$(sed -n '/^coefficients:/,$p' "$TMP/show.txt" | awk 'NR == 2 { print $1, $2, $3, $4 }')" = "index name w(v) sd(v)" ]
    [ "$(sed -n '/^coefficients:/,$p' "$TMP/show.txt" | awk 'NR > 2 { print $2 }' | tr '\n' ' ')" = "bias t t^2 t^3 " ]
    run dl-tensor show --format json "$TMP/l.ckpt"
    [[ $output == '{"kind": "linear", "solver": "ridge", "rows": 300, "columns": 4, "outputs": 1, "rank": 4, "condition_number": '* ]]
    [[ $output == *'"posterior": true, "noise_variance": ['* ]]
    [[ $output == *'{"index": 3, "name": "t^3", "w": ['* ]]
}

@test "show: a linear model says whether its penalty shrank the bias and whether its rows had weights" {
    printf 'c,a,b\n1,1,2\n2,2,1\n1,3,5\n0.5,4,3\n3,5,4\n' > "$TMP/wt.csv"
    dl-tensor import -t 1 --weight c "$TMP/wt.csv" | dl-design -q --poly 1 > "$TMP/wt.dlt"
    dl-tensor import -t 1 "$TMP/wt.csv" | dl-design -q --poly 1 > "$TMP/plain.dlt"
    dl-lstsq -q --ridge 0.5 --penalize-bias "$TMP/wt.dlt" -o "$TMP/pw.ckpt"
    dl-lstsq -q --ridge 0.5 "$TMP/plain.dlt" -o "$TMP/p.ckpt"
    dl-tensor show "$TMP/pw.ckpt" > "$TMP/pw.txt"
    dl-tensor show "$TMP/p.ckpt" > "$TMP/p.txt"
    [ "$(field penalize_bias "$TMP/pw.txt")" = yes ]
    [ "$(field weighted "$TMP/pw.txt")" = yes ]
    [ "$(field penalize_bias "$TMP/p.txt")" = no ]
    [ "$(field weighted "$TMP/p.txt")" = no ]
    run dl-tensor show --format json "$TMP/pw.ckpt"
    [[ $output == *'"penalize_bias": true, "weighted": true, "posterior": false'* ]]
    # a partial with weights makes a combined model that says so
    dl-lstsq -q --partial "$TMP/wt.dlt" -o "$TMP/wt.part"
    dl-lstsq -q --combine "$TMP/wt.part" -o "$TMP/c.ckpt"
    [ "$(dl-tensor show "$TMP/c.ckpt" | sed -n 's/^weighted: //p')" = yes ]
}

@test "show: names of non-ASCII characters line up as ASCII names do, a character a column" {
    local acute
    acute=$(printf '\xc3\xa9') # one character in two bytes: e with an acute accent
    printf 'caf%s,b,pr%scision\n1,2,3\n2,1,5\n3,5,7\n4,3,8\n5,4,9.5\n' "$acute" "$acute" \
        > "$TMP/u.csv"
    sed "s/$acute/e/g" "$TMP/u.csv" > "$TMP/a.csv"
    for f in u a; do
        dl-tensor import -t 1 "$TMP/$f.csv" | dl-lstsq -q --posterior -o "$TMP/$f.ckpt"
    done
    dl-tensor show "$TMP/u.ckpt" > "$TMP/u.txt"
    grep -q "^ *0  caf$acute " "$TMP/u.txt"
    grep -q " w(pr${acute}cision) " "$TMP/u.txt"
    sed "s/$acute/e/g" "$TMP/u.txt" | diff - <(dl-tensor show "$TMP/a.ckpt")
}

@test "show: the coefficients' columns widen to the longest name and the longest output's label" {
    # names of 27 and 25 characters: the name column ends where the longest does
    printf 'a much longer column name x,b,an output with a long name\n1,2,3\n2,1,5\n3,5,7\n4,3,8\n' |
        dl-tensor import -t 1 | dl-lstsq -q --posterior -o "$TMP/l.ckpt"
    dl-tensor show "$TMP/l.ckpt" | sed -n '/^coefficients:/,$p' | sed 1d > "$TMP/t.txt"
    # every line as long as the header, each number ending under its label
    [ "$(awk '{ print length($0) }' "$TMP/t.txt" | sort -u | wc -l)" -eq 1 ] || { cat "$TMP/t.txt"; return 1; }
    head -n 1 "$TMP/t.txt" | grep -q "^  index  name  *w(an output with a long name)  sd(an output with a long name)$"
    grep -q "^      0  a much longer column name x  " "$TMP/t.txt"
    grep -q "^      1  b                            " "$TMP/t.txt"
}

@test "show: without a posterior, sd and the noise variance are absent" {
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/particle.csv" | dl-design -q --poly 2 |
        dl-lstsq -q -o "$TMP/l.ckpt"
    dl-tensor show "$TMP/l.ckpt" > "$TMP/show.txt"
    [ "$(field solver "$TMP/show.txt")" = svd ]
    [ "$(field noise_variance "$TMP/show.txt")" = "none (no posterior)" ]
    [ "$(sed -n '/^coefficients:/,$p' "$TMP/show.txt" | awk 'NR == 2 { print NF }')" -eq 3 ]
    [ "$(sed -n '/^coefficients:/,$p' "$TMP/show.txt" | wc -l)" -eq 5 ]
}

@test "show: broken, partial and non-checkpoint inputs are refused in one line" {
    dl-train -q -s training.epochs=2 "$EX/fish2d.yaml" "$TMP/f2.dlt" -o "$TMP/n.ckpt"
    # cut inside the last record
    head -c "$(( $(wc -c < "$TMP/n.ckpt") - 20 ))" "$TMP/n.ckpt" > "$TMP/cut.ckpt"
    run dl-tensor show "$TMP/cut.ckpt"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ $output == "dl-tensor: $TMP/cut.ckpt"* ]]
    # data, not a checkpoint
    run dl-tensor show "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-tensor: $TMP/f2.dlt: not a checkpoint: no 'model' record" ]
    # a checkpoint missing its parameters from layer2.weight on: the records
    # before it, each 28 + 8 rank + name bytes of header plus its payload
    # (dl-stream(5))
    local bytes
    bytes=$(dl-tensor info "$TMP/n.ckpt" | awk '$1 ~ /^[0-9]+$/ {
        if ($NF == "layer2.weight") { print total; exit }
        shape = ""; for (i = 3; i < NF - 3; i++) shape = shape $i
        total += 28 + 8 * (gsub(/,/, ",", shape) + 1) + length($NF) + $(NF - 2) }')
    head -c "$bytes" "$TMP/n.ckpt" > "$TMP/part.ckpt"
    dl-tensor info "$TMP/part.ckpt" > /dev/null
    run dl-tensor show "$TMP/part.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-tensor: $TMP/part.ckpt: checkpoint: 'layer2.weight' is missing, the model record says [16, 16]" ]
    run bash -c "dl-tensor show < /dev/null"
    [ "$status" -eq 1 ]
    [[ $output == *"the input is empty"* ]]
    printf 'not a stream at all\n' > "$TMP/junk"
    run dl-tensor show "$TMP/junk"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    run dl-tensor show "$TMP/missing.ckpt"
    [ "$status" -eq 3 ]
}

@test "show: a linear model record is checked as a network's is: known keys, each once, values in range; nothing of a bad one is printed, and dl-predict refuses it too" {
    printf '2\n' | dl-tensor import --name w -o "$TMP/w.dlt"
    printf '1\n2\n' | dl-tensor import -o "$TMP/x.dlt"
    good='kind: linear\nsolver: svd\ncolumns: 1\noutputs: 1\nrows: 3\nrank: 1\nridge: 0\nalpha: 0\nl1_ratio: 1\nposterior: 0\ncond: 1\ncond_bound: 0\npenalize_bias: 0\nweighted: 0\n'
    printf "$good" | dl-tensor import --format text --name model -o "$TMP/m.dlt"
    cat "$TMP/m.dlt" "$TMP/w.dlt" > "$TMP/good.ckpt"
    run dl-tensor show "$TMP/good.ckpt"
    [ "$status" -eq 0 ]
    [[ $output == *"solver: svd"* ]]
    # each a line of the good record replaced or added, and what is said of it
    check() {
        printf "$1" | dl-tensor import --format text --name model -o "$TMP/m.dlt"
        cat "$TMP/m.dlt" "$TMP/w.dlt" > "$TMP/bad.ckpt"
        run bash -c "dl-tensor show '$TMP/bad.ckpt' 2>&1 > '$TMP/show.out'"
        [ "$status" -eq 1 ] || { echo "$1: $status $output"; return 1; }
        [ "$output" = "dl-tensor: $TMP/bad.ckpt: checkpoint: $2" ] || { echo "$1: $output"; return 1; }
        [ ! -s "$TMP/show.out" ]
        run dl-predict "$TMP/bad.ckpt" "$TMP/x.dlt"
        [ "$status" -eq 1 ] || { echo "dl-predict $1: $status $output"; return 1; }
        [ "$output" = "dl-predict: $TMP/bad.ckpt: checkpoint: $2" ] || { echo "$1: $output"; return 1; }
    }
    check "${good/solver: svd/solver: svd\\033]0;owned\\007\\033[31m}" "the model record's 'solver' is 'svd?]0;owned??[31m': none of svd, qr, normal, ridge, lasso, elastic-net"
    check "${good}rank: 1\n" "the model record: key 'rank' given twice"
    check "${good}colour: blue\n" "the model record: unknown key 'colour'"
    check "${good}just text\n" "the model record: line 'just text' has no ':'"
    check "${good/rank: 1/rank: 9}" "the model record's rank 9 is more than its 1 column"
    check "${good/rank: 1/rank: 0.5}" "the model record's 'rank' is '0.5': not a count"
    check "${good/columns: 1/columns: 2}" "the model record says 2 columns, w is [1, 1]"
    check "${good/ridge: 0/ridge: -1}" "the model record's 'ridge' is '-1': not a finite number of at least 0"
    check "${good/l1_ratio: 1/l1_ratio: 2}" "the model record's 'l1_ratio' is '2': not a number from 0 to 1"
    check "${good/weighted: 0/weighted: yes}" "the model record's 'weighted' is 'yes': not 0 or 1"
    check "${good/cond: 1/cond: nan}" "the model record's 'cond' is 'nan': not a condition number (at least 0, or inf)"
}

@test "show: usage errors" {
    run dl-tensor show --format csv "$TMP/f2.dlt"
    [ "$status" -eq 2 ]
    [[ $output == *"--format: 'csv' is not text or json"* ]]
    run dl-tensor show -o "$TMP/x" "$TMP/f2.dlt"
    [ "$status" -eq 2 ]
    run dl-tensor show a b
    [ "$status" -eq 2 ]
    [[ $output == *"unexpected argument 'b'"* ]]
    run dl-tensor --help
    [[ $output == *"show [CKPT]"* ]]
}
