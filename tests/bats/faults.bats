#!/usr/bin/env bats
# Injected failures: every heap allocation of a run made to fail in turn
# (tests/faults/failalloc.c), and writes to a full disk.  Each must end in a
# clean one-line error and a documented exit status, never a crash, and
# never leave a partial output file.

setup() {
    F=$DL_TEST_ROOT/tests/fixtures/stream
    TMP=$BATS_TEST_TMPDIR
    SHIM=$(dirname "$(command -v dl-tensor)")/../tests/failalloc.so
}

# Runs "$@" once per allocation it makes, failing that allocation.
each_allocation_fails_cleanly() {
    [ -z "${DL_SAN:-}" ] || skip "sanitizer builds own malloc"
    [ -f "$SHIM" ] || skip "failalloc.so not built"
    total=$(DL_FAIL_ALLOC_REPORT=1 LD_PRELOAD=$SHIM "$@" 2>&1 >/dev/null | sed -n 's/^allocations: //p' | tail -1)
    [ -n "$total" ] && [ "$total" -gt 0 ]
    for ((n = 1; n <= total; n++)); do
        rm -f "$TMP/out"
        DL_FAIL_ALLOC=$n LD_PRELOAD=$SHIM "$@" > "$TMP/stdout" 2> "$TMP/stderr" && status=0 || status=$?
        if [ "$status" -ne 0 ]; then
            [ "$status" -eq 4 ] || { echo "allocation $n: status $status: $(cat "$TMP/stderr")"; return 1; }
            # the error is the last line, printed once (progress lines may precede it)
            tail -n 1 "$TMP/stderr" | grep -q '^dl-[a-z]*: ' || { echo "allocation $n: $(cat "$TMP/stderr")"; return 1; }
            [ "$(grep -c 'out of memory\|cannot allocate' "$TMP/stderr")" -le 1 ] || { echo "allocation $n: $(cat "$TMP/stderr")"; return 1; }
            [ ! -e "$TMP/out" ] || { echo "allocation $n: left $TMP/out behind"; return 1; }
        fi
    done
}

@test "faults: dl-tensor import survives every failed allocation" {
    each_allocation_fails_cleanly dl-tensor import --targets 1 -o "$TMP/out" "$F/small.csv"
}

@test "faults: dl-tensor info survives every failed allocation" {
    each_allocation_fails_cleanly dl-tensor info "$F/small.dlt"
}

@test "faults: dl-tensor export and split survive every failed allocation" {
    each_allocation_fails_cleanly dl-tensor export "$F/small.dlt"
    each_allocation_fails_cleanly dl-tensor split --fraction 0.5 --seed 1 "$F/small.dlt" "$TMP/out" "$TMP/out2"
}

@test "faults: dl-eval survives every failed allocation" {
    dl-tensor import --name yhat "$F/small.csv" > "$TMP/yhat.dlt"
    dl-tensor import --name y "$F/small.csv" | cat - "$TMP/yhat.dlt" > "$TMP/eval.dlt"
    each_allocation_fails_cleanly dl-eval "$TMP/eval.dlt"
}

@test "faults: a full disk is an I/O error (status 3), not a crash" {
    [ -w /dev/full ] || skip "no /dev/full"
    run bash -c "dl-tensor import --targets 1 '$F/small.csv' > /dev/full"
    [ "$status" -eq 3 ]
    [[ $output == "dl-tensor: "*"No space left on device"* ]]
    run bash -c "dl-tensor export '$F/small.dlt' > /dev/full"
    [ "$status" -eq 3 ]
}

@test "faults: -o onto a device writes to it and leaves the device in place" {
    mkfifo "$TMP/fifo"
    timeout 20 cat "$TMP/fifo" > "$TMP/from-fifo" &   # never hangs the suite
    timeout 20 dl-tensor import --targets 1 "$F/small.csv" -o "$TMP/fifo"
    wait
    [ -p "$TMP/fifo" ]
    run dl-tensor info "$TMP/from-fifo"
    [ "$status" -eq 0 ]
    dl-tensor import --targets 1 "$F/small.csv" -o /dev/null
    [ -c /dev/null ]
    # text export and plots share the same output files
    rm -f "$TMP/fifo" && mkfifo "$TMP/fifo"
    timeout 20 cat "$TMP/fifo" > "$TMP/from-fifo" &
    timeout 20 dl-tensor export -o "$TMP/fifo" "$F/small.dlt"
    wait
    [ -p "$TMP/fifo" ]
    dl-tensor export "$F/small.dlt" | cmp - "$TMP/from-fifo"
    dl-tensor export -o /dev/null "$F/small.dlt"
    [ -c /dev/null ]
}

@test "faults: dl-design survives every failed allocation" {
    each_allocation_fails_cleanly dl-design --poly 2 -o "$TMP/out" "$F/small.dlt"
}

@test "faults: -o into a missing directory is an I/O error naming it" {
    run dl-tensor import --targets 1 "$F/small.csv" -o "$TMP/no/such/dir/out.dlt"
    [ "$status" -eq 3 ]
    [[ $output == *"no/such/dir/out.dlt"* ]]
}
