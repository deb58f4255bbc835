# Shared by dl-design.bats, dl-lstsq.bats and dl-predict.bats.
FIX="$DL_TEST_ROOT/tests/fixtures/linear"

setup() {
    TMP=$(mktemp -d)
}

teardown() {
    rm -rf "$TMP"
}

# numbers_near GOT WANT TOL: two files of numbers (CSV or blank separated,
# a "rows cols" first line of a fixture is skipped with WANT_SKIP=1) agree:
# the same count, each |got - want| <= TOL * max(1, |want|) (TOL * |want|
# with NEAR_REL=1, for numbers far below 1).
numbers_near() {
    awk -v tol="$3" -v skip="${WANT_SKIP:-0}" -v rel="${NEAR_REL:-0}" '
        function abs(v) { return v < 0 ? -v : v }
        FNR == 1 && NR != FNR { fileno = 2 }
        { gsub(/,/, " ") }
        fileno != 2 { for (i = 1; i <= NF; i++) got[++ng] = $i; next }
        skip && FNR == 1 { next }
        { for (i = 1; i <= NF; i++) want[++nw] = $i }
        END {
            if (ng != nw) { printf "count %d != %d\n", ng, nw; exit 1 }
            for (i = 1; i <= ng; i++) {
                s = rel || abs(want[i]) > 1 ? abs(want[i]) : 1
                if (abs(got[i] - want[i]) > tol * s) {
                    printf "value %d: %.17g != %.17g\n", i, got[i], want[i]; exit 1
                }
            }
        }' "$1" "$2"
}

# Imports a fixture CSV with K targets into a stream.
import_csv() {
    dl-tensor import -t "$2" "$FIX/$1"
}

# without_factor PART COLUMNS: PART (one --partial output of COLUMNS x
# columns plus y's) without its last record, the factor r [C, C]: a
# partial as written before partials carried it.  The record is 45 bytes
# of header (24 fixed, 16 of shape, the name "r", 4 of checksum, as
# dl-stream(5) lays it out) and 8 C^2 of payload.
without_factor() {
    local size c=$2
    size=$(stat -c %s "$1")
    head -c $((size - 45 - 8 * c * c)) "$1"
}
