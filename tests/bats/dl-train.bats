#!/usr/bin/env bats
# dl-train: the YAML spec's errors and overrides, early stopping, exact resume,
# init-from, NaN and signal stops, bad input, determinism; dl-predict with
# network checkpoints.

EX="$DL_TEST_ROOT/examples"

load figures

setup() {
    TMP=$(mktemp -d)
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/fish2d.csv" > "$TMP/f2.dlt"
}

teardown() {
    rm -rf "$TMP"
}

# CKPT with its record NAME replaced by the stream NEW: the records before
# and after it cut at their sizes, each 28 + 8 rank + name bytes of header
# plus its payload (dl-stream(5)).
replace_record() {
    local span
    span=$(dl-tensor info "$1" | awk -v name="$2" '$1 ~ /^[0-9]+$/ {
        shape = ""; for (i = 3; i < NF - 3; i++) shape = shape $i
        size = 28 + 8 * (gsub(/,/, ",", shape) + 1) + length($NF) + $(NF - 2)
        if ($NF == name) { print total, size; exit }
        total += size }')
    set -- "$1" "$3" $span
    head -c "$3" "$1"
    cat "$2"
    tail -c +$(($3 + $4 + 1)) "$1"
}

# CKPT with value LINE (from 1) of its one-axis record NAME, of type DTYPE,
# set to the text VALUE: the record exported, changed, imported and put back
# in its place; the record as it was, cut out and put back, is checked to give
# the same checkpoint.
with_state_value() {
    dl-tensor export --name "$2" "$1" > "$TMP/rec.csv"
    dl-tensor import --format csv --name "$2" --rank 1 --dtype "$3" "$TMP/rec.csv" \
        > "$TMP/rec.dlt"
    replace_record "$1" "$2" "$TMP/rec.dlt" | cmp - "$1"
    sed "$4s/.*/$5/" "$TMP/rec.csv" | dl-tensor import --format csv --name "$2" --rank 1 \
        --dtype "$3" --allow-nonfinite > "$TMP/rec.dlt"
    replace_record "$1" "$2" "$TMP/rec.dlt"
}

# CKPT with words FIRST to LAST (from 1) of its i64 record NAME set to the
# whole number VALUE: the record exported as .npy, whose payload ends the
# file, the words written there little-endian, imported and put back in its
# place; the record as it was, put back, is checked to give the same checkpoint.
with_state_words() {
    local at byte i word words
    dl-tensor export --format npy --name "$2" -o "$TMP/rec.npy" "$1"
    dl-tensor import --name "$2" --rank 1 "$TMP/rec.npy" > "$TMP/rec.dlt"
    replace_record "$1" "$2" "$TMP/rec.dlt" | cmp - "$1"
    words=$(dl-tensor info "$1" | awk -v name="$2" '$NF == name { print $(NF - 2) / 8; exit }')
    for ((word = $3; word <= $4; word++)); do
        at=$(($(stat -c %s "$TMP/rec.npy") - 8 * (words - word + 1)))
        for ((i = 0; i < 8; i++)); do
            byte=$((($5 >> 8 * i) & 255))
            printf "\\$(printf %03o "$byte")"
        done | dd of="$TMP/rec.npy" bs=1 seek="$at" conv=notrunc 2> /dev/null
    done
    dl-tensor import --name "$2" --rank 1 "$TMP/rec.npy" > "$TMP/rec.dlt"
    replace_record "$1" "$2" "$TMP/rec.dlt"
}

# A quick variant of the fish example spec (examples/fish2d.yaml): fewer
# epochs, no early stopping.
short() {
    dl-train "$EX/fish2d.yaml" -q -s training.epochs="$1" \
        -s training.early_stopping.patience=0 "${@:2}" < "$TMP/f2.dlt"
}

@test "dl-train --help shows the options and defaults, --version" {
    run dl-train --help
    [ "$status" -eq 0 ]
    [[ $output == *"Usage: dl-train"*"--resume"*"--init-from"*"default 0"* ]]
    run dl-train --version
    [[ $output == "dl-train (dl toolkit)"* ]]
    run dl-train
    [ "$status" -eq 2 ]
    [[ $output == *"dl-train: missing the SPEC argument"* ]]
}

@test "a typo in the spec is an error with file, line and column" {
    printf 'model:\n  layers:\n    - {units: 4, activation: relu}\n    - {units: 1, activation: identity}\nloss: mse\noptimizer:\n  lrr: 0.1\n' > "$TMP/net.yaml"
    run dl-train "$TMP/net.yaml" < "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: $TMP/net.yaml:7:3: unknown key 'lrr' in optimizer"* ]]
}

@test "impossible values: softmax on a hidden layer, zero units, negative lr" {
    printf 'model:\n  layers:\n    - {units: 4, activation: softmax}\n    - {units: 2, activation: softmax}\nloss: ce\n' > "$TMP/net.yaml"
    run dl-train "$TMP/net.yaml" --print-config
    [ "$status" -eq 1 ]
    [[ $output == *"net.yaml:3:30: model.layers.1: softmax is for the output layer only"* ]]
    run dl-train "$EX/fish2d.yaml" -s model.layers.2.units=0 --print-config
    [ "$status" -eq 1 ]
    [[ $output == *"-s 'model.layers.2.units=0': model.layers.2.units: 0 is out of range"* ]]
    run dl-train "$EX/fish2d.yaml" -s optimizer.lr=-1 --print-config
    [ "$status" -eq 1 ]
    [[ $output == *"optimizer.lr: must be > 0"* ]]
}

@test "a control character or a byte that is not UTF-8 in the spec is named at its line and column" {
    printf 'model:\n  layers:\n    - {units: 1, activation: sigmoid}\nloss: bce\noptimizer: {lr: 0.1\001}\n' > "$TMP/ctl.yaml"
    run dl-train "$TMP/ctl.yaml" --print-config
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/ctl.yaml:5:20: control characters are not allowed (0x01)" ]
    # columns count characters, as in every other message: \xc3\xa9 is one
    printf 'model:\n  layers:\n    - {units: 1, activation: sigmoid}\nloss: bce\n# caf\xc3\xa9 \xff\n' > "$TMP/latin.yaml"
    run dl-train "$TMP/latin.yaml" --print-config
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/latin.yaml:5:8: invalid leading UTF-8 octet (0xff)" ]
}

@test "a spec number that float32 cannot hold (beyond 3.4e38, or nonzero below 1.2e-38) is refused, naming key, line and value" {
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\noptimizer:\n  name: sgd\n  lr: 1e39\n' > "$TMP/net.yaml"
    run dl-train "$TMP/net.yaml" --print-config
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/net.yaml:7:7: optimizer.lr: 1e39 is outside float32's range (magnitudes about 1.2e-38 to 3.4e38, or 0), in which networks train" ]
    for set in optimizer.weight_decay=1e-50 optimizer.lr=1e-39 optimizer.lr=-4e38 \
               model.init_scale=1e40 optimizer.eps=1e-45 optimizer.l1=1e-40 \
               optimizer.clip_norm=5e38 'optimizer.schedule={name: step, gamma: 1e39}' \
               model.layers.1.slope=1e-60; do
        run dl-train "$EX/fish2d.yaml" -s model.init=normal -s model.layers.1.activation=leaky_relu \
            -s "$set" --print-config
        [ "$status" -eq 1 ] || { echo "$set: $output"; false; }
        key=${set%%=*}
        [[ $key != *schedule* ]] || key=optimizer.schedule.gamma
        [[ $output == "dl-train: -s '$set': $key: "*" is outside float32's range"* ]] || { echo "$set: $output"; false; }
    done
    # 0 is exact, and the range's ends are numbers
    dl-train "$EX/fish2d.yaml" -s optimizer.weight_decay=0 -s optimizer.lr=3.4e38 \
        -s optimizer.l1=1.2e-38 --print-config > /dev/null
}

