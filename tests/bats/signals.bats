#!/usr/bin/env bats
# Dying cleanly: SIGTERM, SIGINT, SIGHUP and SIGPIPE end every tool with
# status 6 and no temporary left behind; a second signal ends dl-train
# whatever it is doing; lost standard output is an error (status 3), and so
# is an input file that shrinks while it is read.
# Nothing here waits a fixed time: each test waits (with a bound) for a
# state it can see - a temporary file, a caught-signal mask, a blocked write.

setup() {
    TMP=$BATS_TEST_TMPDIR
    printf 'a,b,y\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n' > "$TMP/d.csv"
    dl-tensor import -t 1 "$TMP/d.csv" -o "$TMP/d.dlt"
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\noptimizer: {name: sgd, lr: 0.001}\ntraining: {epochs: 2, batch_size: 2, seed: 1}\n' > "$TMP/net.yaml"
    mkfifo "$TMP/in"
    exec 7<>"$TMP/in"   # a writer that never writes: readers of in wait forever
}

teardown() {
    exec 7>&-
    [ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null
    return 0
}

# until SECONDS COMMAND...: polls COMMAND every 0.1 s, for SECONDS at most: a
# bound for a hang only, far beyond what a loaded machine needs.
until_true() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    echo "not true after $limit s: $*" >&2
    return 1
}

