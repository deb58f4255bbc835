#!/usr/bin/env bats
# dl-predict with linear checkpoints: the design applied from the checkpoint,
# chunked streaming, y passed through, ystd from a posterior, bad input.

load linear_helpers

cubic() {
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/particle.csv" > "$TMP/p.dlt"
    dl-design --poly 3 -q < "$TMP/p.dlt" | dl-lstsq -q > "$TMP/cubic.ckpt"
}

@test "dl-predict --help and --version" {
    run dl-predict --help
    [ "$status" -eq 0 ]
    [[ $output == *"Usage: dl-predict"*"CHECKPOINT"* ]]
    run dl-predict --version
    [[ $output == "dl-predict (dl toolkit)"* ]]
}

@test "yhat of raw x equals w0 + w1 t + w2 t^2 + w3 t^3 with the stored weights" {
    cubic
    dl-predict "$TMP/cubic.ckpt" < "$TMP/p.dlt" > "$TMP/pred.dlt"
    dl-tensor export --name yhat "$TMP/pred.dlt" > "$TMP/got.csv"
    w=$(dl-tensor export --name w "$TMP/cubic.ckpt" | paste -sd' ')
    dl-tensor export --name x "$TMP/p.dlt" |
        awk -v w="$w" 'BEGIN { split(w, c, " ") } { t = $1; printf "%.17g\n", c[1] + t * (c[2] + t * (c[3] + t * c[4])) }' > "$TMP/want.csv"
    numbers_near "$TMP/got.csv" "$TMP/want.csv" 1e-12
}

@test "y passes through unchanged and dl-eval reads the result" {
    cubic
    dl-predict "$TMP/cubic.ckpt" "$TMP/p.dlt" > "$TMP/pred.dlt"
    cmp <(dl-tensor export --name y "$TMP/p.dlt") <(dl-tensor export --name y "$TMP/pred.dlt")
    run dl-eval "$TMP/pred.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"r2"*"0.99"* ]]
}

@test "metadata passed through is held to dl-stream(5): differing copies, names not one a column" {
    printf 't,v\n1,2\n2,4\n3,6\n' | dl-tensor import -t 1 > "$TMP/p.dlt"
    dl-lstsq -q "$TMP/p.dlt" > "$TMP/m.ckpt"
    printf 't,speed\n3,7\n4,9\n' | dl-tensor import -t 1 > "$TMP/b.dlt"
    cat "$TMP/p.dlt" "$TMP/b.dlt" > "$TMP/ab.dlt"
    printf '1,2\n2,4\n3,6\n' | dl-tensor import -t 1 > "$TMP/xy.dlt"
    printf 'a\nb\n' | dl-tensor import --format text --name y.names > "$TMP/yn.dlt"
    cat "$TMP/yn.dlt" "$TMP/xy.dlt" > "$TMP/before.dlt"
    cat "$TMP/xy.dlt" "$TMP/yn.dlt" > "$TMP/after.dlt"
    printf '1\n2\n3\n' | dl-tensor import --name id > "$TMP/id.dlt"
    printf 'a\nb\n' | dl-tensor import --format text --name id.names > "$TMP/idn.dlt"
    cat "$TMP/idn.dlt" "$TMP/xy.dlt" "$TMP/id.dlt" > "$TMP/id2.dlt"
    run dl-predict -o "$TMP/out.dlt" "$TMP/m.ckpt" "$TMP/ab.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $TMP/ab.dlt: record 6 ('y.names'): 'y.names' differs between chunks" ]
    [ ! -e "$TMP/out.dlt" ]
    run dl-predict -o "$TMP/out.dlt" "$TMP/m.ckpt" "$TMP/before.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $TMP/before.dlt: record 3 ('y'): 'y.names' has 2 names for 1 column" ]
    [ ! -e "$TMP/out.dlt" ]
    run dl-predict -o "$TMP/out.dlt" "$TMP/m.ckpt" "$TMP/after.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $TMP/after.dlt: record 3 ('y.names'): 'y.names' has 2 names for 1 column" ]
    [ ! -e "$TMP/out.dlt" ]
    run dl-predict -o "$TMP/out.dlt" "$TMP/m.ckpt" "$TMP/id2.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $TMP/id2.dlt: record 4 ('id'): 'id.names' has 2 names for 1 column" ]
    [ ! -e "$TMP/out.dlt" ]
    # copies that agree pass as before
    cat "$TMP/p.dlt" "$TMP/p.dlt" | dl-predict "$TMP/m.ckpt" > "$TMP/pp.dlt"
    dl-eval "$TMP/pp.dlt" > /dev/null
}

@test "a chunked input gives the same yhat, chunk by chunk" {
    cubic
    dl-tensor import -t 1 --chunk-rows 16 "$DL_TEST_ROOT/data/particle.csv" > "$TMP/chunks.dlt"
    dl-predict "$TMP/cubic.ckpt" "$TMP/chunks.dlt" > "$TMP/a.dlt"
    run dl-tensor info "$TMP/a.dlt"
    [[ $output == *"yhat"*"19 records"* ]]
    cmp <(dl-tensor export --name yhat "$TMP/a.dlt") \
        <(dl-predict "$TMP/cubic.ckpt" "$TMP/p.dlt" | dl-tensor export --name yhat)
}

@test "input already through the checkpoint's design is accepted, another design refused" {
    cubic
    dl-design --apply "$TMP/cubic.ckpt" -q < "$TMP/p.dlt" > "$TMP/d.dlt"
    cmp <(dl-predict "$TMP/cubic.ckpt" "$TMP/d.dlt" | dl-tensor export --name yhat) \
        <(dl-predict "$TMP/cubic.ckpt" "$TMP/p.dlt" | dl-tensor export --name yhat)
    dl-design --poly 2 -q < "$TMP/p.dlt" > "$TMP/other.dlt"
    run dl-predict "$TMP/cubic.ckpt" "$TMP/other.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"not the checkpoint's"* ]]
}

@test "a posterior gives ystd = sqrt(s2 (1 + phi' (X'X + L I)^-1 phi)) as numpy" {
    dl-tensor import -t 2 "$FIX/wc.csv" | dl-lstsq -q --ridge 0.5 --posterior > "$TMP/m.ckpt"
    dl-tensor import "$FIX/wc_xnew.csv" | dl-predict "$TMP/m.ckpt" > "$TMP/pred.dlt"
    dl-tensor export --name ystd "$TMP/pred.dlt" > "$TMP/ystd.csv"
    WANT_SKIP=1 numbers_near "$TMP/ystd.csv" "$FIX/wc_ystd_ridge.txt" 1e-10
    run bash -c "dl-tensor import '$FIX/wc_xnew.csv' | dl-predict --no-std '$TMP/m.ckpt' | dl-tensor info"
    [[ $output != *ystd* ]]
}

