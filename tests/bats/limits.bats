#!/usr/bin/env bats
# A few bytes of input must not ask for gigabytes or hours: many record
# names, checkpoints that declare huge networks, svmlight indices far beyond
# the data.  Every case either runs in bounded time and memory or is refused
# with one line and a documented status.

setup() {
    TMP=$BATS_TEST_TMPDIR
    GEN=$(dirname "$(command -v dl-tensor)")/../tests
}

# 100,000 one-byte records of distinct names (plus x and y of 100,000 rows)
# through the real tools.  That the lookup does linear work is proved without
# a clock in test_stream (names compared, counted); the timeouts here only
# turn a hang into a failure.  A sanitizer build maps memory for every small
# allocation, which makes each step take a minute or more: it runs the same
# test on 20,000 names.
@test "limits: 100,000 distinct record names go through info, shuffle and dl-train's loader" {
    local n=100000
    [ -z "${DL_SAN:-}" ] || n=20000
    "$GEN/many_records" "$n" > "$TMP/many.dlt"
    run timeout 900 dl-tensor info "$TMP/many.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"r$((n - 1))"*"u8"*"[1]"*"1 record,"* ]]
    [[ $output == *"x "*"f32"*"[$n, 1]"* ]]
    timeout 900 dl-tensor shuffle --seed 3 "$TMP/many.dlt" -o "$TMP/shuffled.dlt"
    run timeout 900 dl-tensor info "$TMP/shuffled.dlt"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^ *r[0-9]* *u8 *\[1\] *1 record' <<< "$output")" -eq "$n" ]
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\ntraining:\n  epochs: 1\n' > "$TMP/lin.yaml"
    timeout 900 dl-train "$TMP/lin.yaml" -q -o "$TMP/c.ckpt" < "$TMP/many.dlt"
    [ -s "$TMP/c.ckpt" ]
}

# wide18/wide20.ckpt (gen_limits.py): a few KB of zlib declaring 2^18 and
# 2^20 hidden units.  Working memory sized for 1,024 rows of that is 3 GB
# and 13 GB; sized by the rows predicted it is a few MB.  400 MB of address
# space is ample for the tools, BLAS included, and far below either.
@test "limits: a tiny checkpoint declaring a huge network predicts 2 rows in bounded memory" {
    L=$DL_TEST_ROOT/tests/fixtures/limits
    printf '0.5\n-3\n' | dl-tensor import - > "$TMP/two.dlt"
    # sanitizer builds reserve terabytes of address space: no limit there
    limit="ulimit -v 400000;"
    [ -z "${DL_SAN:-}" ] || limit=
    for c in wide18 wide20; do
        # (OpenBLAS waits forever for a buffer it cannot map: a hang fails here)
        run bash -c "$limit timeout 600 dl-predict '$L/$c.ckpt' '$TMP/two.dlt' -o '$TMP/p.dlt'"
        [ "$status" -eq 0 ] || { echo "$c: $output"; return 1; }
        # zero weights, output bias 0.5: yhat is 0.5 whatever x
        [ "$(dl-tensor export --name yhat "$TMP/p.dlt" | tr '\n' ' ')" = "0.5 0.5 " ]
    done
    command -v gnuplot > /dev/null || skip "gnuplot not installed"
    run bash -c "$limit dl-plot fit '$L/wide18.ckpt' '$TMP/two.dlt' -o '$TMP/fit.svg'"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [ -s "$TMP/fit.svg" ]
}

