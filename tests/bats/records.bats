#!/usr/bin/env bats
# dl-tensor export of several records side by side, text records as text,
# import --rank 1 and --format text, and a checkpoint's parameters through
# CSV and back, bit for bit.

# `run ! cmd`: a bare `! cmd` before a test's last line is never checked
bats_require_minimum_version 1.5.0

setup() {
    TMP=$BATS_TEST_TMPDIR
    D=$DL_TEST_ROOT/data
    SPEC=$DL_TEST_ROOT/examples/fish2d.yaml
    dl-tensor import --targets 1 "$D/fish2d.csv" -o "$TMP/fish.dlt"
}

load fails

@test "export --name y,yhat: truth and prediction side by side, also as .npy" {
    dl-train -q -s training.epochs=2 "$SPEC" < "$TMP/fish.dlt" > "$TMP/m.ckpt"
    dl-predict "$TMP/m.ckpt" < "$TMP/fish.dlt" > "$TMP/p.dlt"
    dl-tensor export --name y,yhat --header "$TMP/p.dlt" > "$TMP/both.csv"
    # both named after the target column of fish2d.csv (y.names, yhat.names),
    # each with its record's name before it, so that the header reads back
    [ "$(head -n 1 "$TMP/both.csv")" = "y.type,yhat.type" ]
    dl-tensor import "$TMP/both.csv" > /dev/null
    cmp <(tail -n +2 "$TMP/both.csv") <(paste -d, <(dl-tensor export --name y "$TMP/p.dlt") \
                                                  <(dl-tensor export --name yhat "$TMP/p.dlt"))
    [ "$(wc -l < "$TMP/both.csv")" -eq 501 ]
    # x, y and yhat in any order, TSV
    cat "$TMP/fish.dlt" <(dl-tensor import --name yhat <(cut -d, -f3 "$D/fish2d.csv")) |
        dl-tensor export --name yhat,x --format tsv > "$TMP/yx.tsv"
    cmp "$TMP/yx.tsv" <(awk -F, '{ print $3 "\t" $1 "\t" $2 }' "$D/fish2d.csv" |
                        dl-tensor import --format tsv --name t | dl-tensor export --name t --format tsv)
    # f32 yhat beside f64 y: a f64 array
    dl-tensor export --name y,yhat --format npy -o "$TMP/both.npy" "$TMP/p.dlt"
    dl-tensor import --name t "$TMP/both.npy" | dl-tensor info | grep -q '^  t            f64  \[500, 2\] '
    dl-tensor export --name y,x --format npy -o "$TMP/yx.npy" "$TMP/fish.dlt"
    dl-tensor import --name t "$TMP/yx.npy" | dl-tensor export --name t |
        cmp - <(awk -F, '{ print $3 "," $1 "," $2 }' "$D/fish2d.csv" | dl-tensor import --name t | dl-tensor export --name t)
}

@test "export --name A,B: rows that disagree, a missing record, a name twice are errors" {
    dl-train -q -s training.epochs=1 "$SPEC" < "$TMP/fish.dlt" > "$TMP/m.ckpt"
    cat "$TMP/fish.dlt" "$TMP/m.ckpt" > "$TMP/mix.dlt"
    fails 1 "'y' has 500 rows but 'layer1.bias' has 16: records side by side must have as many rows" \
        dl-tensor export --name y,layer1.bias -o "$TMP/out.csv" "$TMP/mix.dlt"
    [ ! -e "$TMP/out.csv" ]
    fails 1 "'y' has 500 rows but 'layer1.bias' has 16" \
        dl-tensor export --name y,layer1.bias --format npy -o "$TMP/out.npy" "$TMP/mix.dlt"
    fails 1 "no record named 'yhat'" dl-tensor export --name y,yhat "$TMP/fish.dlt"
    fails 2 "--name: 'y' named twice" dl-tensor export --name y,x,y "$TMP/fish.dlt"
    fails 2 "--name: a name of 1 to" dl-tensor export --name y, "$TMP/fish.dlt"
    fails 2 "import --name: 'a,b': one name, without commas" dl-tensor import --name a,b "$D/fish2d.csv"
}