@test "bad input: wrong column count, NaN, not a checkpoint, missing file, no x" {
    cubic
    dl-tensor import -t 1 "$FIX/train.csv" > "$TMP/t.dlt"
    run dl-predict "$TMP/cubic.ckpt" "$TMP/t.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-predict: "*"record 1 ('x'): x has 3 columns but the design takes 1 input"* ]]
    printf '1\nnan\n' > "$TMP/nan.csv"
    dl-tensor import --allow-nonfinite "$TMP/nan.csv" > "$TMP/nan.dlt"
    run dl-predict "$TMP/cubic.ckpt" "$TMP/nan.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"record 1 ('x'): row 2, column 1 ('t'): missing value (the design was fitted without --impute: fit it again with dl-design --impute, whose fill values it keeps)" ]]
    run dl-predict "$TMP/t.dlt" "$TMP/t.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"not a checkpoint"* ]]
    run dl-predict "$TMP/missing.ckpt" "$TMP/t.dlt"
    [ "$status" -eq 3 ]
    dl-tensor import --name y "$FIX/test.csv" > "$TMP/y.dlt"
    run dl-predict "$TMP/cubic.ckpt" "$TMP/y.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"no 'x' record"* ]]
    run dl-predict
    [ "$status" -eq 2 ]
}

@test "a checkpoint with a tensor twice (two checkpoints concatenated) is refused naming the repeated record, by every reader of checkpoints" {
    cubic
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/particle.csv" > "$TMP/p.dlt"
    n=$(dl-tensor info "$TMP/cubic.ckpt" | grep -c '  ok  ')
    cat "$TMP/cubic.ckpt" "$TMP/cubic.ckpt" > "$TMP/twice.ckpt"
    want="$TMP/twice.ckpt: record $((n + 1)) ('model'): a second 'model' record (the first is record 1): a checkpoint holds each tensor once, its chunks one after another (two checkpoints concatenated?)"
    run dl-predict "$TMP/twice.ckpt" "$TMP/p.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $want" ]
    run dl-tensor show "$TMP/twice.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-tensor: $want" ]
    run dl-plot fit "$TMP/twice.ckpt" "$TMP/p.dlt" -o "$TMP/fit.svg"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-plot: $want" ]
    # a network's parameter record again, after others, is that rule's too;
    # right after itself it is a second chunk, and the shape found is named
    H=$DL_TEST_ROOT/tests/hostile/inputs
    run dl-predict "$H/net_bias_twice.dlt" "$TMP/p.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $H/net_bias_twice.dlt: record 6 ('layer1.bias'): a second 'layer1.bias' record (the first is record 3): a checkpoint holds each tensor once, its chunks one after another (two checkpoints concatenated?)" ]
    printf 'model:\n  layers:\n    - {units: 1, activation: sigmoid}\nloss: bce\ntraining: {epochs: 1}\n' > "$TMP/n.yaml"
    for opt in --init-from --resume; do
        run dl-train -q $opt "$H/net_bias_twice.dlt" "$TMP/n.yaml" "$H/good.dlt" -o "$TMP/n.ckpt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-train: $H/net_bias_twice.dlt: record 6 ('layer1.bias'): a second 'layer1.bias' record (the first is record 3): a checkpoint holds each tensor once, its chunks one after another (two checkpoints concatenated?)" ]
    done
    run dl-predict "$H/net_bias_chunked.dlt" "$TMP/p.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $H/net_bias_chunked.dlt: checkpoint: 'layer1.bias' is f32 [6], the model record says [3]" ]
}

@test "a prediction that overflows is refused naming its row, not written as inf" {
    # y = 2.2 + 1.5 x fitted without a design, then x = 1.7e308 (finite):
    # 1.5 x is beyond the largest double
    printf '1,2\n2,4\n3,7\n' | dl-tensor import -t 1 --no-header > "$TMP/s.dlt"
    dl-lstsq -q < "$TMP/s.dlt" > "$TMP/s.ckpt"
    printf '1\n1.7e308\n' | dl-tensor import --no-header > "$TMP/big.dlt"
    run dl-predict "$TMP/s.ckpt" "$TMP/big.dlt" -o "$TMP/o.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $TMP/big.dlt: record 1 ('x'): row 2: the prediction overflows (x is too large for the model's weights)" ]
    [ ! -e "$TMP/o.dlt" ]
    # a network computes in float32: identity layers and x near its largest
    printf 'model:\n  layers:\n    - {units: 4, activation: identity}\n    - {units: 1, activation: identity}\n  init: normal\n  init_scale: 5\nloss: mse\noptimizer: {name: sgd, lr: 0.01}\ntraining: {epochs: 1, batch_size: full, seed: 1}\n' > "$TMP/id.yaml"
    dl-train -q "$TMP/id.yaml" "$TMP/s.dlt" > "$TMP/id.ckpt"
    printf '1\n3e38\n' | dl-tensor import --no-header > "$TMP/f.dlt"
    run dl-predict "$TMP/id.ckpt" "$TMP/f.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"record 1 ('x'): row 2: the prediction overflows"* ]]
}

@test "a stream that already has yhat is refused" {
    cubic
    dl-predict "$TMP/cubic.ckpt" "$TMP/p.dlt" > "$TMP/pred.dlt"
    cat "$TMP/p.dlt" "$TMP/pred.dlt" > "$TMP/both.dlt"
    run dl-predict "$TMP/cubic.ckpt" "$TMP/both.dlt"
    [ "$status" -eq 1 ]
    # p.dlt: x.names, y.names, x, y; then the predictions, named first
    [[ $output == *"record 5: the input already has 'yhat.names'"* ]]
}