# Two hidden layers of 2^24 units (what dl-spec(5) allows) on 2 inputs:
# 2^48 + 5 x 2^24 + 1 weights and biases, over a petabyte, and a workspace
# of 1.2 GB for the 3 rows.  Data the network cannot fit is named as such
# before anything is allocated; a network that fits the data is refused at
# its first buffer, whose bytes the message gives.  1 GB of address space
# holds the tools and BLAS, not that workspace.
@test "limits: a spec of enormous layers: the data is checked first, then the buffer that cannot be had is named with its bytes" {
    printf '1,2,3\n4,5,6\n7,8,10\n' | dl-tensor import -t 1 - > "$TMP/d.dlt"
    local layers='    - {units: 16777216, activation: relu}\n    - {units: 16777216, activation: relu}\n'
    printf "model:\n  layers:\n$layers    - {units: 3, activation: identity}\nloss: mse\ntraining: {epochs: 1}\n" > "$TMP/three.yaml"
    printf "model:\n  layers:\n$layers    - {units: 1, activation: identity}\nloss: mse\ntraining: {epochs: 1}\n" > "$TMP/one.yaml"
    limit="ulimit -v 1000000;"
    [ -z "${DL_SAN:-}" ] || limit=
    run bash -c "$limit timeout 600 dl-train -q '$TMP/three.yaml' '$TMP/d.dlt' -o '$TMP/c.ckpt'"
    [ "$status" -eq 1 ] && [ "$output" = "dl-train: $TMP/d.dlt: record 'y': loss mse: targets have 1 column, the network has 3 outputs" ] ||
        { echo "status $status: $output"; return 1; }
    local params=$(( (1 << 48) + 5 * (1 << 24) + 1 ))
    run bash -c "$limit timeout 600 dl-train -q '$TMP/one.yaml' '$TMP/d.dlt' -o '$TMP/c.ckpt'"
    # (AddressSanitizer says so too when it returns no memory)
    local msg
    msg=$(grep -v '^==[0-9]*==WARNING: AddressSanitizer failed to allocate' <<< "$output")
    [ "$status" -eq 4 ] && [ "$msg" = "dl-train: cannot allocate $((4 * params)) bytes for the network's $params parameters" ] ||
        { echo "status $status: $output"; return 1; }
    [ ! -e "$TMP/c.ckpt" ]
}

@test "limits: a checkpoint whose model record disagrees with its tensors is refused, naming both" {
    L=$DL_TEST_ROOT/tests/fixtures/limits
    printf '0.5\n-3\n' | dl-tensor import - > "$TMP/two.dlt"
    run dl-predict "$L/liar.ckpt" "$TMP/two.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $L/liar.ckpt: checkpoint: 'layer1.weight' is f32 [1, 1], the model record says [1048576, 1]" ]
}

@test "limits: svmlight whose dense x would dwarf the text is refused unless --features gives the width" {
    printf '1 16777216:1\n' > "$TMP/bomb.svm"
    run dl-tensor import "$TMP/bomb.svm" -o "$TMP/out.dlt"
    [ "$status" -eq 4 ]
    [ "$output" = "dl-tensor: $TMP/bomb.svm: line 1: index 16777216 would make 1 rows of svmlight (13 bytes) a dense x of 128 MiB, over 1000 times the text; give --features 16777216 to accept that width" ]
    [ ! -e "$TMP/out.dlt" ]
    # 40 short lines naming index 2^24: 5 GiB dense from a few hundred bytes
    for i in $(seq 40); do printf '%d 16777216:1\n' $((i % 2)); done > "$TMP/bomb40.svm"
    run dl-tensor import "$TMP/bomb40.svm"
    [ "$status" -eq 4 ]
    [[ $output == *": line 1: index 16777216 would make 40 rows"*"dense x of 5120 MiB"* ]]
    # an explicit width is the user's choice, and an index beyond it an error
    printf '1 3:1\n0 1:2\n' > "$TMP/small.svm"
    [ "$(dl-tensor import --features 5 "$TMP/small.svm" | dl-tensor export - | tr '\n' ' ')" = "0,0,1,0,0,1 2,0,0,0,0,0 " ]
    run dl-tensor import --features 2 "$TMP/small.svm"
    [ "$status" -eq 1 ]
    [[ $output == *"line 1: '3:1' has an index above --features" ]]
    run dl-tensor import --features 2 "$DL_TEST_ROOT/tests/fixtures/stream/small.csv"
    [ "$status" -eq 2 ]
    # wide but within 64 MiB is imported as before
    printf '1 100000:1\n' > "$TMP/wide.svm"
    run dl-tensor import "$TMP/wide.svm" -o "$TMP/wide.dlt"
    [ "$status" -eq 0 ]
}

