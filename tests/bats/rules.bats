#!/usr/bin/env bats
# One rule for each thing across the tools: checkpoints hold exactly what
# their model record describes, and --resume says what it was given.

setup() {
    TMP=$BATS_TEST_TMPDIR
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/fish2d.csv" > "$TMP/f2.dlt"
    printf 'model:\n  layers:\n    - {units: 3, activation: tanh}\n    - {units: 1, activation: identity}\nloss: mse\ntraining:\n  epochs: 2\n' > "$TMP/net.yaml"
}

@test "rules: a checkpoint with a parameter its spec does not account for is refused" {
    dl-train "$TMP/net.yaml" -q -o "$TMP/c.ckpt" < "$TMP/f2.dlt"
    printf '1,2,3\n' | dl-tensor import --name layer3.weight - > "$TMP/extra.dlt"
    cat "$TMP/c.ckpt" "$TMP/extra.dlt" > "$TMP/extra.ckpt"
    run dl-predict "$TMP/extra.ckpt" "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $TMP/extra.ckpt: checkpoint: 'layer3.weight' is not a parameter of the 2-layer network its model record describes" ]
    run dl-train "$TMP/net.yaml" -q --resume "$TMP/extra.ckpt" < "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"'layer3.weight' is not a parameter of the 2-layer network"* ]]
    # a leading zero or another suffix is not a parameter either
    printf '1\n' | dl-tensor import --name layer1.scale - | cat "$TMP/c.ckpt" - > "$TMP/odd.ckpt"
    run dl-predict "$TMP/odd.ckpt" "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"'layer1.scale' is not a parameter"* ]]
    # the checkpoint itself still predicts
    dl-predict "$TMP/c.ckpt" "$TMP/f2.dlt" > /dev/null
}

@test "rules: --resume or --init-from on a linear checkpoint says it is linear" {
    dl-design --poly 2 "$TMP/f2.dlt" | dl-lstsq -q -o "$TMP/lin.ckpt"
    run dl-train "$TMP/net.yaml" -q --resume "$TMP/lin.ckpt" < "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/lin.ckpt: --resume: a linear model (dl-lstsq) cannot be trained further; dl-train takes a network checkpoint" ]
    run dl-train "$TMP/net.yaml" -q --init-from "$TMP/lin.ckpt" < "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"--init-from: a linear model (dl-lstsq)"* ]]
}

@test "rules: svmlight accepts a UTF-8 byte order mark, as CSV does" {
    printf '\357\273\2771 1:2 3:4\n0 2:1\n' > "$TMP/bom.svm"
    run dl-tensor import "$TMP/bom.svm" -o "$TMP/bom.dlt"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [ "$(dl-tensor export "$TMP/bom.dlt" | tr '\n' ' ')" = "2,0,4,1 0,1,0,0 " ]
}

@test "rules: .npy NaN and Inf are refused without --allow-nonfinite, as CSV and svmlight do" {
    N=$DL_TEST_ROOT/tests/fixtures/npy
    run dl-tensor import "$N/nonfinite_f8.npy" -o "$TMP/n.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-tensor: $N/nonfinite_f8.npy: row 2, column 2: NaN or Inf (--allow-nonfinite keeps it)" ]
    [ ! -e "$TMP/n.dlt" ]
    run dl-tensor import -t 1 "$N/nonfinite_f8.npy"
    [ "$status" -eq 1 ]
    [[ $output == *"row 2, column 2: NaN or Inf"* ]]
    dl-tensor import --allow-nonfinite "$N/nonfinite_f8.npy" -o "$TMP/n.dlt"
    [ "$(dl-tensor export "$TMP/n.dlt" | tr '\n' ' ')" = "1,2 3,nan inf,4 " ]
    # 1e300 is finite as a double, not as a float
    dl-tensor import "$N/huge_f8.npy" > /dev/null
    run dl-tensor import --dtype f32 "$N/huge_f8.npy"
    [ "$status" -eq 1 ]
    [[ $output == *"row 2, column 1: NaN or Inf in float32"* ]]
    # CSV says the same of the same cells
    printf '1,2\n3,nan\n' > "$TMP/n.csv"
    run dl-tensor import "$TMP/n.csv"
    [ "$status" -eq 1 ]
    [[ $output == *"--allow-nonfinite keeps it"* ]]
}

@test "rules: CSV and svmlight with CR-only line ends (classic Mac OS) read like LF" {
    printf 'a,b\r1,2\r3,4\r' > "$TMP/cr.csv"
    run dl-tensor import -t 1 "$TMP/cr.csv" -o "$TMP/cr.dlt"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [ "$(dl-tensor export "$TMP/cr.dlt" | tr '\n' ' ')" = "1,2 3,4 " ]
    # over several buffers and the parallel parser's split, from a pipe too
    seq 1 300000 | awk '{ print $1 "," 2 * $1 }' > "$TMP/lf.csv"
    tr '\n' '\r' < "$TMP/lf.csv" > "$TMP/big.csv"
    dl-tensor import -t 1 "$TMP/lf.csv" -o "$TMP/lf.dlt"
    dl-tensor import -t 1 "$TMP/big.csv" -o "$TMP/big.dlt"
    cmp "$TMP/lf.dlt" "$TMP/big.dlt"
    cat "$TMP/big.csv" | dl-tensor import -t 1 | cmp - "$TMP/lf.dlt"
    # errors count CR-ended lines
    printf 'a,b\r1,2\r3,x\r' > "$TMP/bad.csv"
    run dl-tensor import "$TMP/bad.csv"
    [ "$status" -eq 1 ]
    [[ $output == *"line 3, column 2 ('b'): 'x' is not a number"* ]]
    printf '1 1:2\r0 2:3\r' > "$TMP/cr.svm"
    [ "$(dl-tensor import "$TMP/cr.svm" | dl-tensor export - | tr '\n' ' ')" = "2,0,1 0,3,0 " ]
}

@test "rules: CR-only line ends after a first line longer than the first read (a wide header)" {
    # 2000 columns: the header alone is over 10 KiB
    awk 'BEGIN { for (r = 0; r <= 3; r++) for (j = 1; j <= 2000; j++)
                   printf "%s%d%s", r ? "" : "column", r ? r * j : j, j < 2000 ? "," : "\n" }' > "$TMP/lf.csv"
    tr '\n' '\r' < "$TMP/lf.csv" > "$TMP/cr.csv"
    dl-tensor import -t 1 "$TMP/lf.csv" -o "$TMP/lf.dlt"
    dl-tensor import -t 1 "$TMP/cr.csv" | cmp - "$TMP/lf.dlt"
    dl-tensor import -t 1 < "$TMP/cr.csv" | cmp - "$TMP/lf.dlt"
    # a "\r\n" file whose first '\r' is as far is no CR-only file: no empty lines between
    sed 's/$/\r/' "$TMP/lf.csv" | dl-tensor import -t 1 | cmp - "$TMP/lf.dlt"
    # svmlight: a long first row
    awk 'BEGIN { for (r = 1; r <= 3; r++) { printf "%d", r
                   for (j = 1; j <= 2000; j++) printf " %d:%d", j, r * j; printf "\n" } }' > "$TMP/lf.svm"
    tr '\n' '\r' < "$TMP/lf.svm" > "$TMP/cr.svm"
    dl-tensor import "$TMP/cr.svm" | cmp - <(dl-tensor import "$TMP/lf.svm")
}
