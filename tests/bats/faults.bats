#!/usr/bin/env bats
# Injected failures: heap allocations of a run made to fail one at a time
# (tests/faults/failalloc.c, counting from main), and writes to a full disk.
# Each must end in exactly one line on stderr and exit status 4, never a
# crash, a hang, a leak (under ASan) or a partial output file; a run the
# failure did not stop must give the same output as an undisturbed one.
#
# Which allocations: every one of a run that makes up to 2 x FIRST
# (FIRST = 20); beyond that the first FIRST (the set-up: buffers, options,
# headers, where most distinct sites are) and then FIRST more spread
# evenly up to the last one (the rest repeat per record or per row).  The
# sample depends on the count only, so it is the same on every run.
# DL_FAULTS_ALL=1 walks every allocation.

setup_file() {
    export D=$BATS_FILE_TMPDIR
    F=$DL_TEST_ROOT/tests/fixtures
    # y = 2 x0 - x1 + 0.5 and a class from the sign: enough rows to chunk
    seq 1 40 | awk '{ x0 = ($1 % 9) / 4; x1 = ($1 % 5) / 3; printf "%g,%g,%g\n", x0, x1, 2 * x0 - x1 + 0.5 }' > "$D/reg.csv"
    dl-tensor import -t 1 --chunk-rows 16 "$D/reg.csv" -o "$D/reg.dlt"
    dl-tensor import -t 1 --zlib "$D/reg.csv" -o "$D/reg.zlib.dlt"
    dl-design -q --poly 2 "$D/reg.dlt" -o "$D/reg.poly.dlt"
    dl-lstsq -q "$D/reg.poly.dlt" -o "$D/linear.ckpt"
    dl-lstsq -q --ridge 0.5 --posterior "$D/reg.dlt" -o "$D/posterior.ckpt"
    dl-lstsq -q --partial "$D/reg.dlt" -o "$D/partial.dlt"
    awk -F, '{ print $1 "," $2 "," ($1 > $2 ? 1 : 0) }' "$D/reg.csv" > "$D/cls.csv"
    dl-tensor import -t 1 "$D/cls.csv" -o "$D/cls.dlt"
    # a chunk of 3,000 rows: dl-predict takes it in pieces of 1,024
    for k in $(seq 75); do cat "$D/cls.csv"; done | dl-tensor import -t 1 -o "$D/cls3k.dlt"
    printf 'model:\n  layers:\n    - {units: 4, activation: tanh}\n    - {units: 1, activation: sigmoid}\nloss: bce\noptimizer: {name: adam, lr: 0.05}\ntraining: {epochs: 3, batch_size: 16, seed: 1, validation: 0.25}\n' > "$D/net.yaml"
    dl-train -q -j 1 "$D/net.yaml" "$D/cls.dlt" -o "$D/net.ckpt" --log "$D/log.tsv" --diagnostics "$D/diag.tsv"
    dl-predict "$D/net.ckpt" "$D/cls.dlt" -o "$D/pred.dlt"
    dl-predict "$D/linear.ckpt" "$D/reg.dlt" -o "$D/regpred.dlt"
    dl-tensor import -t 1 "$F/plot/sin.csv" -o "$D/sin.dlt"
    dl-design -q --poly 3 "$D/sin.dlt" | dl-lstsq -q -o "$D/sin.ckpt"
    printf '1 1:0.5 3:2\n0 2:1.5\n1 1:-3 2:4 3:1e-3\n0 3:7\n' > "$D/small.svm"
    cut -d, -f1 "$D/reg.csv" > "$D/col.csv"
}

setup() {
    F=$DL_TEST_ROOT/tests/fixtures
    TMP=$BATS_TEST_TMPDIR
    O=$TMP/o            # every output of a run under test goes here
    SHIM=$(dirname "$(command -v dl-tensor)")/../tests/failalloc.so
    # one BLAS thread: the same allocations on every machine
    export OPENBLAS_NUM_THREADS=1
}