has_temporary() { compgen -G "$TMP/.$1.??????" > /dev/null; }
term_caught() {  # the process has a handler for SIGTERM
    local mask
    mask=$(awk '/^SigCgt/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
    [ -n "$mask" ] && (( (0x$mask >> 14) & 1 ))
}
catches_term() {  # the tool itself has installed its handler for SIGTERM
    local exe
    # not the shell forked to run it: with an EXIT trap (bats sets one), a
    # shell catches SIGTERM too, until it execs the tool
    exe=$(readlink "/proc/$1/exe" 2>/dev/null) && [[ ${exe##*/} == dl-* ]] && term_caught "$1"
}
gone() { ! kill -0 "$1" 2>/dev/null; }
no_pending_term() {
    local mask
    mask=$(awk '/^ShdPnd/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 0
    (( ! ((0x$mask >> 14) & 1) ))
}
blocked_writing() { grep -q pipe_write "/proc/$1/wchan" 2>/dev/null; }
# waiting for input in one of its threads (a reader thread polls its input)
blocked_reading() { cat "/proc/$1"/task/*/wchan 2>/dev/null | grep -qE 'pipe_read|pipe_wait|poll_schedule'; }
has_bytes() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ]; }

# interrupt SIGNAL OUTPUT COMMAND...: runs COMMAND (its input waits on the
# FIFO) in the background, waits until it has created the temporary of
# OUTPUT (with ready=reading, until it waits for its input: dl-train makes
# its checkpoint's temporary only at the end), sends SIGNAL, and checks:
# status 6, one line, no OUTPUT, no temporary.
reading() { blocked_reading "$2"; }
interrupt() {
    local sig=$1 out=$2 status=0
    shift 2
    "$@" -o "$TMP/$out" < "$TMP/in" 2> "$TMP/err" &
    pid=$!
    until_true 300 "${ready:-has_temporary}" "$out" "$pid"
    kill -s "$sig" "$pid"
    until_true 300 gone "$pid"
    wait "$pid" || status=$?
    [ "$status" -eq 6 ] || { echo "$* after SIG$sig: status $status"; cat "$TMP/err"; return 1; }
    [ "$(cat "$TMP/err")" = "$(basename "$1"): interrupted by SIG$sig" ] || { cat "$TMP/err"; return 1; }
    [ ! -e "$TMP/$out" ]
    ! has_temporary "$out"
}

@test "signals: dl-train stops cleanly from its first instruction, while it still reads its data" {
    for sig in TERM HUP INT; do
        ready=reading interrupt "$sig" c.ckpt dl-train -q "$TMP/net.yaml"
    done
}

@test "signals: dl-train killed (SIGKILL) while it reads its data leaves no temporary: its checkpoint's is made at the end" {
    echo old > "$TMP/c.ckpt"
    dl-train -q "$TMP/net.yaml" -o "$TMP/c.ckpt" --log "$TMP/log.tsv" \
        --diagnostics "$TMP/diag.tsv" < "$TMP/in" &
    pid=$!
    until_true 300 blocked_reading "$pid"
    kill -KILL "$pid"
    until_true 300 gone "$pid"
    wait "$pid" || true
    [ "$(cat "$TMP/c.ckpt")" = old ]
    [ ! -e "$TMP/log.tsv" ]
    [ ! -e "$TMP/diag.tsv" ]
    for f in c.ckpt log.tsv diag.tsv; do
        if has_temporary "$f"; then
            echo "a temporary of $f is left"
            return 1
        fi
    done
}

@test "signals: dl-predict and dl-lstsq remove their temporaries on SIGTERM, SIGHUP, SIGPIPE" {
    dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/m.ckpt"
    for sig in TERM HUP PIPE; do
        interrupt "$sig" p.dlt dl-predict "$TMP/m.ckpt"
        interrupt "$sig" l.ckpt dl-lstsq
    done
}

# sigtemp SIGNAL COMMAND...: runs COMMAND with a shim that raises SIGNAL in
# the thread that has just created a file with mkstemp (tests/faults/sigtemp.c).
sigtemp() {
    local sig=$1 shim
    shift
    shim=$(dirname "$(command -v dl-tensor)")/../tests/sigtemp.so
    [ -f "$shim" ] || { echo "$shim: not built"; return 1; }
    run env DL_SIGTEMP="$sig" LD_PRELOAD="$shim" \
        ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" "$@"
}

@test "signals: a signal the moment a temporary file exists leaves no file behind" {
    printf 'c,y\nred,1\nblue,2\n' > "$TMP/s.csv"
    mkdir "$TMP/scratch"
    for sig in TERM HUP INT; do
        sigtemp "$sig" dl-tensor import -t 1 "$TMP/d.csv" -o "$TMP/x.dlt"
        [ "$status" -eq 6 ] && [ "$output" = "dl-tensor: interrupted by SIG$sig" ] ||
            { echo "import -o, SIG$sig: status $status: $output"; return 1; }
        [ ! -e "$TMP/x.dlt" ]
        ! has_temporary x.dlt || false
        sigtemp "$sig" dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/c.ckpt"
        [ "$status" -eq 6 ] || { echo "dl-train, SIG$sig: status $status: $output"; return 1; }
        [ ! -e "$TMP/c.ckpt" ]
        ! has_temporary c.ckpt || false
        # the spool of a table with strings, made in TMPDIR and unlinked at once
        TMPDIR=$TMP/scratch sigtemp "$sig" dl-tensor import -t 1 "$TMP/s.csv"
        [ "$status" -eq 6 ] || { echo "spool, SIG$sig: status $status: $output"; return 1; }
        [ -z "$(ls -A "$TMP/scratch")" ] || { ls -A "$TMP/scratch"; return 1; }
        # text held back until the export is known whole
        TMPDIR=$TMP/scratch sigtemp "$sig" dl-tensor export "$TMP/d.dlt"
        [ "$status" -eq 6 ] || { echo "export, SIG$sig: status $status: $output"; return 1; }
        [ -z "$(ls -A "$TMP/scratch")" ] || { ls -A "$TMP/scratch"; return 1; }
    done
}

# A command's outputs appear all or none (dl-stream(5) OUTPUT FILES), so a
# signal between the renames that move them into place waits for the last.
@test "signals: a signal as split's first output is moved into place leaves both outputs new" {
    echo old > "$TMP/one.dlt"
    echo old > "$TMP/two.dlt"
    for sig in TERM HUP INT; do
        run env DL_SIGRENAME="$sig" LD_PRELOAD="$(dirname "$(command -v dl-tensor)")/../tests/sigtemp.so" \
            ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
            dl-tensor split --fraction 0.5 "$TMP/d.dlt" "$TMP/one.dlt" "$TMP/two.dlt"
        [ "$status" -eq 6 ] && [ "$output" = "dl-tensor: interrupted by SIG$sig" ] ||
            { echo "SIG$sig: status $status: $output"; return 1; }
        for f in one two; do
            [ "$(dl-tensor info "$TMP/$f.dlt" | grep -c ' x$')" -eq 1 ] ||
                { echo "SIG$sig: $f.dlt is not the new output"; return 1; }
            [ -z "$(compgen -G "$TMP/.$f.dlt.*")" ] # no temporary, no backup
        done
        echo old > "$TMP/one.dlt"
        echo old > "$TMP/two.dlt"
    done
}

@test "signals: an input file that shrinks while it is read ends the import with one line and status 3" {
    # tests/faults/shrink.c truncates the file right after dl-tensor's first read of it
    shim=$(dirname "$(command -v dl-tensor)")/../tests/shrink.so
    [ -f "$shim" ] || { echo "$shim: not built"; return 1; }
    for out in "-o $TMP/x.dlt" "> $TMP/piped.dlt"; do
        awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%d.25,%d,-%d.5e-3\n", i, i % 7, i }' > "$TMP/big.csv"
        run bash -c "DL_SHRINK='$TMP/big.csv' DL_SHRINK_AT=read LD_PRELOAD='$shim' \
            ASAN_OPTIONS='${ASAN_OPTIONS:-}:verify_asan_link_order=0' \
            dl-tensor import -t 1 '$TMP/big.csv' $out"
        [ "$status" -eq 3 ] || { echo "$out: status $status: $output"; return 1; }
        [ "$output" = "dl-tensor: $TMP/big.csv: the file shrank while it was read" ]
        [ ! -e "$TMP/x.dlt" ]
        ! has_temporary x.dlt || false
    done
}

@test "an input file that shrinks while its rows are spliced into a pipe is status 3, as a CSV one" {
    # tests/faults/shrink.c truncates the .npy file at the tool's first pread
    shim=$(dirname "$(command -v dl-tensor)")/../tests/shrink.so
    [ -f "$shim" ] || { echo "$shim: not built"; return 1; }
    awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%d.25,%d\n", i, i % 7 }' > "$TMP/big.csv"
    dl-tensor import "$TMP/big.csv" | dl-tensor export --format npy -o "$TMP/big.npy"
    run bash -c "DL_SHRINK='$TMP/big.npy' LD_PRELOAD='$shim' \
        ASAN_OPTIONS='${ASAN_OPTIONS:-}:verify_asan_link_order=0' \
        dl-tensor import '$TMP/big.npy' | cat > '$TMP/piped.dlt'; echo \"\${PIPESTATUS[0]}\""
    [ "${lines[0]}" = "dl-tensor: $TMP/big.npy: the file shrank while it was read" ]
    [ "${lines[1]}" = 3 ]
}

@test "signals: the wait for a tool's handler is not fooled by the shell forked to run it" {
    # a shell with an EXIT trap catches SIGTERM, as the forked bats shell does
    # before it execs the tool
    bash -c 'trap : EXIT; read -r _' < "$TMP/in" &
    pid=$!
    until_true 300 term_caught "$pid"
    ! catches_term "$pid" || return 1
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
}

@test "signals: a tool waiting for input before writing ends with status 6 and one line" {
    local status=0
    dl-tensor import -t 1 -o "$TMP/x.dlt" < "$TMP/in" 2> "$TMP/err" &
    pid=$!
    until_true 300 catches_term "$pid"
    kill -TERM "$pid"
    until_true 300 gone "$pid"
    wait "$pid" || status=$?
    [ "$status" -eq 6 ]
    [ "$(cat "$TMP/err")" = "dl-tensor: interrupted by SIGTERM" ]
    [ ! -e "$TMP/x.dlt" ]
}

# A stream cut at a record boundary would look whole to the next program:
# the handler ends it with the abandoned mark (dl-stream(5)).
@test "signals: a tool ended after part of its stream went out ends the stream with the abandoned mark" {
    local status=0
    dl-lstsq -q "$TMP/d.dlt" -o "$TMP/m.ckpt"
    # 400,000 rows in records of 65,536: their predictions (512 KiB each)
    # fill the 1 MiB write buffer, so whole records go out before the input
    # ends; dl-predict then waits for more
    seq 1 800000 | paste -d, - - | dl-tensor import -o "$TMP/x.dlt"
    dl-predict "$TMP/m.ckpt" < "$TMP/in" > "$TMP/out.dlt" 2> "$TMP/err" &
    pid=$!
    cat "$TMP/x.dlt" >&7
    until_true 300 has_bytes "$TMP/out.dlt" 1048576
    until_true 300 blocked_reading "$pid"
    kill -TERM "$pid"
    until_true 300 gone "$pid"
    wait "$pid" || status=$?
    [ "$status" -eq 6 ]
    run dl-tensor info "$TMP/out.dlt"
    [ "$status" -eq 1 ]
    [[ "$output" == *"): the program writing this stream failed here"* ]]
}

# Records smaller than the write buffer: what has gone out while the tool
# waits for input still ends at a record's end, so the mark is read as one.
@test "signals: the abandoned mark follows whole records however small, on standard output and -o FIFO" {
    local status=0 to
    dl-lstsq -q "$TMP/d.dlt" -o "$TMP/m.ckpt"
    # 200,000 rows in records of 10,000 (their predictions 80,000 bytes each),
    # cut in record 19: dl-predict sends what it can (over 1 MiB in all,
    # more than its buffer holds) and waits for the rest
    seq 1 400000 | paste -d, - - | dl-tensor import --chunk-rows 10000 -o "$TMP/x.dlt"
    head -c 3000000 "$TMP/x.dlt" > "$TMP/cut.dlt"
    mkfifo "$TMP/out"
    for to in stdout fifo; do
        if [ "$to" = stdout ]; then
            dl-predict "$TMP/m.ckpt" < "$TMP/in" > "$TMP/got.dlt" 2> "$TMP/err" &
            pid=$!
        else
            cat "$TMP/out" > "$TMP/got.dlt" &
            dl-predict "$TMP/m.ckpt" -o "$TMP/out" < "$TMP/in" 2> "$TMP/err" &
            pid=$!
        fi
        cat "$TMP/cut.dlt" >&7
        until_true 300 has_bytes "$TMP/got.dlt" 262144
        until_true 300 blocked_reading "$pid"
        kill -TERM "$pid"
        until_true 300 gone "$pid"
        status=0
        wait "$pid" || status=$?
        wait # the FIFO's reader
        [ "$status" -eq 6 ]
        run dl-tensor info "$TMP/got.dlt"
        [ "$status" -eq 1 ]
        [[ "$output" == *"): the program writing this stream failed here"* ]] ||
            { echo "$to: $output"; return 1; }
        # what the FIFO held of the cut record is drained for the next run
        exec 7>&-
        exec 7<>"$TMP/in"
        dd if="$TMP/in" iflag=nonblock of=/dev/null 2> /dev/null || true
    done
}

# dl-train(1): the logs' temporaries can be followed, and a run killed
# while it trains leaves them holding the curve so far.
@test "signals: dl-train's --log and --diagnostics temporaries hold every epoch whose progress line is out" {
    # Progress goes to a pipe nobody reads: once it is full, dl-train waits
    # in the write of an epoch's progress, which comes after its log lines.
    mkfifo "$TMP/progress"
    exec 8<>"$TMP/progress"
    dl-train -s training.epochs=100000000 "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/c.ckpt" \
        --log "$TMP/log.tsv" --diagnostics "$TMP/diag.tsv" 2> "$TMP/progress" &
    pid=$!
    until_true 300 blocked_writing "$pid"
    kill -KILL "$pid"
    until_true 300 gone "$pid"
    wait "$pid" || true
    pid=
    local last log diag
    last=$(dd if="$TMP/progress" iflag=nonblock bs=1M count=1 2> /dev/null |
        grep -o 'epoch [0-9]*/' | tail -n 1 | tr -dc 0-9)
    exec 8>&-
    [ "$last" -gt 0 ]
    log=$(compgen -G "$TMP/.log.tsv.??????")
    diag=$(compgen -G "$TMP/.diag.tsv.??????")
    # the header, then a line per epoch up to the last (one layer: one a line
    # in --diagnostics too), each whole
    for f in "$log" "$diag"; do
        [ "$(awk -F'\t' -v last="$last" 'NR > 1 && $1 <= last' "$f" | wc -l)" -eq "$last" ] ||
            { echo "${f##*/}: $(wc -l < "$f") lines, progress up to epoch $last"; return 1; }
        [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ]
    done
    rm -f "$log" "$diag"
}

@test "signals: a second SIGTERM ends dl-train at once, even where it cannot stop at a batch's end" {
    local status=0
    # Progress goes to a pipe nobody reads: once it is full, dl-train is stuck
    # in a write inside the training loop, where the first signal only asks it
    # to stop at the end of the batch.
    mkfifo "$TMP/progress"
    exec 8<>"$TMP/progress"
    dl-train -s training.epochs=100000000 "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/c.ckpt" \
        2> "$TMP/progress" &
    pid=$!
    until_true 300 blocked_writing "$pid"
    kill -TERM "$pid"
    until_true 300 no_pending_term "$pid"
    gone "$pid" && { echo "the first signal ended it"; return 1; }
    kill -TERM "$pid"
    until_true 300 gone "$pid"
    wait "$pid" || status=$?
    exec 8>&-
    [ "$status" -eq 6 ]
    [ ! -e "$TMP/c.ckpt" ]
    ! has_temporary c.ckpt
}

@test "lost standard output is status 3 with a message, for every tool" {
    dl-tensor import -t 1 "$TMP/d.csv" -o "$TMP/many.dlt"
    run bash -c 'dl-tensor info "$1" > /dev/full' _ "$TMP/many.dlt"
    [ "$status" -eq 3 ]
    [[ $output == "dl-tensor: standard output: write failed: No space left on device" ]]
    run bash -c 'dl-tensor info "$1" >&-' _ "$TMP/many.dlt"
    [ "$status" -eq 3 ]
    [[ $output == "dl-tensor: standard output: write failed: Bad file descriptor" ]]
    for t in dl-tensor dl-design dl-lstsq dl-train dl-predict dl-eval dl-plot; do
        for opt in --help --version; do
            run bash -c '"$1" "$2" > /dev/full' _ "$t" "$opt"
            [ "$status" -eq 3 ] || { echo "$t $opt: status $status"; return 1; }
            [ "$output" = "$t: standard output: write failed: No space left on device" ]
        done
    done
    # a help text longer than the output's buffer, and a command's help, say why too
    for cmd in "dl-tensor --help" "dl-tensor info --help" "dl-tensor --help >&-"; do
        case $cmd in *'>&-') why="Bad file descriptor" ;; *) why="No space left on device"; cmd="$cmd > /dev/full" ;; esac
        run bash -c "$cmd"
        [ "$status" -eq 3 ]
        [ "$output" = "dl-tensor: standard output: write failed: $why" ] || { echo "$cmd: $output"; return 1; }
    done
    # a tool that reports the failed write itself says it once
    { dl-tensor import --name y "$TMP/d.csv"; dl-tensor import --name yhat "$TMP/d.csv"; } > "$TMP/e.dlt"
    for cmd in "dl-tensor export $TMP/many.dlt" "dl-eval $TMP/e.dlt"; do
        for to in "> /dev/full" ">&-"; do
            run bash -c "$cmd $to"
            [ "$status" -eq 3 ]
            [ "${#lines[@]}" -eq 1 ] || { echo "$cmd $to: $output"; return 1; }
        done
    done
    # and names it as every tool does
    for format in csv npy svmlight; do
        run bash -c 'dl-tensor export --format "$1" "$2" > /dev/full' _ "$format" "$TMP/many.dlt"
        [ "$status" -eq 3 ]
        [ "$output" = "dl-tensor: standard output: write failed: No space left on device" ] ||
            { echo "$format: $output"; return 1; }
    done
    # nothing written, nothing lost: a closed standard output is fine then
    dl-tensor import -t 1 "$TMP/d.csv" -o "$TMP/quiet.dlt" >&-
}

@test "signals: dl-plot --script into a reader that stops ends with SIGPIPE's status 6 and one line" {
    # 200,000 points: a script of megabytes, more than any pipe holds
    awk 'BEGIN { for (i = 0; i < 200000; i++) print i % 7 }' > "$TMP/y.csv"
    awk 'BEGIN { for (i = 0; i < 200000; i++) print i % 7 + 0.5 }' > "$TMP/yh.csv"
    { dl-tensor import --name y "$TMP/y.csv"; dl-tensor import --name yhat "$TMP/yh.csv"; } > "$TMP/p.dlt"
    run bash -c 'dl-plot parity "$1" -o "$2" --script 2> "$3" | head -c 10 > /dev/null; echo "${PIPESTATUS[0]}"' \
        _ "$TMP/p.dlt" "$TMP/x.png" "$TMP/err"
    [ "$output" = 6 ]
    [ "$(cat "$TMP/err")" = "dl-plot: interrupted by SIGPIPE" ]
}

@test "a memory limit too small for BLAS's buffers is status 4 with a message, not an endless spin" {
    [ -z "${DL_SAN:-}" ] || skip "the sanitizers reserve more address space than these limits"
    dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/m.ckpt"
    # Two BLAS threads need 2 x 128 MiB of buffers: limits of about 100 and
    # 200 MB once made OpenBLAS retry its mapping forever.
    export OPENBLAS_NUM_THREADS=2
    local v
    for v in 100000 200000; do
        for cmd in "dl-train -q $TMP/net.yaml $TMP/d.dlt -o $TMP/c.ckpt" \
                   "dl-predict $TMP/m.ckpt $TMP/d.dlt -o $TMP/p.dlt" \
                   "dl-lstsq $TMP/d.dlt -o $TMP/l.ckpt"; do
            run bash -c "ulimit -v $v && exec timeout -s KILL 60 $cmd"
            [ "$status" -eq 4 ] || { echo "ulimit -v $v: $cmd: status $status: $output"; return 1; }
            [[ $output == *"the memory limit (ulimit -v $v KiB) is too small for BLAS"* ]]
        done
    done
    [ ! -e "$TMP/c.ckpt" ]
    [ ! -e "$TMP/p.dlt" ]
    [ ! -e "$TMP/l.ckpt" ]
}

# dl-train -j 1 needs the room of one BLAS buffer, as OPENBLAS_NUM_THREADS=1
# does, although OpenBLAS started its worker for two threads at load: the
# limit is that of two buffers less 64 MiB (from the address space in use
# before any buffer, read from the message of a limit far too small).
@test "dl-train -j 1 needs BLAS's buffer of one thread under a memory limit, as OPENBLAS_NUM_THREADS=1 does" {
    [ -z "${DL_SAN:-}" ] || skip "the sanitizers reserve more address space than these limits"
    export OPENBLAS_NUM_THREADS=2
    local train="dl-train -q $TMP/net.yaml $TMP/d.dlt"
    run bash -c "ulimit -v 100000 && exec timeout -s KILL 60 $train -o $TMP/c.ckpt"
    [[ $output =~ ^dl-train:\ the\ memory\ limit\ .*:\ 2\ threads\ need\ ([0-9]+)\ MiB\ more\ than\ the\ ([0-9]+)\ MiB ]] ||
        { echo "status $status: $output"; return 1; }
    local v=$(((BASH_REMATCH[1] + BASH_REMATCH[2] - 64) * 1024))
    run bash -c "ulimit -v $v && exec timeout -s KILL 60 $train -o $TMP/c.ckpt"
    [ "$status" -eq 4 ]
    [[ $output == *"2 threads need"*"raise the limit or use fewer threads (-j 1 or OPENBLAS_NUM_THREADS=1)" ]]
    [ ! -e "$TMP/c.ckpt" ]
    run bash -c "ulimit -v $v && OPENBLAS_NUM_THREADS=1 exec timeout -s KILL 60 $train -o $TMP/one.ckpt"
    [ "$status" -eq 0 ]
    run bash -c "ulimit -v $v && exec timeout -s KILL 60 $train -j 1 -o $TMP/j1.ckpt"
    [ "$status" -eq 0 ]
    cmp "$TMP/one.ckpt" "$TMP/j1.ckpt"
    # no room for the buffer of the worker OpenBLAS started when loaded: -j 1
    # cannot help, OPENBLAS_NUM_THREADS=1 can
    run bash -c "ulimit -v 100000 && exec timeout -s KILL 60 $train -j 1 -o $TMP/c.ckpt"
    [ "$status" -eq 4 ]
    [[ $output =~ ^dl-train:\ the\ memory\ limit\ \(ulimit\ -v\ 100000\ KiB\)\ is\ too\ small\ for\ BLAS:\ the\ 1\ worker\ thread\ OpenBLAS\ started\ when\ loaded\ needs\ [0-9]+\ MiB\ more\ than\ the\ [0-9]+\ MiB\ in\ use,\ which\ one\ thread\ set\ later\ cannot\ give\ back\;\ raise\ the\ limit\ or\ have\ OpenBLAS\ start\ none\ \(OPENBLAS_NUM_THREADS=1\)$ ]]
    # one thread alone: no fewer to use
    run bash -c "ulimit -v 100000 && OPENBLAS_NUM_THREADS=1 exec timeout -s KILL 60 $train -o $TMP/c.ckpt"
    [ "$status" -eq 4 ]
    [[ $output =~ ^dl-train:\ the\ memory\ limit\ \(ulimit\ -v\ 100000\ KiB\)\ is\ too\ small\ for\ BLAS:\ 1\ thread\ needs\ [0-9]+\ MiB\ more\ than\ the\ [0-9]+\ MiB\ in\ use\;\ raise\ the\ limit$ ]]
    [ ! -e "$TMP/c.ckpt" ]
}

# A limit with room for BLAS's buffers at start but not for them and the
# network together: the calling thread's buffer, left to the network's
# first product, once found the room taken by the network's own buffers,
# and OpenBLAS retried its mapping forever.  The limits swept run from
# below what BLAS needs to above what the whole run needs, in steps of
# 8 MiB, from the address space in use before any buffer (read from the
# message of a limit far too small); every one ends, with a run or status 4,
# and a run that has trained saves its checkpoint.
@test "a memory limit with room for BLAS at start but not beside the network is status 4, never an endless wait, and a run that trained saves" {
    [ -z "${DL_SAN:-}" ] || skip "the sanitizers reserve more address space than these limits"
    awk 'BEGIN { for (i = 0; i < 500; i++) { for (j = 0; j < 20; j++) printf "%g,", (i * 7 + j * 3) % 11 - 5; print i % 13 } }' > "$TMP/w.csv"
    dl-tensor import -t 1 "$TMP/w.csv" -o "$TMP/w.dlt"
    # 4,046,001 parameters: 16 MB a copy, of which training keeps several
    printf 'model:\n  layers:\n    - {units: 2000, activation: relu}\n    - {units: 2000, activation: relu}\n    - {units: 1, activation: identity}\nloss: mse\noptimizer: {name: adam, lr: 0.001}\ntraining: {epochs: 1, batch_size: 250, seed: 1}\n' > "$TMP/wide.yaml"
    export OPENBLAS_NUM_THREADS=2
    local train="dl-train $TMP/wide.yaml $TMP/w.dlt -o $TMP/c.ckpt"
    run bash -c "ulimit -v 100000 && exec timeout -s KILL 120 $train"
    [[ $output =~ ([0-9]+)\ threads?\ need\ ([0-9]+)\ MiB\ more\ than\ the\ ([0-9]+)\ MiB ]] ||
        { echo "status $status: $output"; return 1; }
    local threads=${BASH_REMATCH[1]} need=${BASH_REMATCH[2]} used=${BASH_REMATCH[3]}
    # the buffers mapped already (a worker's, at its start) are not part of the base
    local base=$((used - (threads - (need - 8) / 128) * 128)) mib ok=0
    for ((mib = base + threads * 128 - 24; mib <= base + threads * 128 + 320; mib += 8)); do
        rm -f "$TMP/c.ckpt"
        run bash -c "ulimit -v $((mib * 1024)) && exec timeout -s KILL 120 $train"
        if [ "$status" -eq 0 ]; then
            ok=$((ok + 1))
            [ -s "$TMP/c.ckpt" ] || { echo "$mib MiB: status 0, no checkpoint"; return 1; }
            continue
        fi
        # a run that has trained (an epoch's line) must save: what saving
        # needs is allocated before the first epoch
        [[ $output != *"epoch 1/1"* ]] || { echo "$mib MiB: trained, then status $status: $output"; return 1; }
        [ "$status" -eq 4 ] && [ "${#lines[@]}" -eq 1 ] && [[ $output == "dl-train: "* ]] ||
            { echo "$mib MiB: status $status: $output"; return 1; }
        [ ! -e "$TMP/c.ckpt" ]
    done
    # the sweep reached limits where the run has all it needs
    [ "$ok" -ge 1 ]
}

# nohup starts a tool with SIGHUP
# ignored: the tool keeps it ignored, and runs to its end.
@test "signals: a SIGHUP ignored at start stays ignored (nohup)" {
    (trap '' HUP; exec 7>&-; exec dl-tensor import -t 1 -o "$TMP/out.dlt" < "$TMP/in") 2> "$TMP/err" &
    pid=$!
    until_true 300 has_temporary out.dlt
    until_true 300 catches_term "$pid"
    local ign
    ign=$(awk '/^SigIgn/ { print $2 }' "/proc/$pid/status")
    (( (0x$ign >> 0) & 1 ))   # SIGHUP (1) is still ignored
    kill -s HUP "$pid"
    cat "$TMP/d.csv" >&7
    exec 7>&-
    wait "$pid"
    pid=
    [ -s "$TMP/out.dlt" ]
    [ ! -s "$TMP/err" ]
}