@test "a spec over a documented size limit exits 4, naming the limit, from the file and from -s" {
    head='model: {layers: [{units: 1, activation: sigmoid}]}\nloss: bce\n'
    # over 1 MiB
    { printf "$head"; head -c 1048576 /dev/zero | tr '\0' '#'; } > "$TMP/big.yaml"
    run dl-train "$TMP/big.yaml" --print-config
    [ "$status" -eq 4 ]
    [ "$output" = "dl-train: $TMP/big.yaml: a spec file is at most 1048576 bytes" ]
    # a mapping of 1025 keys (1024 are read: the class_weight map is then too long)
    { printf "${head}training: {class_weight: {"; seq 0 1024 | sed 's/.*/c&: 1/' | paste -sd, -; printf '}}\n'; } > "$TMP/keys.yaml"
    run dl-train "$TMP/keys.yaml" --print-config
    [ "$status" -eq 4 ]
    [[ $output == "dl-train: $TMP/keys.yaml:3:"*": a mapping of more than 1024 keys" ]]
    # a value in 17 mappings and lists: the top-level one, optimizer's, betas and 14 more
    deep=$(printf '[%.0s' $(seq 14))1$(printf ']%.0s' $(seq 14))
    run dl-train <(printf "${head}optimizer: {betas: $deep}\n") --print-config
    [ "$status" -eq 1 ]
    [[ $output == *"optimizer.betas: expected two numbers"* ]]
    run dl-train <(printf "${head}optimizer: {betas: [$deep]}\n") --print-config
    [ "$status" -eq 4 ]
    [[ $output == *":3:35: the spec has a value in more than 16 mappings and lists" ]]
    # an -s value counts from its own top: 16 lists around 1 are what it may hold
    deep=$(printf '[%.0s' $(seq 16))1$(printf ']%.0s' $(seq 16))
    run dl-train "$EX/fish2d.yaml" -s "optimizer.betas=$deep" --print-config
    [ "$status" -eq 1 ]
    [[ $output == *"optimizer.betas: expected two numbers"* ]]
    run dl-train "$EX/fish2d.yaml" -s "optimizer.betas=[$deep]" --print-config
    [ "$status" -eq 4 ]
    [ "$output" = "dl-train: -s 'optimizer.betas=[$deep]': the spec has a value in more than 16 mappings and lists" ]
    # 100,000 keys and values in all: 16 besides the list's items
    { printf "${head}optimizer: {betas: ["; seq 99984 | paste -sd, -; printf ']}\n'; } > "$TMP/many.yaml"
    run dl-train "$TMP/many.yaml" --print-config
    [ "$status" -eq 1 ]
    [[ $output == *"optimizer.betas: expected two numbers"* ]]
    { printf "${head}optimizer: {betas: ["; seq 99985 | paste -sd, -; printf ']}\n'; } > "$TMP/many.yaml"
    run dl-train "$TMP/many.yaml" --print-config
    [ "$status" -eq 4 ]
    [[ $output == "dl-train: $TMP/many.yaml:3:"*": the spec holds more than 100000 keys and values" ]]
    # 65 layers (0 is no network: bad spec)
    layers=$(yes '{units: 1, activation: sigmoid}' | head -n 65 | paste -sd, -)
    run dl-train "$EX/fish2d.yaml" -s "model.layers=[$layers]" --print-config
    [ "$status" -eq 4 ]
    [ "$output" = "dl-train: -s 'model.layers=[$layers]': model.layers: 65 layers are more than 64" ]
    run dl-train "$EX/fish2d.yaml" -s "model.layers=[${layers#*\},}]" --print-config
    [ "$status" -eq 0 ]
    run dl-train "$EX/fish2d.yaml" -s "model.layers=[]" --print-config
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: -s 'model.layers=[]': model.layers: expected 1 to 64 layers, found 0" ]
    # 257 class weights
    { printf "${head}training: {class_weight: {"; seq 0 256 | sed 's/.*/c&: 1/' | paste -sd, -; printf '}}\n'; } > "$TMP/cw.yaml"
    run dl-train "$TMP/cw.yaml" --print-config
    [ "$status" -eq 4 ]
    [ "$output" = "dl-train: $TMP/cw.yaml:3:26: training.class_weight: 257 classes are more than 256" ]
}
@test "a spec number beyond a double's range (1e400, or nonzero below 4.9e-324) is refused as outside float32's range, from the file and from -s" {
    printf 'model:\n  layers:\n    - {units: 4, activation: tanh}\n    - {units: 1, activation: identity}\nloss: mse\noptimizer: {name: sgd, lr: 1e-400}\n' > "$TMP/tiny.yaml"
    run dl-train "$TMP/tiny.yaml" --print-config
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/tiny.yaml:6:28: optimizer.lr: 1e-400 is outside float32's range (magnitudes about 1.2e-38 to 3.4e38, or 0), in which networks train" ]
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\ntraining:\n  validation: 2e-999\n' > "$TMP/val.yaml"
    run dl-train "$TMP/val.yaml" --print-config
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/val.yaml:6:15: training.validation: 2e-999 is outside float32's range (magnitudes about 1.2e-38 to 3.4e38, or 0), in which networks train" ]
    # each real key, with what makes it apply; betas and class_weight hold theirs in a list or map
    while IFS='|' read -r key value setup; do
        for v in 1e-400 -1e-400 4e-325 1e400 -1e400 1.5e309; do
            set=$key=${value//V/$v}
            run dl-train "$TMP/tiny.yaml" -s optimizer.lr=0.1 ${setup:+-s "$setup"} -s "$set" --print-config
            [ "$status" -eq 1 ] || { echo "$set: $status $output"; false; }
            [ "$output" = "dl-train: -s '$set': $key: $v is outside float32's range (magnitudes about 1.2e-38 to 3.4e38, or 0), in which networks train" ] || { echo "$set: $output"; false; }
        done
    done <<'EOF2'
optimizer.lr|V
optimizer.weight_decay|V
optimizer.momentum|V
optimizer.l1|V
optimizer.clip_norm|V
training.early_stopping.min_delta|V
training.validation|V
model.init_scale|V|model.init=normal
model.layers.1.slope|V|model.layers.1.activation=leaky_relu
optimizer.schedule.gamma|V|optimizer.schedule=step
optimizer.schedule.eta_min|V|optimizer.schedule=cosine
loss.q|V|loss=lq
loss.delta|V|loss=huber
optimizer.betas|[0.9, V]|optimizer.name=adam
training.class_weight|{1: V}|loss=bce
EOF2
    # a zero is 0 whatever its exponent
    run dl-train "$TMP/tiny.yaml" -s optimizer.lr=0.1 -s optimizer.weight_decay=0e-400 \
        -s optimizer.l1=0.000e999 -s training.validation=0.0e-400 --print-config
    [ "$status" -eq 0 ]
    [[ $output == *"weight_decay: 0"$'\n'* ]]
    [[ $output == *"l1: 0"$'\n'* ]]
    [[ $output == *"validation: 0"$'\n'* ]]
}

@test "the other names of a loss or an activation that the spec takes are those dl-spec(5) lists" {
    page="$DL_TEST_ROOT/man/dl-spec.5"
    for case in l2:mse:identity l1:mae:identity cross_entropy:ce:softmax mlbce:multilabel_bce:sigmoid; do
        IFS=: read -r alias name act <<< "$case"
        run dl-train --print-config "$EX/fish2d.yaml" -s "loss=$alias" -s "model.layers.3={units: 2, activation: $act}"
        [ "$status" -eq 0 ]
        [[ $output == *"loss: {name: $name}"* ]]
        grep -qF "\\fB$name\\fR (also \\fB$alias\\fR)" "$page"
    done
    for pair in linear:identity swish:silu; do
        run dl-train --print-config "$EX/fish2d.yaml" -s "model.layers.1.activation=${pair%%:*}"
        [ "$status" -eq 0 ]
        [[ $output == *"{units: 16, activation: ${pair#*:}}"* ]]
        grep -qF "\\fB${pair#*:}\\fR (also \\fB${pair%%:*}\\fR)" "$page"
    done
}

@test "-s overrides show in --print-config, whose output is itself a valid spec" {
    run dl-train "$EX/fish2d.yaml" -s optimizer.lr=3e-4 -s training.seed=7 \
        -s model.layers.1.units=32 --print-config
    [ "$status" -eq 0 ]
    [[ $output == *"- {units: 32, activation: tanh}"*"lr: 0.0003"*"seed: 7"* ]]
    [[ $output == *"betas: [0.9, 0.999]"*"patience: 30"* ]]
    printf '%s\n' "$output" > "$TMP/eff.yaml"
    run dl-train "$TMP/eff.yaml" --print-config
    [ "$status" -eq 0 ]
    diff <(printf '%s\n' "$output") "$TMP/eff.yaml"
}

@test "the checkpoint holds the effective spec, weights and training state" {
    short 3 > "$TMP/m.ckpt"
    run dl-tensor info "$TMP/m.ckpt"
    [[ $output == *"f32  [16, 2]"*"ok  layer1.weight"*"ok  layer3.bias"*"ok  state.counters"*"ok  state.optim.m"* ]]
    # the model record (u8 text) is "kind: network" and the effective spec
    dl-tensor export --name model "$TMP/m.ckpt" > "$TMP/model.txt"
    [ "$(head -n 1 "$TMP/model.txt")" = "kind: network" ]
    grep -q "^  input: 2$" "$TMP/model.txt"
    grep -q "^  epochs: 3$" "$TMP/model.txt"
    run dl-train "$TMP/model.txt" --print-config
    [ "$status" -eq 0 ]
    diff <(printf '%s\n' "$output") <(tail -n +2 "$TMP/model.txt")
}

@test "two runs with the same seed give identical bytes; another seed differs" {
    short 5 > "$TMP/a.ckpt"
    short 5 > "$TMP/b.ckpt"
    cmp "$TMP/a.ckpt" "$TMP/b.ckpt"
    short 5 -s training.seed=2 > "$TMP/c.ckpt"
    ! cmp -s "$TMP/a.ckpt" "$TMP/c.ckpt"
}

@test "DL_TRAIN_WRITES: steps written through the cache or around it give the same bits, any optimizer; an unknown way is a usage error" {
    for opt in adam "sgd -s optimizer.momentum=0.9" rmsprop; do
        DL_TRAIN_WRITES=cached short 6 -j 2 -s optimizer.name=$opt > "$TMP/c.ckpt"
        DL_TRAIN_WRITES=streamed short 6 -j 2 -s optimizer.name=$opt > "$TMP/s.ckpt"
        short 6 -j 2 -s optimizer.name=$opt > "$TMP/a.ckpt"
        cmp "$TMP/c.ckpt" "$TMP/s.ckpt"
        cmp "$TMP/c.ckpt" "$TMP/a.ckpt"
    done
    DL_TRAIN_WRITES=around run short 2 -o "$TMP/x.ckpt"
    [ "$status" -eq 2 ]
    [[ $output == *"dl-train: DL_TRAIN_WRITES: 'around' is not cached, streamed or auto"* ]]
    [ ! -e "$TMP/x.ckpt" ]
}

@test "--resume continues exactly as an uninterrupted run (bit for bit)" {
    short 12 > "$TMP/full.ckpt"
    short 5 > "$TMP/part.ckpt"
    short 12 --resume "$TMP/part.ckpt" > "$TMP/resumed.ckpt"
    cmp "$TMP/full.ckpt" "$TMP/resumed.ckpt"
    # a different optimizer cannot resume that state
    run short 12 --resume "$TMP/part.ckpt" -s optimizer.name=sgd -o "$TMP/x.ckpt"
    [ "$status" -eq 2 ]
    [[ $output == *"--resume: optimizer.name is adam in the checkpoint but sgd here"* ]]
    [ ! -e "$TMP/x.ckpt" ]
}

@test "--resume with another BLAS thread count trains on, saying so (also under -q); the checkpoint records the count of its last epochs" {
    short 5 -j 1 > "$TMP/part.ckpt"
    short 8 -j 2 --resume "$TMP/part.ckpt" 2> "$TMP/err" > "$TMP/on.ckpt"
    [ "$(cat "$TMP/err")" = "dl-train: note: --resume: the run of $TMP/part.ckpt so far used 1 BLAS thread and this part uses 2, so the result will not be bit for bit that of an uninterrupted run" ]
    dl-tensor show "$TMP/on.ckpt" | grep -qx "  threads: 2"
    # the same count: no note, and the uninterrupted run's bits
    short 8 -j 1 --resume "$TMP/part.ckpt" 2> "$TMP/err" > "$TMP/same.ckpt"
    [ ! -s "$TMP/err" ]
    short 8 -j 1 | cmp - "$TMP/same.ckpt"
    # nothing to train: no note, and the checkpoint as it was, its count included
    short 5 -j 2 --resume "$TMP/part.ckpt" 2> "$TMP/err" > "$TMP/done.ckpt"
    [ ! -s "$TMP/err" ]
    cmp "$TMP/part.ckpt" "$TMP/done.ckpt"
}

@test "--resume with as many epochs as the run has done trains nothing and says so; -q keeps quiet" {
    short 5 > "$TMP/five.ckpt"
    dl-train "$EX/fish2d.yaml" -s training.epochs=5 -s training.early_stopping.patience=0 \
        --resume "$TMP/five.ckpt" --log "$TMP/log.tsv" < "$TMP/f2.dlt" > "$TMP/again.ckpt" 2> "$TMP/err"
    cmp "$TMP/five.ckpt" "$TMP/again.ckpt"
    [ "$(cat "$TMP/err")" = "dl-train: --resume: the run of $TMP/five.ckpt has done its 5 epochs (training.epochs): nothing to train; the checkpoint is written with the same weights (raise training.epochs with -s to train on)" ]
    [ "$(wc -l < "$TMP/log.tsv")" -eq 1 ]
    short 5 --resume "$TMP/five.ckpt" 2> "$TMP/err" | cmp - "$TMP/five.ckpt"
    [ ! -s "$TMP/err" ]
}

@test "--resume of a run that stopped early is done unless the patience is raised; fewer epochs than done are refused" {
    dl-train "$EX/fish2d.yaml" -s training.early_stopping.patience=3 -o "$TMP/es.ckpt" < "$TMP/f2.dlt" 2> "$TMP/err"
    dl-tensor show "$TMP/es.ckpt" | grep -qx "  stopped: early_stopping"
    done=$(dl-tensor export --name state.counters "$TMP/es.ckpt" | head -n 1)
    best=$(dl-tensor export --name state.counters "$TMP/es.ckpt" | sed -n 3p)
    [ "$(tail -n 1 "$TMP/err")" = "dl-train: early stopping after epoch $done: no improvement for 3 epochs; keeping epoch $best" ]
    [ "$done" -lt 300 ]
    # the same patience (or a smaller one): nothing to train, the checkpoint as it was
    for p in 3 2; do
        dl-train "$EX/fish2d.yaml" -s training.early_stopping.patience=$p --resume "$TMP/es.ckpt" \
            -o "$TMP/again.ckpt" --log "$TMP/again.tsv" < "$TMP/f2.dlt" 2> "$TMP/err"
        cmp "$TMP/es.ckpt" "$TMP/again.ckpt"
        [ "$(cat "$TMP/err")" = "dl-train: --resume: early stopping ended the run of $TMP/es.ckpt after epoch $done (no improvement for 3 epochs, patience $p): nothing to train; the checkpoint is written as it was, keeping epoch $best (a larger training.early_stopping.patience trains on)" ]
        [ "$(wc -l < "$TMP/again.tsv")" -eq 1 ]
    done
    dl-train "$EX/fish2d.yaml" -q -s training.early_stopping.patience=3 --resume "$TMP/es.ckpt" \
        < "$TMP/f2.dlt" 2> "$TMP/err" | cmp - "$TMP/es.ckpt"
    [ ! -s "$TMP/err" ]
    # a larger patience (or none) goes on, as a run that had it from the start
    for p in 1000 0; do
        short $((done + 2)) -s training.early_stopping.patience=$p --resume "$TMP/es.ckpt" \
            > "$TMP/on.ckpt"
        short $((done + 2)) -s training.early_stopping.patience=$p > "$TMP/straight.ckpt"
        cmp "$TMP/on.ckpt" "$TMP/straight.ckpt"
    done
    # fewer epochs than the run has done: refused, nothing written
    run short $((done - 1)) -s training.early_stopping.patience=1000 --resume "$TMP/es.ckpt" \
        -o "$TMP/x.ckpt"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-train: $TMP/es.ckpt: --resume: the run has done $done epochs, more than training.epochs $((done - 1)) (give at least $done)" ]
    [ ! -e "$TMP/x.ckpt" ]
    short 5 > "$TMP/five.ckpt"
    run short 4 --resume "$TMP/five.ckpt" -o "$TMP/x.ckpt"
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == *"--resume: the run has done 5 epochs, more than training.epochs 4 (give at least 5)" ]]
}

@test "--resume --log: the resumed epochs' rows, an uninterrupted run's but for seconds; appended they make its log" {
    short 6 --log "$TMP/whole.tsv" > /dev/null
    short 4 --log "$TMP/first.tsv" > "$TMP/four.ckpt"
    short 6 --resume "$TMP/four.ckpt" --log "$TMP/more.tsv" > /dev/null
    [ "$(head -n 1 "$TMP/more.tsv")" = "$(head -n 1 "$TMP/whole.tsv")" ]
    [ "$(cut -f 1 "$TMP/more.tsv" | tr '\n' ' ')" = "epoch 5 6 " ]
    tail -n +2 "$TMP/more.tsv" >> "$TMP/first.tsv"
    diff <(cut -f 1-4,6- "$TMP/first.tsv") <(cut -f 1-4,6- "$TMP/whole.tsv")
}

@test "--resume with raised epochs continues the checkpoint's cosine schedule; other changes are refused" {
    short 5 -s optimizer.schedule=cosine > "$TMP/part.ckpt"
    short 10 -s optimizer.schedule=cosine --resume "$TMP/part.ckpt" --log "$TMP/res.tsv" \
        > "$TMP/resumed.ckpt"
    # the saved t_max (5, the first run's epochs) goes on: a run that gives it is the same
    short 10 -s 'optimizer.schedule={name: cosine, t_max: 5}' > "$TMP/full.ckpt"
    cmp "$TMP/full.ckpt" "$TMP/resumed.ckpt"
    # lr 0.01 (examples/fish2d.yaml) on cos(pi t / 5), t the epoch counted from 0
    run awk -F'\t' 'NR > 1 { t = $1 - 1; want = 0.01 * (1 + cos(3.141592653589793 * t / 5)) / 2
                           d = $4 - want; if (d < 0) d = -d
                           if (d > 1e-9) { print "epoch " $1 ": lr " $4 ", want " want; bad = 1 } }
                     END { exit bad }' "$TMP/res.tsv"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(cut -f1 "$TMP/res.tsv" | tr '\n' ' ')" = "epoch 6 7 8 9 10 " ]
    # patience may change too; nothing else of the effective spec
    short 10 -s optimizer.schedule=cosine --resume "$TMP/part.ckpt" \
        -s training.early_stopping.patience=3 > /dev/null
    for change in optimizer.schedule.t_max=10:'t_max is 5 in the checkpoint but 10' \
                  training.seed=9:'seed is 1 in the checkpoint but 9' \
                  training.validation=0.5:'validation is 0.2 in the checkpoint but 0.5' \
                  training.batch_size=5:'batch_size is 32 in the checkpoint but 5' \
                  'optimizer.betas=[0.5, 0.999]':'betas.1 is 0.9 in the checkpoint but 0.5' \
                  model.layers.2.units=8:'model.layers.2.units is 16 in the checkpoint but 8'; do
        run short 10 -s optimizer.schedule=cosine --resume "$TMP/part.ckpt" -s "${change%%:*}" \
            -o "$TMP/x.ckpt"
        [ "$status" -eq 2 ] || { echo "$change: $output"; false; }
        [[ ${lines[0]} == "dl-train: $TMP/part.ckpt: --resume: "*"${change#*:} here (a resumed run may change only training.epochs and training.early_stopping.patience)" ]]
        [ ! -e "$TMP/x.ckpt" ]
    done
}

@test "cosine schedule: past t_max the lr rises again, epoch by epoch as PyTorch's CosineAnnealingLR" {
    short 20 -s optimizer.lr=0.003 -s 'optimizer.schedule={name: cosine, t_max: 4, eta_min: 0.001}' \
        --log "$TMP/cos.tsv" > "$TMP/cos.ckpt"
    # tests/fixtures/nn/sched_cosine.txt: torch's lr for epochs 0..19 (gen_torch.py)
    run awk -F'\t' 'NR == FNR { n = split($0, want, " "); next }
        FNR > 1 { got = $4; w = want[FNR - 1]; d = got - w; if (d < 0) d = -d
                  if (d > 1e-8 * w) { print "epoch " $1 ": lr " got ", torch " w; bad = 1 }
                  rows++ }
        END { if (rows != n) { print rows " epochs logged, want " n; bad = 1 }; exit bad }' \
        "$DL_TEST_ROOT/tests/fixtures/nn/sched_cosine.txt" "$TMP/cos.tsv"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "--val FILE is the effective spec's training.validation, in --print-config as in the checkpoint" {
    dl-tensor head -n 40 "$TMP/f2.dlt" > "$TMP/v.dlt"
    args=("$EX/fish2d.yaml" -s training.epochs=1 --val "$TMP/v.dlt" -s training.validation=0.5)
    dl-train "${args[@]}" --print-config > "$TMP/printed.yaml"
    grep -qx "  validation: '$TMP/v.dlt'" "$TMP/printed.yaml"
    dl-train -q "${args[@]}" -o "$TMP/v.ckpt" "$TMP/f2.dlt"
    # the same spec but model.input, which the data sets
    diff <(grep -v '^  input: ' "$TMP/printed.yaml") \
         <(dl-tensor export --name model "$TMP/v.ckpt" | grep -v -e '^kind: ' -e '^  input: ')
}

@test "a validation file name the checkpoint's YAML cannot hold is refused; any other reads back as itself" {
    # a Latin-1 name (byte 0xff) is not UTF-8 text, which the spec is
    dl-tensor head -n 40 "$TMP/f2.dlt" > "$TMP/v"$'\xff'".dlt"
    run dl-train -q "$EX/fish2d.yaml" -s training.epochs=1 --val "$TMP/v"$'\xff'".dlt" \
        -o "$TMP/v.ckpt" "$TMP/f2.dlt"
    [ "$status" -eq 2 ]
    [[ $output == "dl-train: --val: the file name is not UTF-8 text"* ]]
    [ ! -e "$TMP/v.ckpt" ]
    # C1 controls, NEL, the Unicode line and paragraph separators and
    # U+FFFE: single-quoted, YAML would refuse them or read them as line breaks
    for c in '\x01' '\x80' '\x85' '\u2028' '\u2029' '\uFFFE' '\u00e9'; do
        dl-train "$EX/fish2d.yaml" -s "training.validation=\"v${c}w.dlt\"" --print-config > "$TMP/p1.yaml"
        dl-train "$TMP/p1.yaml" --print-config > "$TMP/p2.yaml"
        cmp "$TMP/p1.yaml" "$TMP/p2.yaml"
    done
    # printable characters stay as they are
    grep -qx "  validation: 'v"$'\xc3\xa9'"w.dlt'" "$TMP/p1.yaml"
}