FIRST=20

# The allocation indices to fail for a run that makes `total`.
fault_sample() {
    local total=$1 n k
    if [ -n "${DL_FAULTS_ALL:-}" ] || [ "$total" -le $((2 * FIRST)) ]; then
        seq 1 "$total"
        return
    fi
    seq 1 "$FIRST"
    for ((k = 1; k <= FIRST; k++)); do
        n=$((FIRST + (k * (total - FIRST) + FIRST - 1) / FIRST))
        echo "$n"
    done
}

# Runs "$@" (outputs under $O) with the shim, allocation $1 failing (0: none).
run_failing() {
    local n=$1
    shift
    rm -rf "$O" && mkdir -p "$O"
    # the limit only catches a hang; it is no timing assertion
    # (the shim arms itself in the first main it sees: env sets it for the tool only)
    timeout 120 env DL_FAIL_ALLOC="$n" ${REPORT:+DL_FAIL_ALLOC_REPORT=1} LD_PRELOAD="$SHIM" \
        ASAN_OPTIONS="$ASAN_RUN" "$@" > "$TMP/stdout" 2> "$TMP/stderr" && status=0 || status=$?
}

# Runs "$@" once per sampled allocation, failing that allocation.
each_allocation_fails_cleanly() {
    [ -f "$SHIM" ] || skip "failalloc.so not built"
    # under ASan the shim forwards to ASan's allocator, which then also
    # checks for leaks on every error path (a leak exits 23, a failure here)
    ASAN_RUN="${ASAN_OPTIONS:-}:verify_asan_link_order=0:detect_leaks=1"
    REPORT=1 run_failing 0 "$@"
    [ "$status" -eq 0 ] || { echo "undisturbed run: status $status: $(cat "$TMP/stderr")"; return 1; }
    local total tool=${1##*/}
    total=$(sed -n 's/^allocations: //p' "$TMP/stderr" | tail -n 1)
    if [ "${total:-0}" -eq 0 ] && [ -n "${DL_SAN:-}" ]; then
        skip "the sanitizer's runtime is linked into the program: its malloc cannot be replaced"
    fi
    [ "${total:-0}" -gt 0 ] || { echo "the shim counted no allocation: $(cat "$TMP/stderr")"; return 1; }
    mkdir -p "$TMP/want"
    cp "$TMP/stdout" "$TMP/want/stdout"
    rm -rf "$TMP/want/o" && cp -r "$O" "$TMP/want/o"
    for n in $(fault_sample "$total"); do
        run_failing "$n" "$@"
        local err
        err=$(cat "$TMP/stderr")
        if [ "$status" -eq 0 ]; then
            # a failure the tool could do without: the output must not suffer
            # (a learning curve's seconds column is the only thing that may differ)
            cmp -s "$TMP/stdout" "$TMP/want/stdout" && diff -r -x log.tsv "$O" "$TMP/want/o" > /dev/null ||
                { echo "allocation $n of $total: status 0 but other output"; return 1; }
            continue
        fi
        [ "$status" -eq 4 ] || { echo "allocation $n of $total: status $status: $err"; return 1; }
        [ "$(wc -l < "$TMP/stderr")" -eq 1 ] && [[ $err == "$tool: "* ]] ||
            { echo "allocation $n of $total: not one line: $err"; return 1; }
        [ -z "$(ls -A "$O")" ] || { echo "allocation $n of $total: left $(ls -A "$O") behind"; return 1; }
    done
}

# ------------------------------- dl-tensor -------------------------------
@test "faults: dl-tensor import (CSV, to a file and to standard output)" {
    each_allocation_fails_cleanly dl-tensor import --targets 1 -o "$O/out" "$F/stream/small.csv"
    each_allocation_fails_cleanly dl-tensor import --targets 1 --zlib --chunk-rows 16 "$D/reg.csv"
    # ~3 MB: regions read ahead, pieces parsed on two threads
    seq 1 200000 | awk '{ printf "%d,%.17g\n", $1, $1 / 7 }' > "$TMP/big.csv"
    each_allocation_fails_cleanly dl-tensor import -o "$O/out" "$TMP/big.csv"
}

@test "faults: dl-tensor import (.npy: little and big endian, Fortran order)" {
    each_allocation_fails_cleanly dl-tensor import -o "$O/out" "$F/npy/f8_le_c_2d.npy"
    each_allocation_fails_cleanly dl-tensor import --dtype f32 -o "$O/out" "$F/npy/i4_be_f_2d.npy"
}

@test "faults: dl-tensor import (svmlight)" {
    each_allocation_fails_cleanly dl-tensor import -o "$O/out" "$D/small.svm"
}

@test "faults: dl-tensor info" {
    each_allocation_fails_cleanly dl-tensor info "$D/reg.dlt" "$D/reg.zlib.dlt"
    # column metadata repeated by cat: a copy is compared with the first
    printf 'a,b,c\n1,x,2\n' | dl-tensor import -t 1 > "$TMP/n.dlt"
    cat "$TMP/n.dlt" "$TMP/n.dlt" > "$TMP/nn.dlt"
    each_allocation_fails_cleanly dl-tensor info "$TMP/nn.dlt"
    each_allocation_fails_cleanly dl-tensor export --name x.categories "$TMP/nn.dlt"
}

@test "faults: dl-tensor show (network, linear with a design, posterior; text and JSON)" {
    each_allocation_fails_cleanly dl-tensor show "$D/net.ckpt"
    each_allocation_fails_cleanly dl-tensor show --format json "$D/linear.ckpt"
    each_allocation_fails_cleanly dl-tensor show "$D/posterior.ckpt"
}

@test "faults: dl-tensor export (CSV and .npy)" {
    each_allocation_fails_cleanly dl-tensor export --header "$D/reg.zlib.dlt"
    # a name two records share, qualified by its record
    { printf 'a,b\n1,2\n3,4\n' | dl-tensor import --target b
      printf 'b\n5\n6\n' | dl-tensor import --name yhat; } > "$TMP/shared.dlt"
    each_allocation_fails_cleanly dl-tensor export --header --name x,y,yhat "$TMP/shared.dlt"
    each_allocation_fails_cleanly dl-tensor export --format npy --name x -o "$O/out.npy" "$D/reg.dlt"
}

@test "faults: column names and categories that cannot be held are named with their count" {
    [ -f "$SHIM" ] || skip "failalloc.so not built"
    printf 'c,s,y\nred,a,1\nblue,b,2\nred,c,3\ngreen,a,4\n' > "$TMP/cat.csv"
    dl-tensor import -t 1 "$TMP/cat.csv" -o "$TMP/cat.dlt"
    # a name a line; a categorical column a line, a level a tab
    local names columns levels total n seen=
    names=$(dl-tensor export --name x.names "$TMP/cat.dlt" | wc -l)
    columns=$(dl-tensor export --name x.categories "$TMP/cat.dlt" | wc -l)
    levels=$(dl-tensor export --name x.categories "$TMP/cat.dlt" | tr -cd '\t' | wc -c)
    REPORT=1 run_failing 0 dl-tensor export --header "$TMP/cat.dlt"
    total=$(sed -n 's/^allocations: //p' "$TMP/stderr" | tail -n 1)
    [ "${total:-0}" -gt 0 ] || skip "the sanitizer's runtime is linked into the program"
    for n in $(seq 1 "$total"); do
        run_failing "$n" dl-tensor export --header "$TMP/cat.dlt"
        case $(cat "$TMP/stderr") in
        *"'x.names': names: out of memory: $names items of "*) seen+=n ;;
        *"'x.categories': columns: out of memory: $columns items of "*) seen+=c ;;
        *"'x.categories': levels: out of memory: $levels items of "*) seen+=l ;;
        esac
    done
    [[ $seen == *n* && $seen == *c* && $seen == *l* ]] || { echo "seen: '$seen'"; false; }
}

