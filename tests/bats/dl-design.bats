#!/usr/bin/env bats
# dl-design: bases against direct evaluation, --apply, pass-through, limits, bad input.

load linear_helpers

@test "dl-design --help shows every default and --version" {
    run dl-design --help
    [ "$status" -eq 0 ]
    [[ $output == *"default: bias on"* ]]
    [[ $output == *"default: grid"* ]]
    [[ $output == *"default: 0"* ]]
    run dl-design --version
    [ "$status" -eq 0 ]
    [[ $output == "dl-design (dl toolkit)"* ]]
}

@test "--poly columns equal direct evaluation of t, t^2, t^3" {
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/particle.csv" > "$TMP/p.dlt"
    dl-design --poly 3 --no-bias -q < "$TMP/p.dlt" > "$TMP/d.dlt"
    dl-tensor export --name x "$TMP/d.dlt" > "$TMP/got.csv"
    dl-tensor export --name x "$TMP/p.dlt" | awk '{ printf "%.17g,%.17g,%.17g\n", $1, $1*$1, $1*$1*$1 }' > "$TMP/want.csv"
    numbers_near "$TMP/got.csv" "$TMP/want.csv" 1e-14
}

@test "--poly over 3 inputs makes C(3+2, 2) = 10 columns and reports them" {
    import_csv train.csv 1 > "$TMP/t.dlt"
    run dl-design --poly 2 -o "$TMP/d.dlt" "$TMP/t.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"10 columns from 3 inputs"* ]]
    run dl-tensor info "$TMP/d.dlt"
    [[ $output == *"x "*"f64  [200, 10]"* ]]
}

@test "streaming, a chunk's y goes out before its design, and designs come in 256 KiB chunks" {
    import_csv train.csv 1 | dl-design --poly 12 -q > "$TMP/d.dlt"
    run dl-tensor info "$TMP/d.dlt"
    [ "$status" -eq 0 ]
    [[ ${lines[2]} == *" design" ]]
    [[ ${lines[3]} == *" y" ]]
    # C(3 + 12, 12) = 455 columns: 72 rows make 262,080 bytes
    [[ ${lines[4]} == *"f64  [72, 455]"*" x" ]]
    [[ ${lines[6]} == *"f64  [56, 455]"*" x" ]]
}

@test "--rbf grid columns equal exp(-(t - mu)^2 / (2 sigma^2))" {
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/particle.csv" > "$TMP/p.dlt"
    dl-design --rbf 4 --width 0.7 --no-bias -q < "$TMP/p.dlt" > "$TMP/d.dlt"
    dl-tensor export --name x "$TMP/d.dlt" > "$TMP/got.csv"
    dl-tensor export --name x "$TMP/p.dlt" > "$TMP/t.csv"
    # the grid spans the training range of t
    read lo hi < <(sort -g "$TMP/t.csv" | sed -n '1p;$p' | paste -sd' ')
    awk -v lo="$lo" -v hi="$hi" '{
        for (j = 0; j < 4; j++) {
            mu = lo + j * (hi - lo) / 3
            printf "%s%.17g", j ? "," : "", exp(-($1 - mu)^2 / (2 * 0.49))
        }
        printf "\n" }' "$TMP/t.csv" > "$TMP/want.csv"
    numbers_near "$TMP/got.csv" "$TMP/want.csv" 1e-12
}

@test "other records pass through unchanged and a design record is added" {
    import_csv train.csv 1 > "$TMP/t.dlt"
    dl-design --legendre 3 --fourier 2 --standardize -q < "$TMP/t.dlt" > "$TMP/d.dlt"
    cmp <(dl-tensor export --name y "$TMP/t.dlt") <(dl-tensor export --name y "$TMP/d.dlt")
    run dl-tensor info "$TMP/d.dlt"
    [[ $output == *"design"* ]]
}