@test "--resume accepts the --val file under another name, refuses a fraction for a file and another fraction" {
    dl-tensor split --seed 1 "$TMP/f2.dlt" "$TMP/tr.dlt" "$TMP/va.dlt"
    cp "$TMP/va.dlt" "$TMP/copy.dlt"
    cd "$TMP"
    short 2 --val va.dlt "$TMP/tr.dlt" -o "$TMP/part.ckpt"
    short 4 --val va.dlt "$TMP/tr.dlt" -o "$TMP/full.ckpt"
    for name in "$TMP/va.dlt" ./va.dlt copy.dlt; do
        short 4 --val "$name" --resume "$TMP/part.ckpt" "$TMP/tr.dlt" -o "$TMP/res.ckpt"
        # the same run but the file name the spec records
        for rec in layer1.weight layer1.bias layer3.weight state.counters training; do
            cmp <(dl-tensor export --name $rec "$TMP/full.ckpt") <(dl-tensor export --name $rec "$TMP/res.ckpt")
        done
    done
    run short 4 -s training.validation=0.2 --resume "$TMP/part.ckpt" "$TMP/tr.dlt" -o "$TMP/x.ckpt"
    [ "$status" -eq 2 ]
    [[ $output == *"--resume: training.validation is 'va.dlt' in the checkpoint but 0.2 here"* ]]
    short 2 -s training.validation=0.2 "$TMP/tr.dlt" -o "$TMP/frac.ckpt"
    run short 4 --val va.dlt --resume "$TMP/frac.ckpt" "$TMP/tr.dlt" -o "$TMP/x.ckpt"
    [ "$status" -eq 2 ]
    [[ $output == *"--resume: training.validation is 0.2 in the checkpoint but 'va.dlt' here"* ]]
    run short 4 -s training.validation=0.3 --resume "$TMP/frac.ckpt" "$TMP/tr.dlt" -o "$TMP/x.ckpt"
    [ "$status" -eq 2 ]
    [[ $output == *"--resume: training.validation is 0.2 in the checkpoint but 0.3 here"* ]]
}

@test "--resume of a checkpoint whose spec predates --val being recorded takes the --val file" {
    # tests/fixtures/resume/README: validation 0 in its spec, a finite best_val_loss
    old="$DL_TEST_ROOT/tests/fixtures/resume/old_val.ckpt"
    dl-tensor split --seed 1 "$TMP/f2.dlt" "$TMP/tr.dlt" "$TMP/va.dlt"
    short 4 --val "$TMP/va.dlt" --resume "$old" "$TMP/tr.dlt" -o "$TMP/res.ckpt"
    dl-tensor export --name training "$TMP/res.ckpt" > "$TMP/res.txt"
    grep -qx "epochs: 4" "$TMP/res.txt"
    rows=$(dl-tensor info "$TMP/va.dlt" | awk '$1 == "x" { gsub(/[[,]/, "", $3); print $3 }')
    grep -qx "validation_rows: $rows" "$TMP/res.txt"
    for args in "" "-s training.validation=0.2"; do
        run short 4 $args --resume "$old" "$TMP/tr.dlt" -o "$TMP/x.ckpt"
        [ "$status" -eq 2 ]
        [[ ${lines[0]} == *"--resume: training.validation: the checkpoint validated on a file that its spec does not name (give that file with --val)" ]]
    done
}

@test "dl-train(1) EXAMPLES run as written" {
    block=$(awk '/^\.SH EXAMPLES/ { on = 1; next } on && /^\.fi/ { exit }
                 on && !/^\./ { gsub(/\\-/, "-"); gsub(/\\e/, "\\"); print }' "$DL_TEST_ROOT/man/dl-train.1")
    [[ $block == *"--resume m.ckpt"* ]]
    cd "$TMP"
    ln -s "$DL_TEST_ROOT/data" data
    ln -s "$DL_TEST_ROOT/examples" examples
    # net.yaml: a small network of few epochs; test.dlt: any rows of the fish data
    printf 'model: {layers: [{units: 4, activation: tanh}, {units: 1, activation: sigmoid}]}\nloss: bce\ntraining: {epochs: 5}\n' > net.yaml
    cp f2.dlt test.dlt
    run bash -euo pipefail -c "$block"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    grep -qx "epochs: 400" <(dl-tensor export --name training m2.ckpt)
}

@test "--val takes a file name of any length a path may have (1100 bytes here)" {
    dir=$TMP
    while [ ${#dir} -lt 1100 ]; do dir=$dir/$(printf 'd%.0s' $(seq 200)); done
    mkdir -p "$dir"
    dl-tensor split --seed 1 "$TMP/f2.dlt" "$TMP/tr.dlt" "$dir/va.dlt"
    [ ${#dir} -ge 1100 ]
    short 2 --val "$dir/va.dlt" "$TMP/tr.dlt" -o "$TMP/long.ckpt"
    dl-tensor export --name model "$TMP/long.ckpt" | grep -qxF "  validation: '$dir/va.dlt'"
    short 3 --val "$dir/va.dlt" --resume "$TMP/long.ckpt" "$TMP/tr.dlt" -o "$TMP/long3.ckpt"
}

@test "the logged training loss is the mean over the epoch's rows, not over its minibatches" {
    # seven rows (1, 0) and one (1, 10) in batches of 7 and 1; an lr so small that the
    # weights do not move, so every row's loss is that of the checkpoint's weights
    { for i in 1 2 3 4 5 6 7; do echo 1,0; done; echo 1,10; } |
        dl-tensor import --no-header -t 1 - > "$TMP/rows.dlt"
    echo '{model: {layers: [{units: 1, activation: identity}]}, loss: mse,
           optimizer: {name: sgd, lr: 1e-30}, training: {epochs: 1, batch_size: 7, shuffle: false}}' \
        > "$TMP/rows.yaml"
    dl-train -q "$TMP/rows.yaml" "$TMP/rows.dlt" -o "$TMP/rows.ckpt" --log "$TMP/rows.tsv"
    w=$(dl-tensor export --name layer1.weight "$TMP/rows.ckpt")
    b=$(dl-tensor export --name layer1.bias "$TMP/rows.ckpt")
    got=$(awk -F'\t' 'NR == 2 { print $2 }' "$TMP/rows.tsv")
    # rows: (7 p^2 + (p - 10)^2) / 8; the batches' mean would be (p^2 + (p - 10)^2) / 2
    run awk -v w="$w" -v b="$b" -v got="$got" 'BEGIN { p = w + b
        want = (7 * p * p + (p - 10) ^ 2) / 8; d = got - want; if (d < 0) d = -d
        if (d > 1e-6 * want) { print "train_loss " got ", the rows'"'"' mean " want; exit 1 } }'
    [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "early stopping keeps the epoch with the lowest validation loss" {
    dl-train "$EX/fish2d.yaml" --log "$TMP/curve.tsv" < "$TMP/f2.dlt" 2> "$TMP/err" > "$TMP/es.ckpt"
    head -n 1 "$TMP/curve.tsv" | grep -q "^epoch	train_loss	val_loss	lr	seconds	best"
    best=$(awk -F'\t' 'NR > 1 && (min == "" || $3 < min) { min = $3; ep = $1 } END { print ep }' "$TMP/curve.tsv")
    last=$(tail -n 1 "$TMP/curve.tsv" | cut -f1)
    [ "$last" -lt 300 ]                       # it did stop early
    [ "$last" -eq $((best + 30)) ]            # patience 30 after the best
    grep -q "keeping epoch $best" "$TMP/err"
    # the weights are those of a run that ends at the best epoch
    short "$best" > "$TMP/upto.ckpt"
    cmp <(dl-tensor export --name layer2.weight "$TMP/es.ckpt") \
        <(dl-tensor export --name layer2.weight "$TMP/upto.ckpt")
}

@test "--init-from starts from the weights only, --resume and --init-from exclude each other" {
    short 40 > "$TMP/trained.ckpt"
    short 1 --log "$TMP/fresh.tsv" > /dev/null
    short 1 --init-from "$TMP/trained.ckpt" --log "$TMP/tuned.tsv" > "$TMP/tuned.ckpt"
    fresh=$(sed -n 2p "$TMP/fresh.tsv" | cut -f2)
    tuned=$(sed -n 2p "$TMP/tuned.tsv" | cut -f2)
    awk -v a="$tuned" -v b="$fresh" 'BEGIN { exit !(a < 0.7 * b) }'
    run dl-tensor export --name state.counters "$TMP/tuned.ckpt"
    [ "${lines[0]}" = 1 ]                     # a new run: one epoch done
    run short 1 --init-from "$TMP/trained.ckpt" --resume "$TMP/trained.ckpt"
    [ "$status" -eq 2 ]
}

@test "a NaN loss or gradient stops with exit 5 and a usable best checkpoint" {
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/particle.csv" > "$TMP/p.dlt"
    # the weights of the first step at lr 1e6 overflow the next gradient (its
    # loss still finite); at lr 1e38, the next loss
    run dl-train "$EX/particle.yaml" -q -s 'optimizer={name: sgd, lr: 1e6}' \
        -o "$TMP/nan.ckpt" < "$TMP/p.dlt"
    [ "$status" -eq 5 ]
    [[ $output == *"the gradient of a finite loss is NaN or Inf"*"keeps epoch 0"* ]]
    dl-predict "$TMP/nan.ckpt" < "$TMP/p.dlt" | dl-eval > /dev/null
    run dl-train "$EX/particle.yaml" -q -s 'optimizer={name: sgd, lr: 1e38}' \
        -o "$TMP/nan.ckpt" < "$TMP/p.dlt"
    [ "$status" -eq 5 ]
    [[ $output == *"the training loss is NaN or Inf"*"keeps epoch 0"* ]]
    dl-predict "$TMP/nan.ckpt" < "$TMP/p.dlt" | dl-eval > /dev/null
}

@test "without validation data an epoch is scored by its training loss, measured before each step: with full batches that of the weights an epoch before those kept" {
    awk 'BEGIN { for (i = 0; i < 200; i++) { a = (i * 7) % 13 / 13; b = (i * 5) % 11 / 11; printf "%g,%g,%g\n", a, b, 3 * a - 2 * b + 0.5 } }' |
        dl-tensor import -t 1 > "$TMP/l.dlt"
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\noptimizer: {name: sgd, lr: 0.1}\ntraining: {epochs: 3, batch_size: full, validation: 0, seed: 1}\n' > "$TMP/lin.yaml"
    dl-train -q "$TMP/lin.yaml" "$TMP/l.dlt" --log "$TMP/curve.tsv" -o /dev/null
    dl-train -q "$TMP/lin.yaml" -s training.epochs=2 "$TMP/l.dlt" -o "$TMP/two.ckpt"
    dl-tensor show "$TMP/two.ckpt" | grep -qx "  best_epoch: 2"
    mse=$(dl-predict "$TMP/two.ckpt" "$TMP/l.dlt" | dl-eval -f tsv --no-header | cut -f3)
    # epoch 3's training loss is the loss of epoch 2's weights, which the
    # checkpoint of 2 epochs keeps; its best_train_loss is epoch 2's, that of
    # epoch 1's weights
    awk -v a="$(sed -n 4p "$TMP/curve.tsv" | cut -f2)" -v b="$mse" 'BEGIN { exit !(a - b < 1e-6 * b && b - a < 1e-6 * b) }'
    best=$(dl-tensor show "$TMP/two.ckpt" | awk '$1 == "best_train_loss:" { print $2 }')
    awk -v a="$best" -v b="$(sed -n 3p "$TMP/curve.tsv" | cut -f2)" 'BEGIN { exit !(a - b < 1e-6 * b && b - a < 1e-6 * b) }'
    awk -v a="$best" -v b="$mse" 'BEGIN { exit !(a > b * 1.1) }'
    # a run that diverges keeps weights on their way out, which its
    # best_train_loss does not score
    run dl-train -q "$TMP/lin.yaml" -s optimizer.lr=5 -s training.epochs=100 "$TMP/l.dlt" -o "$TMP/div.ckpt"
    [ "$status" -eq 5 ]
    dl-tensor show "$TMP/div.ckpt" | grep -qx "  best_epoch: 1"
    best=$(dl-tensor show "$TMP/div.ckpt" | awk '$1 == "best_train_loss:" { print $2 }')
    mse=$(dl-predict "$TMP/div.ckpt" "$TMP/l.dlt" | dl-eval -f tsv --no-header | cut -f3)
    awk -v a="$best" -v b="$mse" 'BEGIN { exit !(b > 10 * a) }'
}

@test "an Inf gradient of a finite loss is named as such, not as a NaN loss" {
    # lq with q = 0.01 at a residual of 1e-44: loss 0.36, gradient
    # 0.01 * (1e-44)^-0.99, beyond float32's range
    printf 'x,y\n0,1e-44\n0,1e-44\n' | dl-tensor import -t 1 > "$TMP/g.dlt"
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: {name: lq, q: 0.01}\noptimizer: {name: sgd, lr: 0.01}\ntraining: {epochs: 2}\n' > "$TMP/lq.yaml"
    run dl-train -q "$TMP/lq.yaml" "$TMP/g.dlt" -o "$TMP/g.ckpt"
    [ "$status" -eq 5 ]
    [ "$output" = "dl-train: epoch 1: the gradient of a finite loss is NaN or Inf (try a smaller optimizer.lr); the checkpoint keeps epoch 0, the best so far" ]
}

@test "weights that a step makes NaN or Inf are never written: exit 5, the best finite epoch is kept" {
    # one full-batch step of sgd at lr 1e37 takes the weights beyond float32's
    # range while the loss it was computed with is finite
    printf 'model: {layers: [{units: 1, activation: identity}]}\nloss: mse\noptimizer: {name: sgd, lr: 1e37}\ntraining: {epochs: 5, batch_size: full}\n' > "$TMP/big.yaml"
    run dl-train -q "$TMP/big.yaml" "$TMP/f2.dlt" -o "$TMP/big.ckpt"
    [ "$status" -eq 5 ]
    [ "$output" = "dl-train: epoch 1: its steps made the weights NaN or Inf (try a smaller optimizer.lr); the checkpoint keeps epoch 0, the best so far" ]
    dl-tensor show "$TMP/big.ckpt" > "$TMP/show.txt"
    grep -qx "  stopped: nan_loss" "$TMP/show.txt"
    grep -qx "  best_epoch: 0" "$TMP/show.txt"
    # the kept weights and the state to resume from are the initial ones
    for rec in layer1.weight state.layer1.weight state.layer1.bias; do
        run dl-tensor export --name $rec "$TMP/big.ckpt"
        [[ $output != *inf* && $output != *nan* ]] || { echo "$rec: $output"; false; }
    done
    run dl-train -q "$TMP/big.yaml" --resume "$TMP/big.ckpt" "$TMP/f2.dlt" -o "$TMP/again.ckpt"
    [ "$status" -eq 5 ]
    [[ $output == *"epoch 1: its steps made the weights NaN or Inf"* ]]
    # with validation and early stopping the best epoch so far is kept: three
    # epochs at lr 0.001 improve, then the step schedule's 1e35 and the weights
    # its fifth epoch makes Inf (before the validation loss would say so)
    run dl-train -q "$TMP/big.yaml" -s training.epochs=9 -s training.validation=0.2 \
        -s training.early_stopping.patience=5 -s optimizer.lr=0.001 \
        -s 'optimizer.schedule={name: step, step_size: 3, gamma: 1e38}' "$TMP/f2.dlt" \
        -o "$TMP/es.ckpt"
    [ "$status" -eq 5 ]
    [ "$output" = "dl-train: epoch 5: its steps made the weights NaN or Inf (try a smaller optimizer.lr); the checkpoint keeps epoch 3, the best so far" ]
    dl-tensor show "$TMP/es.ckpt" | grep -qx "  best_epoch: 3"
    # weights drawn beyond float32's range: nothing to keep, nothing written
    run dl-train -q "$EX/fish2d.yaml" -s model.init=normal -s model.init_scale=1e38 \
        -s model.layers.1.units=1000 "$TMP/f2.dlt" -o "$TMP/init.ckpt"
    [ "$status" -eq 5 ]
    [ "$output" = "dl-train: model.init normal draws weights beyond float32's range (Inf) at model.init_scale 1e+38: give a smaller model.init_scale" ]
    [ ! -e "$TMP/init.ckpt" ]
}

@test "SIGTERM stops at the end of a batch, writes the best checkpoint, exits 6" {
    dl-train "$EX/fish2d.yaml" -s training.epochs=1000000 -s training.early_stopping.patience=0 \
        -o "$TMP/int.ckpt" < "$TMP/f2.dlt" 2> "$TMP/err" &
    pid=$!
    # once the first epoch's progress line is out, however loaded the
    # machine (300 s bounds a hang only)
    for _ in $(seq 3000); do
        grep -q '^epoch 1/' "$TMP/err" && break
        sleep 0.1
    done
    kill -TERM "$pid"
    status=0
    wait "$pid" || status=$?
    [ "$status" -eq 6 ]
    grep -q "interrupted" "$TMP/err"
    dl-predict "$TMP/int.ckpt" < "$TMP/f2.dlt" | dl-eval > /dev/null
    # the state is the last completed epoch's, and it resumes
    done=$(dl-tensor export --name state.counters "$TMP/int.ckpt" | head -n 1)
    [ "$done" -ge 1 ]
    grep -q "resumes after epoch $done" "$TMP/err"
    short $((done + 2)) --resume "$TMP/int.ckpt" --log "$TMP/more.tsv" > "$TMP/more.ckpt"
    [ "$(tail -n 1 "$TMP/more.tsv" | cut -f1)" -eq $((done + 2)) ]
    # exactly what a run that was never interrupted gives
    short $((done + 2)) > "$TMP/straight.ckpt"
    cmp "$TMP/more.ckpt" "$TMP/straight.ckpt"
}

@test "bad input: an empty training set, a truncated checkpoint, a shape mismatch" {
    printf 'speed,depth,type\n1.0,2.0,1\n' > "$TMP/one.csv"
    dl-tensor import -t 1 "$TMP/one.csv" > "$TMP/one.dlt"
    run dl-train "$EX/fish2d.yaml" -q < "$TMP/one.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"no training rows"* ]]
    short 2 > "$TMP/m.ckpt"
    head -c 700 "$TMP/m.ckpt" > "$TMP/trunc.ckpt"
    run dl-predict "$TMP/trunc.ckpt" < "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    run short 4 --resume "$TMP/trunc.ckpt"
    [ "$status" -eq 1 ]
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/fish.csv" > "$TMP/f1.dlt"
    run dl-predict "$TMP/m.ckpt" < "$TMP/f1.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"x has 1 column but the network takes 2"* ]]
    run dl-train "$EX/fish2d.yaml" -q -s model.input=3 < "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"'x' has 2 columns but the spec says model.input 3"* ]]
}

@test "class labels outside the range of a softmax output are an error" {
    printf 'a,b,label\n0.1,0.2,0\n0.3,0.1,2\n0.5,0.9,5\n0.7,0.3,1\n' > "$TMP/c.csv"
    dl-tensor import -t 1 "$TMP/c.csv" > "$TMP/c.dlt"
    printf 'model:\n  layers:\n    - {units: 8, activation: relu}\n    - {units: 3, activation: softmax}\nloss: ce\ntraining: {epochs: 2, batch_size: 2}\n' > "$TMP/ce.yaml"
    run dl-train "$TMP/ce.yaml" -q < "$TMP/c.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"record 'y'"*"row 3"* ]]
    # the same labels in range train, and --labels gives argmax classes
    printf 'a,b,label\n0.1,0.2,0\n0.3,0.1,2\n0.5,0.9,1\n0.7,0.3,1\n' > "$TMP/c.csv"
    dl-tensor import -t 1 "$TMP/c.csv" > "$TMP/c.dlt"
    dl-train "$TMP/ce.yaml" -q < "$TMP/c.dlt" > "$TMP/ce.ckpt"
    run sh -c "dl-predict --labels '$TMP/ce.ckpt' < '$TMP/c.dlt' | dl-tensor export --name yhat"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 4 ]
    for l in "${lines[@]}"; do [[ $l =~ ^[012]$ ]]; done
}

@test "ce targets as one-hot rows train like integer labels" {
    printf 'model:\n  layers:\n    - {units: 8, activation: relu}\n    - {units: 3, activation: softmax}\nloss: ce\ntraining: {epochs: 3, batch_size: 2, shuffle: false}\n' > "$TMP/ce.yaml"
    printf 'a,b,label\n0.1,0.2,0\n0.3,0.1,2\n0.5,0.9,1\n0.7,0.3,1\n' > "$TMP/l.csv"
    printf 'a,b,c0,c1,c2\n0.1,0.2,1,0,0\n0.3,0.1,0,0,1\n0.5,0.9,0,1,0\n0.7,0.3,0,1,0\n' > "$TMP/h.csv"
    dl-tensor import -t 1 "$TMP/l.csv" > "$TMP/l.dlt"
    dl-tensor import -t 3 "$TMP/h.csv" > "$TMP/h.dlt"
    dl-train "$TMP/ce.yaml" -q < "$TMP/l.dlt" > "$TMP/l.ckpt"
    dl-train "$TMP/ce.yaml" -q < "$TMP/h.dlt" > "$TMP/h.ckpt"
    cmp <(dl-tensor export --name layer2.weight "$TMP/l.ckpt") \
        <(dl-tensor export --name layer2.weight "$TMP/h.ckpt")
    # a one-hot row with the wrong width is an error
    dl-tensor import -t 2 "$TMP/h.csv" > "$TMP/w.dlt"
    run dl-train "$TMP/ce.yaml" -q < "$TMP/w.dlt"
    [ "$status" -eq 1 ]
}

@test "cross-entropy targets outside [0, 1] are refused before training, naming file, row and value" {
    printf 'model:\n  layers:\n    - {units: 4, activation: relu}\n    - {units: 2, activation: softmax}\nloss: ce\ntraining: {epochs: 2}\n' > "$TMP/ce.yaml"
    printf 'a,b,c0,c1\n0.1,0.2,1,0\n0.3,0.1,2,0\n0.5,0.9,0,1\n' > "$TMP/two.csv"
    printf 'a,b,c0,c1\n0.1,0.2,1,0\n0.3,0.1,0,1\n0.5,0.9,1.5,-0.5\n' > "$TMP/soft.csv"
    printf 'a,b,c0,c1\n0.1,0.2,1,0\n0.3,0.1,0,1\n' > "$TMP/ok.csv"
    for f in two soft ok; do dl-tensor import -t 2 "$TMP/$f.csv" > "$TMP/$f.dlt"; done
    for name in ce cross_entropy; do
        run dl-train -q "$TMP/ce.yaml" -s loss=$name "$TMP/two.dlt" -o "$TMP/x.ckpt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-train: $TMP/two.dlt: record 'y': row 2: one-hot target 2 (column 1) is outside [0, 1] for ce" ]
        [ ! -e "$TMP/x.ckpt" ]
    done
    run dl-train -q "$TMP/ce.yaml" "$TMP/ok.dlt" --val "$TMP/soft.dlt" -o "$TMP/x.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/soft.dlt: record 'y': row 3: one-hot target 1.5 (column 1) is outside [0, 1] for ce" ]
    [ ! -e "$TMP/x.ckpt" ]
    # bce and multilabel_bce (mlbce) take targets in [0, 1] too
    printf 'a,b,y\n0.1,0.2,1\n0.3,0.1,-1\n' > "$TMP/b.csv"
    dl-tensor import -t 1 "$TMP/b.csv" > "$TMP/b.dlt"
    run dl-train -q "$EX/fish2d.yaml" -s training.validation=0 "$TMP/b.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/b.dlt: record 'y': row 2: target -1 is outside [0, 1] for bce" ]
    run dl-train -q "$TMP/ce.yaml" -s loss=mlbce -s model.layers.2.activation=sigmoid "$TMP/two.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: $TMP/two.dlt: record 'y': row 2: target 2 "*"is outside [0, 1] for multilabel_bce" ]]
}

@test "ce target rows must sum to 1 (one-hot or class probabilities): multi-hot and all-zero rows are refused, in the training data and --val alike" {
    printf 'model:\n  layers:\n    - {units: 4, activation: relu}\n    - {units: 3, activation: softmax}\nloss: ce\ntraining: {epochs: 2}\n' > "$TMP/ce.yaml"
    printf 'a,b,c0,c1,c2\n0.1,0.2,1,0,0\n0.3,0.1,0.25,0.25,0.5\n0.5,0.9,0.3334,0.3333,0.3333\n' > "$TMP/ok.csv"
    printf 'a,b,c0,c1,c2\n0.1,0.2,1,0,0\n0.3,0.1,1,1,0\n' > "$TMP/multi.csv"
    printf 'a,b,c0,c1,c2\n0.1,0.2,0,0,0\n0.3,0.1,0,1,0\n' > "$TMP/zero.csv"
    printf 'a,b,c0,c1,c2\n0.1,0.2,0.2,0.3,0.4985\n' > "$TMP/short.csv"
    for f in ok multi zero short; do dl-tensor import -t 3 "$TMP/$f.csv" > "$TMP/$f.dlt"; done
    dl-train -q "$TMP/ce.yaml" "$TMP/ok.dlt" -o "$TMP/ok.ckpt"
    run dl-train -q "$TMP/ce.yaml" "$TMP/multi.dlt" -o "$TMP/x.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/multi.dlt: record 'y': row 2: the targets sum to 2, but ce's rows (one-hot, or class probabilities) sum to 1, within 0.001 (multi-hot rows are multilabel_bce's)" ]
    [ ! -e "$TMP/x.ckpt" ]
    run dl-train -q "$TMP/ce.yaml" "$TMP/zero.dlt" -o "$TMP/x.ckpt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: $TMP/zero.dlt: record 'y': row 1: the targets sum to 0, but "* ]]
    run dl-train -q "$TMP/ce.yaml" "$TMP/short.dlt" -o "$TMP/x.ckpt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: $TMP/short.dlt: record 'y': row 1: the targets sum to 0.9985, but "* ]]
    # the same rule for --val, beside training data of one-hot rows or of labels
    printf 'a,b,cls\n0.1,0.2,0\n0.3,0.1,2\n0.5,0.9,1\n' | dl-tensor import -t 1 > "$TMP/lab.dlt"
    for tr in ok lab; do
        run dl-train -q "$TMP/ce.yaml" "$TMP/$tr.dlt" --val "$TMP/multi.dlt" -o "$TMP/x.ckpt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-train: $TMP/multi.dlt: record 'y': row 2: the targets sum to 2, but ce's rows (one-hot, or class probabilities) sum to 1, within 0.001 (multi-hot rows are multilabel_bce's)" ]
        [ ! -e "$TMP/x.ckpt" ]
    done
    # multi-hot rows are multilabel_bce's targets
    dl-train -q "$TMP/ce.yaml" -s loss=multilabel_bce -s model.layers.2.activation=sigmoid "$TMP/multi.dlt" -o "$TMP/m.ckpt"
}