@test "faults: dl-tensor head, shuffle and split" {
    each_allocation_fails_cleanly dl-tensor head -n 20 -o "$O/out" "$D/reg.dlt"
    each_allocation_fails_cleanly dl-tensor shuffle --seed 3 -o "$O/out" "$D/reg.zlib.dlt"
    each_allocation_fails_cleanly dl-tensor split --fraction 0.5 --seed 1 "$D/reg.dlt" "$O/a" "$O/b"
}

@test "faults: dl-tensor split into folds (stratified, grouped), export side by side, text and rank-1 import" {
    each_allocation_fails_cleanly dl-tensor split --folds 3 --fold 2 --stratify --seed 1 "$D/cls.dlt" "$O/a" "$O/b"
    each_allocation_fails_cleanly dl-tensor split --fraction 0.6 --stratify --seed 1 "$D/cls.dlt" "$O/a" "$O/b"
    each_allocation_fails_cleanly dl-tensor split --folds 3 --fold 1 --group 0 "$D/reg.dlt" "$O/a" "$O/b"
    each_allocation_fails_cleanly dl-tensor export --name y,yhat -o "$O/out.csv" "$D/pred.dlt"
    each_allocation_fails_cleanly dl-tensor export --name model "$D/net.ckpt"
    each_allocation_fails_cleanly dl-tensor import --format text --name model -o "$O/m" "$D/net.yaml"
    each_allocation_fails_cleanly dl-tensor import --name b --rank 1 -o "$O/b" "$D/col.csv"
    # lists, quoted items among them
    each_allocation_fails_cleanly dl-tensor import --names 'a,"b,c",y' --target '"b,c",y' \
        --categorical a --missing 'NA,""' -o "$O/n" "$D/reg.csv"
    each_allocation_fails_cleanly dl-tensor export --name '"y",yhat' -o "$O/out.csv" "$D/pred.dlt"
}