@test "concatenated outputs of one design: dl-lstsq and dl-predict accept the repeated record" {
    cubic
    dl-design --apply "$TMP/cubic.ckpt" -q < "$TMP/p.dlt" > "$TMP/d.dlt"
    cat "$TMP/d.dlt" "$TMP/d.dlt" > "$TMP/dd.dlt"
    run dl-lstsq -o "$TMP/m2.ckpt" "$TMP/dd.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"600 rows"* ]]
    dl-predict "$TMP/cubic.ckpt" "$TMP/dd.dlt" > "$TMP/pred.dlt"
    run dl-tensor info "$TMP/pred.dlt"
    [[ $output == *"yhat"*"[600, 1]"* ]]
    dl-design --poly 2 -q < "$TMP/p.dlt" > "$TMP/other.dlt"
    cat "$TMP/d.dlt" "$TMP/other.dlt" > "$TMP/mixed.dlt"
    run dl-lstsq "$TMP/mixed.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"a second, different design"* ]]
    cat "$TMP/p.dlt" "$TMP/d.dlt" > "$TMP/rawfirst.dlt"
    run dl-predict "$TMP/cubic.ckpt" "$TMP/rawfirst.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"a design record after raw x"* ]]
}

@test "raw x after x that went through the checkpoint's design (cat of both) is refused, not taken as designed" {
    # a design of as many columns as its inputs: the width cannot tell them apart
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/particle.csv" > "$TMP/p.dlt"
    dl-design --no-bias --standardize -q < "$TMP/p.dlt" > "$TMP/d.dlt"
    dl-lstsq -q < "$TMP/d.dlt" > "$TMP/std.ckpt"
    cat "$TMP/d.dlt" "$TMP/p.dlt" > "$TMP/designed-then-raw.dlt"
    run dl-predict -o "$TMP/out.dlt" "$TMP/std.ckpt" "$TMP/designed-then-raw.dlt"
    [ "$status" -eq 1 ]
    # d.dlt: design, x.names, y.names, y, x; then p.dlt: x.names ...
    [ "${lines[0]}" = "dl-predict: $TMP/designed-then-raw.dlt: record 6 ('x.names'): another stream begins here without the checkpoint's design record, after x that went through the design: its x is raw (give every part raw, or every part through the design)" ]
    [ ! -e "$TMP/out.dlt" ]
    # each part through the design passes
    cat "$TMP/d.dlt" "$TMP/d.dlt" > "$TMP/dd.dlt"
    dl-predict -o "$TMP/out.dlt" "$TMP/std.ckpt" "$TMP/dd.dlt"
}

@test "--labels with a linear checkpoint is a usage error naming the checkpoint, before any output" {
    cubic
    run dl-predict --labels -o "$TMP/out.dlt" "$TMP/cubic.ckpt" "$TMP/p.dlt"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-predict: $TMP/cubic.ckpt: --labels needs a classifier network checkpoint" ]
    [ ! -e "$TMP/out.dlt" ]
}

@test "--threshold without --labels, or outside [0, 1], is a usage error, before any output" {
    cubic
    run dl-predict --threshold 0.3 -o "$TMP/out.dlt" "$TMP/cubic.ckpt" "$TMP/p.dlt"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-predict: --threshold goes with --labels" ]
    for t in 1.5 -0.1 nan; do
        run dl-predict --labels --threshold "$t" -o "$TMP/out.dlt" "$TMP/cubic.ckpt" "$TMP/p.dlt"
        [ "$status" -eq 2 ]
    done
    # named as given, not rounded to a probability it is not
    run dl-predict --labels --threshold 1.0000001 -o "$TMP/out.dlt" "$TMP/cubic.ckpt" "$TMP/p.dlt"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-predict: --threshold: '1.0000001' is not a probability in [0, 1]" ]
    [ ! -e "$TMP/out.dlt" ]
}

# A softmax network trained on one-hot targets A, B, C.
onehot_net() {
    { echo 'x,A,B,C'; for i in $(seq 1 10); do echo "0.$i,1,0,0"; echo "5.$i,0,1,0"; echo "9.$i,0,0,1"; done; } > "$TMP/oh.csv"
    printf 'model:\n  layers:\n    - {units: 3, activation: softmax}\nloss: ce\noptimizer: {name: adam, lr: 0.1}\ntraining: {epochs: 20, batch_size: full, seed: 1, validation: 0}\n' > "$TMP/ce.yaml"
    dl-tensor import --target A,B,C "$TMP/oh.csv" > "$TMP/oh.dlt"
    dl-train -q "$TMP/ce.yaml" < "$TMP/oh.dlt" > "$TMP/oh.ckpt"
}

@test "--labels of a softmax over one-hot targets goes into dl-eval; --threshold with it is a usage error" {
    onehot_net
    dl-predict --labels "$TMP/oh.ckpt" "$TMP/oh.dlt" > "$TMP/lab.dlt"
    run dl-eval -f tsv "$TMP/lab.dlt"
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == multiclass$'\t'30$'\t'* ]]
    # the accuracy: the rows whose label is the column of y's 1, counted apart
    paste -d, <(dl-tensor export --name yhat "$TMP/lab.dlt") <(dl-tensor export --name y "$TMP/lab.dlt") |
        awk -F, -v acc="$(echo "${lines[1]}" | cut -f 3)" \
            '{ n++; if ($($1 + 2) == 1) r++ } END { d = acc * n - r; exit !(d < 1e-9 && d > -1e-9) }'
    run dl-predict --labels --threshold 0.9 -o "$TMP/out.dlt" "$TMP/oh.ckpt" "$TMP/oh.dlt"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-predict: $TMP/oh.ckpt: --threshold goes with sigmoid (bce) outputs: this network's labels are the class of the largest softmax probability" ]
    [ ! -e "$TMP/out.dlt" ]
}

@test "CHECKPOINT and the input cannot both be standard input" {
    cubic
    run sh -c "dl-predict - < '$TMP/cubic.ckpt'"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-predict: CHECKPOINT and FILE cannot both be standard input" ]
    run sh -c "dl-predict - - < '$TMP/cubic.ckpt'"
    [ "$status" -eq 2 ]
    dl-predict - "$TMP/p.dlt" < "$TMP/cubic.ckpt" | dl-tensor info | grep -q yhat
}

@test "CHECKPOINT and the input cannot both be a pipe on standard input, under any of its names" {
    cubic
    for args in "- /dev/stdin" "/dev/stdin" "/dev/fd/0 -"; do
        run sh -c "cat '$TMP/cubic.ckpt' | dl-predict $args"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-predict: CHECKPOINT and FILE cannot both be standard input" ]
    done
}

