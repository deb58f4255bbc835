#!/usr/bin/env bash
# dl-design's input stage on a large mixed table: ROWS rows (default 1M) of
# 20 columns, 15 numbers and 5 categorical columns (3, 4, 6, 10 and 16
# levels, as x.categories says), about 5% of the cells of every column
# missing.  Imputes (median with indicators, mean, median then
# standardized) and one-hot encodes every categorical column: 15 + 39 (+ 20
# indicators) columns out.
#
# The figure that matters is peak memory (maximum resident set size from
# /usr/bin/time -v) against the rows: the input is spooled to an unlinked
# temporary file and read again for the median's passes, so memory should
# not grow with the rows; it is measured at ROWS/4 and ROWS side by side.
# Wall times are medians of RUNS runs (the machine is shared: see the load
# average printed with them); the output goes to /dev/null.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${BUILD:-build}; ROWS=${ROWS:-1000000}; RUNS=${RUNS:-3}
PY=/usr/bin/python3
tool=$BUILD/bin
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-tables.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# make ROWS OUT: the table as a stream (x.names, x.categories, x, y).
make_table() {
    $PY - "$1" "$tmp" <<'PYEOF'
import sys
import numpy as np
rows, tmp = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(7)
levels = [3, 4, 6, 10, 16]
num = rng.normal(size=(rows, 15)) * rng.uniform(0.1, 100, size=15)
cat = np.column_stack([rng.integers(0, k, size=rows) for k in levels]).astype(float)
x = np.hstack([num, cat])
x[rng.random(x.shape) < 0.05] = np.nan
np.save(tmp + "/x.npy", x)
np.save(tmp + "/y.npy", rng.normal(size=(rows, 1)))
# the two small text records, with the independent writer of the format
sys.path.insert(0, "scripts")
from dlstream import record
def text(name, s):
    return record(name, "u8", [len(s.encode())], s.encode())
names = ["n%d" % j for j in range(15)] + ["c%d" % j for j in range(5)]
cats = "".join("%d\t%s\n" % (15 + j, "\t".join("L%02d" % v for v in range(k)))
               for j, k in enumerate(levels))
open(tmp + "/meta.dlt", "wb").write(text("x.names", "".join(n + "\n" for n in names)) +
                                    text("x.categories", cats))
PYEOF
    $tool/dl-tensor import --allow-nonfinite "$tmp/x.npy" > "$tmp/x.dlt"
    $tool/dl-tensor import --name y "$tmp/y.npy" > "$tmp/y.dlt"
    cat "$tmp/meta.dlt" "$tmp/x.dlt" "$tmp/y.dlt" > "$2"
    rm -f "$tmp/x.npy" "$tmp/y.npy" "$tmp/x.dlt" "$tmp/y.dlt"
}

peak_kb() { /usr/bin/time -v bash -c "$1" 2>&1 >/dev/null | awk '/Maximum resident/ { print $NF }'; }

quarter=$((ROWS / 4))
make_table "$quarter" "$tmp/small.dlt"
make_table "$ROWS" "$tmp/big.dlt"
mb=$(( $(stat -c %s "$tmp/big.dlt") / 1000000 ))

echo "dl-design input stage: $ROWS rows x 20 columns (5 categorical), 5% missing, $mb MB in (load: $(cut -d' ' -f1-3 /proc/loadavg))"
for how in "median --impute-indicator" "mean" "median --standardize"; do
    cmd="$tool/dl-design -q --no-bias --impute $how --onehot auto"
    small=$(peak_kb "$cmd < $tmp/small.dlt > /dev/null")
    big=$(peak_kb "$cmd < $tmp/big.dlt > /dev/null")
    t=$(median_seconds "$RUNS" "$cmd < $tmp/big.dlt > /dev/null")
    printf '  --impute %-40s %7.2f s   peak RSS %6d kB at %d rows, %6d kB at %d rows\n' \
        "$how --onehot auto" "$t" "$small" "$quarter" "$big" "$ROWS"
done
rm -f "$tmp/small.dlt" "$tmp/big.dlt"