# ------------------------------- dl-design -------------------------------
@test "faults: dl-design (poly, rbf k-means, fourier + legendre, --apply)" {
    each_allocation_fails_cleanly dl-design -q --poly 2 -o "$O/out" "$D/reg.dlt"
    each_allocation_fails_cleanly dl-design -q --rbf 3 --centers kmeans --standardize -o "$O/out" "$D/reg.dlt"
    each_allocation_fails_cleanly dl-design -q --fourier 2 --legendre 2 --zlib "$D/reg.zlib.dlt"
    each_allocation_fails_cleanly dl-design -q --apply "$D/linear.ckpt" -o "$O/out" "$D/reg.dlt"
}

@test "faults: dl-design's input stage (impute, indicators, one-hot; applied to new levels)" {
    each_allocation_fails_cleanly dl-design -q --impute median --impute-indicator --onehot auto --poly 2 -o "$O/out" "$F/design/mixed.dlt"
    each_allocation_fails_cleanly dl-design -q --impute median --onehot '"color",size' -o "$O/out" "$F/design/mixed.dlt"
    dl-design -q --impute most_frequent --onehot auto "$F/design/mixed.dlt" -o "$D/prep.dlt"
    each_allocation_fails_cleanly dl-design -q --apply "$D/prep.dlt" -o "$O/out" "$F/design/mixed_new.dlt"
}

# ------------------------------- dl-lstsq --------------------------------
@test "faults: dl-lstsq svd, qr and normal" {
    each_allocation_fails_cleanly dl-lstsq -q -o "$O/out" "$D/reg.poly.dlt"
    each_allocation_fails_cleanly dl-lstsq -q --method qr -o "$O/out" "$D/reg.poly.dlt"
    each_allocation_fails_cleanly dl-lstsq -q --method normal -o "$O/out" "$D/reg.poly.dlt"
}

