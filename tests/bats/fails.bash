# Failure checks shared by the BATS files that `load fails`.

# fails STATUS MESSAGE COMMAND...: COMMAND exits with STATUS and its output
# contains MESSAGE.
fails() {
    local want=$1 message=$2
    shift 2
    run "$@"
    [ "$status" -eq "$want" ] || { echo "status $status, wanted $want: $output"; return 1; }
    [[ $output == *"$message"* ]] || { echo "got: $output"; return 1; }
}

# fails_silently STATUS MESSAGE COMMAND...: like fails, with MESSAGE on
# standard error, and nothing at all written on standard output (no rows
# before the error).
fails_silently() {
    local want=$1 message=$2 got=0
    shift 2
    "$@" > "$BATS_TEST_TMPDIR/fails.out" 2> "$BATS_TEST_TMPDIR/fails.err" || got=$?
    [ "$got" -eq "$want" ] || { echo "status $got, wanted $want: $(cat "$BATS_TEST_TMPDIR/fails.err")"; return 1; }
    grep -qF -- "$message" "$BATS_TEST_TMPDIR/fails.err" || { echo "got: $(cat "$BATS_TEST_TMPDIR/fails.err")"; return 1; }
    [ ! -s "$BATS_TEST_TMPDIR/fails.out" ] || { echo "standard output before the error:"; head -n 5 "$BATS_TEST_TMPDIR/fails.out"; return 1; }
}
