#!/usr/bin/env bash
# CSV import: `dl-tensor import` of a ~100 MB numeric CSV (random doubles
# written with 17 significant digits, the usual machine-written text) against
# numpy.loadtxt of the same file (Debian python3-numpy).  Medians of RUNS
# runs, as ratios; target: dl-tensor at least 5x faster.
#
# Two numpy figures: the whole `python3 -c 'np.loadtxt(...)'` process (what
# a user runs) and loadtxt alone timed inside Python (start-up and `import
# numpy` excluded, the figure most favourable to numpy).  dl-tensor is timed
# as a whole process writing its stream to a file.  Then the values are
# checked: every double dl-tensor parsed equals numpy's, bit for bit.  The
# machine is shared: look at the load average printed with the figures.
# Last, export (shortest round-trip text) beside numpy.savetxt, for scale.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${BUILD:-build}; ROWS=${ROWS:-1000000}; RUNS=${RUNS:-5}
PY=/usr/bin/python3
tool=$BUILD/bin/dl-tensor
tmp=${TMPDIR:-/tmp}/dl-bench-csv; mkdir -p "$tmp"
csv=$tmp/data.csv

$PY - "$csv" "$ROWS" <<'EOF'
import sys, numpy as np
rng = np.random.default_rng(1)
a = rng.standard_normal((int(sys.argv[2]), 5)) * 10.0 ** rng.integers(-5, 6, (int(sys.argv[2]), 5))
np.savetxt(sys.argv[1], a, delimiter=",", fmt="%.17g")
EOF
cat "$csv" > /dev/null   # warm the page cache
mb=$(( $(stat -c %s "$csv") / 1000000 ))

t_dl=$(median_seconds "$RUNS" "$tool import $csv > $tmp/out.dlt")
t_np=$(median_seconds "$RUNS" "$PY -c 'import numpy as np; np.loadtxt(\"$csv\", delimiter=\",\")'")
t_np_inner=$($PY - "$csv" "$RUNS" <<'EOF'
import sys, time, statistics, numpy as np
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); np.loadtxt(sys.argv[1], delimiter=","); times.append(time.perf_counter() - t)
print(statistics.median(times))
EOF
)

$tool export --format npy -o "$tmp/out.npy" "$tmp/out.dlt"
# The way back, for scale: shortest round-trip text against numpy.savetxt
# with %.17g (round-trip, not shortest).
t_ex=$(median_seconds "$RUNS" "$tool export $tmp/out.dlt > $tmp/back.csv")
t_sv=$(median_seconds "$RUNS" "$PY -c 'import numpy as np; np.savetxt(\"$tmp/np.csv\", np.load(\"$tmp/out.npy\"), delimiter=\",\", fmt=\"%.17g\")'")

exact=$($PY - "$csv" "$tmp/out.npy" <<'EOF'
import sys, numpy as np
ref = np.loadtxt(sys.argv[1], delimiter=",")
ours = np.load(sys.argv[2])
print("bit-identical" if ref.shape == ours.shape and (ref.view(np.uint64) == ours.view(np.uint64)).all() else "DIFFERENT")
EOF
)
$tool export "$tmp/out.dlt" | $tool import | cmp -s - "$tmp/out.dlt" && rt=ok || rt=FAILED

echo "csv import: $mb MB, $ROWS rows x 5 doubles, median of $RUNS runs (load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  dl-tensor import                 %7.3f s  %6.0f MB/s\n' "$t_dl" "$(echo "$mb / $t_dl" | bc -l)"
printf '  numpy.loadtxt (python process)   %7.3f s   dl-tensor is %sx faster\n' "$t_np" "$(ratio "$t_np" "$t_dl")"
printf '  numpy.loadtxt (call alone)       %7.3f s   dl-tensor is %sx faster\n' "$t_np_inner" "$(ratio "$t_np_inner" "$t_dl")"
echo "  values against numpy.loadtxt: $exact; export -> import round trip: $rt"
printf '  dl-tensor export (shortest text) %7.3f s;  numpy.savetxt %%.17g %7.3f s\n' "$t_ex" "$t_sv"
rm -rf "$tmp"