@test "dl-predict: x read ahead on a thread or not, the output is the same bytes, the other records as they were stored" {
    cubic
    # x in chunks, y and x.names between them, deflated
    dl-tensor import -t 1 --zlib --chunk-rows 16 "$DL_TEST_ROOT/data/particle.csv" > "$TMP/z.dlt"
    # one BLAS thread on more cores reads ahead; as many threads as cores do not
    OPENBLAS_NUM_THREADS=1 dl-predict "$TMP/cubic.ckpt" "$TMP/z.dlt" > "$TMP/ahead.dlt"
    OPENBLAS_NUM_THREADS=$(nproc) dl-predict "$TMP/cubic.ckpt" "$TMP/z.dlt" > "$TMP/inline.dlt"
    cmp "$TMP/ahead.dlt" "$TMP/inline.dlt"
    # y went through as stored: deflated, its bytes those of the input
    [ "$(dl-tensor info "$TMP/ahead.dlt" | awk '$NF == "y" { print $(NF - 3) }' | sort -u)" = zlib ]
    cmp <(dl-tensor export --name y "$TMP/ahead.dlt") <(dl-tensor export --name y "$TMP/z.dlt")
}

@test "dl-predict: large chunks of a file, read in pieces, give the bytes and errors of a pipe" {
    cubic
    # x of 800,000 rows in two records, the first of 4.8 MB (read in pieces of
    # the 16,384 rows a linear model takes at a time); then that record cut
    # short, and one byte of it changed
    awk 'BEGIN { for (i = 0; i < 800000; i++) printf "%.6f,%d\n", i / 800000, i % 7 }' |
        dl-tensor import -t 1 --chunk-rows 600000 > "$TMP/big.dlt"
    size=$(stat -c %s "$TMP/big.dlt")   # x 4.8 MB, y 4.8, x 1.6, y 1.6
    head -c $((size / 4)) "$TMP/big.dlt" > "$TMP/cut.dlt"
    cp "$TMP/big.dlt" "$TMP/bad.dlt"
    printf 'X' | dd of="$TMP/bad.dlt" bs=1 seek=$((size / 6)) conv=notrunc 2> /dev/null
    export OPENBLAS_NUM_THREADS=2   # no core left for a reading thread: read in parts
    for f in big cut bad; do
        run dl-predict "$TMP/cubic.ckpt" -o "$TMP/$f.file.dlt" < "$TMP/$f.dlt"
        file_status=$status file_output=$output
        run sh -c "cat '$TMP/$f.dlt' | dl-predict '$TMP/cubic.ckpt' -o '$TMP/$f.pipe.dlt'"
        [ "$status" -eq "$file_status" ] && [ "$output" = "$file_output" ] ||
            { echo "$f: $file_status '$file_output' against $status '$output'"; return 1; }
    done
    cmp "$TMP/big.file.dlt" "$TMP/big.pipe.dlt"
    # the passes of 16,384 rows the first chunk completes, those the second
    # completes, and the last 13,568 rows
    [ "$(dl-tensor info "$TMP/big.file.dlt" | awk '$NF == "yhat" { printf "%s ", $3 }')" = "[589824, [196608, [13568, " ]
    [[ $file_output == *"checksum mismatch"* ]]
    run dl-predict "$TMP/cubic.ckpt" -o "$TMP/cut.file.dlt" < "$TMP/cut.dlt"
    [[ $output == *"record 1 ('x'): truncated: the payload has "*" of its 4800000 bytes" ]]
}

@test "dl-predict: a bad chunk ends it at once, while its input is still open" {
    # the chunks are read ahead on a thread that then waits for more: the
    # error must not wait with it for an input that never ends
    cubic
    printf 't,y\n1,2\n2,3\nnan,4\n' | dl-tensor import --allow-nonfinite -t 1 > "$TMP/bad.dlt"
    mkfifo "$TMP/in"
    exec 7<>"$TMP/in"   # a writer that stays open: no end of input comes
    cat "$TMP/bad.dlt" >&7
    OPENBLAS_NUM_THREADS=1 run timeout 60 dl-predict "$TMP/cubic.ckpt" -o "$TMP/out.dlt" < "$TMP/in"
    exec 7>&-
    [ "$status" -eq 1 ] || { echo "status $status: $output"; false; }
    [[ $output == *"missing value"* ]]
    [ ! -e "$TMP/out.dlt" ]
}

# wide_csv ROW: 3,000 rows of 600 inputs and a target, the input of row ROW
# (from 1; 0 for none) column 4 infinite.
wide_csv() {
    awk -v bad="$1" 'BEGIN { srand(3); for (i = 1; i <= 3000; i++) {
        for (j = 1; j <= 600; j++) printf (i == bad && j == 4 ? "inf," : "%.4f,"), rand()
        printf "%d\n", i % 2 } }'
}
# A network on 600 float32 inputs (2,400 bytes a row), and its x of 3,000
# rows in one record: dl-predict takes it in pieces of the 1,024 rows the
# network passes forward at a time, 2.4 MB each.
wide_net() {
    wide_csv 0 > "$TMP/wide.csv"
    dl-tensor import --dtype f32 -t 1 "$TMP/wide.csv" > "$TMP/wide.dlt"
    printf 'model:\n  layers:\n    - {units: 4, activation: relu}\n    - {units: 1, activation: identity}\nloss: mse\ntraining: {epochs: 1, seed: 1}\n' > "$TMP/wide.yaml"
    dl-train -q "$TMP/wide.yaml" < "$TMP/wide.dlt" > "$TMP/wide.ckpt"
}

@test "dl-predict: a large chunk read in pieces predicts as chunks of a pass, from a file or a pipe, at 1 and 2 threads" {
    wide_net
    [ "$(dl-tensor info "$TMP/wide.dlt" | awk '$NF == "x" { n++ } END { print n }')" -eq 1 ]
    dl-tensor import --dtype f32 -t 1 --chunk-rows 1024 "$TMP/wide.csv" > "$TMP/wide1k.dlt"
    for t in 1 2; do
        export OPENBLAS_NUM_THREADS=$t   # 2: no core left for a reading thread, pieces read in parts
        dl-predict "$TMP/wide.ckpt" -o "$TMP/file$t.dlt" < "$TMP/wide.dlt"
        cat "$TMP/wide.dlt" | dl-predict "$TMP/wide.ckpt" > "$TMP/pipe$t.dlt"
        cmp "$TMP/file$t.dlt" "$TMP/pipe$t.dlt"
        [ "$(dl-tensor info "$TMP/file$t.dlt" | awk '$1 == "yhat" { print $3 }')" = "[3000," ]
        cmp <(dl-tensor export --name yhat "$TMP/file$t.dlt") \
            <(dl-predict "$TMP/wide.ckpt" < "$TMP/wide1k.dlt" | dl-tensor export --name yhat)
    done
}

