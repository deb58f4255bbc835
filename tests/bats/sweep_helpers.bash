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
