#!/usr/bin/env bats
# dl-tensor split: K-fold cross-validation, stratified and grouped splits.
# Every property is checked on the exported rows with awk and sort.

# `run ! cmd`: a bare `! cmd` before a test's last line is never checked
bats_require_minimum_version 1.5.0

setup() {
    TMP=$BATS_TEST_TMPDIR
    # x0 = the row's number (a key), x1 = its group (27 groups of 1 to 7
    # rows), y = its class (50, 30, 12 and 8 rows)
    seq 0 99 | awk 'BEGIN { g = -1 } { if (n == s) { g++; n = 0; s = g % 7 + 1 }; n++
                    c = $1 % 10 < 5 ? 0 : $1 % 10 < 8 ? 1 : $1 < 65 ? 2 : 3
                    printf "%d,%d,%d\n", $1, g, c }' > "$TMP/rows.csv"
    dl-tensor import -t 1 "$TMP/rows.csv" -o "$TMP/rows.dlt"
}

load fails

# folds K IN [OPTION...]: splits IN into K folds, exports train and test of
# each fold I to $TMP/trI.csv and $TMP/teI.csv.
folds() {
    local k=$1 in=$2 i
    shift 2
    for i in $(seq 1 "$k"); do
        dl-tensor split --folds "$k" --fold "$i" "$@" "$in" "$TMP/tr$i.dlt" "$TMP/te$i.dlt"
        dl-tensor export "$TMP/tr$i.dlt" > "$TMP/tr$i.csv"
        dl-tensor export "$TMP/te$i.dlt" > "$TMP/te$i.csv"
    done
}

# Each fold's train and test are the whole set, disjoint; the test folds
# together hold every row exactly once.
partitions() {
    local k=$1 i
    for i in $(seq 1 "$k"); do
        cmp <(sort "$TMP/tr$i.csv" "$TMP/te$i.csv") <(sort "$TMP/rows.csv")
    done
    cmp <(for i in $(seq 1 "$k"); do cat "$TMP/te$i.csv"; done | sort) <(sort "$TMP/rows.csv")
}

@test "split --folds: every row in exactly one test fold, sizes within one, seeded" {
    for k in 3 7 100; do
        folds $k "$TMP/rows.dlt" --seed 5
        partitions $k
        for i in $(seq 1 $k); do wc -l < "$TMP/te$i.csv"; done |
            awk -v k=$k 'NR == 1 { lo = hi = $1 } $1 < lo { lo = $1 } $1 > hi { hi = $1 }
                         { n += $1 } END { exit !(hi - lo <= 1 && n == 100) }'
    done
    # a fold is not a run of consecutive input rows
    run ! cmp -s "$TMP/te1.csv" <(head -n 1 "$TMP/rows.csv")
    dl-tensor split --folds 5 --fold 2 --seed 5 "$TMP/rows.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-tensor split --folds 5 --fold 2 --seed 5 "$TMP/rows.dlt" "$TMP/a2.dlt" "$TMP/b2.dlt"
    cmp "$TMP/a.dlt" "$TMP/a2.dlt"
    cmp "$TMP/b.dlt" "$TMP/b2.dlt"
    dl-tensor split --folds 5 --fold 2 --seed 6 "$TMP/rows.dlt" "$TMP/a3.dlt" "$TMP/b3.dlt"
    run ! cmp -s "$TMP/b.dlt" "$TMP/b3.dlt"
}

# Class counts of column 3 in FILE, one "class count" line per class 0..3.
class_counts() {
    awk -F, '{ n[$3]++ } END { for (c = 0; c < 4; c++) print c, n[c] + 0 }' "$1"
}

# within_one FILE SHARE: every class of FILE has floor or ceil of SHARE x its
# size in rows.csv (50, 30, 12, 8).
within_one() {
    class_counts "$1" | awk -v f="$2" 'BEGIN { s[0] = 50; s[1] = 30; s[2] = 12; s[3] = 8 }
        { want = f * s[$1]; if ($2 < int(want) || $2 > int(want) + (want > int(want))) bad = 1 }
        END { exit bad }'
}

