# Shared by examples.bats and slurm.bats: the sweep of examples/sweep, whose
# files are under $T/sweep, run by $EX/sweep/slurm.sh.

# The rows of a TSV (header excluded).
rows() { tail -n +2 "$1" | wc -l; }

# resumed_as_whole END: the sweep's run "cut", interrupted and resumed up to
# epoch END, ends as the uninterrupted run "whole" of END epochs does: the
# same checkpoint bits, and one learning curve across the two parts.
resumed_as_whole() {
    local end=$1 runs=$T/sweep/runs
    [ "$(rows "$runs/cut.log.tsv")" -eq "$end" ] || { echo "cut.log.tsv: not $end epochs"; return 1; }
    run "$EX/sweep/slurm.sh" whole -s training.epochs="$end" -s training.early_stopping.patience=0
    [ "$status" -eq 0 ] || { echo "whole: status $status: $output"; return 1; }
    cmp "$runs/cut.ckpt" "$runs/whole.ckpt" || return 1
    diff <(cut -f 1-3 "$runs/cut.log.tsv") <(cut -f 1-3 "$runs/whole.log.tsv") || return 1
}

# hold_fifo_writer FIFO: opens FIFO to write in the background, which waits
# until a reader opens it, and holds it open (WRITER: that process; kill it
# to close).  Fails after 60 s without a reader (the reader's program died
# first) instead of waiting forever, as an open in the test's shell would.
hold_fifo_writer() {
    rm -f "$1.opened"
    (exec 5> "$1" && touch "$1.opened" && exec sleep 600) &
    WRITER=$!
    local i
    for ((i = 0; i < 600; i++)); do
        [ -e "$1.opened" ] && return 0
        sleep 0.1
    done
    kill "$WRITER" 2>/dev/null
    echo "no reader opened $1 within 60 s" >&2
    return 1
}