# A .npy header of SHAPE (f8, C order) on standard output, as numpy pads it.
npy_header() {
    local dict="{'descr': '<f8', 'fortran_order': False, 'shape': $1, }"
    local hlen=$(( (10 + ${#dict} + 1 + 63) / 64 * 64 - 10 ))
    printf '\x93NUMPY\x01\x00'
    printf "\\x$(printf %02x $((hlen & 255)))\\x$(printf %02x $((hlen >> 8)))"
    printf '%s%*s\n' "$dict" $((hlen - ${#dict} - 1)) ''
}

# A header is all it takes to claim rows of 14 GB: a file whose header
# claims no rows, or more bytes than follow it, is refused as such before
# any memory is reserved for a row.
@test "limits: a .npy header claiming wide rows the file does not hold reserves nothing for them" {
    [ -z "${DL_SAN:-}" ] || skip "sanitizers reserve terabytes of address space: no ulimit -v"
    npy_header '(0, 1805972505)' > "$TMP/none.npy"
    { npy_header '(3, 1805972505)'; head -c 4096 /dev/zero; } > "$TMP/short.npy"
    run bash -c "ulimit -v 400000; dl-tensor import '$TMP/none.npy'"
    [ "$status" -eq 1 ] && [ "$output" = "dl-tensor: $TMP/none.npy: no data rows" ] ||
        { echo "status $status: $output"; return 1; }
    run bash -c "ulimit -v 400000; dl-tensor import '$TMP/short.npy'"
    [ "$status" -eq 1 ] && [[ $output == *"short.npy: truncated .npy data: the header promises 43343340120 bytes" ]] ||
        { echo "status $status: $output"; return 1; }
    # the same header of a small array is a .npy like any other
    { npy_header '(2, 3)'; head -c 48 /dev/zero; } > "$TMP/small.npy"
    run dl-tensor import "$TMP/small.npy" -o "$TMP/small.dlt"
    [ "$status" -eq 0 ]
}

# One row of svmlight naming index 5,344,851 is a dense x of 21 MB, which the
# width rule allows; --chunk-rows 64 must not reserve 64 such rows (1.4 GB)
# for the one row there is.
@test "limits: svmlight with --chunk-rows reserves only the rows the file has" {
    [ -z "${DL_SAN:-}" ] || skip "sanitizers reserve terabytes of address space: no ulimit -v"
    run bash -c "ulimit -v 400000; printf '1 5344851:31' |
        dl-tensor import --format svmlight --chunk-rows 64 -t 1 --dtype f32 -o '$TMP/wide.dlt'"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    run dl-tensor info "$TMP/wide.dlt"
    [[ $output == *"x "*"f32"*"[1, 5344851]"* ]]
}

# --format text takes up to 64 MiB: exactly that much is one record, a byte
# more is refused (status 4), from a pipe as from a file.
@test "limits: import --format text takes exactly 64 MiB and refuses a byte more" {
    head -c 67108864 /dev/zero | tr '\0' a > "$TMP/t.txt"
    run dl-tensor info < <(dl-tensor import --format text --name m "$TMP/t.txt")
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [[ $output == *" m "*"u8"*"[67108864]"* ]]
    run dl-tensor info < <(cat "$TMP/t.txt" | dl-tensor import --format text --name m)
    [[ $output == *" m "*"u8"*"[67108864]"* ]]
    printf a >> "$TMP/t.txt"
    run dl-tensor import --format text --name m "$TMP/t.txt" -o "$TMP/t.dlt"
    [ "$status" -eq 4 ]
    [[ $output == *"t.txt: text beyond 64 MiB" ]]
    [ ! -e "$TMP/t.dlt" ]
}

# QR keeps two triangles of (P + K)^2 and two chunks of rows: for 10,000
# columns more than this machine's limit holds, which the message says in
# GiB (at least the triangles: awk's figure), naming the input, not as the
# allocation that failed.  Every method starts from that QR.
@test "limits: a QR too wide for memory names the input and says what it takes" {
    [ -z "${DL_SAN:-}" ] || skip "sanitizers reserve terabytes of address space: no ulimit -v"
    awk 'BEGIN { srand(1); for (i = 0; i < 20; i++) { for (j = 0; j < 10000; j++) printf "%s,", rand(); print rand() } }' |
        dl-tensor import --no-header -t 1 > "$TMP/w.dlt"
    local m gib least
    least=$(awk 'BEGIN { print 2 * 10001 * 10001 * 8 / 2^30 }')
    for m in "" "--method normal" "--ridge 1"; do
        run bash -c "ulimit -v 1500000; OPENBLAS_NUM_THREADS=1 dl-lstsq -q $m '$TMP/w.dlt' -o '$TMP/w.ckpt'"
        [ "$status" -eq 4 ]
        [[ $output == "dl-lstsq: $TMP/w.dlt: out of memory: the QR of 10001 columns (x and y), which every method starts from, takes about "*" GiB (its triangles and the chunks of rows it folds): fewer columns, or raise the memory limit (ulimit -v 1500000 KiB)" ]] ||
            { echo "$m: $output"; return 1; }
        gib=${output#*takes about }
        gib=${gib%% GiB*}
        awk -v g="$gib" -v l="$least" 'BEGIN { exit !(g >= l) }'
        [ ! -e "$TMP/w.ckpt" ]
    done
}

# A QR of 3 columns takes about 1 MiB (two chunks of 21,845 rows): where
# even that cannot be had, the process is at its memory limit, or the
# system has no memory left, which the message says instead of advising
# fewer columns.  The shim fails each allocation in turn; those of the QR
# are the runs whose message names it.
@test "limits: out of memory for a QR of few columns names the memory limit, or the system's memory, not the columns" {
    [ -z "${DL_SAN:-}" ] || skip "sanitizers reserve terabytes of address space: no ulimit -v"
    [ -f "$GEN/failalloc.so" ] || skip "failalloc.so not built"
    printf '1,2,3\n4,5,6\n7,8,10\n' | dl-tensor import --no-header -t 1 > "$TMP/s.dlt"
    local limit n total found
    for limit in "ulimit -v 4000000;" ""; do
        run bash -c "$limit OPENBLAS_NUM_THREADS=1 DL_FAIL_ALLOC=0 DL_FAIL_ALLOC_REPORT=1 LD_PRELOAD='$GEN/failalloc.so' dl-lstsq -q '$TMP/s.dlt' -o '$TMP/s.ckpt'"
        [ "$status" -eq 0 ]
        total=$(printf '%s\n' "$output" | sed -n 's/^allocations: //p' | tail -n 1)
        found=0
        for n in $(seq 1 "$total"); do
            run bash -c "$limit OPENBLAS_NUM_THREADS=1 DL_FAIL_ALLOC=$n LD_PRELOAD='$GEN/failalloc.so' dl-lstsq -q '$TMP/s.dlt' -o '$TMP/s.ckpt'"
            [[ $output == *"the QR of"* ]] || continue
            found=$((found + 1))
            [ "$status" -eq 4 ]
            if [ -n "$limit" ]; then
                [ "$output" = "dl-lstsq: $TMP/s.dlt: out of memory: the process is at its memory limit (ulimit -v 4000000 KiB), which leaves no room for the 1 MiB of the QR of 3 columns (x and y), which every method starts from (its triangles and the chunks of rows it folds): raise the limit" ]
            else
                [ "$output" = "dl-lstsq: $TMP/s.dlt: out of memory: the system has no room left for the 1 MiB of the QR of 3 columns (x and y), which every method starts from (its triangles and the chunks of rows it folds)" ]
            fi
        done
        [ "$found" -gt 0 ]
    done
}

# The median's histograms grow with the columns, whatever the rows
# (dl-design(1): two tables of 65536 counts per column): 2,000 columns of
# 20 rows are more than the limit holds, said in all, not as one table.
@test "limits: --impute median beyond memory says what its histograms take for all the columns" {
    [ -z "${DL_SAN:-}" ] || skip "sanitizers reserve terabytes of address space: no ulimit -v"
    awk 'BEGIN { srand(1); for (i = 0; i < 20; i++) { for (j = 1; j < 2000; j++) printf "%s,", rand(); print rand() } }' |
        dl-tensor import --no-header > "$TMP/m.dlt"
    run bash -c "ulimit -v 1000000; dl-design -q --impute median '$TMP/m.dlt' -o '$TMP/d.dlt'"
    [ "$status" -eq 4 ]
    local gib
    gib=$(awk 'BEGIN { printf "%.3g", 2000 * 2 * 65536 * 8 / 2^30 }')
    [ "$output" = "dl-design: $TMP/m.dlt: design: out of memory: --impute median keeps two histograms of 65536 counts a column (1 MiB), $gib GiB for 2000 columns; --impute mean keeps none" ] ||
        { echo "$output"; return 1; }
    [ ! -e "$TMP/d.dlt" ]
}

# A chunk's predictions are held until its checksum is checked: 65,536 rows
# of 2,000 outputs (1 GB) are more than the limit holds, and the message
# says how to make the chunks smaller.
@test "limits: dl-predict out of memory for a chunk's predictions says to import x in smaller chunks" {
    [ -z "${DL_SAN:-}" ] || skip "sanitizers reserve terabytes of address space: no ulimit -v"
    awk 'BEGIN { srand(1); for (i = 0; i < 3; i++) { printf "%s", rand(); for (j = 0; j < 2000; j++) printf ",%s", rand(); print "" } }' |
        dl-tensor import --no-header -t 2000 | dl-lstsq -q -o "$TMP/k.ckpt"
    awk 'BEGIN { srand(2); for (i = 0; i < 65536; i++) print rand() }' |
        dl-tensor import --no-header -o "$TMP/x.dlt"
    run bash -c "ulimit -v 900000; OPENBLAS_NUM_THREADS=1 dl-predict '$TMP/k.ckpt' '$TMP/x.dlt' -o '$TMP/p.dlt'"
    [ "$status" -eq 4 ]
    [[ $output == "dl-predict: $TMP/x.dlt: record 1 ('x'): the predictions of a chunk are held until its checksum is checked (import x in chunks of fewer rows: dl-tensor import --chunk-rows N): 'yhat': cannot grow to "*" bytes" ]] ||
        { echo "$output"; return 1; }
    [ ! -e "$TMP/p.dlt" ]
    # in chunks of 1,024 rows it fits
    dl-tensor export "$TMP/x.dlt" | dl-tensor import --chunk-rows 1024 -o "$TMP/x1k.dlt"
    run bash -c "ulimit -v 900000; OPENBLAS_NUM_THREADS=1 dl-predict '$TMP/k.ckpt' '$TMP/x1k.dlt' -o '$TMP/p.dlt'"
    [ "$status" -eq 0 ]
}

# --labels keeps a label a row, not the scores of every class: 2,000
# classes over 65,536 rows in one chunk (0.5 GB of scores) within a limit
# that holds their labels only, with the labels of the run without a limit.
@test "limits: dl-predict --labels holds a chunk's labels, not its scores of every class" {
    [ -z "${DL_SAN:-}" ] || skip "sanitizers reserve terabytes of address space: no ulimit -v"
    awk 'BEGIN { srand(3); print "x,label"; for (i = 0; i < 2000; i++) printf "%s,%d\n", rand(), i }' |
        dl-tensor import --targets 1 -o "$TMP/c.dlt"
    printf 'model:\n  layers:\n    - {units: 2000, activation: softmax}\nloss: ce\ntraining: {epochs: 1}\n' > "$TMP/c.yaml"
    dl-train -q "$TMP/c.yaml" "$TMP/c.dlt" -o "$TMP/c.ckpt"
    awk 'BEGIN { srand(2); for (i = 0; i < 65536; i++) print rand() }' |
        dl-tensor import --no-header -o "$TMP/x.dlt"
    dl-predict --labels "$TMP/c.ckpt" "$TMP/x.dlt" -o "$TMP/free.dlt"
    run bash -c "ulimit -v 600000; OPENBLAS_NUM_THREADS=1 dl-predict --labels '$TMP/c.ckpt' '$TMP/x.dlt' -o '$TMP/p.dlt'"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    cmp "$TMP/p.dlt" "$TMP/free.dlt"
}

# A posterior of 1500 weights predicts a row through a workspace of one row
# of 1500, not of the 16384 rows of a full block (196 MB), which the limit
# that --no-std runs under does not hold.
@test "limits: dl-predict of a wide posterior reserves its workspace for the rows there are" {
    [ -z "${DL_SAN:-}" ] || skip "sanitizers reserve terabytes of address space: no ulimit -v"
    awk 'BEGIN { srand(1); for (i = 0; i < 50; i++) { for (j = 0; j < 1500; j++) printf "%s,", rand(); print rand() } }' |
        dl-tensor import --no-header -t 1 | dl-lstsq -q --ridge 1 --posterior --noise-var 1 > "$TMP/wide.ckpt"
    awk 'BEGIN { srand(2); for (j = 0; j < 1500; j++) printf "%s%s", j ? "," : "", rand(); print "" }' |
        dl-tensor import --no-header > "$TMP/row.dlt"
    for std in --no-std ""; do
        run bash -c "ulimit -v 300000; OPENBLAS_NUM_THREADS=1 dl-predict $std '$TMP/wide.ckpt' '$TMP/row.dlt' > '$TMP/p.dlt'"
        [ "$status" -eq 0 ] || { echo "$std: status $status: $output"; return 1; }
    done
    run dl-tensor info "$TMP/p.dlt"
    [[ $output == *"ystd"*"[1, 1]"* ]]
}
