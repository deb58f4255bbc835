# Helpers of the tests that compare dl-eval with scikit-learn (dl-eval.bats,
# weights.bats).

# same_metrics CASE WANT GOT: every metric of dl-eval's TSV record GOT (a
# header line, then a line of values; columns 1-2 and the confusion matrix
# cm[...] skipped) equals sklearn's value in WANT ("name<TAB>value" lines)
# to 1e-9, NaN only where sklearn has NaN, and GOT has exactly WANT's
# metrics.  CASE names the case in the messages.
same_metrics() {
    awk -F '\t' -v case="$1" '
        NR == FNR { want[$1] = $2; n++; next }
        FNR == 1 { for (i = 1; i <= NF; i++) col[i] = $i; next }
        {
            for (i = 3; i <= NF; i++) {
                name = col[i]
                if (name ~ /^cm\[/) continue
                if (!(name in want)) { print case ": unexpected " name; bad = 1; continue }
                g = $i; w = want[name]; seen++
                if (w == "nan") { if (g != "nan") { print case ": " name " = " g ", want nan"; bad = 1 } }
                else { d = g - w; if (d < 0) d = -d
                       if (d > 1e-9 || g == "nan") { print case ": " name " = " g ", sklearn " w; bad = 1 } }
            }
        }
        END { if (seen != n) { print case ": " seen " metrics, sklearn has " n; bad = 1 }
              exit bad }' "$2" "$3"
}