@test "metadata passed through is held to dl-stream(5): differing copies, names not one a column" {
    printf 't,v\n0,1\n1,3\n2,5\n' | dl-tensor import -t 1 > "$TMP/a.dlt"
    printf 't,speed\n3,7\n4,9\n' | dl-tensor import -t 1 > "$TMP/b.dlt"
    cat "$TMP/a.dlt" "$TMP/b.dlt" > "$TMP/ab.dlt"
    # two names for y's one column, before y or after it
    printf '1,2\n2,4\n3,6\n' | dl-tensor import -t 1 > "$TMP/xy.dlt"
    printf 'a\nb\n' | dl-tensor import --format text --name y.names > "$TMP/yn.dlt"
    cat "$TMP/yn.dlt" "$TMP/xy.dlt" > "$TMP/before.dlt"
    cat "$TMP/xy.dlt" "$TMP/yn.dlt" > "$TMP/after.dlt"
    # a column of categories that y does not have, of any tensor passed on
    printf '3\ta\tb\n' | dl-tensor import --format text --name y.categories > "$TMP/yc.dlt"
    cat "$TMP/yc.dlt" "$TMP/xy.dlt" > "$TMP/cats.dlt"
    printf '1\n2\n3\n' | dl-tensor import --name id > "$TMP/id.dlt"
    printf 'a\nb\n' | dl-tensor import --format text --name id.names > "$TMP/idn.dlt"
    cat "$TMP/idn.dlt" "$TMP/xy.dlt" "$TMP/id.dlt" > "$TMP/id2.dlt"
    # streamed (--poly) and fitted on the rows (--standardize)
    for opts in "--poly 1" "--standardize"; do
        run dl-design $opts -o "$TMP/out.dlt" "$TMP/ab.dlt"
        [ "$status" -eq 1 ]
        [[ $output == "dl-design: $TMP/ab.dlt: record 6 ('y.names'): 'y.names' differs between chunks" ]]
        [ ! -e "$TMP/out.dlt" ]
        run dl-design $opts -o "$TMP/out.dlt" "$TMP/before.dlt"
        [ "$status" -eq 1 ]
        [[ $output == "dl-design: $TMP/before.dlt: record 3 ('y'): 'y.names' has 2 names for 1 column" ]]
        [ ! -e "$TMP/out.dlt" ]
        run dl-design $opts -o "$TMP/out.dlt" "$TMP/after.dlt"
        [ "$status" -eq 1 ]
        [[ $output == "dl-design: $TMP/after.dlt: record 3 ('y.names'): 'y.names' has 2 names for 1 column" ]]
        [ ! -e "$TMP/out.dlt" ]
        run dl-design $opts -o "$TMP/out.dlt" "$TMP/cats.dlt"
        [ "$status" -eq 1 ]
        [[ $output == "dl-design: $TMP/cats.dlt: record 3 ('y'): 'y.categories': line 1: column index 3, but the tensor has 1 column" ]]
        [ ! -e "$TMP/out.dlt" ]
        run dl-design $opts -o "$TMP/out.dlt" "$TMP/id2.dlt"
        [ "$status" -eq 1 ]
        [[ $output == "dl-design: $TMP/id2.dlt: record 4 ('id'): 'id.names' has 2 names for 1 column" ]]
        [ ! -e "$TMP/out.dlt" ]
    done
    # copies that agree, and names that fit, pass as before
    cat "$TMP/a.dlt" "$TMP/a.dlt" | dl-design --poly 1 -q > "$TMP/aa.dlt"
    dl-lstsq -q "$TMP/aa.dlt" > /dev/null
}

@test "--apply on the training data reproduces the fitted design bit for bit" {
    import_csv train.csv 1 > "$TMP/t.dlt"
    dl-design --rbf 5 --centers kmeans --seed 3 --standardize --poly 2 -q < "$TMP/t.dlt" > "$TMP/fit.dlt"
    dl-design --apply "$TMP/fit.dlt" -q < "$TMP/t.dlt" > "$TMP/applied.dlt"
    cmp "$TMP/fit.dlt" "$TMP/applied.dlt"
}

@test "fitting on a chunked stream gives the design of the whole stream" {
    import_csv train.csv 1 > "$TMP/t.dlt"
    dl-tensor import -t 1 --chunk-rows 7 "$FIX/train.csv" > "$TMP/chunks.dlt"
    dl-design --standardize --rbf 3 -q < "$TMP/t.dlt" | dl-tensor export > "$TMP/a.csv"
    dl-design --standardize --rbf 3 -q < "$TMP/chunks.dlt" | dl-tensor export > "$TMP/b.csv"
    cmp "$TMP/a.csv" "$TMP/b.csv"
}

@test "the same seed gives the same k-means centers" {
    import_csv train.csv 1 > "$TMP/t.dlt"
    dl-design --rbf 6 --centers kmeans --seed 11 -q < "$TMP/t.dlt" > "$TMP/a.dlt"
    dl-design --rbf 6 --centers kmeans --seed 11 -q < "$TMP/t.dlt" > "$TMP/b.dlt"
    cmp "$TMP/a.dlt" "$TMP/b.dlt"
}

@test "many columns: a warning above 1000, a refusal above 10000 unless --force" {
    import_csv train.csv 1 > "$TMP/t.dlt"
    run dl-design --poly 14 -q -o "$TMP/d.dlt" "$TMP/t.dlt"
    [ "$status" -eq 0 ]
    [[ $output != *warning* ]] # C(17, 3) = 680 columns
    run dl-design --rbf 22 -o "$TMP/d.dlt" "$TMP/t.dlt"
    [ "$status" -eq 4 ]
    [[ $output == *"10649 columns for 3 inputs"*"--force"* ]]
    run dl-design --rbf 11 -q -o "$TMP/d.dlt" "$TMP/t.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"warning: 1332 design columns"* ]]
    run dl-design --rbf 22 --force -q -o "$TMP/d.dlt" "$TMP/t.dlt"
    [ "$status" -eq 0 ]
    # forced into the absurd: a size-limit error, no attempt to allocate it
    run dl-design --poly 100000 --force -q -o "$TMP/huge.dlt" "$TMP/t.dlt"
    [ "$status" -eq 4 ]
    [[ $output == "dl-design: "*"limit"* ]]
    [ ! -e "$TMP/huge.dlt" ]
}

@test "rbf options without --rbf, or --width with --alpha, are refused" {
    run dl-design --poly 2 --width 0.3
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-design: --centers, --width and --alpha go with --rbf K" ]]
    run dl-design --centers kmeans
    [ "$status" -eq 2 ]
    run dl-design --rbf 3 --width 1 --alpha 2
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-design: --width and --alpha say the same thing: give one" ]]
}

