#!/usr/bin/env bats
# Hostile inputs (tests/hostile/cases, files made by
# tests/hostile/gen_hostile.py) through the real tools: truncated and
# bit-flipped streams, absurd shapes and declared sizes, the wrong records
# for each tool, NaN and Inf, bad YAML, control characters, binary garbage
# as a table, empty inputs.  Each must end with exactly one line on stderr,
# naming the tool, and the documented status the case names; never a crash,
# a sanitizer report (make test-asan runs this under ASan and UBSan) or a
# hang.

@test "hostile: every hostile input ends in one line and its documented status" {
    H=$DL_TEST_ROOT/tests/hostile/inputs
    export H
    cd "$BATS_TEST_TMPDIR"
    local failed=0 count=0 want cmd status err tool
    while read -r want cmd; do
        case $want in '' | '#'*) continue ;; esac
        count=$((count + 1))
        rm -rf scratch && mkdir scratch
        # the limit only catches a hang; it is no timing assertion
        (cd scratch && timeout 300 bash -c "$cmd" < /dev/null > stdout 2> stderr) &&
            status=0 || status=$?
        tool=${cmd%% *}
        # a usage error ends with the hint to --help, as every usage error does
        [ "$status" -ne 2 ] || sed -i "\\|^Try '$tool --help' for more information\\.\$|d" scratch/stderr
        err=$(cat scratch/stderr)
        if [[ "|$want|" != *"|$status|"* ]]; then
            echo "status $status, wanted $want: $cmd: $err"
            failed=$((failed + 1))
        elif [ "$(wc -l < scratch/stderr)" -ne 1 ] || [[ $err != "$tool: "* ]]; then
            echo "not one line naming $tool: $cmd: $err"
            failed=$((failed + 1))
        fi
    done < "$DL_TEST_ROOT/tests/hostile/cases"
    [ "$count" -gt 100 ]
    [ "$failed" -eq 0 ]
}