# The rows of x cut into chunks otherwise, a file of 777 rows and one of
# the rest joined with cat, as one chunk: BLAS sums a row's products in
# another order where it stands elsewhere in a product (in a product's last
# columns, or in another thread's share), so the passes start every 1,024
# rows (16,384 for a linear model) from x's first, whatever the chunks.
same_rows_chunked() { # CHECKPOINT FILE.csv TARGETS
    local f
    dl-tensor import -t "$3" "$2" > "$TMP/one.dlt"
    for rows in 777 1000 3000; do
        dl-tensor import -t "$3" --chunk-rows $rows "$2" > "$TMP/chunks$rows.dlt"
    done
    head -n 777 "$2" | dl-tensor import -t "$3" > "$TMP/head.dlt"
    tail -n +778 "$2" | dl-tensor import -t "$3" > "$TMP/tail.dlt"
    for t in 1 2; do
        export OPENBLAS_NUM_THREADS=$t
        dl-predict "$1" "$TMP/one.dlt" | dl-tensor export --name yhat > "$TMP/want.txt"
        [ "$(wc -l < "$TMP/want.txt")" -eq 5000 ]
        for f in chunks777 chunks1000 chunks3000; do
            dl-predict "$1" "$TMP/$f.dlt" | dl-tensor export --name yhat | cmp - "$TMP/want.txt"
        done
        cat "$TMP/head.dlt" "$TMP/tail.dlt" | dl-predict "$1" | dl-tensor export --name yhat |
            cmp - "$TMP/want.txt"
    done
}

@test "dl-predict: a network's predictions are the same bits however x is chunked or joined, at 1 and 2 threads" {
    awk 'BEGIN { srand(5); for (i = 0; i < 5000; i++) {
        for (j = 0; j < 20; j++) { v[j] = 2 * rand() - 1; printf "%.6f,", v[j] }
        printf "%.6f\n", v[0] * v[1] } }' > "$TMP/d.csv"
    dl-tensor import -t 1 "$TMP/d.csv" > "$TMP/d.dlt"
    printf 'model:\n  layers:\n    - {units: 64, activation: relu}\n    - {units: 1, activation: identity}\nloss: mse\ntraining: {epochs: 2, seed: 1}\n' > "$TMP/n.yaml"
    dl-train -q -j1 "$TMP/n.yaml" "$TMP/d.dlt" -o "$TMP/n.ckpt"
    same_rows_chunked "$TMP/n.ckpt" "$TMP/d.csv" 1
}

@test "dl-predict: a linear model's predictions of several targets and their ystd are the same bits however x is chunked" {
    awk 'BEGIN { srand(6); for (i = 0; i < 5000; i++) {
        for (j = 0; j < 12; j++) { v[j] = 2 * rand() - 1; printf "%.6f,", v[j] }
        for (k = 0; k < 6; k++) printf (k < 5 ? "%.6f," : "%.6f\n"), v[k] - 2 * v[k + 6] + rand() / 10 } }' > "$TMP/l.csv"
    dl-tensor import -t 6 "$TMP/l.csv" | dl-design -q | dl-lstsq -q --posterior > "$TMP/l.ckpt"
    same_rows_chunked "$TMP/l.ckpt" "$TMP/l.csv" 6
    unset OPENBLAS_NUM_THREADS
    cmp <(dl-predict "$TMP/l.ckpt" "$TMP/chunks777.dlt" | dl-tensor export --name ystd) \
        <(dl-predict "$TMP/l.ckpt" "$TMP/one.dlt" | dl-tensor export --name ystd)
}

@test "dl-predict: a large chunk damaged in its first piece is a checksum mismatch, and none of it goes out" {
    wide_net
    # row 11's first input becomes a NaN; the record's sum is as before
    printf '\000\000\300\177' | dd of="$TMP/wide.dlt" bs=1 seek=$((45 + 10 * 2400)) conv=notrunc 2> /dev/null
    for t in 1 2; do
        OPENBLAS_NUM_THREADS=$t run dl-predict "$TMP/wide.ckpt" -o "$TMP/out$t.dlt" < "$TMP/wide.dlt"
        [ "$status" -eq 1 ]
        [[ $output == *"record 1 ('x'): payload checksum mismatch"* ]] || { echo "$output"; false; }
        [ ! -e "$TMP/out$t.dlt" ]
        OPENBLAS_NUM_THREADS=$t run sh -c "cat '$TMP/wide.dlt' | dl-predict '$TMP/wide.ckpt' > '$TMP/stdout$t.dlt'"
        [ "$status" -eq 1 ]
        [ ! -s "$TMP/stdout$t.dlt" ]
    done
}

@test "dl-predict: a row of a large chunk's last piece is named by its row in the chunk" {
    wide_net
    wide_csv 2500 | dl-tensor import --dtype f32 -t 1 --allow-nonfinite > "$TMP/inf.dlt"
    for t in 1 2; do
        OPENBLAS_NUM_THREADS=$t run dl-predict "$TMP/wide.ckpt" -o "$TMP/out.dlt" < "$TMP/inf.dlt"
        [ "$status" -eq 1 ]
        [[ $output == *"record 1 ('x'): x row 2500 is not finite"* ]] || { echo "$output"; false; }
        [ ! -e "$TMP/out.dlt" ]
    done
}

@test "without a design, x.names in another order than the checkpoint's are refused, naming the column" {
    awk 'BEGIN { print "speed,depth,y"; for (i = 0; i < 20; i++) printf "%d,%d,%d\n", i % 7, i % 5, 2 * (i % 7) - i % 5 }' > "$TMP/sd.csv"
    awk -F, '{ print $2 "," $1 "," $3 }' "$TMP/sd.csv" > "$TMP/ds.csv"
    sed '1s/depth/width/' "$TMP/sd.csv" > "$TMP/sw.csv"
    for f in sd ds sw; do dl-tensor import -t 1 "$TMP/$f.csv" > "$TMP/$f.dlt"; done
    dl-lstsq -q < "$TMP/sd.dlt" > "$TMP/m.ckpt"
    dl-predict "$TMP/m.ckpt" "$TMP/sd.dlt" > /dev/null
    run dl-predict "$TMP/m.ckpt" "$TMP/ds.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-predict: $TMP/ds.dlt: record "*" ('x'): column 1 is 'depth' in the input but 'speed' in the checkpoint" ]]
    run dl-predict "$TMP/m.ckpt" "$TMP/sw.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"column 2 is 'width' in the input but 'depth' in the checkpoint" ]]
}