@test "split --stratify: each class within one row of its share, in folds and fractions" {
    class_counts "$TMP/rows.csv" | tr '\n' ' ' | grep -qx '0 50 1 30 2 12 3 8 '
    folds 4 "$TMP/rows.dlt" --stratify --seed 2
    partitions 4
    for i in 1 2 3 4; do within_one "$TMP/te$i.csv" 0.25; within_one "$TMP/tr$i.csv" 0.75; done
    # one-hot y: the same classes, the same folds
    awk -F, '{ printf "%d,%d,%d,%d,%d,%d\n", $1, $2, $3 == 0, $3 == 1, $3 == 2, $3 == 3 }' \
        "$TMP/rows.csv" | dl-tensor import -t 4 -o "$TMP/onehot.dlt"
    dl-tensor split --folds 4 --fold 3 --stratify --seed 2 "$TMP/onehot.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    cmp <(dl-tensor export "$TMP/b.dlt" | cut -d, -f1,2) <(cut -d, -f1,2 "$TMP/te3.csv")
    for f in 0.8 0.3 0.55; do
        dl-tensor split --fraction $f --stratify --seed 9 "$TMP/rows.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
        dl-tensor export "$TMP/a.dlt" > "$TMP/a.csv"
        dl-tensor export "$TMP/b.dlt" > "$TMP/b.csv"
        within_one "$TMP/a.csv" $f
        within_one "$TMP/b.csv" "$(echo "1 - $f" | bc)"
        # OUT1 still has round(F x N) rows
        [ "$(wc -l < "$TMP/a.csv")" -eq "$(echo "$f * 100 / 1" | bc)" ]
        cmp <(sort "$TMP/a.csv" "$TMP/b.csv") <(sort "$TMP/rows.csv")
    done
}

@test "split --stratify --fraction: 150000 classes of 2 rows in moments, each within one row of its share" {
    seq 0 299999 | awk '{ print $1 "," int($1 / 2) }' | dl-tensor import -t 1 -o "$TMP/pairs.dlt"
    timeout 20 dl-tensor split --stratify --fraction 0.75 "$TMP/pairs.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    # every class gives OUT1 1 or 2 of its rows, OUT1 round(0.75 x 300000) in all
    dl-tensor export --name y "$TMP/a.dlt" | sort | uniq -c |
        awk '$1 < 1 || $1 > 2 { bad = 1 } { n += $1 } END { exit bad || n != 225000 || NR != 150000 }'
}

@test "split --stratify refuses targets that are not classes" {
    awk -F, '{ print $1 "," $2 "," $3 + 0.5 }' "$TMP/rows.csv" | dl-tensor import -t 1 -o "$TMP/r.dlt"
    fails 1 "row 1: --stratify needs class labels" \
        dl-tensor split --stratify "$TMP/r.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    awk -F, '{ print $1 "," $2 ",1,1" }' "$TMP/rows.csv" | dl-tensor import -t 2 -o "$TMP/r.dlt"
    fails 1 "needs one-hot rows" dl-tensor split --stratify "$TMP/r.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-tensor import --name x "$TMP/rows.csv" -o "$TMP/r.dlt"
    fails 1 "needs a 'y' record" dl-tensor split --stratify "$TMP/r.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    [ ! -e "$TMP/a.dlt" ]
    [ ! -e "$TMP/b.dlt" ]
}

# groups FILE: the groups (column 2) of FILE, sorted and unique.
groups() { cut -d, -f2 "$1" | sort -u; }

@test "split --group: no group on both sides, in folds and fractions" {
    [ "$(groups "$TMP/rows.csv" | wc -l)" -eq 27 ]
    folds 5 "$TMP/rows.dlt" --group 1 --seed 3
    partitions 5
    for i in 1 2 3 4 5; do
        [ -z "$(comm -12 <(groups "$TMP/tr$i.csv") <(groups "$TMP/te$i.csv"))" ]
        # balanced as far as groups allow: 100 rows, groups of at most 7
        n=$(wc -l < "$TMP/te$i.csv")
        [ "$n" -ge 13 ]
        [ "$n" -le 27 ]
    done
    for f in 0.8 0.5; do
        dl-tensor split --group 1 --fraction $f --seed 4 "$TMP/rows.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
        dl-tensor export "$TMP/a.dlt" > "$TMP/a.csv"
        dl-tensor export "$TMP/b.dlt" > "$TMP/b.csv"
        [ -z "$(comm -12 <(groups "$TMP/a.csv") <(groups "$TMP/b.csv"))" ]
        # a share of the 27 groups: round(F x 27)
        [ "$(groups "$TMP/a.csv" | wc -l)" -eq "$(echo "($f * 27 + 0.5) / 1" | bc)" ]
        cmp <(sort "$TMP/a.csv" "$TMP/b.csv") <(sort "$TMP/rows.csv")
    done
    # the groups as a record of their own, which stays beside x and y
    cut -d, -f2 "$TMP/rows.csv" | dl-tensor import --name g -o "$TMP/g.dlt"
    cat "$TMP/rows.dlt" "$TMP/g.dlt" > "$TMP/rg.dlt"
    dl-tensor split --group g --folds 5 --fold 2 --seed 3 "$TMP/rg.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    cmp <(dl-tensor export "$TMP/b.dlt") "$TMP/te2.csv"
    cmp <(dl-tensor export --name g "$TMP/b.dlt") <(cut -d, -f2 "$TMP/te2.csv")
}