@test "faults: dl-lstsq ridge, lasso, elastic net, posterior" {
    each_allocation_fails_cleanly dl-lstsq -q --ridge 0.5 -o "$O/out" "$D/reg.poly.dlt"
    each_allocation_fails_cleanly dl-lstsq -q --lasso 0.01 -o "$O/out" "$D/reg.poly.dlt"
    each_allocation_fails_cleanly dl-lstsq -q --elastic-net 0.01 -o "$O/out" "$D/reg.poly.dlt"
    each_allocation_fails_cleanly dl-lstsq -q --ridge 0.5 --posterior -o "$O/out" "$D/reg.dlt"
}

@test "faults: dl-lstsq --partial and --combine" {
    each_allocation_fails_cleanly dl-lstsq -q --partial -o "$O/out" "$D/reg.poly.dlt"
    each_allocation_fails_cleanly dl-lstsq -q --combine -o "$O/out" "$D/partial.dlt"
}

# ------------------------------- dl-train --------------------------------
@test "faults: dl-train" {
    each_allocation_fails_cleanly dl-train -q -j 1 "$D/net.yaml" "$D/cls.dlt" -o "$O/out"
}

@test "faults: dl-train --log and --diagnostics" {
    each_allocation_fails_cleanly dl-train -q -j 1 "$D/net.yaml" "$D/cls.dlt" -o "$O/out" \
        --log "$O/log.tsv" --diagnostics "$O/diag.tsv"
}

@test "faults: dl-train --resume" {
    each_allocation_fails_cleanly dl-train -q -j 1 -s training.epochs=4 --resume "$D/net.ckpt" \
        "$D/net.yaml" "$D/cls.dlt" -o "$O/out"
}

# A run that has trained saves: every allocation it makes from its first
# epoch on may fail, and the checkpoint (and log) still come out, the same.
# The allocations are walked from the last back to the first whose failure
# stops the run before an epoch (training itself allocates nothing).
trained_run_saves() {
    [ -f "$SHIM" ] || skip "failalloc.so not built"
    ASAN_RUN="${ASAN_OPTIONS:-}:verify_asan_link_order=0:detect_leaks=1"
    REPORT=1 run_failing 0 "$@"
    [ "$status" -eq 0 ] || { echo "undisturbed run: status $status: $(cat "$TMP/stderr")"; return 1; }
    local total n
    total=$(sed -n 's/^allocations: //p' "$TMP/stderr" | tail -n 1)
    if [ "${total:-0}" -eq 0 ] && [ -n "${DL_SAN:-}" ]; then
        skip "the sanitizer's runtime is linked into the program: its malloc cannot be replaced"
    fi
    mkdir -p "$TMP/want"
    cp "$TMP/stdout" "$TMP/want/stdout"
    rm -rf "$TMP/want/o" && cp -r "$O" "$TMP/want/o"
    for ((n = total; n >= 1; n--)); do
        run_failing "$n" "$@"
        grep -q '^epoch 1/' "$TMP/stderr" || break
        [ "$status" -eq 0 ] && cmp -s "$TMP/stdout" "$TMP/want/stdout" &&
            diff -r -x log.tsv "$O" "$TMP/want/o" > /dev/null ||
            { echo "allocation $n of $total, after training: status $status: $(tail -n 1 "$TMP/stderr")"; return 1; }
    done
    [ "$n" -ge 1 ] || { echo "no allocation before training?"; return 1; }
}

@test "faults: dl-train: an allocation that fails once the run has trained does not lose the checkpoint" {
    # 2 -> 600 -> 1100 -> 1: a weight of 2.6 MB and one of 4.8 MB, which --zlib
    # writes in turn on a second thread and in chunks of 4 MiB
    printf 'model:\n  layers:\n    - {units: 600, activation: tanh}\n    - {units: 1100, activation: tanh}\n    - {units: 1, activation: sigmoid}\nloss: bce\noptimizer: {name: adam, lr: 0.001}\ntraining: {epochs: 2, batch_size: 16, seed: 1, validation: 0.25}\n' > "$TMP/wide.yaml"
    trained_run_saves dl-train -j 1 "$D/net.yaml" "$D/cls.dlt" -o "$O/out"
    trained_run_saves dl-train -j 1 "$TMP/wide.yaml" "$D/cls.dlt" -o "$O/out" --zlib --log "$O/log.tsv" --diagnostics "$O/diag.tsv"
    trained_run_saves dl-train -j 1 -s training.epochs=4 --resume "$D/net.ckpt" "$D/net.yaml" "$D/cls.dlt"
}