@test "export: a text record (model, design) is its text, and import --format text takes it back" {
    dl-train -q -s training.epochs=1 "$SPEC" < "$TMP/fish.dlt" > "$TMP/m.ckpt"
    dl-tensor export --name model "$TMP/m.ckpt" > "$TMP/model.txt"
    [ "$(head -n 1 "$TMP/model.txt")" = "kind: network" ]
    grep -q '^    - {units: 16, activation: tanh}$' "$TMP/model.txt"
    # as many bytes as the record holds
    [ "$(wc -c < "$TMP/model.txt")" -eq "$(dl-tensor info "$TMP/m.ckpt" | awk '$1 ~ /^[0-9]+$/ && $NF == "model" { gsub(/[][]/, "", $3); print $3; exit }')" ]
    dl-tensor import --format text --name model "$TMP/model.txt" -o "$TMP/model.dlt"
    dl-tensor info "$TMP/model.dlt" | grep -q '  model        u8   \[[0-9]*\] '
    dl-tensor export --name model "$TMP/model.dlt" | cmp - "$TMP/model.txt"
    # numbers with --format npy, and beside another record
    dl-tensor export --name model --format npy -o "$TMP/model.npy" "$TMP/m.ckpt"
    fails 2 "import --format text makes one record: give --name NAME" \
        dl-tensor import --format text "$TMP/model.txt"
    : > "$TMP/empty.txt"
    fails 1 "empty.txt: no text" dl-tensor import --format text --name model "$TMP/empty.txt"
    fails 2 "export: --format is csv, tsv, npy or svmlight" dl-tensor export --format text "$TMP/m.ckpt"
    # text, then numbers under the same name: refused, not written as bytes
    dl-tensor import --name model --rank 1 <(printf '1\n2\n') -o "$TMP/num.dlt"
    cat "$TMP/model.dlt" "$TMP/num.dlt" > "$TMP/both.dlt"
    fails 1 "both.dlt: record 2 ('model'): chunk dtype f64 differs from u8, the first chunk's (record 1)" \
        dl-tensor export --name model -o "$TMP/out.txt" "$TMP/both.dlt"
    [ ! -e "$TMP/out.txt" ]
}

@test "export: the options of a table are refused for a text record, before any of it is written" {
    printf 'kind: linear\nfoo\n' | dl-tensor import --format text --name model -o "$TMP/m.dlt"
    cat "$TMP/fish.dlt" "$TMP/m.dlt" > "$TMP/late.dlt" # found only after the rows of x and y
    for opts in "--header" "--delimiter ;" "--missing NA" "--missing NA --format tsv" "--format tsv"; do
        first=${opts%% *}
        [ "$first" = --format ] && first="--format tsv"
        for f in m late; do
            fails_silently 2 "dl-tensor: $TMP/$f.dlt: record $([ $f = m ] && echo 1 || echo 5) ('model'): export: $first applies to tables, not a text record (written as it is)" \
                dl-tensor export --name model $opts "$TMP/$f.dlt"
            echo old > "$TMP/out.txt"
            fails 2 "export: $first applies to tables" dl-tensor export --name model $opts -o "$TMP/out.txt" "$TMP/$f.dlt"
            [ "$(cat "$TMP/out.txt")" = old ]
            [ "$(ls -A "$TMP" | grep -c '^\.out\.txt')" -eq 0 ]
        done
    done
    # column names are a text record too; the text alone, and as .npy bytes, still go
    printf 'a,b\n1,2\n' | dl-tensor import -o "$TMP/ab.dlt"
    fails 2 "record 1 ('x.names'): export: --header applies to tables" \
        dl-tensor export --name x.names --header "$TMP/ab.dlt"
    [ "$(dl-tensor export --name model "$TMP/late.dlt")" = "$(printf 'kind: linear\nfoo')" ]
    [ "$(dl-tensor export --name model --format csv "$TMP/m.dlt")" = "$(printf 'kind: linear\nfoo')" ]
    dl-tensor export --name model --format npy -o "$TMP/m.npy" "$TMP/m.dlt"
    # the same options on rows still apply
    dl-tensor export --header --delimiter ';' --missing NA --format tsv "$TMP/late.dlt" > /dev/null
}