@test "an rbf width whose alpha = 1/(2 width^2) a double cannot hold is refused as such" {
    printf 'x,y\n1,1\n2,2\n3,1\n' > "$TMP/s.csv"
    dl-tensor import --target y "$TMP/s.csv" > "$TMP/s.dlt"
    # 2 (1e-200)^2 = 2e-400 is below the least double: alpha inf; (1e200)^2 overflows: alpha 0
    for w in 1e-200 1e200; do
        run dl-design --rbf 2 --width $w -o "$TMP/d.dlt" "$TMP/s.dlt"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-design: --width: '$w' gives alpha = 1/(2 SIGMA^2) outside a double's range: give SIGMA from about 1e-154 to 1e153, or --alpha" ]
        [ ! -e "$TMP/d.dlt" ]
    done
    # 2 grid centers over [1e-200, 3e-200]: spacing 2e-200, so alpha = 1/(8e-400) overflows
    printf 'x,y\n1e-200,1\n2e-200,2\n3e-200,1\n' > "$TMP/t.csv"
    dl-tensor import --target y "$TMP/t.csv" > "$TMP/t.dlt"
    run dl-design --rbf 2 -o "$TMP/d.dlt" "$TMP/t.dlt"
    [ "$status" -eq 1 ]
    [[ ${lines[0]} == *"design: rbf width 2e-200 (the centers' spacing) gives alpha = 1/(2 width^2) outside a double's range"*"--standardize"* ]]
    [ ! -e "$TMP/d.dlt" ]
    dl-design --rbf 2 --standardize -q -o "$TMP/d.dlt" "$TMP/t.dlt"
}

@test "bad input: NaN in x, no x, truncated stream, stacked designs" {
    printf '1,2\nnan,3\n' > "$TMP/nan.csv"
    dl-tensor import -t 1 --allow-nonfinite "$TMP/nan.csv" > "$TMP/nan.dlt"
    run dl-design --poly 2 "$TMP/nan.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-design: "*"record 1 ('x'): row 2, column 1: missing value (impute with dl-design --impute)" ]]
    run dl-design --standardize "$TMP/nan.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-design: "*"record 1 ('x'): row 2, column 1: missing value (impute with dl-design --impute)" ]]
    dl-tensor import --name y "$FIX/test.csv" > "$TMP/y.dlt"
    run dl-design --poly 2 "$TMP/y.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"no 'x' record"* ]]
    import_csv train.csv 1 > "$TMP/t.dlt"
    head -c 3000 "$TMP/t.dlt" > "$TMP/cut.dlt"
    run dl-design --standardize -o "$TMP/out.dlt" "$TMP/cut.dlt"
    [ "$status" -eq 1 ]
    [ ! -e "$TMP/out.dlt" ]
    dl-design -q < "$TMP/t.dlt" > "$TMP/d.dlt"
    run dl-design "$TMP/d.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"designs do not stack"* ]]
}

@test "usage errors exit 2" {
    run dl-design --poly 0
    [ "$status" -eq 2 ]
    run dl-design --centers hex
    [ "$status" -eq 2 ]
    run dl-design --apply x.dlt --poly 2
    [ "$status" -eq 2 ]
    run dl-design --bogus
    [ "$status" -eq 2 ]
    [[ $output == *"Try 'dl-design --help'"* ]]
}

@test "--apply refuses every block, input-stage and fitting option, --no-bias, --standardize, --seed and --force included" {
    import_csv train.csv 1 > "$TMP/t.dlt"
    dl-design -q "$TMP/t.dlt" > "$TMP/fit.dlt"
    for opt in --no-bias --standardize "--seed 0" "--seed 7" "--centers kmeans" "--width 1" \
               "--poly 2" "--rbf 3" "--fourier 1" "--legendre 2" "--impute mean" \
               --impute-indicator "--onehot auto" "--unseen zero"; do
        run dl-design -q --apply "$TMP/fit.dlt" $opt -o "$TMP/out.dlt" "$TMP/t.dlt"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-design: --apply takes the design from its file; give no design options" ]
        [ ! -e "$TMP/out.dlt" ]
    done
    run dl-design -q --apply "$TMP/fit.dlt" --force -o "$TMP/out.dlt" "$TMP/t.dlt"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-design: --force lifts the column limit of a fit; --apply fits nothing" ]
    [ ! -e "$TMP/out.dlt" ]
}

@test "--seed without --rbf K --centers kmeans is refused: it would be ignored" {
    import_csv train.csv 1 > "$TMP/t.dlt"
    for opts in "--seed 5" "--poly 2 --seed 5" "--rbf 3 --seed 5" "--rbf 3 --centers grid --seed 5"; do
        run dl-design -q $opts -o "$TMP/out.dlt" "$TMP/t.dlt"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-design: --seed goes with --rbf K --centers kmeans" ]
        [ ! -e "$TMP/out.dlt" ]
    done
    dl-design -q --rbf 3 --centers kmeans --seed 5 "$TMP/t.dlt" > /dev/null
}