@test "without a design, a column of strings is refused: its codes are the input's own, not the training data's" {
    printf 'c,v,y\nlo,1,1\nmid,2,5\nhi,3,9\nlo,2,2\nhi,1,8\n' > "$TMP/train.csv"
    # a checkpoint of numbers (dl-lstsq refuses categories without a design)
    printf 'c,v,y\n1,1,1\n2,2,5\n0,3,9\n1,2,2\n0,1,8\n' | dl-tensor import -t 1 | dl-lstsq -q > "$TMP/m.ckpt"
    printf 'c,v\nmid,2\n' > "$TMP/new.csv"
    dl-tensor import "$TMP/new.csv" > "$TMP/new.dlt"
    run dl-predict -o "$TMP/out.dlt" "$TMP/m.ckpt" "$TMP/new.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $TMP/new.dlt: record 3 ('x'): column 1 ('c') is categorical in the input, but the checkpoint has no design to match its levels to the training data's by name (fit on the output of dl-design, which keeps them)" ]
    [ ! -e "$TMP/out.dlt" ]
    # with the design between, the input's codes are mapped by name
    dl-tensor import -t 1 --categorical c "$TMP/train.csv" | dl-design -q | dl-lstsq -q > "$TMP/d.ckpt"
    dl-predict "$TMP/d.ckpt" "$TMP/new.dlt" > /dev/null
    # numbers in x against a checkpoint without a design still predict
    printf 'c,v\n2,2\n' | dl-tensor import > "$TMP/num.dlt"
    dl-predict "$TMP/m.ckpt" "$TMP/num.dlt" > /dev/null
}

@test "string classes of a file without a header: the scores are named y0=CLASS and dl-eval scores them" {
    # no header: y keeps its classes (y.categories) but no name (y.names)
    awk 'BEGIN { for (i = 0; i < 40; i++) printf "%d,%s\n", i, i < 20 ? "no" : "yes" }' > "$TMP/c.csv"
    dl-tensor import --no-header -t 1 "$TMP/c.csv" > "$TMP/c.dlt"
    run dl-tensor info "$TMP/c.dlt"
    [[ $output == *"y.categories"* && $output != *"y.names"* ]]
    printf 'model:\n  layers:\n    - {units: 1, activation: sigmoid}\nloss: bce\noptimizer: {name: adam, lr: 0.1}\ntraining: {epochs: 30, batch_size: full, seed: 1, validation: 0}\n' > "$TMP/bce.yaml"
    dl-train -q "$TMP/bce.yaml" < "$TMP/c.dlt" > "$TMP/net.ckpt"
    dl-lstsq -q < "$TMP/c.dlt" > "$TMP/lin.ckpt"
    # a test file of the second class alone codes it 0: y is mapped by name
    awk -F, '$2 == "yes"' "$TMP/c.csv" | dl-tensor import --no-header -t 1 > "$TMP/yes.dlt"
    for m in net lin; do
        for t in c yes; do
            dl-predict "$TMP/$m.ckpt" "$TMP/$t.dlt" > "$TMP/p.dlt"
            [ "$(dl-tensor export --header --name yhat "$TMP/p.dlt" | head -1)" = "y0=yes" ]
            dl-eval -f tsv "$TMP/p.dlt" 2> /dev/null > "$TMP/eval.tsv"
            # the accuracy, counted apart: yhat >= 0.5 where y is yes
            dl-tensor export --name y,yhat "$TMP/p.dlt" |
                awk -F, -v acc="$(sed -n 2p "$TMP/eval.tsv" | cut -f 3)" \
                    '{ n++; r += ($2 >= 0.5) == ($1 == "yes") } END { d = acc * n - r; exit !(d < 1e-9 && d > -1e-9) }'
        done
    done
    # a softmax's columns, one per class
    awk 'BEGIN { for (i = 0; i < 30; i++) printf "%d,%s\n", i, i < 10 ? "a" : i < 20 ? "b" : "c" }' |
        dl-tensor import --no-header -t 1 > "$TMP/abc.dlt"
    printf 'model:\n  layers:\n    - {units: 3, activation: softmax}\nloss: ce\ntraining: {epochs: 2, batch_size: full, seed: 1, validation: 0}\n' > "$TMP/ce.yaml"
    dl-train -q "$TMP/ce.yaml" < "$TMP/abc.dlt" > "$TMP/ce.ckpt"
    dl-predict "$TMP/ce.ckpt" "$TMP/abc.dlt" > "$TMP/p.dlt"
    [ "$(dl-tensor export --header --name yhat "$TMP/p.dlt" | head -1)" = "y0=a,y0=b,y0=c" ]
    dl-eval "$TMP/p.dlt" > /dev/null
    # labels carry their classes in yhat.categories: no name is made up
    dl-predict --labels "$TMP/ce.ckpt" "$TMP/abc.dlt" > "$TMP/l.dlt"
    run dl-tensor info "$TMP/l.dlt"
    [[ $output == *"yhat.categories"* && $output != *"yhat.names"* ]]
}

@test "string classes in a y of another width than the checkpoint's targets are refused naming both widths" {
    # trained on one column of classes a b c; the test file's y holds a second column
    awk 'BEGIN { print "v,class"; for (i = 0; i < 30; i++) printf "%d,%s\n", i, i < 10 ? "a" : i < 20 ? "b" : "c" }' |
        dl-tensor import --target class > "$TMP/abc.dlt"
    printf 'model:\n  layers:\n    - {units: 3, activation: softmax}\nloss: ce\ntraining: {epochs: 2, batch_size: full, seed: 1, validation: 0}\n' > "$TMP/ce.yaml"
    dl-train -q "$TMP/ce.yaml" < "$TMP/abc.dlt" > "$TMP/ce.ckpt"
    printf 'v,k,class\n15,1,b\n25,2,c\n' | dl-tensor import --target k,class > "$TMP/kc.dlt"
    printf 'v,class,k\n15,b,1\n25,c,2\n' | dl-tensor import --target class,k > "$TMP/ck.dlt"
    for t in kc ck; do
        run dl-predict -o "$TMP/out.dlt" "$TMP/ce.ckpt" "$TMP/$t.dlt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-predict: $TMP/$t.dlt: record 5 ('y'): y has 2 columns but the checkpoint's targets have 1: its string classes cannot be matched to the checkpoint's column by column" ] || { echo "$output"; false; }
        [ ! -e "$TMP/out.dlt" ]
    done
}

