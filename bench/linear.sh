#!/usr/bin/env bash
# Linear least squares end to end, dl against numpy in the same run:
#   (a) 1,000,000 rows, 1 input, polynomial of degree 15 (16 columns)
#   (b) 200,000 rows, 8 inputs, total degree 3 (165 columns)
# Whole-process wall time from the same .npy (and CSV) file:
#   dl:    dl-tensor import -t 1 DATA | dl-design --poly D | dl-lstsq   (svd, the default)
#   numpy: bench/linear_numpy.py (load, build the design, numpy.linalg.lstsq, save w)
# Medians of RUNS runs of wall time, and of CPU time (user + system of every
# process of each side, which a loaded machine disturbs less); the ratios are
# numpy time / dl time (above 1: dl is faster).
# The fitted values of both are compared afterwards (max |a - b| / max |b|).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${BUILD:-build}; RUNS=${RUNS:-5}; PY=/usr/bin/python3
tools_on_path
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-linear.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

run_case() { # name rows inputs degree
    local name=$1 rows=$2 inputs=$3 degree=$4
    $PY bench/linear_data.py "$rows" "$inputs" "$tmp/$name"
    echo "($name) $rows rows, $inputs input(s), total degree $degree, median of $RUNS runs"
    for fmt in npy csv; do
        local data=$tmp/$name.$fmt
        cat "$data" > /dev/null # warm the page cache
        local ours="dl-tensor import -t 1 $data | dl-design -q --poly $degree | dl-lstsq -q -o $tmp/$name.ckpt"
        local theirs="$PY bench/linear_numpy.py $data $degree $tmp/$name.w.npy"
        local t_dl t_np c_dl c_np
        t_dl=$(median_seconds "$RUNS" "$ours")
        t_np=$(median_seconds "$RUNS" "$theirs")
        c_dl=$(median_cpu_seconds "$RUNS" "$ours")
        c_np=$(median_cpu_seconds "$RUNS" "$theirs")
        printf '  %s  dl %7.3f s   numpy %7.3f s   speed-up %sx   CPU: dl %7.3f s   numpy %7.3f s   %sx\n' \
            "$fmt" "$t_dl" "$t_np" "$(ratio "$t_np" "$t_dl")" "$c_dl" "$c_np" "$(ratio "$c_np" "$c_dl")"
    done
    $PY bench/linear_numpy.py "$tmp/$name.npy" "$degree" "$tmp/$name.w.npy" "$tmp/$name.np_yhat.npy"
    dl-tensor import -t 1 "$tmp/$name.npy" | dl-predict "$tmp/$name.ckpt" |
        dl-tensor export --name yhat --format npy > "$tmp/$name.dl_yhat.npy"
    echo "  fitted values: max |dl - numpy| / max |numpy| = $($PY bench/linear_check.py "$tmp/$name.dl_yhat.npy" "$tmp/$name.np_yhat.npy")"
}

run_case a 1000000 1 15
run_case b 200000 8 3
rm -rf "$tmp"
