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
# Then export (shortest round-trip text) beside numpy.savetxt, for scale,
# and the number parser alone on one core (bench/parse_numbers.c).
# Last, import with names (within 1.5x of the numeric import) and a mixed
# table with string columns in bounded memory (peak RSS by /usr/bin/time -v).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${BUILD:-build}; ROWS=${ROWS:-1000000}; RUNS=${RUNS:-5}
PY=/usr/bin/python3
tool=$BUILD/bin/dl-tensor
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-csv.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
csv=$tmp/data.csv

$PY - "$csv" "$ROWS" <<'EOF'
import sys, numpy as np
rng = np.random.default_rng(1)
a = rng.standard_normal((int(sys.argv[2]), 5)) * 10.0 ** rng.integers(-5, 6, (int(sys.argv[2]), 5))
np.savetxt(sys.argv[1], a, delimiter=",", fmt="%.17g")
EOF
# the same rows under a header line, for the import with names below
{ echo "a,b,c,d,e"; cat "$csv"; } > "$tmp/named.csv"
sync   # no writeback of the new files during the timed runs
cat "$csv" "$tmp/named.csv" > /dev/null   # warm the page cache
mb=$(( $(stat -c %s "$csv") / 1000000 ))

# Each run writes a new file (see median_seconds).
t_dl=$(median_seconds "$RUNS" "$tool import $csv > $tmp/out.dlt" "rm -f $tmp/out.dlt")
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
# The parser alone, one core, its input in cache (bench/parse_numbers.c):
# what the import's two threads can reach at most, before reading, page
# faults and writing the stream; strtod beside it for scale.  And export's
# formatting alone, against printf's %.17g.
if [ -x "$BUILD/bench/parse_numbers" ]; then
    read -r _ n _ ns _ mbs _ ns_strtod _ ns_fmt _ ns_printf <<< "$("$BUILD/bench/parse_numbers" "$csv")"
    printf '  parsing alone, one core          %7.1f ns a number, %5.0f MB/s (strtod: %.1f ns, %sx)\n' \
        "$ns" "$mbs" "$ns_strtod" "$(ratio "$ns_strtod" "$ns")"
    printf '  formatting alone, one core       %7.1f ns a number (printf %%.17g: %.1f ns, %sx)\n' \
        "$ns_fmt" "$ns_printf" "$(ratio "$ns_printf" "$ns_fmt")"
fi

# Names on a numeric file: the same rows under a header line (kept as
# x.names, y.names) and a target chosen by name (columns routed to x and y
# one by one), against the headerless import of the same rows timed just
# before them (the same load for all three); target: within 1.5x.
t_plain=$(median_seconds "$RUNS" "$tool import $csv > $tmp/named.dlt" "rm -f $tmp/named.dlt")
t_named=$(median_seconds "$RUNS" "$tool import $tmp/named.csv > $tmp/named.dlt" "rm -f $tmp/named.dlt")
t_target=$(median_seconds "$RUNS" "$tool import --target c $tmp/named.csv > $tmp/named.dlt" \
    "rm -f $tmp/named.dlt")
printf '  numeric import, again            %7.3f s\n' "$t_plain"
printf '  with a header (names kept)       %7.3f s   %sx the numeric import (target: <= 1.5x)\n' "$t_named" "$(ratio "$t_named" "$t_plain")"
printf '  ... and --target c (by name)     %7.3f s   %sx the numeric import (target: <= 1.5x)\n' "$t_target" "$(ratio "$t_target" "$t_plain")"
rm -f "$tmp/named.csv" "$tmp/named.dlt"

# A mixed table of MIXED_ROWS rows and 20 columns: 15 numeric (2% of the
# cells NA), 5 of strings (3, 12, 50, 1000 and 100000 levels, 1% of the
# cells empty), imported in bounded memory: the peak resident size must not
# grow with the rows (they wait in a temporary file, not in memory), so it
# is measured for all the rows and for a tenth of them.
MIXED_ROWS=${MIXED_ROWS:-1000000}
$PY - "$tmp/mixed.csv" "$MIXED_ROWS" <<'EOF'
import sys, numpy as np
rng = np.random.default_rng(2)
n = int(sys.argv[2])
cols = {}
for j in range(15):
    v = np.char.mod("%.6g", rng.standard_normal(n) * 10.0 ** (j % 4)).astype(object)
    v[rng.random(n) < 0.02] = "NA"
    cols["num%d" % j] = v
for j, levels in enumerate([3, 12, 50, 1000, 100000]):
    words = np.array(["level_%d_%d" % (j, k) for k in range(levels)], dtype=object)
    v = words[rng.integers(0, levels, n)]
    v[rng.random(n) < 0.01] = ""
    cols["cat%d" % j] = v
names = list(cols)
with open(sys.argv[1], "w") as f:
    f.write(",".join(names) + "\n")
    block = 100000
    for s in range(0, n, block):
        rows = zip(*(cols[c][s:s + block] for c in names))
        f.write("\n".join(",".join(r) for r in rows) + "\n")
EOF
mixed_mb=$(( $(stat -c %s "$tmp/mixed.csv") / 1000000 ))
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ { print $2 }'; }
mixed="import --target cat0 --missing NA, $tmp/mixed.csv"
t_mixed=$(median_seconds 1 "$tool $mixed > $tmp/mixed.dlt")
kb_mixed=$(rss $tool $mixed)
head -n $((MIXED_ROWS / 10 + 1)) "$tmp/mixed.csv" > "$tmp/mixed10.csv"
kb_tenth=$(rss $tool import --target cat0 --missing NA, "$tmp/mixed10.csv")
echo "mixed table: $mixed_mb MB, $MIXED_ROWS rows x 20 columns (5 of strings), --missing NA,''"
printf '  dl-tensor import                 %7.3f s   peak RSS %s kB (a tenth of the rows: %s kB)\n' "$t_mixed" "$kb_mixed" "$kb_tenth"
rm -rf "$tmp"