@test "--apply and dl-predict: zip codes imported as numbers where training had --categorical say how to import them" {
    printf 'zip,v,y\n02139,1,1\n10001,2,0\n02139,3,1\n' > "$TMP/zip.csv"
    dl-tensor import --target y --categorical zip "$TMP/zip.csv" > "$TMP/zip.dlt"
    dl-tensor import --target y "$TMP/zip.csv" > "$TMP/num.dlt"
    dl-design -q --onehot auto "$TMP/zip.dlt" > "$TMP/zip.phi"
    dl-lstsq -q -o "$TMP/zip.ckpt" "$TMP/zip.phi"
    run dl-design -q --apply "$TMP/zip.phi" "$TMP/num.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/num.dlt: record 3 ('x'): row 1, column 1 ('zip'): 2139: the column is numeric in the input but categorical in the design (dl-tensor import --categorical zip reads its cells as strings)" ]
    run dl-predict "$TMP/zip.ckpt" "$TMP/num.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-predict: $TMP/num.dlt: record 3 ('x'): row 1, column 1 ('zip'): 2139: the column is numeric in the input but categorical in the design (dl-tensor import --categorical zip reads its cells as strings)" ]
}

@test "--apply refuses a column whose kind differs from the training data's, either way" {
    printf 'c,v,y\nred,1,1\nblue,2,0\ngreen,3,1\n' | dl-tensor import --target y > "$TMP/cat.dlt"
    printf 'c,v,y\nNA,1,1\n2,2,0\n' | dl-tensor import --missing NA --target y > "$TMP/num.dlt"
    dl-design -q --onehot auto --impute median "$TMP/cat.dlt" > "$TMP/cat.phi"
    dl-design -q --impute median "$TMP/num.dlt" > "$TMP/num.phi"
    run dl-design -q --apply "$TMP/cat.phi" -o "$TMP/out.dlt" "$TMP/num.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/num.dlt: record 3 ('x'): row 2, column 1 ('c'): 2: the column is numeric in the input but categorical in the design (dl-tensor import --categorical c reads its cells as strings)" ]
    [ ! -e "$TMP/out.dlt" ]
    run dl-design -q --apply "$TMP/num.phi" -o "$TMP/out.dlt" "$TMP/cat.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/cat.dlt: column 1 ('c') is categorical in the input but numeric in the design" ]
    [ ! -e "$TMP/out.dlt" ]
}

@test "--apply needs a design record in its file" {
    import_csv train.csv 1 > "$TMP/t.dlt"
    run dl-design --apply "$TMP/t.dlt" "$TMP/t.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"no 'design' record to apply"* ]]
    run dl-design --apply "$TMP/missing.dlt" "$TMP/t.dlt"
    [ "$status" -eq 3 ]
    # an empty design file (the fit that was to write it failed) says so
    : > "$TMP/empty.dlt"
    run dl-design --apply "$TMP/empty.dlt" "$TMP/t.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/empty.dlt: the input is empty (did the previous command fail?)" ]
}

@test "too few rows for k-means: the message names the file" {
    printf '1,2\n3,4\n' > "$TMP/two.csv"
    dl-tensor import -t 1 "$TMP/two.csv" > "$TMP/two.dlt"
    run dl-design -q --rbf 5 --centers kmeans "$TMP/two.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/two.dlt: design: k-means needs at least 5 rows, got 2" ]
}

@test "k-means starts from distinct rows; fewer distinct rows than centers is exit 1 counting them" {
    printf 'a\n1\n1\n1\n2\n' | dl-tensor import > "$TMP/rep.dlt"
    run dl-design -q --rbf 3 --centers kmeans -o "$TMP/out.dlt" "$TMP/rep.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/rep.dlt: design: k-means needs 3 distinct rows but the data has 2 (of 4 rows): give fewer centers" ]
    [ ! -e "$TMP/out.dlt" ]
    # three distinct values among five rows: the centers are the three values, whatever the seed
    printf 'a\n1\n1\n1\n2\n3\n' | dl-tensor import > "$TMP/three.dlt"
    for seed in 0 1 2 3 4 5 6 7; do
        dl-design -q --rbf 3 --centers kmeans --seed "$seed" "$TMP/three.dlt" > "$TMP/d.dlt"
        grep -a '^rbf_centers: ' "$TMP/d.dlt" | tr ' ' '\n' | sed 1d | sort -g | paste -sd' ' > "$TMP/c.txt"
        [ "$(cat "$TMP/c.txt")" = "1 2 3" ]
    done
}