@test "dl-predict with the fish2d network: probabilities, labels, y passed through" {
    dl-train "$EX/fish2d.yaml" -q < "$TMP/f2.dlt" > "$TMP/f.ckpt"
    run sh -c "dl-predict '$TMP/f.ckpt' < '$TMP/f2.dlt' | dl-eval"
    [ "$status" -eq 0 ]
    acc=$(printf '%s\n' "$output" | awk '$1 == "accuracy" { print $2 }')
    awk -v a="$acc" 'BEGIN { exit !(a >= 0.9) }'
    dl-predict "$TMP/f.ckpt" < "$TMP/f2.dlt" | dl-tensor export --name yhat |
        awk '$1 < 0 || $1 > 1 { exit 1 }'
    run sh -c "dl-predict --labels '$TMP/f.ckpt' < '$TMP/f2.dlt' | dl-tensor export --name yhat | sort -u"
    [ "$output" = "$(printf '0\n1')" ]
}

@test "dl-predict reads a checkpoint's model, not its training state, which only --resume checks" {
    short 2 > "$TMP/m.ckpt"
    cp "$TMP/m.ckpt" "$TMP/bad.ckpt"
    # one bit of the last byte: the payload of the last record, a state.* one
    size=$(stat -c %s "$TMP/bad.ckpt")
    last=$(tail -c 1 "$TMP/bad.ckpt" | od -An -tu1 | tr -d ' ')
    printf "\\$(printf %03o $((last ^ 1)))" |
        dd of="$TMP/bad.ckpt" bs=1 seek=$((size - 1)) conv=notrunc 2> /dev/null
    run dl-tensor info "$TMP/bad.ckpt"
    [ "$status" -eq 1 ]
    [[ $output == *"('state."*"checksum mismatch"* ]]
    dl-predict "$TMP/m.ckpt" < "$TMP/f2.dlt" > "$TMP/good.dlt"
    dl-predict "$TMP/bad.ckpt" < "$TMP/f2.dlt" | cmp - "$TMP/good.dlt"
    run short 4 --resume "$TMP/bad.ckpt"
    [ "$status" -eq 1 ]
    [[ $output == *"('state."*"checksum mismatch"* ]]
}

@test "--resume refuses optimizer state holding NaN or Inf, naming the record" {
    for case in "adam state.optim.m nan" "adam state.optim.v inf" \
                "sgd state.optim.m -inf" "rmsprop state.optim.v nan"; do
        set -- $case
        local args=(-s optimizer.name="$1") rec=$2
        [ "$1" != sgd ] || args+=(-s optimizer.momentum=0.9)
        short 2 "${args[@]}" > "$TMP/m.ckpt"
        with_state_value "$TMP/m.ckpt" "$rec" f32 3 "$3" > "$TMP/bad.ckpt"
        run short 4 "${args[@]}" --resume "$TMP/bad.ckpt" -o "$TMP/x.ckpt"
        [ "$status" -eq 1 ] || { echo "$case: $status $output"; false; }
        [ "$output" = "dl-train: $TMP/bad.ckpt: --resume: '$rec' holds NaN or Inf" ]
        [ ! -e "$TMP/x.ckpt" ]
    done
}

@test "--resume refuses a negative second moment (state.optim.v), naming the record" {
    for case in "adam -1e-3" "adamw -1" "rmsprop -0.5"; do
        set -- $case
        short 2 -s optimizer.name="$1" > "$TMP/m.ckpt"
        with_state_value "$TMP/m.ckpt" state.optim.v f32 3 "$2" > "$TMP/bad.ckpt"
        run short 4 -s optimizer.name="$1" --resume "$TMP/bad.ckpt" -o "$TMP/x.ckpt"
        [ "$status" -eq 1 ] || { echo "$case: $status $output"; false; }
        [ "$output" = "dl-train: $TMP/bad.ckpt: --resume: 'state.optim.v' holds a negative value" ]
        [ ! -e "$TMP/x.ckpt" ]
    done
    # zero, which a weight that never had a gradient keeps, resumes
    with_state_value "$TMP/m.ckpt" state.optim.v f32 3 0 > "$TMP/zero.ckpt"
    short 4 -s optimizer.name=rmsprop --resume "$TMP/zero.ckpt" > /dev/null
}