# ------------------------------ dl-predict -------------------------------
@test "faults: dl-predict (network, --labels)" {
    each_allocation_fails_cleanly dl-predict -o "$O/out" "$D/net.ckpt" "$D/cls.dlt"
    each_allocation_fails_cleanly dl-predict --labels "$D/net.ckpt" "$D/cls.dlt"
    each_allocation_fails_cleanly dl-predict -o "$O/out" "$D/net.ckpt" "$D/cls3k.dlt"
}

@test "faults: dl-predict (linear with a design, and with a posterior)" {
    each_allocation_fails_cleanly dl-predict -o "$O/out" "$D/linear.ckpt" "$D/reg.zlib.dlt"
    each_allocation_fails_cleanly dl-predict -o "$O/out" "$D/posterior.ckpt" "$D/reg.dlt"
}

# -------------------------------- dl-eval --------------------------------
@test "faults: dl-eval (binary, regression, --truth)" {
    each_allocation_fails_cleanly dl-eval "$D/pred.dlt"
    each_allocation_fails_cleanly dl-eval -f json "$D/regpred.dlt"
    each_allocation_fails_cleanly dl-eval --truth "$D/cls.dlt" -f tsv "$D/pred.dlt"
    # classes of y.categories and yhat.categories matched by name
    each_allocation_fails_cleanly dl-eval "$DL_TEST_ROOT/tests/fixtures/metrics_names/relabel_b.dlt"
}

@test "faults: dl-eval --summary" {
    dl-eval -f tsv --tag model=a "$D/pred.dlt" > "$D/a.tsv"
    dl-eval -f json --tag model=b "$D/pred.dlt" > "$D/b.jsonl"
    each_allocation_fails_cleanly dl-eval --summary --by model "$D/a.tsv" "$D/b.jsonl" "$D/a.tsv"
    # lq's exponent, kept per group
    dl-eval -f tsv --q 3 "$D/regpred.dlt" > "$D/q.tsv"
    each_allocation_fails_cleanly dl-eval --summary "$D/q.tsv" "$D/q.tsv"
}

# -------------------------------- dl-plot --------------------------------
@test "faults: dl-plot curves and layers" {
    command -v gnuplot > /dev/null || skip "no gnuplot"
    each_allocation_fails_cleanly dl-plot curves "$D/log.tsv" -o "$O/out.svg"
    each_allocation_fails_cleanly dl-plot curves "$D/log.tsv" "$D/log.tsv" -o "$O/out.svg"
    each_allocation_fails_cleanly dl-plot layers "$D/diag.tsv" -o "$O/out.svg"
}

@test "faults: dl-plot fit and regions" {
    command -v gnuplot > /dev/null || skip "no gnuplot"
    each_allocation_fails_cleanly dl-plot fit --grid 50 --basis "$D/sin.ckpt" "$D/sin.dlt" -o "$O/out.svg"
    each_allocation_fails_cleanly dl-plot regions --grid 20 "$D/net.ckpt" "$D/cls.dlt" -o "$O/out.svg"
    # a row with a missing cell drawn is left out: its note comes with the figure only
    awk -F, -v OFS=, 'NR == 3 { $1 = "NA" } 1' "$D/cls.csv" >"$TMP/cls_na.csv"
    dl-tensor import -t 1 --missing NA "$TMP/cls_na.csv" -o "$TMP/cls_na.dlt"
    each_allocation_fails_cleanly dl-plot regions --grid 20 "$D/net.ckpt" "$TMP/cls_na.dlt" -o "$O/out.svg"
}