@test "k-means near the smallest and the largest doubles finds the centers of the same rows scaled" {
    # rows s * {1, 2, 5, 6}: whatever the seed, the two clusters {1, 2} and {5, 6}, their centers
    # s * 1.5 and s * 5.5, as scikit-learn's KMeans; near 1e-200 the squared distances underflow,
    # near 1e308 the sums of the rows overflow, unless taken in units of the data's scale
    for s in 1e-200 1e-305 2.5e307; do
        printf 'a\n1\n2\n5\n6\n' | awk -v s="$s" 'NR == 1 { print; next } { printf "%.17g\n", $1 * s }' |
            dl-tensor import > "$TMP/s.dlt"
        awk -v s="$s" 'BEGIN { printf "%.17g %.17g\n", 1.5 * s, 5.5 * s }' > "$TMP/want.txt"
        for seed in 0 1 2 3; do
            dl-design -q --rbf 2 --centers kmeans --alpha 1 --seed "$seed" "$TMP/s.dlt" > "$TMP/d.dlt"
            grep -a '^rbf_centers: ' "$TMP/d.dlt" | tr ' ' '\n' | sed 1d | sort -g | paste -sd' ' > "$TMP/got.txt"
            NEAR_REL=1 numbers_near "$TMP/got.txt" "$TMP/want.txt" 1e-14
        done
    done
    # the centers' spacing of rows near 1e-310 is 4e-310: a width out of range, not coinciding centers
    printf 'a\n1e-310\n2e-310\n5e-310\n6e-310\n' | dl-tensor import > "$TMP/tiny.dlt"
    run dl-design -q --rbf 2 --centers kmeans -o "$TMP/out.dlt" "$TMP/tiny.dlt"
    [ "$status" -eq 1 ]
    [[ "$output" == "dl-design: $TMP/tiny.dlt: design: rbf width 4e-310 (the centers' spacing) gives alpha = 1/(2 width^2) outside a double's range"*"scale x (--standardize), or give --width or --alpha" ]]
    [ ! -e "$TMP/out.dlt" ]
}

@test "--standardize: a column constant within rounding keeps scale 1 (z = 0), streamed and in memory" {
    # a: 0.1 three times (summed, a mean of 0.10000000000000002); b: mean 2, std sqrt(2/3)
    printf 'a,b\n0.1,1\n0.1,2\n0.1,3\n' | dl-tensor import > "$TMP/c.dlt"
    printf 'a,b\n0.2,5\n' | dl-tensor import > "$TMP/new.dlt"
    echo "0.1 2" > "$TMP/mean.txt"
    awk 'BEGIN { printf "1 %.17g\n", sqrt(2 / 3) }' > "$TMP/scale.txt"
    awk 'BEGIN { s = sqrt(2 / 3); printf "1,0,%.17g\n1,0,0\n1,0,%.17g\n", -1 / s, 1 / s }' > "$TMP/want.csv"
    awk 'BEGIN { printf "1,0.1,%.17g\n", 3 / sqrt(2 / 3) }' > "$TMP/want_new.csv"
    # the moments streamed (--standardize alone) and of the rows in memory (with a block)
    for block in "" "--legendre 1"; do
        dl-design -q --standardize $block "$TMP/c.dlt" > "$TMP/c.phi"
        grep -a '^mean: ' "$TMP/c.phi" | sed 's/^mean: //' > "$TMP/got_mean.txt"
        grep -a '^scale: ' "$TMP/c.phi" | sed 's/^scale: //' > "$TMP/got_scale.txt"
        numbers_near "$TMP/got_mean.txt" "$TMP/mean.txt" 0
        numbers_near "$TMP/got_scale.txt" "$TMP/scale.txt" 1e-15
    done
    dl-design -q --standardize "$TMP/c.dlt" > "$TMP/c.phi"
    dl-tensor export --name x "$TMP/c.phi" > "$TMP/got.csv"
    numbers_near "$TMP/got.csv" "$TMP/want.csv" 1e-15
    dl-design -q --apply "$TMP/c.phi" "$TMP/new.dlt" | dl-tensor export --name x > "$TMP/got_new.csv"
    numbers_near "$TMP/got_new.csv" "$TMP/want_new.csv" 1e-15
}

# zscores A B ...: the population z-scores of the numbers, one a line.
zscores() {
    printf '%s\n' "$@" | awk '{ v[NR] = $1; s += $1 } END {
        m = s / NR; for (i = 1; i <= NR; i++) ss += (v[i] - m)^2; sd = sqrt(ss / NR)
        for (i = 1; i <= NR; i++) printf "1,%.17g\n", (v[i] - m) / sd }'
}

@test "--standardize: inputs near the largest double standardize as the same inputs scaled down" {
    # x = s * u: the z-scores of u; mean and std s times those of u, computed at the scale of u
    for case in "1e200 1 1.5 3" "1e308 1.7 1.7 1.7 1" "1e308 1.7 1.7 -1.7"; do
        set -- $case
        s=$1
        shift
        { echo a; for u in "$@"; do echo "${u}e${s#1e}"; done; } | dl-tensor import > "$TMP/big.dlt"
        zscores "$@" > "$TMP/want.csv"
        printf '%s\n' "$@" | awk -v s="$s" '{ v[NR] = $1; t += $1 } END {
            m = t / NR; for (i = 1; i <= NR; i++) ss += (v[i] - m)^2
            printf "%.17g\n%.17g\n", m * s, sqrt(ss / NR) * s }' > "$TMP/want_moments.txt"
        # the moments streamed (--standardize alone) and of the rows in memory (with a block)
        for block in "" "--legendre 1"; do
            dl-design -q --standardize $block -o "$TMP/big.phi" "$TMP/big.dlt"
            grep -a '^mean: \|^scale: ' "$TMP/big.phi" | sed 's/^[a-z]*: //' > "$TMP/got_moments.txt"
            numbers_near "$TMP/got_moments.txt" "$TMP/want_moments.txt" 1e-14
        done
        dl-design -q --standardize -o "$TMP/big.phi" "$TMP/big.dlt"
        dl-tensor export --name x "$TMP/big.phi" > "$TMP/got.csv"
        numbers_near "$TMP/got.csv" "$TMP/want.csv" 1e-14
        dl-design -q --apply "$TMP/big.phi" "$TMP/big.dlt" | cmp - "$TMP/big.phi"
    done
}