@test "--resume refuses a best loss of NaN or -Inf; Inf, before any epoch improved, resumes" {
    short 2 > "$TMP/m.ckpt"
    for value in nan -inf; do
        with_state_value "$TMP/m.ckpt" state.best_loss f64 1 "$value" > "$TMP/bad.ckpt"
        run short 4 --resume "$TMP/bad.ckpt" -o "$TMP/x.ckpt"
        [ "$status" -eq 1 ] || { echo "$value: $status $output"; false; }
        [ "$output" = "dl-train: $TMP/bad.ckpt: --resume: 'state.best_loss' is NaN or -Inf" ]
        [ ! -e "$TMP/x.ckpt" ]
    done
    # Inf: the next epoch is an improvement, the best one
    with_state_value "$TMP/m.ckpt" state.best_loss f64 1 inf > "$TMP/inf.ckpt"
    short 3 --resume "$TMP/inf.ckpt" > "$TMP/r.ckpt"
    dl-tensor show "$TMP/r.ckpt" | grep -q '^ *best_epoch: 3$'
}

@test "--resume refuses counters no run leaves and a shuffling state of all zeros, naming the record" {
    short 4 > "$TMP/m.ckpt"
    run dl-tensor export --name state.counters "$TMP/m.ckpt"
    [ "${lines[0]}" = 4 ]
    local best=${lines[2]} i
    # words 1 to 4: epochs done, steps, the best epoch, epochs since it without improvement
    local word=(3 4 1) value=(5 $((4 - best + 1)) -1)
    local want=(": the best epoch (5) is after the last epoch done (4)"
                ": the epochs without improvement ($((4 - best + 1))) outnumber those done after the best epoch ($((4 - best)) of 4)"
                " is negative")
    for i in 0 1 2; do
        with_state_words "$TMP/m.ckpt" state.counters "${word[i]}" "${word[i]}" "${value[i]}" \
            > "$TMP/bad.ckpt"
        run short 6 --resume "$TMP/bad.ckpt" -o "$TMP/x.ckpt"
        [ "$status" -eq 1 ] || { echo "word ${word[i]}: $status $output"; false; }
        [ "$output" = "dl-train: $TMP/bad.ckpt: --resume: 'state.counters'${want[i]}" ] ||
            { echo "word ${word[i]}: $output"; false; }
    done
    with_state_words "$TMP/m.ckpt" state.rng 1 4 0 > "$TMP/bad.ckpt"
    run short 6 --resume "$TMP/bad.ckpt" -o "$TMP/x.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/bad.ckpt: --resume: 'state.rng' is all zero, a state the generator never leaves (every shuffle would be the same)" ]
    [ ! -e "$TMP/x.ckpt" ]
    # the counters as the run left them, written back, resume
    with_state_words "$TMP/m.ckpt" state.counters 4 4 $((4 - best)) > "$TMP/same.ckpt"
    cmp "$TMP/m.ckpt" "$TMP/same.ckpt"
    short 6 --resume "$TMP/same.ckpt" > /dev/null
}

@test "--diagnostics writes per-epoch, per-layer statistics" {
    short 3 --diagnostics "$TMP/diag.tsv" > /dev/null
    [ "$(wc -l < "$TMP/diag.tsv")" -eq 10 ]   # header + 3 epochs x 3 layers
    head -n 1 "$TMP/diag.tsv" | grep -q "z_mean	z_std	a_mean	a_std	grad_w_norm"
    awk -F'\t' 'NR > 1 && ($9 <= 0 || $6 < 0) { exit 1 }' "$TMP/diag.tsv"
}

@test "the validation file option and a missing data record" {
    dl-tensor split --fraction 0.8 "$TMP/f2.dlt" "$TMP/tr.dlt" "$TMP/va.dlt"
    dl-train "$EX/fish2d.yaml" -q -s training.epochs=3 --val "$TMP/va.dlt" --log "$TMP/c.tsv" \
        < "$TMP/tr.dlt" > /dev/null
    [ "$(sed -n 2p "$TMP/c.tsv" | cut -f3)" != nan ]
    dl-tensor export --name x "$TMP/f2.dlt" > "$TMP/x.csv"
    dl-tensor import "$TMP/x.csv" > "$TMP/xonly.dlt"
    run dl-train "$EX/fish2d.yaml" -q < "$TMP/xonly.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"no 'y' record"* ]]
}

@test "--val data gets the training data's design: raw and pre-applied give the same model" {
    dl-tensor split --fraction 0.8 "$TMP/f2.dlt" "$TMP/tr.dlt" "$TMP/va.dlt"
    dl-design --standardize < "$TMP/tr.dlt" > "$TMP/trd.dlt"
    dl-design --apply "$TMP/trd.dlt" < "$TMP/va.dlt" > "$TMP/vad.dlt"
    # one name for both (the checkpoint's spec names the --val file)
    train() { cp "$1" "$TMP/val.dlt"
              dl-train "$EX/fish2d.yaml" -q -s training.epochs=5 --log "$TMP/$2.tsv" --val "$TMP/val.dlt" < "$TMP/trd.dlt" > "$TMP/$2.ckpt"; }
    train "$TMP/va.dlt" raw
    train "$TMP/vad.dlt" applied
    cmp "$TMP/raw.ckpt" "$TMP/applied.ckpt"
    cmp "$TMP/raw.tsv" "$TMP/applied.tsv" || diff <(cut -f1-4 "$TMP/raw.tsv") <(cut -f1-4 "$TMP/applied.tsv")
    # validation data through another design, or a design the training data lacks: refused
    dl-design --poly 2 < "$TMP/va.dlt" > "$TMP/vap.dlt"
    run dl-train "$EX/fish2d.yaml" -q -s training.epochs=1 --val "$TMP/vap.dlt" < "$TMP/trd.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"went through a different design"* ]]
    run dl-train "$EX/fish2d.yaml" -q -s training.epochs=1 --val "$TMP/vad.dlt" < "$TMP/tr.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"the training data did not"* ]]
}

@test "--diagnostics shows vanishing gradients with sigmoid, level ones with relu and kaiming" {
    dl-design --standardize --no-bias -q < "$TMP/f2.dlt" > "$TMP/s.dlt"
    for act in sigmoid relu; do
        h="{units: 32, activation: $act}"
        dl-train "$EX/fish2d.yaml" -q -s training.epochs=1 -s model.init=auto \
            -s "model.layers=[$h, $h, $h, $h, $h, $h, {units: 1, activation: sigmoid}]" \
            --diagnostics "$TMP/d_$act.tsv" < "$TMP/s.dlt" > /dev/null
    done
    # gradient norm of layer 1 over that of layer 7
    ratio() { awk -F'\t' '$2 == 1 { a = $9 } $2 == 7 { b = $9 } END { print a / b }' "$1"; }
    awk -v r="$(ratio "$TMP/d_sigmoid.tsv")" 'BEGIN { exit !(r < 1e-3) }'
    awk -v r="$(ratio "$TMP/d_relu.tsv")" 'BEGIN { exit !(r > 0.1 && r < 10) }'
}

@test "the shipped examples reach their documented metrics" {
    metric() { # SPEC DATA NAME: the dl-eval value NAME of the trained example
        dl-tensor import -t 1 "$DL_TEST_ROOT/data/$2.csv" > "$TMP/$2.dlt"
        dl-train "$EX/$1.yaml" -q < "$TMP/$2.dlt" > "$TMP/$1.ckpt"
        dl-predict "$TMP/$1.ckpt" < "$TMP/$2.dlt" | dl-eval | awk -v k="$3" '$1 == k { print $2 }'
    }
    awk -v v="$(metric fish fish accuracy)" 'BEGIN { exit !(v >= 0.88) }'
    awk -v v="$(metric fish2d fish2d accuracy)" 'BEGIN { exit !(v >= 0.93) }'
    awk -v v="$(metric particle particle rmse)" 'BEGIN { exit !(v > 0 && v <= 1.0) }'
}

@test "a data stream given to --resume or --init-from: the message names that file" {
    run short 2 --resume "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: $TMP/f2.dlt: --resume: "*"not a checkpoint"* ]]
    run short 2 --init-from "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: $TMP/f2.dlt: --init-from: "* ]]
}

@test "a finite value beyond float32's range is named as such, not as NaN or Inf" {
    printf '1,0\n1e300,1\n2,0\n' | dl-tensor import -t 1 > "$TMP/huge.dlt"
    run dl-train -q "$EX/fish2d.yaml" "$TMP/huge.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/huge.dlt: record 'x': row 2 holds a value beyond float32's range (about 3.4e38), as networks train in float32" ]
    printf '1,0\nnan,1\n2,0\n' | dl-tensor import --allow-nonfinite -t 1 > "$TMP/nan.dlt"
    run dl-train -q "$EX/fish2d.yaml" "$TMP/nan.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/nan.dlt: record 'x': row 2, column 1: missing value (impute with dl-design --impute)" ]
}

@test "SPEC - reads the spec from standard input; SPEC and DATA cannot both be" {
    run sh -c "dl-train --print-config - < '$EX/fish2d.yaml'"
    [ "$status" -eq 0 ]
    [ "$output" = "$(dl-train --print-config "$EX/fish2d.yaml")" ]
    dl-train -q -s training.epochs=2 - "$TMP/f2.dlt" < "$EX/fish2d.yaml" > "$TMP/a.ckpt"
    dl-train -q -s training.epochs=2 "$EX/fish2d.yaml" "$TMP/f2.dlt" | cmp - "$TMP/a.ckpt"
    printf 'loss: [\n' > "$TMP/bad.yaml"
    run sh -c "dl-train - '$TMP/f2.dlt' < '$TMP/bad.yaml'"
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: <stdin>:"* ]]
    run dl-train - < "$EX/fish2d.yaml"
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-train: SPEC and DATA cannot both be standard input"* ]]
}

@test "standard input is read once: the validation file, --resume and --init-from cannot read it beside SPEC or DATA" {
    run sh -c "dl-train -q '$EX/fish2d.yaml' --val - -o '$TMP/v.ckpt' < '$TMP/f2.dlt'"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-train: DATA and --val cannot both be standard input" ]
    run sh -c "dl-train -q - '$TMP/f2.dlt' --val - -o '$TMP/v.ckpt' < '$EX/fish2d.yaml'"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-train: SPEC and --val cannot both be standard input" ]
    sed 's/validation: 0.2/validation: "-"/' "$EX/fish2d.yaml" > "$TMP/v.yaml"
    run sh -c "dl-train -q '$TMP/v.yaml' -o '$TMP/v.ckpt' < '$TMP/f2.dlt'"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-train: DATA and training.validation cannot both be standard input" ]
    run sh -c "dl-train -q '$EX/fish2d.yaml' --init-from - -o '$TMP/v.ckpt' < '$TMP/f2.dlt'"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-train: DATA and --init-from cannot both be standard input" ]
    run sh -c "dl-train -q '$EX/fish2d.yaml' '$TMP/f2.dlt' --val - --resume - -o '$TMP/v.ckpt' < '$TMP/f2.dlt'"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-train: --val and --resume cannot both be standard input" ]
    [ ! -e "$TMP/v.ckpt" ]
    # one reader of standard input is fine
    dl-train -q -s training.epochs=2 "$EX/fish2d.yaml" "$TMP/f2.dlt" --val - --log "$TMP/a.tsv" -o "$TMP/v.ckpt" < "$TMP/f2.dlt"
    dl-train -q -s training.epochs=2 "$EX/fish2d.yaml" "$TMP/f2.dlt" --val "$TMP/f2.dlt" --log "$TMP/b.tsv" -o "$TMP/w.ckpt"
    cmp <(cut -f 1-4,6- "$TMP/a.tsv") <(cut -f 1-4,6- "$TMP/b.tsv")   # all but the seconds
}

@test "a validation file read from standard input is named <stdin> in messages, as DATA is" {
    printf 'a,b,y\n1,nan,1\n' | dl-tensor import -t 1 --allow-nonfinite > "$TMP/hole.dlt"
    run sh -c "dl-train -q '$EX/fish2d.yaml' '$TMP/f2.dlt' --val - -o '$TMP/v.ckpt' < '$TMP/hole.dlt'"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: <stdin>: record 'x': row 1, column 2 ('b'): missing value (impute with dl-design --impute)" ]
}

@test "dl-predict with a network: a non-finite x, or one beyond float32's range, names its row" {
    short 2 > "$TMP/f.ckpt"
    printf '1,2\n1e300,1\n' | dl-tensor import > "$TMP/huge.dlt"
    run dl-predict "$TMP/f.ckpt" "$TMP/huge.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $TMP/huge.dlt: record 1 ('x'): x row 2 is not finite in float32 (NaN, Inf, or beyond about 3.4e38), as networks compute" ]
}

@test "dl-predict with a network: a missing cell is named before an infinity in an earlier row" {
    short 2 > "$TMP/f.ckpt"
    printf '1,2\ninf,1\n3,4\n5,nan\n' | dl-tensor import --allow-nonfinite > "$TMP/holes.dlt"
    run dl-predict "$TMP/f.ckpt" "$TMP/holes.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-predict: $TMP/holes.dlt: record 1 ('x'): row 4, column 2"*": missing value (impute with dl-design --impute)" ]]
}

@test "-V is --version, as in the other tools" {
    run dl-train -V
    [ "$status" -eq 0 ]
    [ "$output" = "$(dl-train --version)" ]
    [[ $(dl-train --help) == *"-V, --version"* ]]
}

@test "--resume refuses data through another design than the checkpoint's, accepts the same one" {
    dl-design -q --poly 2 --standardize < "$TMP/f2.dlt" > "$TMP/std.dlt"
    dl-design -q --poly 2 < "$TMP/f2.dlt" > "$TMP/raw2.dlt"
    dl-train -q "$EX/fish2d.yaml" -s training.epochs=2 "$TMP/std.dlt" > "$TMP/a.ckpt"
    run dl-train -q -o "$TMP/b.ckpt" "$EX/fish2d.yaml" -s training.epochs=3 --resume "$TMP/a.ckpt" "$TMP/raw2.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/a.ckpt: --resume: the data went through a different design than the checkpoint's training data" ]
    run dl-train -q -o "$TMP/b.ckpt" "$EX/fish2d.yaml" -s training.epochs=3 --resume "$TMP/a.ckpt" "$TMP/std.dlt"
    [ "$status" -eq 0 ]
}