@test "string classes in y beside a checkpoint of numeric targets are refused, not read as the file's own codes" {
    # trained on class numbers 0 1 2; the test file names its classes b and c
    awk 'BEGIN { print "v,class"; for (i = 0; i < 30; i++) printf "%d,%d\n", i, int(i / 10) }' |
        dl-tensor import --target class > "$TMP/n.dlt"
    printf 'model:\n  layers:\n    - {units: 3, activation: softmax}\nloss: ce\ntraining: {epochs: 2, batch_size: full, seed: 1, validation: 0}\n' > "$TMP/ce.yaml"
    dl-train -q "$TMP/ce.yaml" < "$TMP/n.dlt" > "$TMP/ce.ckpt"
    printf 'v,class\n15,b\n25,c\n' | dl-tensor import --target class > "$TMP/s.dlt"
    for labels in "" --labels; do
        run dl-predict $labels -o "$TMP/out.dlt" "$TMP/ce.ckpt" "$TMP/s.dlt"
        [ "$status" -eq 1 ]
        [[ $output == "dl-predict: $TMP/s.dlt: record "*" ('y'): column 1 ('class') holds string classes here but numbers in the training data: its codes are this file's own, which name no class of the model" ]] || { echo "$output"; false; }
        [ ! -e "$TMP/out.dlt" ]
    done
    # x alone still predicts; a y all missing (numbers: no levels) passes
    dl-tensor export --name x --header "$TMP/s.dlt" | dl-tensor import > "$TMP/x.dlt"
    dl-predict "$TMP/ce.ckpt" "$TMP/x.dlt" > /dev/null
    printf 'v,class\n15,NA\n' | dl-tensor import --target class --missing NA | dl-predict "$TMP/ce.ckpt" > /dev/null
    # dl-train --val: the same file would score the validation rows crosswise
    run dl-train -q --val "$TMP/s.dlt" "$TMP/ce.yaml" "$TMP/n.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"$TMP/s.dlt: record 'y': column 1 ('class') holds string classes here but numbers in the training data"* ]] || { echo "$output"; false; }
    # against one-hot targets (three named columns) too
    printf 'v,A,B,C
1,1,0,0
2,0,1,0
3,0,0,1
' | dl-tensor import -t 3 > "$TMP/oh.dlt"
    dl-train -q "$TMP/ce.yaml" < "$TMP/oh.dlt" > "$TMP/oh.ckpt"
    run dl-predict --labels "$TMP/oh.ckpt" "$TMP/s.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"record "*" ('y'): column 1 holds string classes here but numbers in the training data"* ]] || { echo "$output"; false; }
}

@test "x's column metadata does not outlive x: the predictions of files that code their strings otherwise concatenate" {
    printf 'c,v,y\nlo,1,1\nmid,2,5\nhi,3,9\nlo,2,2\nhi,1,8\n' | dl-tensor import --target y |
        dl-design -q --onehot auto | dl-lstsq -q > "$TMP/m.ckpt"
    # each file codes its own levels: [hi, lo] and [mid]
    printf 'c,v,y\nlo,1,1\nhi,2,8\n' | dl-tensor import --target y > "$TMP/a.dlt"
    printf 'c,v,y\nmid,3,5\n' | dl-tensor import --target y > "$TMP/b.dlt"
    for f in a b; do dl-predict "$TMP/m.ckpt" "$TMP/$f.dlt" > "$TMP/$f.pred"; done
    run dl-tensor info "$TMP/a.pred"
    [ "$status" -eq 0 ]
    [[ $output != *"x.names"* && $output != *"x.categories"* ]]
    cat "$TMP/a.pred" "$TMP/b.pred" > "$TMP/ab.pred"
    run dl-tensor info "$TMP/ab.pred"
    [ "$status" -eq 0 ]
    [[ $output == *"yhat "*"[3, 1]"* ]]
    dl-tensor head -n 2 "$TMP/ab.pred" > /dev/null
    dl-eval "$TMP/ab.pred" > /dev/null
}

@test "--labels of a softmax over one-hot targets refuses a y whose columns come in another order than the checkpoint's" {
    onehot_net
    # the same rows, y's columns as B, A, C: a label is a column of the checkpoint's y
    dl-tensor import --target B,A,C "$TMP/oh.csv" > "$TMP/ba.dlt"
    run dl-predict --labels -o "$TMP/out.dlt" "$TMP/oh.ckpt" "$TMP/ba.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-predict: $TMP/ba.dlt: record "*" ('y'): --labels of one-hot classes: column 1 is 'B' in the input but 'A' in the checkpoint" ]] || { echo "$output"; false; }
    [ ! -e "$TMP/out.dlt" ]
    # the probabilities are named: dl-eval refuses them
    dl-predict "$TMP/oh.ckpt" "$TMP/ba.dlt" > "$TMP/p.dlt"
    run dl-eval "$TMP/p.dlt"
    [ "$status" -eq 1 ]
    # y without names, or in the checkpoint's order, is taken as it is
    dl-tensor export --name y "$TMP/ba.dlt" | dl-tensor import --name y > "$TMP/y.dlt"
    dl-tensor export --name x --header "$TMP/ba.dlt" | dl-tensor import > "$TMP/x.dlt"
    cat "$TMP/x.dlt" "$TMP/y.dlt" | dl-predict --labels "$TMP/oh.ckpt" > /dev/null
    dl-predict --labels "$TMP/oh.ckpt" "$TMP/oh.dlt" | dl-eval > /dev/null
}