@test "--standardize: inputs far from 0 have the exact mean, rounded once, as --impute mean's, and the std about it" {
    # x = 1.7e9 + m / 2^22 for integers m < 2^20: each x is a double, and the
    # sums of the m and of their squared deviations from q are exact in awk
    awk 'BEGIN { print "a"; for (i = 0; i < 8000; i++)
        printf "%.17g\n", 1700000000 + (i * i * 7919 + i * 104729) % 1048576 / 4194304 }' > "$TMP/far.csv"
    dl-tensor import "$TMP/far.csv" > "$TMP/far.dlt"
    # mean = 1.7e9 + (q + r/n) / 2^22, whose last place is 1 / 2^22: the sum
    # rounds it once; std = sqrt(sum (m - q)^2 / n - (r/n)^2) / 2^22
    awk 'BEGIN { n = 8000; for (i = 0; i < n; i++) { m[i] = (i * i * 7919 + i * 104729) % 1048576; s += m[i] }
        q = int(s / n); r = s - q * n; for (i = 0; i < n; i++) ss += (m[i] - q)^2
        printf "%.17g\n", 1700000000 + (q + r / n) / 4194304 > "'"$TMP/mean.txt"'"
        printf "%.17g\n", sqrt(ss / n - (r / n)^2) / 4194304 > "'"$TMP/scale.txt"'" }'
    # the moments streamed (--standardize alone) and of the rows in memory (with a block)
    for block in "" "--legendre 1"; do
        dl-design -q --standardize $block -o "$TMP/far.phi" "$TMP/far.dlt"
        grep -a '^mean: ' "$TMP/far.phi" | sed 's/^mean: //' > "$TMP/got_mean.txt"
        grep -a '^scale: ' "$TMP/far.phi" | sed 's/^scale: //' > "$TMP/got_scale.txt"
        numbers_near "$TMP/got_mean.txt" "$TMP/mean.txt" 0
        NEAR_REL=1 numbers_near "$TMP/got_scale.txt" "$TMP/scale.txt" 1e-15
    done
    dl-design -q --impute mean -o "$TMP/far.phi" "$TMP/far.dlt"
    grep -a '^fill: ' "$TMP/far.phi" | sed 's/^fill: //' > "$TMP/got_fill.txt"
    numbers_near "$TMP/got_fill.txt" "$TMP/mean.txt" 0
}

@test "a fitted value that would overflow is exit 1, and no design record holds it" {
    printf 'a\n-1.7e308\n1.7e308\n' | dl-tensor import > "$TMP/far.dlt"
    run dl-design -q --rbf 2 --alpha 1 -o "$TMP/out.dlt" "$TMP/far.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/far.dlt: design: the fitted 'rbf_centers' overflows to infinity (the inputs are too far apart for this basis: scale them down)" ]
    [ ! -e "$TMP/out.dlt" ]
}

@test "--rbf 1: the grid's one center is the middle of the range, near the largest double too" {
    printf 'a\n1e308\n1.7e308\n' | dl-tensor import > "$TMP/high.dlt"
    dl-design -q --rbf 1 --alpha 1 -o "$TMP/out.dlt" "$TMP/high.dlt"
    grep -a '^rbf_centers: ' "$TMP/out.dlt" | sed 's/^rbf_centers: //' > "$TMP/got.txt"
    echo 1.35e308 > "$TMP/want.txt"
    numbers_near "$TMP/got.txt" "$TMP/want.txt" 1e-15
}

@test "--fourier, --legendre: an input wider than a double holds is named, exit 1; standardized it fits" {
    printf 'a\n-1.7e308\n1.7e308\n0\n' | dl-tensor import > "$TMP/far.dlt"
    for block in fourier legendre; do
        run dl-design -q --$block 2 -o "$TMP/out.dlt" "$TMP/far.dlt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-design: $TMP/far.dlt: design: input 1 ('a') spans -1.7e+308 to 1.7e+308, wider than a double holds, for the $block block: scale x (--standardize)" ]
        [ ! -e "$TMP/out.dlt" ]
    done
    # standardized: -1.2247..., 1.2247..., 0, whose range maps to [0, 1]
    run bash -c "dl-design -q --standardize --legendre 1 --no-bias '$TMP/far.dlt' | dl-tensor export --name x"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf -- '-1\n1\n0')" ]
}