@test "--init-from a checkpoint of designed data refuses raw data, saying so, as --resume does" {
    dl-design -q --standardize < "$TMP/f2.dlt" > "$TMP/std.dlt"
    dl-train -q "$EX/fish2d.yaml" -s training.epochs=2 "$TMP/std.dlt" > "$TMP/std.ckpt"
    # raw data, with x.names and without
    dl-tensor export --name x "$TMP/f2.dlt" | dl-tensor import --no-header > "$TMP/nameless.dlt"
    dl-tensor export --name y "$TMP/f2.dlt" | dl-tensor import --name y >> "$TMP/nameless.dlt"
    for how in --init-from --resume; do
        for data in f2.dlt nameless.dlt; do
            run dl-train -q "$EX/fish2d.yaml" -s training.epochs=3 "$TMP/$data" \
                $how "$TMP/std.ckpt" -o "$TMP/x.ckpt"
            [ "$status" -eq 1 ] || { echo "$how $data: $status $output"; false; }
            [ "$output" = "dl-train: $TMP/std.ckpt: $how: the checkpoint's training data went through a design, the data did not (dl-design --apply the checkpoint first)" ]
        done
    done
    # designed data of a raw checkpoint, or of another design
    dl-train -q "$EX/fish2d.yaml" -s training.epochs=2 "$TMP/f2.dlt" > "$TMP/raw.ckpt"
    run dl-train -q "$EX/fish2d.yaml" "$TMP/std.dlt" --init-from "$TMP/raw.ckpt" -o "$TMP/x.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/raw.ckpt: --init-from: the data went through a design, the checkpoint's training data did not" ]
    dl-design -q --poly 2 < "$TMP/f2.dlt" > "$TMP/p2.dlt"
    run dl-train -q "$EX/fish2d.yaml" "$TMP/p2.dlt" --init-from "$TMP/std.ckpt" -o "$TMP/x.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/std.ckpt: --init-from: the data went through a different design than the checkpoint's training data" ]
    [ ! -e "$TMP/x.ckpt" ]
    # the checkpoint's design applied: it fine-tunes, and keeps that design
    dl-design -q --apply "$TMP/std.ckpt" < "$TMP/f2.dlt" |
        dl-train -q "$EX/fish2d.yaml" -s training.epochs=2 --init-from "$TMP/std.ckpt" -o "$TMP/ft.ckpt"
    cmp <(dl-tensor export --name design "$TMP/std.ckpt") <(dl-tensor export --name design "$TMP/ft.ckpt")
}

@test "a bad class label names the row of the input, not of the training part, and says labels are 0-based" {
    # labels 0..2 in rows 1-100, then 1..3: the first 3 is in row 101
    awk 'BEGIN { for (i = 1; i <= 150; i++)
                     printf "%.4f,%.4f,%d\n", i / 150, (i * 7 % 13) / 13, i <= 100 ? i % 3 : i % 3 + 1 }' |
        dl-tensor import -t 1 > "$TMP/labels.dlt"
    printf 'model:\n  layers:\n    - {units: 4, activation: tanh}\n    - {units: 3, activation: softmax}\nloss: ce\ntraining: {epochs: 2, validation: 0.2}\n' > "$TMP/ce.yaml"
    run dl-train "$TMP/ce.yaml" < "$TMP/labels.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: <stdin>: record 'y': row 101: label 3 is not a class in 0..2 (labels are 0-based: 3 classes are 0 to 2)" ]
}

@test "messages: a quoted or !!str number is a string, a stream given as SPEC, no y" {
    run dl-train "$EX/fish2d.yaml" -s 'optimizer.lr="0.01"' --print-config
    [ "$status" -eq 1 ]
    [[ $output == *"optimizer.lr: expected a finite number, found the quoted string '0.01' (write it without quotes)" ]]
    printf "model:\n  layers:\n    - {units: 1, activation: sigmoid}\nloss: bce\noptimizer: {name: adam, lr: '0.01'}\n" > "$TMP/q.yaml"
    run dl-train "$TMP/q.yaml" --print-config
    [ "$status" -eq 1 ]
    [[ $output == *"found the quoted string '0.01'"* ]]
    printf "model:\n  layers:\n    - {units: 1, activation: !!str sigmoid}\nloss: bce\noptimizer: {name: adam, lr: !!str 0.01}\n" > "$TMP/tag.yaml"
    run dl-train "$TMP/tag.yaml" --print-config
    [ "$status" -eq 1 ]
    [[ $output == *":5:29: optimizer.lr: expected a finite number, found the string '0.01' tagged !!str (write it without the tag)" ]]
    # other tags would be dropped unread: refused where they stand
    for tag in '!!int' '!!float' '!custom'; do
        printf "model:\n  layers:\n    - {units: 1, activation: sigmoid}\nloss: bce\noptimizer: {name: adam, lr: $tag 0.01}\n" > "$TMP/tag.yaml"
        run dl-train "$TMP/tag.yaml" --print-config
        [ "$status" -eq 1 ]
        [[ $output == *":5:29: the YAML tag $tag is not supported here (a spec's values are what they spell; only !!str, on a single value, makes it a string)" ]]
    done
    printf "model:\n  layers:\n    - {units: 1, activation: sigmoid}\nloss: bce\noptimizer: !!str {name: adam}\n" > "$TMP/tag.yaml"
    run dl-train "$TMP/tag.yaml" --print-config
    [ "$status" -eq 1 ]
    [[ $output == *":5:12: the YAML tag !!str is not supported here"* ]]
    run dl-train "$EX/fish2d.yaml" -s 'optimizer.lr=!!float 0.1' --print-config
    [ "$status" -eq 1 ]
    [[ $output == *"the YAML tag !!float is not supported here"* ]]
    run dl-train "$TMP/f2.dlt" "$EX/fish2d.yaml"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-train: $TMP/f2.dlt: this is a tensor stream, not a YAML spec: the spec comes first (dl-train SPEC [DATA])" ]
    dl-tensor import "$DL_TEST_ROOT/data/fish2d.csv" > "$TMP/noy.dlt"
    run dl-train "$EX/fish2d.yaml" "$TMP/noy.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/noy.dlt: no 'y' record: dl-train needs targets (e.g. dl-tensor import --targets 1)" ]
}

# Three string classes a, b, c at x near 0, 1, 2 (training), and test rows
# of classes b and c only: written with their names, and with the codes the
# training data gives them (b 1, c 2: numbers, no y.categories).
string_classes() {
    awk 'BEGIN { print "x,label"; for (i = 0; i < 90; i++) { c = i % 3; printf "%.3f,%s\n", c + 0.2 * sin(i), substr("abc", c + 1, 1) } }' > "$TMP/tr.csv"
    printf 'x,label\n1.0,b\n2.0,c\n1.1,b\n1.9,c\n' > "$TMP/te.csv"
    printf 'x,label\n1.0,1\n2.0,2\n1.1,1\n1.9,2\n' > "$TMP/te_codes.csv"
    for f in tr te te_codes; do dl-tensor import --target label "$TMP/$f.csv" > "$TMP/$f.dlt"; done
    printf 'model: {layers: [{units: 8, activation: tanh}, {units: 3, activation: softmax}]}\nloss: ce\noptimizer: {lr: 0.05}\ntraining: {epochs: 20}\n' > "$TMP/ce3.yaml"
}

@test "--val string classes are matched by name to the training data's, a class it lacks is an error" {
    string_classes
    dl-train -q "$TMP/ce3.yaml" "$TMP/tr.dlt" --val "$TMP/te_codes.dlt" -o "$TMP/a.ckpt" --log "$TMP/a.tsv"
    dl-train -q "$TMP/ce3.yaml" "$TMP/tr.dlt" --val "$TMP/te.dlt" -o "$TMP/b.ckpt" --log "$TMP/b.tsv"
    cmp <(cut -f3 "$TMP/a.tsv") <(cut -f3 "$TMP/b.tsv")
    printf 'x,label\n1.0,b\n2.0,d\n' > "$TMP/d.csv"
    dl-tensor import --target label "$TMP/d.csv" > "$TMP/d.dlt"
    run dl-train -q "$TMP/ce3.yaml" "$TMP/tr.dlt" --val "$TMP/d.dlt" -o "$TMP/d.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/d.dlt: record 'y': row 2, column 1 ('label'): level 'd' was not in the training data" ]
}

@test "--val targets of ce's other form (labels or one-hot rows) validate as the training data's form" {
    printf 'model: {layers: [{units: 3, activation: softmax}]}\nloss: ce\noptimizer: {name: sgd, lr: 0.1}\ntraining: {epochs: 3, batch_size: full}\n' > "$TMP/ce.yaml"
    printf 'a,b,cls\n1,2,0\n2,3,1\n3,1,0\n4,4,2\n5,2,1\n6,1,2\n' | dl-tensor import -t 1 > "$TMP/lab.dlt"
    printf 'a,b,p0,p1,p2\n1,2,0,1,0\n3,1,1,0,0\n6,1,0,0,1\n1,2,0,1,0\n2,3,0,0,1\n3,1,1,0,0\n' | dl-tensor import -t 3 > "$TMP/hot.dlt"
    printf 'a,b,cls\n1,2,1\n3,1,0\n6,1,2\n' | dl-tensor import -t 1 > "$TMP/vlab.dlt"
    dl-tensor head -n 3 "$TMP/hot.dlt" > "$TMP/vhot.dlt"
    for tr in lab hot; do
        for v in vlab vhot; do
            dl-train -q "$TMP/ce.yaml" "$TMP/$tr.dlt" --val "$TMP/$v.dlt" --log "$TMP/$tr-$v.tsv" -o "$TMP/m.ckpt"
        done
        # the same curves but for the seconds
        cmp <(cut -f1-4,6- "$TMP/$tr-vlab.tsv") <(cut -f1-4,6- "$TMP/$tr-vhot.tsv")
    done
    printf 'a,b,p0,p1,p2\n1,2,0,1,0\n3,1,0.5,0.5,0\n' | dl-tensor import -t 3 > "$TMP/soft.dlt"
    run dl-train -q "$TMP/ce.yaml" "$TMP/lab.dlt" --val "$TMP/soft.dlt" -o "$TMP/s.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/soft.dlt: record 'y': row 2: not a one-hot row (one 1, the rest 0), which the training data's labels need" ]
    # another width is no form of ce's targets
    printf 'a,b,p0,p1\n1,2,0,1\n' | dl-tensor import -t 2 > "$TMP/two.dlt"
    run dl-train -q "$TMP/ce.yaml" "$TMP/lab.dlt" --val "$TMP/two.dlt" -o "$TMP/s.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/two.dlt: x is [1, 2] and y [1, 2], but the training data's x has 2 columns and its y 1" ]
    printf 'a,b,cls\n1,2,3\n' | dl-tensor import -t 1 > "$TMP/bad.dlt"
    run dl-train -q "$TMP/ce.yaml" "$TMP/hot.dlt" --val "$TMP/bad.dlt" -o "$TMP/s.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/bad.dlt: record 'y': row 1: label 3 is not a class in 0..2 (labels are 0-based: 3 classes are 0 to 2)" ]
}

@test "dl-predict gives y the checkpoint's class codes and names, a class it lacks is an error" {
    string_classes
    dl-train -q "$TMP/ce3.yaml" "$TMP/tr.dlt" -o "$TMP/m.ckpt"
    dl-predict "$TMP/m.ckpt" "$TMP/te.dlt" > "$TMP/p.dlt"
    dl-predict "$TMP/m.ckpt" "$TMP/te_codes.dlt" > "$TMP/pc.dlt"
    cmp <(dl-tensor export --name y --format npy "$TMP/pc.dlt") \
        <(dl-tensor export --name y --format npy "$TMP/p.dlt")
    cmp <(dl-eval "$TMP/pc.dlt" | head -13) <(dl-eval "$TMP/p.dlt" | head -13)
    run dl-eval "$TMP/p.dlt"
    [[ $output == *"confusion matrix"*"       b        2        0"* ]]
    printf 'x,label\n1.0,b\n2.0,d\n' > "$TMP/d.csv"
    dl-tensor import --target label "$TMP/d.csv" > "$TMP/d.dlt"
    run dl-predict "$TMP/m.ckpt" "$TMP/d.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-predict: $TMP/d.dlt: record "*" ('y'): row 2, column 1 ('label'): level 'd' was not in the training data" ]]
    # in a later chunk of y: its row in y, as dl-train --val names it
    printf 'x,label\n1.0,b\n2.0,c\n1.1,b\n1.9,d\n' > "$TMP/d4.csv"
    dl-tensor import --target label --chunk-rows 2 "$TMP/d4.csv" > "$TMP/d4.dlt"
    run dl-predict "$TMP/m.ckpt" "$TMP/d4.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-predict: $TMP/d4.dlt: record "*" ('y'): row 4, column 1 ('label'): level 'd' was not in the training data" ]]
    run dl-train -q "$TMP/ce3.yaml" "$TMP/tr.dlt" --val "$TMP/d4.dlt" -o "$TMP/d4.ckpt"
    [[ $output == *"row 4, column 1 ('label'): level 'd' was not in the training data" ]]
}

@test "dl-eval --truth matches dl-predict's class scores to y's string classes by their names" {
    string_classes
    dl-train -q "$TMP/ce3.yaml" "$TMP/tr.dlt" -o "$TMP/m.ckpt"
    # softmax: a column per class a b c, named label=a label=b label=c
    cut -d, -f1 "$TMP/te.csv" | dl-tensor import > "$TMP/x.dlt"
    dl-predict "$TMP/m.ckpt" "$TMP/x.dlt" > "$TMP/p.dlt"
    run dl-tensor export --name yhat.names "$TMP/p.dlt"
    [ "$output" = $'label=a\nlabel=b\nlabel=c' ]
    # te.dlt codes b 0 and c 1 (it has no a): by name, as dl-predict's y
    cmp <(dl-eval -f tsv --truth "$TMP/te.dlt" "$TMP/p.dlt") \
        <(dl-predict "$TMP/m.ckpt" "$TMP/te.dlt" | dl-eval -f tsv)
    # sigmoid: one column, named with the class it scores (the second)
    awk 'BEGIN { print "x,ans"; for (i = 0; i < 60; i++) { c = i % 2; printf "%.3f,%s\n", 2 * c + 0.2 * sin(i), c ? "yes" : "no" } }' > "$TMP/btr.csv"
    printf 'x,ans\n2.0,yes\n0.1,yes\n1.9,yes\n' > "$TMP/bte.csv"
    for f in btr bte; do dl-tensor import --target ans "$TMP/$f.csv" > "$TMP/$f.dlt"; done
    printf 'model: {layers: [{units: 1, activation: sigmoid}]}\nloss: bce\noptimizer: {lr: 0.1}\ntraining: {epochs: 20}\n' > "$TMP/bce.yaml"
    dl-train -q "$TMP/bce.yaml" "$TMP/btr.dlt" -o "$TMP/b.ckpt"
    dl-predict "$TMP/b.ckpt" "$TMP/bte.dlt" > "$TMP/bp.dlt"
    run dl-tensor export --name yhat.names "$TMP/bp.dlt"
    [ "$output" = "ans=yes" ]
    # bte.dlt codes yes 0 (its only class): by name it is the positive class
    cmp <(dl-eval -f tsv --truth "$TMP/bte.dlt" "$TMP/bp.dlt" 2>/dev/null) \
        <(dl-eval -f tsv "$TMP/bp.dlt" 2>/dev/null)
    run dl-eval -f json --truth "$TMP/bte.dlt" "$TMP/bp.dlt"
    [[ $output == *'"tn": 0, "fp": 0, "fn": '*', "tp": '* ]]
}

@test "dl-predict: a network checkpoint's x.names in another order than the input's are refused" {
    awk 'BEGIN { print "speed,depth,y"; for (i = 0; i < 20; i++) printf "%d,%d,%d\n", i % 7, i % 5, 2 * (i % 7) - i % 5 }' > "$TMP/sd.csv"
    awk -F, '{ print $2 "," $1 "," $3 }' "$TMP/sd.csv" > "$TMP/ds.csv"
    for f in sd ds; do dl-tensor import -t 1 "$TMP/$f.csv" > "$TMP/$f.dlt"; done
    printf 'model: {layers: [{units: 1, activation: identity}]}\nloss: mse\ntraining: {epochs: 2}\n' > "$TMP/lin.yaml"
    dl-train -q "$TMP/lin.yaml" "$TMP/sd.dlt" -o "$TMP/n.ckpt"
    dl-predict "$TMP/n.ckpt" "$TMP/sd.dlt" > /dev/null
    run dl-predict "$TMP/n.ckpt" "$TMP/ds.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-predict: $TMP/ds.dlt: record "*" ('x'): column 1 is 'depth' in the input but 'speed' in the checkpoint" ]]
}