@test "import --rank 1: a record [N] from one column or one row" {
    printf '0.5\n-1\n2\n' | dl-tensor import --name b --rank 1 --dtype f32 -o "$TMP/col.dlt"
    dl-tensor info "$TMP/col.dlt" | grep -q '^  b            f32  \[3\] '
    printf '0.5,-1,2\n' | dl-tensor import --name b --rank 1 --dtype f32 -o "$TMP/row.dlt"
    cmp "$TMP/col.dlt" "$TMP/row.dlt"
    [ "$(dl-tensor export --name b "$TMP/col.dlt" | tr '\n' ' ')" = "0.5 -1 2 " ]
    # across chunks
    seq 1 10 | dl-tensor import --name b --rank 1 --chunk-rows 3 | dl-tensor info | grep -q '^  b            f64  \[10\] '
    printf '1,2\n3,4\n' > "$TMP/m.csv"
    fails 1 "m.csv: row 2: --rank 1 takes one column or one row, and row 1 has 2 values" \
        dl-tensor import --name b --rank 1 -o "$TMP/bad.dlt" "$TMP/m.csv"
    [ ! -e "$TMP/bad.dlt" ]
    fails 2 "--rank 1 makes one record: it excludes --targets" dl-tensor import --rank 1 -t 1 "$TMP/m.csv"
    fails 2 "--rank: '3' is not 1 or 2" dl-tensor import --rank 3 "$TMP/m.csv"
}

@test "a network's parameters through CSV and back: the same bits, the same --init-from run" {
    dl-train -q -s training.epochs=3 "$SPEC" < "$TMP/fish.dlt" > "$TMP/m.ckpt"
    dl-tensor export --name model "$TMP/m.ckpt" | dl-tensor import --format text --name model -o "$TMP/new.ckpt"
    params=$(dl-tensor info "$TMP/m.ckpt" | awk '/^tensors:/ { t = 1; next }
        t && $2 == "f32" && $1 !~ /^state\./ { print $1 }')
    [ "$(echo $params)" = "layer1.weight layer1.bias layer2.weight layer2.bias layer3.weight layer3.bias" ]
    for p in $params; do
        dl-tensor export --name "$p" "$TMP/m.ckpt" > "$TMP/$p.csv"
        rank=2; case $p in *.bias) rank=1 ;; esac
        dl-tensor import --name "$p" --rank $rank --dtype f32 "$TMP/$p.csv" >> "$TMP/new.ckpt"
    done
    for p in $params; do
        cmp <(dl-tensor export --format npy --name "$p" -o - "$TMP/m.ckpt" | od -An -tx1) \
            <(dl-tensor export --format npy --name "$p" -o - "$TMP/new.ckpt" | od -An -tx1)
    done
    dl-train -q -s training.epochs=2 --init-from "$TMP/m.ckpt" "$SPEC" < "$TMP/fish.dlt" > "$TMP/a.ckpt"
    dl-train -q -s training.epochs=2 --init-from "$TMP/new.ckpt" "$SPEC" < "$TMP/fish.dlt" > "$TMP/b.ckpt"
    cmp "$TMP/a.ckpt" "$TMP/b.ckpt"
    # and the weights really started there: a different start gives different bits
    dl-train -q -s training.epochs=2 "$SPEC" < "$TMP/fish.dlt" > "$TMP/c.ckpt"
    run ! cmp -s "$TMP/a.ckpt" "$TMP/c.ckpt"
}