@test "--apply: a design value that overflows names its column and what helps, by its block" {
    printf 'a\n0\n1\n' | dl-tensor import > "$TMP/tr.dlt"
    printf 'a\n0.5\n1e200\n' | dl-tensor import > "$TMP/far.dlt"
    printf 'a\n0.5\n1e308\n' | dl-tensor import > "$TMP/farther.dlt"
    dl-design -q --poly 2 -o "$TMP/poly.dlt" "$TMP/tr.dlt"
    dl-design -q --legendre 2 -o "$TMP/leg.dlt" "$TMP/tr.dlt"
    dl-design -q --fourier 1 -o "$TMP/four.dlt" "$TMP/tr.dlt"
    run dl-design -q --apply "$TMP/poly.dlt" "$TMP/far.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/far.dlt: record 2 ('x'): design row 2 column 3 ('a^2') overflows to infinity (try --standardize or a lower degree)" ]
    run dl-design -q --apply "$TMP/leg.dlt" "$TMP/far.dlt"
    [ "$output" = "dl-design: $TMP/far.dlt: record 2 ('x'): design row 2 column 3 ('P2(a)') overflows to infinity (try --standardize or a lower degree)" ]
    # a sine has no degree to lower: its input, mapped, is what overflows
    run dl-design -q --apply "$TMP/four.dlt" "$TMP/farther.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/farther.dlt: record 2 ('x'): design row 2 column 2 ('sin1(a)') overflows to infinity (the input is too far out for this basis: scale x, --standardize)" ]
}

@test "--apply: --legendre and --fourier map an input far out of the training range when the value is finite" {
    # P1(1e308) over [1, 3] is 1e308 - 2, though 2 (x - 1) is not finite
    printf 'a\n1\n2\n3\n' | dl-tensor import > "$TMP/tr.dlt"
    printf 'a\n1e308\n' | dl-tensor import > "$TMP/far.dlt"
    dl-design -q --legendre 1 --no-bias -o "$TMP/leg.dlt" "$TMP/tr.dlt"
    dl-design -q --apply "$TMP/leg.dlt" "$TMP/far.dlt" | dl-tensor export --name x > "$TMP/got.csv"
    echo 1e308 > "$TMP/want.csv"
    numbers_near "$TMP/got.csv" "$TMP/want.csv" 1e-15
    # P2(1e154) over [-1, 1] is 1.5e308 - 0.5, though 3 t P1(t) is not finite
    printf 'a\n-1\n1\n' | dl-tensor import > "$TMP/unit.dlt"
    printf 'a\n1e154\n' | dl-tensor import > "$TMP/tall.dlt"
    dl-design -q --legendre 2 --no-bias -o "$TMP/leg2.dlt" "$TMP/unit.dlt"
    dl-design -q --apply "$TMP/leg2.dlt" "$TMP/tall.dlt" | dl-tensor export --name x > "$TMP/got.csv"
    echo 1e154,1.5e308 > "$TMP/want.csv"
    numbers_near "$TMP/got.csv" "$TMP/want.csv" 1e-15
    # u(1e308) over [-1e308, 0] is 2, though x + 1e308 is not finite: sin(4 pi), cos(4 pi)
    printf 'a\n-1e308\n0\n' | dl-tensor import > "$TMP/wide.dlt"
    dl-design -q --fourier 1 --no-bias -o "$TMP/four.dlt" "$TMP/wide.dlt"
    dl-design -q --apply "$TMP/four.dlt" "$TMP/far.dlt" | dl-tensor export --name x > "$TMP/got.csv"
    awk 'BEGIN { printf "%.17g,%.17g\n", sin(8 * atan2(0, -1)), cos(8 * atan2(0, -1)) }' > "$TMP/want.csv"
    numbers_near "$TMP/got.csv" "$TMP/want.csv" 1e-15
}

@test "--apply of a standardized design: an overflow does not suggest --standardize" {
    # training mean 0.5, scale 0.5: 1e308 standardizes to 2e308, and 1e200
    # to 2e200, whose square overflows
    printf 'a\n0\n1\n' | dl-tensor import > "$TMP/tr.dlt"
    printf 'a\n0.5\n1e308\n' | dl-tensor import > "$TMP/farther.dlt"
    printf 'a\n0.5\n1e200\n' | dl-tensor import > "$TMP/far.dlt"
    dl-design -q --standardize -o "$TMP/lin.dlt" "$TMP/tr.dlt"
    dl-design -q --standardize --poly 2 -o "$TMP/poly.dlt" "$TMP/tr.dlt"
    dl-design -q --standardize --fourier 1 -o "$TMP/four.dlt" "$TMP/tr.dlt"
    run dl-design -q --apply "$TMP/lin.dlt" "$TMP/farther.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/farther.dlt: record 2 ('x'): design row 2, input 1 ('a'): 1e+308 is too far out of the training rows (mean 0.5, standard deviation 0.5) to standardize: it overflows to infinity" ]
    run dl-design -q --apply "$TMP/four.dlt" "$TMP/farther.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/farther.dlt: record 2 ('x'): design row 2, input 1 ('a'): 1e+308 is too far out of the training rows (mean 0.5, standard deviation 0.5) to standardize: it overflows to infinity" ]
    run dl-design -q --apply "$TMP/poly.dlt" "$TMP/far.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/far.dlt: record 2 ('x'): design row 2 column 3 ('a^2') overflows to infinity (try a lower degree: the inputs are standardized already)" ]
}

@test "--fourier, --legendre: a constant input above 2^53 is a constant input like any other" {
    # a constant input's range is a unit one up from it, so its value is the
    # range's start: u = 0 (sin 0, cos 0) and t = -1 (P1 = -1, P2 = 1)
    for v in 1 1e20 -3e300; do
        printf 'a\n%s\n%s\n' "$v" "$v" | dl-tensor import > "$TMP/const.dlt"
        run bash -c "dl-design -q --fourier 1 --legendre 2 --no-bias '$TMP/const.dlt' | dl-tensor export --name x"
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf '0,1,-1,1\n0,1,-1,1')" ]
    done
}