@test "--val with x.names or y.names in another order than the training data's is refused, naming the column" {
    awk 'BEGIN { print "speed,depth,u,v"; for (i = 0; i < 20; i++) printf "%d,%d,%d,%d\n", i % 7, i % 5, 2 * (i % 7) - i % 5, i % 3 }' > "$TMP/sd.csv"
    awk -F, '{ print $2 "," $1 "," $3 "," $4 }' "$TMP/sd.csv" > "$TMP/ds.csv"
    awk -F, '{ print $1 "," $2 "," $4 "," $3 }' "$TMP/sd.csv" > "$TMP/vu.csv"
    for f in sd ds vu; do dl-tensor import -t 2 "$TMP/$f.csv" > "$TMP/$f.dlt"; done
    printf 'model: {layers: [{units: 2, activation: identity}]}\nloss: mse\ntraining: {epochs: 2}\n' > "$TMP/lin.yaml"
    dl-train -q "$TMP/lin.yaml" "$TMP/sd.dlt" --val "$TMP/sd.dlt" -o "$TMP/a.ckpt"
    run dl-train -q "$TMP/lin.yaml" "$TMP/sd.dlt" --val "$TMP/ds.dlt" -o "$TMP/b.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/ds.dlt: record 'x': column 1 is 'depth' in the input but 'speed' in the training data" ]
    [ ! -e "$TMP/b.ckpt" ]
    run dl-train -q "$TMP/lin.yaml" "$TMP/sd.dlt" --val "$TMP/vu.dlt" -o "$TMP/b.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/vu.dlt: record 'y': column 1 is 'v' in the input but 'u' in the training data" ]
    # a file without names is taken by position, as dl-predict takes it
    dl-tensor import -t 2 --no-header <(tail -n +2 "$TMP/ds.csv") > "$TMP/plain.dlt"
    dl-train -q "$TMP/lin.yaml" "$TMP/sd.dlt" --val "$TMP/plain.dlt" -o "$TMP/c.ckpt"
}

@test "--init-from with ce: a checkpoint trained on labels fine-tunes on one-hot rows, and the other way round" {
    printf 'a,b,k\n0,1,0\n1,0,1\n1,1,2\n0,0,0\n2,1,1\n1,2,2\n' > "$TMP/lab.csv"
    printf 'a,b,c0,c1,c2\n0,1,1,0,0\n1,0,0,1,0\n1,1,0,0,1\n0,0,1,0,0\n2,1,0,1,0\n1,2,0,0,1\n' > "$TMP/hot.csv"
    dl-tensor import -t 1 "$TMP/lab.csv" > "$TMP/lab.dlt"
    dl-tensor import -t 3 "$TMP/hot.csv" > "$TMP/hot.dlt"
    printf 'model: {layers: [{units: 3, activation: softmax}]}\nloss: ce\ntraining: {epochs: 2}\n' > "$TMP/ce.yaml"
    dl-train -q "$TMP/ce.yaml" "$TMP/lab.dlt" -o "$TMP/lab.ckpt"
    dl-train -q "$TMP/ce.yaml" "$TMP/hot.dlt" -o "$TMP/hot.ckpt"
    dl-train -q "$TMP/ce.yaml" "$TMP/hot.dlt" --init-from "$TMP/lab.ckpt" -o "$TMP/a.ckpt"
    dl-train -q "$TMP/ce.yaml" "$TMP/lab.dlt" --init-from "$TMP/hot.ckpt" -o "$TMP/b.ckpt"
    # the same form still compares the names
    printf 'a,b,d0,c1,c2\n0,1,1,0,0\n1,0,0,1,0\n1,1,0,0,1\n' | dl-tensor import -t 3 > "$TMP/hot2.dlt"
    run dl-train -q "$TMP/ce.yaml" "$TMP/hot2.dlt" --init-from "$TMP/hot.ckpt" -o "$TMP/c.ckpt"
    [ "$status" -eq 1 ]
    [[ $output == *"column 1 is 'd0' in the input but 'c0' in the checkpoint"* ]]
}

@test "--resume and --init-from refuse data whose x.names or y.names are in another order than the checkpoint's" {
    awk 'BEGIN { print "speed,depth,u,v"; for (i = 0; i < 20; i++) printf "%d,%d,%d,%d\n", i % 7, i % 5, 2 * (i % 7) - i % 5, i % 3 }' > "$TMP/sd.csv"
    awk -F, '{ print $2 "," $1 "," $3 "," $4 }' "$TMP/sd.csv" > "$TMP/ds.csv"
    awk -F, '{ print $1 "," $2 "," $4 "," $3 }' "$TMP/sd.csv" > "$TMP/vu.csv"
    for f in sd ds vu; do dl-tensor import -t 2 "$TMP/$f.csv" > "$TMP/$f.dlt"; done
    dl-tensor import -t 2 --no-header <(tail -n +2 "$TMP/sd.csv") > "$TMP/plain.dlt"
    printf 'model: {layers: [{units: 2, activation: identity}]}\nloss: mse\ntraining: {epochs: 2}\n' > "$TMP/lin.yaml"
    dl-train -q "$TMP/lin.yaml" "$TMP/sd.dlt" -o "$TMP/a.ckpt"
    for how in --resume --init-from; do
        rm -f "$TMP/b.ckpt" "$TMP/d.ckpt"
        dl-train -q "$TMP/lin.yaml" "$TMP/sd.dlt" $how "$TMP/a.ckpt" -s training.epochs=3 -o "$TMP/b.ckpt"
        run dl-train -q "$TMP/lin.yaml" "$TMP/ds.dlt" $how "$TMP/a.ckpt" -s training.epochs=3 -o "$TMP/c.ckpt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-train: $TMP/a.ckpt: $how: $TMP/ds.dlt: record 'x': column 1 is 'depth' in the input but 'speed' in the checkpoint" ]
        [ ! -e "$TMP/c.ckpt" ]
        run dl-train -q "$TMP/lin.yaml" "$TMP/vu.dlt" $how "$TMP/a.ckpt" -s training.epochs=3 -o "$TMP/c.ckpt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-train: $TMP/a.ckpt: $how: $TMP/vu.dlt: record 'y': column 1 is 'v' in the input but 'u' in the checkpoint" ]
        # data without names is taken by position
        dl-train -q "$TMP/lin.yaml" "$TMP/plain.dlt" $how "$TMP/a.ckpt" -s training.epochs=3 -o "$TMP/d.ckpt"
        # and the checkpoint keeps the names it had, which dl-predict checks
        for rec in x.names y.names; do
            [ "$(dl-tensor export --name "$rec" "$TMP/d.ckpt")" = "$(dl-tensor export --name "$rec" "$TMP/a.ckpt")" ]
        done
        run dl-predict "$TMP/d.ckpt" "$TMP/ds.dlt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-predict: $TMP/ds.dlt: record 3 ('x'): column 1 is 'depth' in the input but 'speed' in the checkpoint" ]
    done
}

@test "--resume and --init-from map y's string classes by name to the checkpoint's and keep its class names" {
    string_classes
    dl-train -q "$TMP/ce3.yaml" "$TMP/tr.dlt" -o "$TMP/a.ckpt"
    dl-train -q "$TMP/ce3.yaml" "$TMP/tr.dlt" -s 'training.class_weight={b: 2}' -o "$TMP/w.ckpt"
    # rows of classes b and c only: their file codes them 0 and 1, the
    # checkpoint 1 and 2, as the same rows written with those codes give them
    awk 'NR == 1 || $0 !~ /,a$/' "$TMP/tr.csv" > "$TMP/bc.csv"
    sed 's/,b$/,1/; s/,c$/,2/' "$TMP/bc.csv" > "$TMP/bc_codes.csv"
    printf 'x,label\n1.0,b\n2.0,d\n' > "$TMP/d.csv"
    for f in bc bc_codes d; do dl-tensor import --target label "$TMP/$f.csv" > "$TMP/$f.dlt"; done
    run dl-tensor export --name y.categories "$TMP/bc.dlt"
    [ "$output" = $'0\tb\tc' ]
    for how in --resume --init-from; do
        rm -f "$TMP/b.ckpt" "$TMP/c.ckpt"
        dl-train -q "$TMP/ce3.yaml" "$TMP/bc.dlt" $how "$TMP/a.ckpt" -s training.epochs=23 -o "$TMP/b.ckpt"
        dl-train -q "$TMP/ce3.yaml" "$TMP/bc_codes.dlt" $how "$TMP/a.ckpt" -s training.epochs=23 -o "$TMP/c.ckpt"
        cmp "$TMP/b.ckpt" "$TMP/c.ckpt"
        # data without class names keeps the checkpoint's, which dl-predict names its outputs with
        for f in b c; do
            [ "$(dl-tensor export --name y.categories "$TMP/$f.ckpt")" = "$(dl-tensor export --name y.categories "$TMP/a.ckpt")" ]
        done
        dl-predict "$TMP/c.ckpt" "$TMP/te.dlt" > "$TMP/p.dlt"
        run dl-tensor export --name yhat.names "$TMP/p.dlt"
        [ "$output" = $'label=a\nlabel=b\nlabel=c' ]
        # training.class_weight names the checkpoint's classes
        dl-train -q "$TMP/ce3.yaml" "$TMP/bc_codes.dlt" $how "$TMP/w.ckpt" -s 'training.class_weight={b: 2}' -s training.epochs=23 -o "$TMP/w2.ckpt"
        # a class the checkpoint does not have is refused, naming its row
        run dl-train -q "$TMP/ce3.yaml" "$TMP/d.dlt" $how "$TMP/a.ckpt" -s training.epochs=23 -o "$TMP/d.ckpt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-train: $TMP/a.ckpt: $how: $TMP/d.dlt: record 'y': row 2, column 1 ('label'): level 'd' was not in the training data" ]
        [ ! -e "$TMP/d.ckpt" ]
    done
}

@test "training or validation rows that all weigh 0 are an error naming the file" {
    awk 'BEGIN { print "x,y,w"; for (i = 0; i < 20; i++) printf "%d,%d,1\n", i, 2 * i }' > "$TMP/w1.csv"
    sed '2,$s/,1$/,0/' "$TMP/w1.csv" > "$TMP/w0.csv"
    for f in w1 w0; do dl-tensor import --target y --weight w "$TMP/$f.csv" > "$TMP/$f.dlt"; done
    printf 'model: {layers: [{units: 1, activation: identity}]}\nloss: mse\ntraining: {epochs: 2}\n' > "$TMP/lin.yaml"
    run dl-train -q "$TMP/lin.yaml" "$TMP/w1.dlt" --val "$TMP/w0.dlt" -o "$TMP/a.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/w0.dlt: every row has weight 0" ]
    [ ! -e "$TMP/a.ckpt" ]
    run dl-train -q "$TMP/lin.yaml" "$TMP/w0.dlt" -o "$TMP/b.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/w0.dlt: every training row has weight 0" ]
    dl-train -q "$TMP/lin.yaml" "$TMP/w1.dlt" --val "$TMP/w1.dlt" -o "$TMP/c.ckpt"
}

@test "epoch 0 is scored on the validation data: fine-tuning that only gets worse keeps the starting weights" {
    dl-tensor split --fraction 0.8 "$TMP/f2.dlt" "$TMP/tr.dlt" "$TMP/va.dlt"
    dl-train "$EX/fish2d.yaml" -q -s training.epochs=40 -s training.early_stopping.patience=0 \
        --val "$TMP/va.dlt" "$TMP/tr.dlt" -o "$TMP/trained.ckpt"
    # the starting weights' validation loss, as dl-eval's log loss
    start=$(dl-predict "$TMP/trained.ckpt" "$TMP/va.dlt" | dl-eval -f tsv |
        awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "log_loss") c = i } NR == 2 { print $c }')
    dl-train "$EX/fish2d.yaml" -q -s training.epochs=3 -s optimizer.lr=1 \
        -s training.early_stopping.patience=0 --val "$TMP/va.dlt" "$TMP/tr.dlt" \
        --init-from "$TMP/trained.ckpt" --log "$TMP/tuned.tsv" -o "$TMP/tuned.ckpt"
    # every epoch was worse than the start
    awk -F'\t' -v s="$start" 'NR > 1 && !($3 > s) { bad = 1 } END { exit bad }' "$TMP/tuned.tsv"
    run dl-tensor export --name training "$TMP/tuned.ckpt"
    [[ $output == *"best_epoch: 0"* ]]
    got=$(dl-tensor export --name training "$TMP/tuned.ckpt" | awk '$1 == "best_val_loss:" { print $2 }')
    awk -v a="$got" -v b="$start" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-5 * b) }'
    for p in layer1.weight layer1.bias layer3.weight; do
        cmp <(dl-tensor export --name $p "$TMP/trained.ckpt") <(dl-tensor export --name $p "$TMP/tuned.ckpt")
    done
}

@test "--init-from a checkpoint of more layers than the spec says which has how many" {
    short 1 -o "$TMP/two.ckpt"
    printf 'model: {layers: [{units: 1, activation: sigmoid}]}\nloss: bce\ntraining: {epochs: 1}\n' > "$TMP/one.yaml"
    run dl-train -q "$TMP/one.yaml" --init-from "$TMP/two.ckpt" -o "$TMP/x.ckpt" "$TMP/f2.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/two.ckpt: --init-from: checkpoint: 'layer2.weight' is not a parameter of the 1-layer network the spec describes (the checkpoint has 3 layers)" ]
}

@test "an override that makes a value of the file a mapping is named in the error, not the file" {
    run dl-train "$EX/fish2d.yaml" --print-config -s model.layers.1.units.x=3
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: -s 'model.layers.1.units.x=3': model.layers.1.units: expected a single value, found a mapping" ]
    run dl-train "$EX/fish2d.yaml" --print-config -s loss.name.q=3
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: -s 'loss.name.q=3': "* ]]
}

@test "SHIPPED EXAMPLES in dl-train(1): each spec reaches the figures the page quotes" {
    cd "$TMP"
    local n
    for n in fish fish2d particle; do
        dl-tensor import -t 1 "$DL_TEST_ROOT/data/$n.csv" > $n.dlt
        dl-train -q -j 2 "$EX/$n.yaml" < $n.dlt > $n.ckpt
        dl-predict $n.ckpt < $n.dlt | dl-eval --format tsv > $n.eval.tsv
    done
    dl-design -q --standardize < fish2d.dlt | dl-train -q -j 2 "$EX/fish2d.yaml" > std.ckpt
    dl-predict std.ckpt < fish2d.dlt | dl-eval --format tsv > fish2d-standardized.eval.tsv
    check_figures "$DL_TEST_ROOT/man/dl-train.1" "$TMP"
}

@test "a categorical x column without a design is refused, naming it; through dl-design it trains" {
    printf 'c,v,y\nhi,1,3\nlo,2,5\nmid,3,4\nhi,4,7\n' > "$TMP/c.csv"
    dl-tensor import -t 1 "$TMP/c.csv" -o "$TMP/c.dlt"
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\noptimizer: {name: sgd, lr: 0.01}\ntraining: {epochs: 2}\n' > "$TMP/lin.yaml"
    run dl-train -q "$TMP/lin.yaml" "$TMP/c.dlt" -o "$TMP/m.ckpt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-train: $TMP/c.dlt: record 'x': x column 1 ('c') holds categories"*"dl-design"* ]]
    [ ! -e "$TMP/m.ckpt" ]
    dl-design -q --onehot c "$TMP/c.dlt" | dl-train -q "$TMP/lin.yaml" -o "$TMP/m.ckpt"
}