@test "faults: dl-plot roc, pr, confusion, parity, residuals" {
    command -v gnuplot > /dev/null || skip "no gnuplot"
    each_allocation_fails_cleanly dl-plot roc "$D/pred.dlt" "$D/pred.dlt" -o "$O/out.svg"
    each_allocation_fails_cleanly dl-plot pr --truth "$D/cls.dlt" "$D/pred.dlt" -o "$O/out.svg"
    each_allocation_fails_cleanly dl-plot confusion "$D/pred.dlt" -o "$O/out.svg"
    each_allocation_fails_cleanly dl-plot parity "$D/regpred.dlt" -o "$O/out.svg"
    each_allocation_fails_cleanly dl-plot residuals "$D/regpred.dlt" -o "$O/out.svg"
}

# --------------------------- not allocations ----------------------------
@test "faults: a full disk is an I/O error (status 3), not a crash" {
    [ -w /dev/full ] || skip "no /dev/full"
    run bash -c "dl-tensor import --targets 1 '$F/stream/small.csv' > /dev/full"
    [ "$status" -eq 3 ]
    [[ $output == "dl-tensor: "*"No space left on device"* ]]
    run bash -c "dl-tensor export '$F/stream/small.dlt' > /dev/full"
    [ "$status" -eq 3 ]
}

@test "faults: -o onto a device writes to it and leaves the device in place" {
    mkfifo "$TMP/fifo"
    timeout 20 cat "$TMP/fifo" > "$TMP/from-fifo" &   # never hangs the suite
    timeout 20 dl-tensor import --targets 1 "$F/stream/small.csv" -o "$TMP/fifo"
    wait
    [ -p "$TMP/fifo" ]
    run dl-tensor info "$TMP/from-fifo"
    [ "$status" -eq 0 ]
    dl-tensor import --targets 1 "$F/stream/small.csv" -o /dev/null
    [ -c /dev/null ]
    # text export and plots share the same output files
    rm -f "$TMP/fifo" && mkfifo "$TMP/fifo"
    timeout 20 cat "$TMP/fifo" > "$TMP/from-fifo" &
    timeout 20 dl-tensor export -o "$TMP/fifo" "$F/stream/small.dlt"
    wait
    [ -p "$TMP/fifo" ]
    dl-tensor export "$F/stream/small.dlt" | cmp - "$TMP/from-fifo"
    dl-tensor export -o /dev/null "$F/stream/small.dlt"
    [ -c /dev/null ]
}

@test "faults: -o into a missing directory is an I/O error naming it" {
    run dl-tensor import --targets 1 "$F/stream/small.csv" -o "$TMP/no/such/dir/out.dlt"
    [ "$status" -eq 3 ]
    [[ $output == *"no/such/dir/out.dlt"* ]]
}