@test "split --group --folds: 100000 groups of 1 to 3 rows, or as many folds, in moments" {
    # ids of patients, say: groups of random sizes in random order
    awk 'BEGIN { srand(7); for (g = 0; g < 100000; g++) { s = 1 + int(3 * rand())
                 for (i = 0; i < s; i++) print n++ "," g } }' > "$TMP/many.csv"
    dl-tensor import "$TMP/many.csv" -o "$TMP/many.dlt"
    timeout 20 dl-tensor split --group 1 --folds 5 --fold 2 --seed 1 "$TMP/many.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-tensor export "$TMP/a.dlt" > "$TMP/a.csv"
    dl-tensor export "$TMP/b.dlt" > "$TMP/b.csv"
    [ -z "$(comm -12 <(groups "$TMP/a.csv") <(groups "$TMP/b.csv"))" ]
    cmp <(sort "$TMP/a.csv" "$TMP/b.csv") <(sort "$TMP/many.csv")
    # the largest groups first, each to the lightest fold: within a group of a fifth
    awk -v n="$(wc -l < "$TMP/many.csv")" 'END { d = NR - n / 5; exit !(d <= 3 && d >= -3) }' "$TMP/b.csv"
    # a fold per group: each test fold one group
    timeout 20 dl-tensor split --group 1 --folds 100000 --fold 7 "$TMP/many.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    [ "$(dl-tensor export "$TMP/b.dlt" | groups /dev/stdin | wc -l)" -eq 1 ]
}

@test "split: bad --folds, --fold and combinations exit 2 and say why" {
    R=$TMP/rows.dlt
    fails 2 "--folds: '1' is not a whole number from 2" dl-tensor split --folds 1 --fold 1 "$R" "$TMP/a" "$TMP/b"
    fails 2 "--folds: 'x'" dl-tensor split --folds x --fold 1 "$R" "$TMP/a" "$TMP/b"
    fails 2 "--fold: '0'" dl-tensor split --folds 3 --fold 0 "$R" "$TMP/a" "$TMP/b"
    fails 2 "--fold 4: folds are numbered 1 to 3" dl-tensor split --folds 3 --fold 4 "$R" "$TMP/a" "$TMP/b"
    fails 2 "--fold needs --folds K" dl-tensor split --fold 2 "$R" "$TMP/a" "$TMP/b"
    fails 2 "--folds needs --fold I" dl-tensor split --folds 3 "$R" "$TMP/a" "$TMP/b"
    fails 2 "--fraction and --folds exclude each other" \
        dl-tensor split --folds 3 --fold 1 --fraction 0.5 "$R" "$TMP/a" "$TMP/b"
    fails 2 "--stratify and --group exclude each other" \
        dl-tensor split --stratify --group 1 "$R" "$TMP/a" "$TMP/b"
    fails 2 "--folds 101: the input has only 100 rows" \
        dl-tensor split --folds 101 --fold 1 "$R" "$TMP/a" "$TMP/b"
    fails 2 "--folds 28: the input has only 27 groups" \
        dl-tensor split --folds 28 --fold 1 --group 1 "$R" "$TMP/a" "$TMP/b"
    # given twice, as if two columns made the groups or OUT2 took two folds
    fails 2 "--group given twice ('1', then '0'): give one column" \
        dl-tensor split --group 1 --group 0 "$R" "$TMP/a" "$TMP/b"
    fails 2 "--fold given twice (1, then 2): OUT2 is one fold" \
        dl-tensor split --folds 3 --fold 1 --fold 2 "$R" "$TMP/a" "$TMP/b"
    # a share strictly between 0 and 1 that rounds to no row (group) on a side
    fails 2 "--fraction 0.996 of 100 rows leaves OUT2 no rows" \
        dl-tensor split --fraction 0.996 "$R" "$TMP/a" "$TMP/b"
    fails 2 "--fraction 0.004 of 100 rows leaves OUT1 no rows" \
        dl-tensor split --fraction 0.004 --stratify "$R" "$TMP/a" "$TMP/b"
    fails 2 "--fraction 0.01 of 27 groups leaves OUT1 no groups" \
        dl-tensor split --fraction 0.01 --group 1 "$R" "$TMP/a" "$TMP/b"
    fails 1 "--group '2': no column of 'x' so named or numbered (0 to 1), and no one-column record of 100 rows so named" \
        dl-tensor split --group 2 "$R" "$TMP/a" "$TMP/b"
    fails 1 "--group 'g': no column of 'x' so named" dl-tensor split --group g "$R" "$TMP/a" "$TMP/b"
    [ ! -e "$TMP/a" ]
    [ ! -e "$TMP/b" ]
    run dl-tensor --help
    for w in --folds --fold --stratify --group; do [[ $output == *"$w"* ]]; done
    # 0 and 1 ask for an empty side, and get it
    dl-tensor split --fraction 1 "$R" "$TMP/a" "$TMP/b"
    dl-tensor info "$TMP/b" | grep -q '^  x  *f64  \[0, 2\]'
    # and one row is a side
    dl-tensor split --fraction 0.99 "$R" "$TMP/a" "$TMP/b"
    dl-tensor info "$TMP/b" | grep -q '^  x  *f64  \[1, 2\]'
}