@test "a class whose TARGET=CLASS name exceeds 255 bytes is refused before any output, naming both" {
    name=$(printf 'n%.0s' $(seq 200)) no=$(printf 'a%.0s' $(seq 100)) yes=$(printf 'b%.0s' $(seq 100))
    printf 'x,%s\n1,%s\n2,%s\n3,%s\n4,%s\n' "$name" "$no" "$yes" "$no" "$yes" > "$TMP/long.csv"
    dl-tensor import -t 1 "$TMP/long.csv" -o "$TMP/long.dlt"
    dl-lstsq -q "$TMP/long.dlt" -o "$TMP/long.ckpt"
    run dl-predict -o "$TMP/out.dlt" "$TMP/long.ckpt" "$TMP/long.dlt"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [ "${lines[0]}" = "dl-predict: $TMP/long.ckpt: checkpoint: the scores of class '$yes' of the target '$name' cannot be named TARGET=CLASS in 'yhat.names': $((200 + 1 + 100)) bytes, where a column name holds 255 (shorten the target's name or its class names and train again)" ]
    [ ! -e "$TMP/out.dlt" ]
}

@test "--labels: a class without a name in the checkpoint is named by its row of x, counted from the first chunk" {
    # made by tests/fixtures/predict/gen_unnamed_class.py: x's row 5 is class 2, which has no name
    fix=$DL_TEST_ROOT/tests/fixtures/predict
    run dl-predict --labels -o "$TMP/out.dlt" "$fix/unnamed_class.ckpt" "$fix/two_chunks.dlt"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "dl-predict: $fix/two_chunks.dlt: record 2 ('x'): row 5: class 2 has no name among the 2 of the checkpoint's 'y.categories'" ]
    [ ! -e "$TMP/out.dlt" ]
}

@test "a partial of dl-lstsq --partial given as the checkpoint is named so, with the step that makes a model of it" {
    cubic
    dl-lstsq -q --partial "$TMP/p.dlt" -o "$TMP/part.dlt"
    want="checkpoint: a partial of dl-lstsq --partial, not a model: fit the partials with dl-lstsq --combine first"
    run dl-predict "$TMP/part.dlt" "$TMP/p.dlt"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "dl-predict: $TMP/part.dlt: $want" ]
    run dl-tensor show "$TMP/part.dlt"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "dl-tensor: $TMP/part.dlt: $want" ]
}

@test "an empty checkpoint is named as the checkpoint, not as the input" {
    cubic
    : > "$TMP/empty.ckpt"
    want="the checkpoint is empty (did the command that wrote it fail?)"
    for ckpt in /dev/null "$TMP/empty.ckpt"; do
        run dl-predict -o "$TMP/out.dlt" "$ckpt" "$TMP/p.dlt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-predict: $ckpt: $want" ]
    done
    run dl-predict - "$TMP/p.dlt" < /dev/null
    [ "$output" = "dl-predict: <stdin>: $want" ]
    [ ! -e "$TMP/out.dlt" ]
    # the data is the input
    run dl-predict "$TMP/cubic.ckpt" /dev/null
    [ "$output" = "dl-predict: /dev/null: the input is empty (did the previous command fail?)" ]
}

@test "scores of a softmax of more classes than the checkpoint's y.categories names are refused before any output" {
    # made by tests/fixtures/predict/gen_unnamed_class.py: 3 units, 2 class names
    fix=$DL_TEST_ROOT/tests/fixtures/predict
    run dl-predict -o "$TMP/out.dlt" "$fix/unnamed_class.ckpt" "$fix/two_chunks.dlt"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "dl-predict: $fix/unnamed_class.ckpt: checkpoint: the model scores 3 classes but 'y.categories' names 2: their scores cannot be named TARGET=CLASS in 'yhat.names'" ]
    [ ! -e "$TMP/out.dlt" ]
}

@test "a y code that names no class is refused, also where the input's y.categories are the checkpoint's" {
    printf 'a,b,kind\n0,1,no\n2,3,yes\n4,5,no\n6,7,yes\n8,9,no\n' | dl-tensor import --target kind > "$TMP/ok.dlt"
    dl-lstsq -q "$TMP/ok.dlt" > "$TMP/m.ckpt"
    dl-tensor export --name y.categories "$TMP/ok.dlt" |
        dl-tensor import --format text --name y.categories > "$TMP/same.dlt"
    printf '0\tmaybe\tno\tyes\n' | dl-tensor import --format text --name y.categories > "$TMP/other.dlt"
    # the checkpoint's classes (codes 0..1), and classes of the file's own (0..2), mapped by name
    for cats in same:2 other:3; do
        printf 'a,b,kind\n0,1,1\n2,3,1\n4,5,%s\n' ${cats#*:} | dl-tensor import --target kind > "$TMP/codes.dlt"
        cat "$TMP/${cats%:*}.dlt" "$TMP/codes.dlt" > "$TMP/bad.dlt"
        run dl-predict -o "$TMP/out.dlt" "$TMP/m.ckpt" "$TMP/bad.dlt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-predict: $TMP/bad.dlt: record 5 ('y'): row 3, column 1 ('kind'): ${cats#*:} is not a category code (0..$((${cats#*:} - 1)))" ] ||
            { echo "$output"; return 1; }
        [ ! -e "$TMP/out.dlt" ]
    done
    # the checkpoint's own codes go through as they are, and dl-eval scores them
    dl-predict "$TMP/m.ckpt" "$TMP/ok.dlt" > "$TMP/pred.dlt"
    cmp <(dl-tensor export --name y "$TMP/ok.dlt") <(dl-tensor export --name y "$TMP/pred.dlt")
    dl-eval "$TMP/pred.dlt" > /dev/null
}

@test "--no-std is taken with a checkpoint without a posterior, whose output has no ystd either way" {
    cubic
    dl-predict "$TMP/cubic.ckpt" "$TMP/p.dlt" > "$TMP/with.dlt"
    dl-predict --no-std "$TMP/cubic.ckpt" "$TMP/p.dlt" > "$TMP/without.dlt"
    cmp "$TMP/with.dlt" "$TMP/without.dlt"
    run dl-tensor info "$TMP/without.dlt"
    [[ $output != *ystd* ]]
    # a network's too
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\ntraining: {epochs: 1, batch_size: full, seed: 1, validation: 0}\n' > "$TMP/net.yaml"
    dl-train -q "$TMP/net.yaml" < "$TMP/p.dlt" > "$TMP/net.ckpt"
    dl-predict --no-std "$TMP/net.ckpt" "$TMP/p.dlt" > "$TMP/net.dlt"
    run dl-tensor info "$TMP/net.dlt"
    [[ $output == *yhat* ]]
    [[ $output != *ystd* ]]
}