# Every buffer of the network, in dl-predict and in dl-train: the message
# names it and its bytes (floats of 4 bytes).
@test "faults: the network's out-of-memory messages name the buffer and its bytes" {
    [ -z "${DL_SAN:-}" ] || skip "sanitizer builds own malloc"
    [ -f "$SHIM" ] || skip "failalloc.so not built"
    printf 'model:\n  layers:\n    - {units: 3, activation: tanh}\n    - {units: 1, activation: identity}\nloss: mse\ntraining:\n  epochs: 1\n' > "$TMP/net.yaml"
    dl-tensor import --targets 1 "$F/stream/small.csv" > "$TMP/d.dlt"
    dl-train "$TMP/net.yaml" -q -o "$TMP/c.ckpt" < "$TMP/d.dlt"
    local cmd seen=() tool
    for cmd in "dl-predict $TMP/c.ckpt $TMP/d.dlt" "dl-train -q $TMP/net.yaml $TMP/d.dlt -o $TMP/o.ckpt"; do
        tool=${cmd%% *}
        total=$(DL_FAIL_ALLOC_REPORT=1 LD_PRELOAD=$SHIM $cmd 2>&1 >/dev/null | sed -n 's/^allocations: //p' | tail -1)
        for ((n = 1; n <= total; n++)); do
            msg=$(DL_FAIL_ALLOC=$n LD_PRELOAD=$SHIM $cmd 2>&1 >/dev/null) && continue
            [[ $msg == *"network"* ]] || continue
            # 2 inputs -> 3 -> 1: 6 + 3 + 3 + 1 parameters
            case $msg in
            "$tool: "*"cannot allocate 52 bytes for the network's 13 parameters" | \
            "$tool: "*"cannot allocate 52 bytes for the gradients of the network's 13 parameters" | \
            "$tool: "*"cannot allocate "*" bytes for the network's 2 layers" | \
            "$tool: "*"cannot allocate "*" bytes for the network's workspace for batches of "*" row"*)
                seen+=("${msg#*allocate * bytes for }") ;;
            *) echo "allocation $n of $cmd: $msg"; return 1 ;;
            esac
        done
    done
    printf '%s\n' "${seen[@]}" | sort -u > "$TMP/seen"
    # dl-predict's network predicts only (no gradients); dl-train's has all four
    [ "$(cat "$TMP/seen")" = "$(printf '%s\n' "the gradients of the network's 13 parameters" \
        "the network's 13 parameters" "the network's 2 layers" \
        "the network's workspace for batches of 1 row" \
        "the network's workspace for batches of 2 rows" | sort -u)" ] || { cat "$TMP/seen"; return 1; }
}

# Runs "$@" once per allocation it makes, failing that allocation, and
# checks the runs whose message matches PATTERN (the part under test) end
# with status 4 and say "out of memory"; at least one must match.
oom_where() {
    local pattern=$1
    shift
    [ -z "${DL_SAN:-}" ] || skip "sanitizer builds own malloc"
    [ -f "$SHIM" ] || skip "failalloc.so not built"
    total=$(DL_FAIL_ALLOC_REPORT=1 LD_PRELOAD=$SHIM "$@" 2>&1 >/dev/null | sed -n 's/^allocations: //p' | tail -1)
    seen=0
    for ((n = 1; n <= total; n++)); do
        DL_FAIL_ALLOC=$n LD_PRELOAD=$SHIM "$@" > /dev/null 2> "$TMP/stderr" && status=0 || status=$?
        grep -q -- "$pattern" "$TMP/stderr" || continue
        seen=$((seen + 1))
        [ "$status" -eq 4 ] && grep -q "out of memory\\|Cannot allocate memory" "$TMP/stderr" ||
            { echo "allocation $n: status $status: $(cat "$TMP/stderr")"; return 1; }
    done
    [ "$seen" -ge 1 ] || { echo "no failure matched '$pattern'"; return 1; }
}

@test "faults: a zlib record that cannot be allocated is out of memory (4), not bad data" {
    dl-tensor import --zlib --targets 1 "$F/stream/small.csv" > "$TMP/z.dlt"
    oom_where "record [0-9]* (" dl-tensor export "$TMP/z.dlt"
}

@test "faults: LAPACK's own allocation failure is out of memory (4), not a bug" {
    dl-tensor import --targets 1 "$F/stream/small.csv" > "$TMP/d.dlt"
    oom_where "svd\|LAPACK" dl-lstsq -q --method svd "$TMP/d.dlt" -o "$TMP/out"
}

@test "faults: libyaml's allocation failure is out of memory (4), not malformed YAML" {
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\ntraining:\n  epochs: 1\n' > "$TMP/net.yaml"
    dl-tensor import --targets 1 "$F/stream/small.csv" > "$TMP/d.dlt"
    oom_where "YAML\|net.yaml" dl-train "$TMP/net.yaml" -q -o "$TMP/out" "$TMP/d.dlt"
}