@test "dl-design: a write to its temporary copy of the input that fails names the directory" {
    awk 'BEGIN { print "c,x,y"; for (i = 0; i < 20000; i++) print "s" i % 5 "," i "," 2 * i }' > "$TMP/strs.csv"
    dl-tensor import --target y "$TMP/strs.csv" > "$TMP/strs.dlt"
    mkdir "$TMP/tmpdir"
    # files of at most 8 KiB, SIGXFSZ ignored: a write past that fails (EFBIG),
    # as on a full file system; standard output is a device, not limited
    run bash -c 'trap "" XFSZ; ulimit -f 8; TMPDIR="$1" dl-design --impute median "$2" > /dev/null' \
        - "$TMP/tmpdir" "$TMP/strs.dlt"
    [ "$status" -eq 3 ]
    [[ $output == "dl-design: the temporary copy of the input in $TMP/tmpdir: write failed: "* ]]
}

@test "dl-design: an output that cannot be written is named alone, not under the input's record" {
    # x of 200000 rows (3.2 MB, its design 9.6 MB) is past a limit of 50 KiB
    # before the writers' buffers hold it, whether designed as it streams or
    # copied for a fit first
    awk 'BEGIN { print "a,b,y"; for (i = 0; i < 200000; i++) print i "," i % 7 "," 2 * i }' > "$TMP/big.csv"
    dl-tensor import --target y "$TMP/big.csv" -o "$TMP/big.dlt"
    mkdir "$TMP/tmpdir"
    local fit
    for fit in "" "--impute mean"; do
        run bash -c 'trap "" XFSZ; ulimit -f 50; TMPDIR="$3" dl-design -q --poly 2 $1 -o "$2/o.dlt" "$2/big.dlt"' \
            - "$fit" "$TMP" "$TMP/tmpdir"
        [ "$status" -eq 3 ]
        if [ -z "$fit" ]; then
            [ "$output" = "dl-design: $TMP/o.dlt: write failed: File too large" ]
        else
            [ "$output" = "dl-design: the temporary copy of the input in $TMP/tmpdir: write failed: File too large" ]
        fi
        [ -w /dev/full ] || continue
        run bash -c 'dl-design -q --poly 2 $1 "$2" > /dev/full' - "$fit" "$TMP/big.dlt"
        [ "$status" -eq 3 ]
        [ "$output" = "dl-design: standard output: write failed: No space left on device" ]
        run dl-design -q --poly 2 $fit -o /dev/full "$TMP/big.dlt"
        [ "$status" -eq 3 ]
        [ "$output" = "dl-design: /dev/full: write failed: No space left on device" ]
    done
}

@test "--poly: a monomial of degree above 64 is named by its degree (a^70), not cut short" {
    printf 'a\n0.5\n' | dl-tensor import > "$TMP/a.dlt"
    run bash -c "dl-design -q --no-bias --poly 70 '$TMP/a.dlt' | dl-tensor export --header --name x | head -1"
    [ "$status" -eq 0 ]
    [ "$output" = "$(seq -s, 2 70 | sed 's/[0-9]*/a^&/g; s/^/a,/')" ]
    # 3^646 < DBL_MAX < 3^647 (python3: 3**646 < sys.float_info.max < 3**647):
    # column 648 holds x0^647, the first product that overflows
    printf '3\n' | dl-tensor import > "$TMP/three.dlt"
    run dl-design -q --poly 700 "$TMP/three.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/three.dlt: record 1 ('x'): design row 1 column 648 ('x0^647') overflows to infinity (try --standardize or a lower degree)" ]
}

@test "an x of no columns is an error of the data naming its file and record, whatever the options" {
    # zero_cols.dlt: x of 4 rows and no columns (tests/hostile/gen_hostile.py)
    z="$DL_TEST_ROOT/tests/hostile/inputs/zero_cols.dlt"
    printf 'a\n1\n' | dl-tensor import > "$TMP/a.dlt"
    dl-design -q -o "$TMP/lin.dlt" "$TMP/a.dlt"
    for opts in "" "--no-bias --poly 2" "--impute mean" "--standardize" "--rbf 2" "--apply $TMP/lin.dlt"; do
        run dl-design -q $opts "$z"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-design: $z: record 1 ('x'): x has no columns" ]
    done
}

@test "--rbf 1 --centers kmeans: the one center's width comes from every input's range, not the first's" {
    # ranges 1 (a constant input: a unit range) and 100: width half their
    # mean, 25.25, alpha = 1/(2 25.25^2) (python3: '%.17g' % (1 / (2 * 25.25**2)))
    printf '0,0\n0,50\n0,100\n' | dl-tensor import > "$TMP/a.dlt"
    printf '0,0\n50,0\n100,0\n' | dl-tensor import > "$TMP/b.dlt"
    for f in a b; do
        run bash -c "dl-design -q --rbf 1 --centers kmeans '$TMP/$f.dlt' | dl-tensor export --name design | grep alpha"
        [ "$status" -eq 0 ]
        [ "$output" = "rbf_alpha: 0.00078423683952553666" ]
    done
}
