#!/usr/bin/env bash
# dl-eval against sklearn.metrics in the same run, whole process from the
# same .npy files:
#   (a) binary, 1,000,000 rows: accuracy, precision, recall, f1, log loss,
#       ROC AUC, confusion matrix
#   (b) multiclass, 300,000 rows x 10 class probabilities: accuracy,
#       precision/recall/f1 macro, micro, weighted and per class, log loss,
#       confusion matrix
#   dl:      dl-tensor import y.npy; dl-tensor import yhat.npy | dl-eval -f tsv
#   sklearn: bench/eval_sklearn.py (np.load, then the sklearn.metrics calls)
# Medians of RUNS runs; the ratio is sklearn time / dl time (above 1: dl is
# faster).  The metrics of both are compared afterwards (largest difference).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${BUILD:-build}; RUNS=${RUNS:-5}; PY=/usr/bin/python3
tools_on_path
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-eval.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

run_case() { # name task rows
    local name=$1 task=$2 rows=$3 pre=$tmp/$1
    $PY bench/eval_sklearn.py data "$task" "$rows" "$pre"
    echo "($name) $task, $rows rows, median of $RUNS runs"
    local ours="{ dl-tensor import --name y $pre.y.npy; dl-tensor import --name yhat $pre.yhat.npy; } | dl-eval -f tsv"
    local theirs="$PY bench/eval_sklearn.py metrics $task $pre"
    local t_dl t_sk
    t_dl=$(median_seconds "$RUNS" "$ours")
    t_sk=$(median_seconds "$RUNS" "$theirs")
    printf '  dl %7.3f s   sklearn %7.3f s   speed-up %sx\n' "$t_dl" "$t_sk" "$(ratio "$t_sk" "$t_dl")"
    bash -c "$ours" > "$pre.dl.tsv"
    $PY bench/eval_sklearn.py metrics "$task" "$pre" > "$pre.sk.tsv"
    awk -F '\t' 'NR == FNR { want[$1] = $2; next }
        FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { for (k in want) { d = $(col[k]) - want[k]; d = d < 0 ? -d : d; if (d > m) m = d } }
        END { printf "  metrics: largest |dl - sklearn| = %.3g over %d values\n", m, length(want) }' \
        "$pre.sk.tsv" "$pre.dl.tsv"
}

run_case a binary 1000000
run_case b multiclass 300000
rm -rf "$tmp"