@test "split --group NAME: a column named in x.names; the names are never cut as rows" {
    # 100 bytes of names for 100 rows: a length that must not be taken for rows
    long=$(printf 'g%.0s' $(seq 1 96))
    printf 'id\n%s\n' "$long" | dl-tensor import --format text --name x.names -o "$TMP/names.dlt"
    [ "$(wc -c < <(dl-tensor export --name x.names "$TMP/names.dlt"))" -eq 100 ]
    cat "$TMP/names.dlt" "$TMP/rows.dlt" > "$TMP/named.dlt"
    dl-tensor split --group "$long" --folds 5 --fold 4 --seed 3 "$TMP/named.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-tensor split --group 1 --folds 5 --fold 4 --seed 3 "$TMP/rows.dlt" "$TMP/a1.dlt" "$TMP/b1.dlt"
    cmp <(dl-tensor export "$TMP/b.dlt") <(dl-tensor export "$TMP/b1.dlt")
    for f in a b; do
        dl-tensor export --name x.names "$TMP/$f.dlt" | cmp - <(printf 'id\n%s\n' "$long")
    done
    dl-tensor shuffle --seed 2 "$TMP/named.dlt" | dl-tensor export --name x.names |
        cmp - <(printf 'id\n%s\n' "$long")
    # the names it has are offered, a long one cut
    fails 1 "--group 'grp': no column of 'x' so named (its columns: 'id', '${long:0:48}...') or numbered (0 to 1), and no" \
        dl-tensor split --group grp "$TMP/named.dlt" "$TMP/c.dlt" "$TMP/d.dlt"
    # names that do not fit x are an error, not a guess
    printf 'id\n' | dl-tensor import --format text --name x.names -o "$TMP/one.dlt"
    cat "$TMP/rows.dlt" "$TMP/one.dlt" > "$TMP/bad.dlt"
    run dl-tensor split --group id "$TMP/bad.dlt" "$TMP/c.dlt" "$TMP/d.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"x.names"* ]]
}

@test "split --group COL: a number that is no column of x is a name in x.names; one that is a column is that column" {
    printf 'country,2019,2020\nes,1,2\nfr,1,3\nde,2,4\nit,2,5\npt,3,4\n' > "$TMP/yr.csv"
    dl-tensor import --header "$TMP/yr.csv" -o "$TMP/yr.dlt"
    # 2019 is no column of a 3-column x: the column so named, as column 1 is
    dl-tensor split --group 2019 --folds 3 --fold 2 --seed 1 "$TMP/yr.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-tensor split --group 1 --folds 3 --fold 2 --seed 1 "$TMP/yr.dlt" "$TMP/a1.dlt" "$TMP/b1.dlt"
    cmp "$TMP/a.dlt" "$TMP/a1.dlt"
    cmp "$TMP/b.dlt" "$TMP/b1.dlt"
    [ -z "$(comm -12 <(dl-tensor export "$TMP/a.dlt" | groups /dev/stdin) \
                     <(dl-tensor export "$TMP/b.dlt" | groups /dev/stdin))" ]
    # a number that is a column stays that column, even where another is so named
    printf 'a,b,0\n1,5,7\n1,6,8\n2,5,9\n2,6,7\n' | dl-tensor import --header -o "$TMP/z.dlt"
    dl-tensor split --group 0 --folds 2 --fold 1 "$TMP/z.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-tensor split --group a --folds 2 --fold 1 "$TMP/z.dlt" "$TMP/a1.dlt" "$TMP/b1.dlt"
    cmp "$TMP/b.dlt" "$TMP/b1.dlt"
    [ "$(dl-tensor export "$TMP/b.dlt" | cut -d, -f1 | sort -u | wc -l)" -eq 1 ]
    # neither a column nor a name: both are offered
    fails 1 "--group '2018': no column of 'x' so named (its columns: 'country', '2019', '2020') or numbered (0 to 2)" \
        dl-tensor split --group 2018 "$TMP/yr.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
}