@test "categories of a column x or y does not have are refused as malformed, not as a column they name" {
    printf '0,1,1\n1,0,2\n0,1,3\n' | dl-tensor import -t 1 > "$TMP/xy.dlt"
    printf '5\ta\tb\n' | dl-tensor import --format text --name x.categories > "$TMP/xc.dlt"
    printf '3\ta\tb\tc\n' | dl-tensor import --format text --name y.categories > "$TMP/yc.dlt"
    cat "$TMP/xc.dlt" "$TMP/xy.dlt" > "$TMP/x.dlt"
    cat "$TMP/yc.dlt" "$TMP/xy.dlt" > "$TMP/y.dlt"
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\ntraining: {epochs: 1}\n' > "$TMP/lin.yaml"
    run dl-train -q "$TMP/lin.yaml" "$TMP/x.dlt" -o "$TMP/m.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/x.dlt: record 'x': 'x.categories': line 1: column index 5, but the tensor has 2 columns" ]
    [ ! -e "$TMP/m.ckpt" ]
    run dl-train -q "$TMP/lin.yaml" "$TMP/y.dlt" -o "$TMP/m.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/y.dlt: loss mse: 'y.categories': line 1: column index 3, but the tensor has 1 column" ]
    [ ! -e "$TMP/m.ckpt" ]
    # a classifier's loss reads them too, and names the file as well
    printf 'model:\n  layers:\n    - {units: 1, activation: sigmoid}\nloss: bce\ntraining: {epochs: 1}\n' > "$TMP/bce.yaml"
    run dl-train -q "$TMP/bce.yaml" "$TMP/y.dlt" -o "$TMP/m.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/y.dlt: 'y.categories': line 1: column index 3, but the tensor has 1 column" ]
    [ ! -e "$TMP/m.ckpt" ]
}

@test "a regression loss on three string classes is refused, naming the column; ce trains on them, mse on two" {
    string_classes
    for loss in mse mae huber "lq, q: 3"; do
        printf 'model: {layers: [{units: 4, activation: tanh}, {units: 1, activation: identity}]}\nloss: {name: %s}\noptimizer: {lr: 0.05}\ntraining: {epochs: 2}\n' "$loss" > "$TMP/r.yaml"
        run dl-train -q "$TMP/r.yaml" "$TMP/tr.dlt" -o "$TMP/r.ckpt"
        [ "$status" -eq 1 ] || { echo "$output"; return 1; }
        [[ $output == "dl-train: $TMP/tr.dlt: loss ${loss%%,*}: y column 1 ('label') holds 3 classes ("*"a softmax output of 3 units" ]] ||
            { echo "$output"; return 1; }
        [ ! -e "$TMP/r.ckpt" ]
    done
    dl-train -q "$TMP/ce3.yaml" "$TMP/tr.dlt" -o "$TMP/ce.ckpt"
    # two classes: their codes 0 and 1 are targets a regression may fit
    printf 'x,label\n1.0,no\n2.0,yes\n3.0,no\n4.0,yes\n' | dl-tensor import --target label > "$TMP/two.dlt"
    dl-train -q -s loss=mse "$TMP/r.yaml" "$TMP/two.dlt" -o "$TMP/two.ckpt"
}

@test "a y cell that is no code of its string classes is refused, training or validation, regression or bce" {
    printf 'x,label\n1.0,no\n2.0,yes\n3.0,no\n4.0,yes\n' | dl-tensor import --target label > "$TMP/two.dlt"
    # the same classes before y rows whose third cell is 2, and before one whose cell is 0.5
    dl-tensor export --name y.categories "$TMP/two.dlt" |
        dl-tensor import --format text --name y.categories > "$TMP/cats.dlt"
    printf 'model: {layers: [{units: 4, activation: tanh}, {units: 1, activation: identity}]}\nloss: mse\ntraining: {epochs: 2}\n' > "$TMP/r.yaml"
    for bad in 2 0.5; do
        printf 'x,label\n1.0,0\n2.0,1\n3.0,%s\n4.0,1\n' "$bad" | dl-tensor import --target label |
            cat "$TMP/cats.dlt" - > "$TMP/bad.dlt"
        run dl-train -q "$TMP/r.yaml" "$TMP/bad.dlt" -o "$TMP/r.ckpt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-train: $TMP/bad.dlt: record 'y': row 3, column 1 ('label'): $bad is not a category code (0..1)" ]
        [ ! -e "$TMP/r.ckpt" ]
        run dl-train -q "$TMP/r.yaml" "$TMP/two.dlt" --val "$TMP/bad.dlt" -o "$TMP/r.ckpt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-train: $TMP/bad.dlt: record 'y': row 3, column 1 ('label'): $bad is not a category code (0..1)" ]
        [ ! -e "$TMP/r.ckpt" ]
    done
    dl-train -q "$TMP/r.yaml" "$TMP/two.dlt" --val "$TMP/two.dlt" -o "$TMP/r.ckpt"
    # bce too: a soft target of 0.5 is no code of the classes no and yes
    printf 'model: {layers: [{units: 1, activation: sigmoid}]}\nloss: bce\ntraining: {epochs: 2}\n' > "$TMP/b.yaml"
    run dl-train -q "$TMP/b.yaml" "$TMP/bad.dlt" -o "$TMP/b.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/bad.dlt: record 'y': row 3, column 1 ('label'): 0.5 is not a category code (0..1)" ]
    [ ! -e "$TMP/b.ckpt" ]
    dl-train -q "$TMP/b.yaml" "$TMP/two.dlt" -o "$TMP/b.ckpt"
}

@test "string classes the output does not score one each are refused: a unit too many or few, one class alone" {
    string_classes
    for units in 2 4; do
        run dl-train -q "$TMP/ce3.yaml" -s model.layers.2.units=$units "$TMP/tr.dlt" -o "$TMP/u.ckpt"
        [ "$status" -eq 1 ] || { echo "$output"; return 1; }
        [ "$output" = "dl-train: $TMP/tr.dlt: loss ce: y column 1 ('label') holds 3 classes ('a' to 'c'), but the softmax output has $units units: give it one per class (model.layers.2.units=3)" ]
        [ ! -e "$TMP/u.ckpt" ]
    done
    printf 'model: {layers: [{units: 1, activation: sigmoid}]}\nloss: bce\noptimizer: {lr: 0.05}\ntraining: {epochs: 2}\n' > "$TMP/bce.yaml"
    run dl-train -q "$TMP/bce.yaml" "$TMP/tr.dlt" -o "$TMP/u.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/tr.dlt: loss bce: y column 1 ('label') holds 3 classes ('a' to 'c'), but bce scores 2 (codes 0 and 1): classify them with loss ce and a softmax output of 3 units" ]
    # one class alone is code 0 in every row: nothing for a classifier to tell apart
    printf 'x,label\n1.0,yes\n2.0,yes\n' | dl-tensor import --target label > "$TMP/yes.dlt"
    run dl-train -q "$TMP/bce.yaml" "$TMP/yes.dlt" -o "$TMP/u.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/yes.dlt: loss bce: y column 1 ('label') holds 1 class ('yes'), but the output scores 2: a classifier needs training data of two classes or more" ]
    run dl-train -q "$TMP/ce3.yaml" -s model.layers.2.units=2 "$TMP/yes.dlt" -o "$TMP/u.ckpt"
    [ "$status" -eq 1 ]
    [[ $output == *"loss ce: y column 1 ('label') holds 1 class ('yes'), but the output scores 2"* ]]
    [ ! -e "$TMP/u.ckpt" ]
    # two classes for bce, as many as units for ce
    printf 'x,label\n1.0,no\n2.0,yes\n' | dl-tensor import --target label > "$TMP/two.dlt"
    dl-train -q "$TMP/bce.yaml" "$TMP/two.dlt" -o "$TMP/u.ckpt"
    dl-train -q "$TMP/ce3.yaml" -s training.epochs=1 "$TMP/tr.dlt" -o "$TMP/u.ckpt"
}

@test "a spec file that is a single value or a list is named as such, with -s overrides too" {
    echo 42 > "$TMP/v.yaml"
    printf -- '- 1\n- 2\n' > "$TMP/l.yaml"
    for over in "" "-s loss=mse"; do
        run dl-train -q "$TMP/v.yaml" $over "$TMP/f2.dlt" -o "$TMP/m.ckpt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-train: $TMP/v.yaml:1:1: the spec: expected a mapping, found a single value" ]
        run dl-train -q "$TMP/l.yaml" $over "$TMP/f2.dlt" -o "$TMP/m.ckpt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-train: $TMP/l.yaml:1:1: the spec: expected a mapping, found a list" ]
    done
}

@test "data at fault is named: a lone row held out, x of no columns, targets the outputs do not match" {
    printf 'model: {layers: [{units: 1, activation: identity}]}\nloss: mse\ntraining: {epochs: 2, validation: 0.5}\n' > "$TMP/lin.yaml"
    printf 'a,b\n1,2\n' | dl-tensor import -t 1 > "$TMP/one.dlt"
    run dl-train -q "$TMP/lin.yaml" "$TMP/one.dlt" -o "$TMP/a.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/one.dlt: 1 row leaves no training rows after holding out 1 for validation (training.validation 0.5)" ]
    printf 'a,b\n1,2\n3,4\n' | dl-tensor import -t 1 > "$TMP/two.dlt"
    run dl-train -q "$TMP/lin.yaml" -s training.validation=0.9 "$TMP/two.dlt" -o "$TMP/a.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/two.dlt: 2 rows leave no training rows after holding out 2 for validation (training.validation 0.9)" ]
    # zero_cols.dlt: x of 4 rows and no columns (tests/hostile/gen_hostile.py)
    z="$DL_TEST_ROOT/tests/hostile/inputs/zero_cols.dlt"
    run dl-train -q "$TMP/lin.yaml" "$z" -o "$TMP/a.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $z: 'x' has no columns: the network has no inputs" ]
    run dl-train -q "$TMP/lin.yaml" -o "$TMP/a.ckpt" < "$z"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: <stdin>: 'x' has no columns: the network has no inputs" ]
    run dl-train -q "$TMP/lin.yaml" -s 'model.layers=[{units: 2, activation: identity}]' "$TMP/two.dlt" -o "$TMP/a.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/two.dlt: record 'y': loss mse: targets have 1 column, the network has 2 outputs" ]
    [ ! -e "$TMP/a.ckpt" ]
}

@test "training.class_weight takes balanced and none quoted too; batch_size's error says full is taken" {
    printf 'model: {layers: [{units: 2, activation: softmax}]}\nloss: ce\ntraining: {epochs: 2, class_weight: balanced}\n' > "$TMP/plain.yaml"
    sed 's/balanced/"balanced"/' "$TMP/plain.yaml" > "$TMP/quoted.yaml"
    dl-train -q "$TMP/plain.yaml" "$TMP/f2.dlt" -o "$TMP/plain.ckpt"
    dl-train -q "$TMP/quoted.yaml" "$TMP/f2.dlt" -o "$TMP/quoted.ckpt"
    cmp "$TMP/plain.ckpt" "$TMP/quoted.ckpt"
    dl-train -q "$TMP/plain.yaml" -s "training.class_weight='none'" "$TMP/f2.dlt" -o "$TMP/none.ckpt"
    dl-train -q "$TMP/plain.yaml" -s training.class_weight=none "$TMP/f2.dlt" -o "$TMP/none2.ckpt"
    cmp "$TMP/none.ckpt" "$TMP/none2.ckpt"
    for full in FULL Full; do
        run dl-train -q "$TMP/plain.yaml" -s training.batch_size=$full "$TMP/f2.dlt" -o "$TMP/b.ckpt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-train: -s 'training.batch_size=$full': training.batch_size: expected a whole number or full, found '$full'" ]
    done
    run dl-train -q "$TMP/plain.yaml" -s training.batch_size=-3 "$TMP/f2.dlt" -o "$TMP/b.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: -s 'training.batch_size=-3': training.batch_size: expected a whole number or full, found '-3'" ]
    [ ! -e "$TMP/b.ckpt" ]
}

@test "class_weight balanced names by its name a string class of validation rows that has no training rows" {
    printf 'a,b,kind\n' > "$TMP/all.csv"
    for i in 1 2 3 4 5 6; do printf '0.%d,0.%d,ant\n0.%d,0.%d,bee\n' $i $((7 - i)) $((7 - i)) $i; done >> "$TMP/all.csv"
    printf '0.5,0.5,cat\n' >> "$TMP/all.csv"
    dl-tensor import -t 1 "$TMP/all.csv" > "$TMP/all.dlt"
    # the first 12 rows: ant and bee, with cat among y's classes
    dl-tensor head -n 12 "$TMP/all.dlt" > "$TMP/train.dlt"
    printf 'model: {layers: [{units: 3, activation: softmax}]}\nloss: ce\ntraining: {epochs: 1, class_weight: balanced}\n' > "$TMP/cw.yaml"
    run dl-train -q "$TMP/cw.yaml" "$TMP/train.dlt" --val "$TMP/all.dlt" -o "$TMP/m.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/all.dlt: record 'y': row 13: class 'cat' (code 2) has no training rows (training.class_weight balanced needs every class among the training rows)" ]
    [ ! -e "$TMP/m.ckpt" ]
}

@test "class labels are whole numbers as read: ce's labels and bce's targets under class_weight, before float32 rounds them" {
    printf 'a,y\n0.1,0\n0.2,0.99999999\n0.3,1\n0.4,0\n' > "$TMP/near.csv"
    dl-tensor import -t 1 "$TMP/near.csv" > "$TMP/near.dlt"
    printf 'model: {layers: [{units: 2, activation: softmax}]}\nloss: ce\ntraining: {epochs: 1}\n' > "$TMP/ce.yaml"
    run dl-train -q "$TMP/ce.yaml" "$TMP/near.dlt" -o "$TMP/m.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/near.dlt: record 'y': row 2: label 0.99999999 is not a class in 0..1 (labels are 0-based: 2 classes are 0 to 1)" ]
    # as --val's labels too, where the training data has one-hot rows
    printf 'a,c0,c1\n0.1,1,0\n0.2,0,1\n0.3,0,1\n0.4,1,0\n' > "$TMP/onehot.csv"
    dl-tensor import -t 2 "$TMP/onehot.csv" > "$TMP/onehot.dlt"
    run dl-train -q "$TMP/ce.yaml" "$TMP/onehot.dlt" --val "$TMP/near.dlt" -o "$TMP/m.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/near.dlt: record 'y': row 2: label 0.99999999 is not a class in 0..1 (labels are 0-based: 2 classes are 0 to 1)" ]
    printf 'a,y\n0.1,0\n0.2,1\n0.3,1.00000001\n0.4,0\n' > "$TMP/above.csv"
    dl-tensor import -t 1 "$TMP/above.csv" > "$TMP/above.dlt"
    printf 'model: {layers: [{units: 1, activation: sigmoid}]}\nloss: bce\ntraining: {epochs: 1, class_weight: balanced}\n' > "$TMP/bce.yaml"
    run dl-train -q "$TMP/bce.yaml" "$TMP/above.dlt" -o "$TMP/m.ckpt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-train: $TMP/above.dlt: record 'y': row 3: target 1.00000001 is not a class (training.class_weight with bce needs targets 0 or 1)" ]
    [ ! -e "$TMP/m.ckpt" ]
    # bce's targets without class weights are probabilities: one near 1 trains
    dl-train -q "$TMP/bce.yaml" -s training.class_weight=none "$TMP/above.dlt" -o "$TMP/m.ckpt"
}
