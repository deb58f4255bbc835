#!/usr/bin/env bats
# dl-lstsq against numpy / scikit-learn references (tests/fixtures/linear/gen_linear.py).

load linear_helpers

# fit_w STREAM OPTIONS...: the fitted weights as CSV in $TMP/w.csv
fit_w() {
    local in=$1
    shift
    dl-lstsq -q "$@" < "$in" > "$TMP/m.ckpt" && dl-tensor export --name w "$TMP/m.ckpt" > "$TMP/w.csv"
}

@test "dl-lstsq --help shows every default and --version" {
    run dl-lstsq --help
    [ "$status" -eq 0 ]
    [[ $output == *"(default: svd;"* ]]
    # as dl-lstsq(1): the penalties work on X^T X; --partial takes no method
    [[ $output == *"(default: svd; normal with --ridge, --lasso and"*"--elastic-net, which work on X^T X); with --combine, any"*"method; --partial takes none"* ]]
    [[ $output == *"(default: 0.5)"* ]]
    [[ $output == *"(default: 1e-12)"* ]]
    run dl-lstsq --version
    [[ $output == "dl-lstsq (dl toolkit)"* ]]
}

@test "svd, qr and normal give numpy.linalg.lstsq's weights to 1e-10" {
    import_csv train.csv 1 | dl-design --poly 2 -q > "$TMP/d.dlt"
    for m in svd qr normal; do
        fit_w "$TMP/d.dlt" --method $m
        WANT_SKIP=1 numbers_near "$TMP/w.csv" "$FIX/train_poly2_w.txt" 1e-10
    done
}

@test "two outputs: lstsq, ridge closed form, lasso and elastic net as scikit-learn" {
    import_csv wc.csv 2 > "$TMP/wc.dlt"
    fit_w "$TMP/wc.dlt"
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$FIX/wc_w_lstsq.txt" 1e-10
    fit_w "$TMP/wc.dlt" --ridge 0.5
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$FIX/wc_w_ridge.txt" 1e-10
    fit_w "$TMP/wc.dlt" --lasso 0.05
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$FIX/wc_w_lasso.txt" 1e-6
    fit_w "$TMP/wc.dlt" --elastic-net 0.05 --l1-ratio 0.3
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$FIX/wc_w_enet.txt" 1e-6
}

@test "lasso reports its exact zeros" {
    import_csv wc.csv 2 > "$TMP/wc.dlt"
    run dl-lstsq --lasso 0.05 -o "$TMP/m.ckpt" "$TMP/wc.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"2 of 8 weights are exactly zero"* ]]
}

@test "a strength whose product with the rows overflows: lasso and elastic net are scikit-learn's, every penalized weight 0" {
    # scikit-learn's Lasso and ElasticNet (alpha 1e308, any l1_ratio) on these
    # rows: coef 0 and intercept mean(y) = 5; with fit_intercept=False all 0
    printf 'x,y\n1,2\n2,4\n3,5\n4,9\n' > "$TMP/s.csv"
    dl-tensor import -t 1 "$TMP/s.csv" | dl-design -q > "$TMP/s.dlt"
    printf '5\n0\n' > "$TMP/want.csv"
    for opts in "--lasso 1e308" "--elastic-net 1e308" "--elastic-net 1e308 --l1-ratio 0"; do
        fit_w "$TMP/s.dlt" $opts
        numbers_near "$TMP/w.csv" "$TMP/want.csv" 1e-12
        fit_w "$TMP/s.dlt" $opts --penalize-bias
        printf '0\n0\n' | numbers_near "$TMP/w.csv" - 0
    done
}

@test "the report: rows, columns, rank, condition number, MSE and R^2 per output" {
    import_csv wc.csv 2 > "$TMP/wc.dlt"
    run dl-lstsq -v -o "$TMP/m.ckpt" "$TMP/wc.dlt"
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == "dl-lstsq: 60 rows, 4 columns, 2 outputs, method svd, rank 4, condition number ~"* ]]
    [[ ${lines[1]} == "dl-lstsq: output 1: training MSE "*", R^2 0.9"* ]]
    [[ ${lines[2]} == "dl-lstsq: output 2: training MSE "* ]]
    [[ ${lines[3]} == "dl-lstsq: singular values: "* ]]
}

@test "a duplicated column: svd gives the minimum-norm solution, normal and qr refuse" {
    import_csv dup.csv 1 > "$TMP/dup.dlt"
    run dl-lstsq -o "$TMP/m.ckpt" "$TMP/dup.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"rank 3"* ]]
    dl-tensor export --name w "$TMP/m.ckpt" > "$TMP/w.csv"
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$FIX/dup_w.txt" 1e-10
    run dl-lstsq --method normal -o "$TMP/n.ckpt" "$TMP/dup.dlt"
    [ "$status" -eq 5 ]
    [[ $output == "dl-lstsq: "*"singular"*"--method svd"* ]]
    [ ! -e "$TMP/n.ckpt" ]
    run dl-lstsq --method qr "$TMP/dup.dlt"
    [ "$status" -eq 5 ]
    [[ $output == *"rank deficient"*"svd"* ]]
    # with a ridge too small to help, the advice is one that can work
    run dl-lstsq --ridge 1e-300 "$TMP/dup.dlt"
    [ "$status" -eq 5 ]
    [[ $output == *"singular or nearly so"*": raise --ridge, or scale the columns (dl-design --standardize)" ]]
}

@test "a duplicated column: ridge, lasso and --combine report numpy's rank too, and keep it" {
    import_csv dup.csv 1 > "$TMP/dup.dlt"
    rank=$(tail -n 1 "$FIX/dup_rank.txt")
    for opts in "--ridge 1" "--lasso 0.01" "--elastic-net 0.01"; do
        run dl-lstsq $opts -o "$TMP/m.ckpt" "$TMP/dup.dlt"
        [ "$status" -eq 0 ]
        [[ ${lines[0]} == *", rank $rank, "* ]]
        dl-tensor export --name model "$TMP/m.ckpt" | grep -qx "rank: $rank"
    done
    dl-lstsq -q --partial "$TMP/dup.dlt" > "$TMP/p.dlt"
    run dl-lstsq --combine --ridge 1 -o "$TMP/m.ckpt" "$TMP/p.dlt"
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == *", rank $rank, "* ]]
}

@test "--partial over 3 shards then --combine equals one pass over all rows" {
    head -n 50 "$FIX/train.csv" > "$TMP/s1.csv"
    sed -n '51,137p' "$FIX/train.csv" > "$TMP/s2.csv"
    tail -n +138 "$FIX/train.csv" > "$TMP/s3.csv"
    for s in s1 s2 s3; do
        dl-tensor import -t 1 "$TMP/$s.csv" | dl-design --poly 2 -q | dl-lstsq --partial > "$TMP/$s.part"
    done
    cat "$TMP"/s?.part | dl-lstsq --combine -q > "$TMP/big.ckpt"
    dl-tensor export --name w "$TMP/big.ckpt" > "$TMP/w.csv"
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$FIX/train_poly2_w.txt" 1e-10
    import_csv train.csv 1 | dl-design --poly 2 -q > "$TMP/d.dlt"
    fit_w "$TMP/d.dlt" --method normal
    numbers_near "$TMP/w.csv" <(dl-tensor export --name w "$TMP/big.ckpt") 1e-12
    # the combined checkpoint carries the design, so it predicts raw x
    dl-tensor import -t 1 "$FIX/test.csv" | dl-predict "$TMP/big.ckpt" > /dev/null
}

@test "an empty shard's partial holds zero statistics, and --combine gives the others' model" {
    import_csv train.csv 1 > "$TMP/all.dlt"
    dl-tensor head -n 0 "$TMP/all.dlt" | dl-design --poly 2 -q | dl-lstsq --partial > "$TMP/empty.part"
    [ "$(dl-tensor export --name rows "$TMP/empty.part")" = 0 ]
    dl-design --poly 2 -q "$TMP/all.dlt" | dl-lstsq --partial > "$TMP/all.part"
    cat "$TMP/empty.part" "$TMP/all.part" "$TMP/empty.part" | dl-lstsq --combine -q > "$TMP/big.ckpt"
    dl-tensor export --name w "$TMP/big.ckpt" > "$TMP/w.csv"
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$FIX/train_poly2_w.txt" 1e-10
    run dl-lstsq --combine "$TMP/empty.part"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/empty.part: no rows to fit" ]
}

@test "--partial and --combine keep the column names and class names a one-pass fit keeps" {
    printf 'speed,depth,kind\n1,2,a\n2,1,b\n3,5,a\n4,3,b\n5,8,a\n6,2,b\n7,7,a\n' > "$TMP/t.csv"
    dl-tensor import --target kind "$TMP/t.csv" | dl-design --poly 2 -q > "$TMP/d.dlt"
    dl-lstsq -q < "$TMP/d.dlt" > "$TMP/one.ckpt"
    dl-tensor import --target kind "$TMP/t.csv" | dl-tensor split --fraction 0.5 - "$TMP/p1.dlt" "$TMP/p2.dlt"
    for p in p1 p2; do
        dl-design --poly 2 -q < "$TMP/$p.dlt" | dl-lstsq --partial > "$TMP/$p.part"
    done
    cat "$TMP/p1.part" "$TMP/p2.part" | dl-lstsq --combine -q > "$TMP/two.ckpt"
    for r in x.names y.names y.categories; do
        [ -n "$(dl-tensor export --name $r "$TMP/one.ckpt")" ]
        diff <(dl-tensor export --name $r "$TMP/one.ckpt") <(dl-tensor export --name $r "$TMP/two.ckpt")
    done
    # partials whose classes differ are not one data set
    printf 'speed,depth,kind\n1,2,a\n2,1,c\n3,5,a\n' | dl-tensor import --target kind |
        dl-design --poly 2 -q | dl-lstsq --partial > "$TMP/other.part"
    run bash -c "cat '$TMP/p1.part' '$TMP/other.part' | dl-lstsq --combine"
    [ "$status" -eq 1 ]
    [[ $output == *"'y.categories' differs"* ]]
}

@test "y of three string classes is refused before any row is fitted, one-pass and --partial; two classes are fitted" {
    printf 'speed,depth,kind\n1,2,a\n2,1,b\n3,5,c\n4,3,b\n5,8,a\n6,2,c\n7,7,a\n' > "$TMP/t.csv"
    dl-tensor import --target kind "$TMP/t.csv" | dl-design --poly 1 -q > "$TMP/d.dlt"
    msg="record 5 ('y'): y column 1 ('kind') holds 3 classes ('a' to 'c'): a regression would fit their codes 0 to 2"
    for opt in -q --partial; do
        run dl-lstsq $opt -o "$TMP/m.ckpt" "$TMP/d.dlt"
        [ "$status" -eq 1 ] || { echo "$output"; return 1; }
        [[ $output == "dl-lstsq: $TMP/d.dlt: $msg"*"dl-train with loss ce and a softmax output of 3 units" ]] ||
            { echo "$output"; return 1; }
        [ ! -e "$TMP/m.ckpt" ]
    done
    # the classes' record after y's codes (streams joined) is refused at it
    dl-tensor import --target kind "$TMP/t.csv" | dl-tensor export --name x > "$TMP/x.csv"
    { dl-tensor import --name x "$TMP/x.csv"; printf '0\n1\n2\n1\n0\n2\n0\n' | dl-tensor import --name y
      dl-tensor import --target kind "$TMP/t.csv" | dl-tensor export --name y.categories |
          dl-tensor import --format text --name y.categories; } > "$TMP/late.dlt"
    run dl-lstsq -q "$TMP/late.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: $TMP/late.dlt: record 3 ('y.categories'): y column 1 holds 3 classes"* ]] ||
        { echo "$output"; return 1; }
    # two classes: the least-squares classifier of their codes 0 and 1
    printf 'speed,depth,kind\n1,2,a\n2,1,b\n3,5,a\n4,3,b\n5,8,a\n' | dl-tensor import --target kind |
        dl-lstsq -q > "$TMP/two.ckpt"
    [ "$(dl-tensor export --name y.categories "$TMP/two.ckpt")" = "$(printf '0\ta\tb')" ]
}

@test "a y code that names no class of y.categories is refused, naming record, row and column, as dl-tensor export refuses it" {
    printf 'a,b,kind\n0,1,no\n2,3,yes\n4,5,no\n6,7,yes\n8,9,no\n' | dl-tensor import --target kind |
        dl-tensor export --name y.categories | dl-tensor import --format text --name y.categories > "$TMP/cats.dlt"
    for code in 2 0.5 -1; do
        printf 'a,b,kind\n0,1,0\n2,3,1\n4,5,%s\n6,7,1\n8,9,0\n' $code | dl-tensor import --target kind > "$TMP/codes.dlt"
        cat "$TMP/cats.dlt" "$TMP/codes.dlt" > "$TMP/bad.dlt"
        run dl-tensor export "$TMP/bad.dlt"
        [ "$status" -eq 1 ]
        for opt in -q --partial; do
            run dl-lstsq $opt -o "$TMP/m.ckpt" "$TMP/bad.dlt"
            [ "$status" -eq 1 ]
            [ "$output" = "dl-lstsq: $TMP/bad.dlt: record 5 ('y'): row 3, column 1 ('kind'): $code is not a category code (0..1)" ] ||
                { echo "$output"; return 1; }
            [ ! -e "$TMP/m.ckpt" ]
        done
        # the classes after y's codes (streams joined): refused at them, naming the row
        cat "$TMP/codes.dlt" "$TMP/cats.dlt" > "$TMP/late.dlt"
        run dl-lstsq -q -o "$TMP/m.ckpt" "$TMP/late.dlt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-lstsq: $TMP/late.dlt: record 5 ('y.categories'): 'y' before it: row 3, column 1 ('kind'): $code is not a category code (0..1)" ] ||
            { echo "$output"; return 1; }
        [ ! -e "$TMP/m.ckpt" ]
    done
    # one class: its one code is 0, before the classes or after them
    printf '0\tno\n' | dl-tensor import --format text --name y.categories > "$TMP/one.dlt"
    printf 'a,b,kind\n0,1,0\n2,3,0\n4,5,1\n' | dl-tensor import --target kind > "$TMP/codes.dlt"
    for order in "one codes" "codes one"; do
        set -- $order
        cat "$TMP/$1.dlt" "$TMP/$2.dlt" > "$TMP/bad.dlt"
        run dl-lstsq -q -o "$TMP/m.ckpt" "$TMP/bad.dlt"
        [ "$status" -eq 1 ]
        [[ $output == "dl-lstsq: $TMP/bad.dlt: record "*"row 3, column 1 ('kind'): 1 is not a category code (0..0)" ]] ||
            { echo "$output"; return 1; }
    done
    # codes of the classes, before them or after, are fitted
    printf 'a,b,kind\n0,1,0\n2,3,1\n4,5,0\n6,7,1\n8,9,0\n' | dl-tensor import --target kind > "$TMP/codes.dlt"
    cat "$TMP/cats.dlt" "$TMP/codes.dlt" | dl-lstsq -q > "$TMP/m.ckpt"
    cat "$TMP/codes.dlt" "$TMP/cats.dlt" | dl-lstsq -q > "$TMP/m.ckpt"
}

@test "--combine refuses partials made with different designs" {
    dl-tensor import -t 1 "$FIX/train.csv" | dl-design --poly 2 -q | dl-lstsq --partial > "$TMP/a.part"
    dl-tensor import -t 1 "$FIX/train.csv" | dl-design --poly 2 --standardize -q | dl-lstsq --partial > "$TMP/b.part"
    run bash -c "cat '$TMP/a.part' '$TMP/a.part' '$TMP/b.part' | dl-lstsq --combine"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: <stdin>: record "*" ('design'): partial 3 was made with another design than the first" ]]
    import_csv train.csv 1 > "$TMP/t.dlt"
    run dl-lstsq --combine "$TMP/t.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/t.dlt: record 1 ('x'): rows of data, not a dl-lstsq --partial output: make their partial first (dl-lstsq --partial), or fit them without --combine" ]
}

@test "--combine refuses rows of data beside partials, naming the record, where it fitted the partials alone" {
    import_csv train.csv 1 > "$TMP/t.dlt"
    dl-lstsq --partial -o "$TMP/a.part" "$TMP/t.dlt"
    run bash -c "cat '$TMP/a.part' '$TMP/t.dlt' | dl-lstsq --combine -o '$TMP/m.ckpt'"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: <stdin>: record "*" ('x'): rows of data, not a dl-lstsq --partial output"* ]]
    [ ! -e "$TMP/m.ckpt" ]
    # a design's data beside its partial: its design record is a second one
    dl-design -q "$TMP/t.dlt" > "$TMP/d.dlt"
    dl-lstsq --partial -o "$TMP/d.part" "$TMP/d.dlt"
    run bash -c "cat '$TMP/d.part' '$TMP/d.dlt' | dl-lstsq --combine -o '$TMP/m.ckpt'"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: <stdin>: record "*" ('design'): partial 1 has a second design record" ]]
}

@test "--combine names the record of column metadata that differs between partials" {
    printf 'a,b,y\n1,2,3\n2,1,4\n3,5,1\n4,4,4\n' > "$TMP/t.csv"
    dl-tensor import -t 1 "$TMP/t.csv" | dl-lstsq --partial -o "$TMP/a.part"
    printf 'a,c,y\n1,2,3\n2,1,4\n3,5,1\n4,4,4\n' | dl-tensor import -t 1 | dl-lstsq --partial -o "$TMP/c.part"
    run bash -c "cat '$TMP/a.part' '$TMP/c.part' | dl-lstsq --combine -o '$TMP/m.ckpt'"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: <stdin>: record "[0-9]*" ('x.names'): partial 2's 'x.names' differs from the first partial's" ]]
}

@test "--combine refuses a partial without the column metadata the first had, or with some it had not" {
    # string classes in one shard, their codes (one of them no class) in the other
    printf 'a,b,cls\n1,2,no\n2,1,yes\n3,5,no\n4,4,yes\n' | dl-tensor import --target cls > "$TMP/cls.dlt"
    printf 'a,b,cls\n1,2,0\n2,1,2\n3,5,1\n4,4,0\n' | dl-tensor import --target cls > "$TMP/num.dlt"
    dl-lstsq -q --partial "$TMP/cls.dlt" -o "$TMP/c.part"
    dl-lstsq -q --partial "$TMP/num.dlt" -o "$TMP/n.part"
    run bash -c "cat '$TMP/c.part' '$TMP/n.part' | dl-lstsq -q --combine -o '$TMP/m.ckpt'"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: <stdin>: partial 2 ended without 'y.categories', which the partials before it had" ]
    run bash -c "cat '$TMP/n.part' '$TMP/c.part' | dl-lstsq -q --combine -o '$TMP/m.ckpt'"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: <stdin>: record "[0-9]*" ('y.categories'): partial 2 has 'y.categories', which the partials before it had not" ]]
    [ ! -e "$TMP/m.ckpt" ]
    # named columns beside columns by position
    printf '1,2,0\n2,1,1\n3,5,1\n4,4,0\n' | dl-tensor import --no-header -t 1 | dl-lstsq -q --partial -o "$TMP/u.part"
    printf 'a,b,y\n1,2,0\n2,1,1\n3,5,1\n4,4,0\n' | dl-tensor import -t 1 | dl-lstsq -q --partial -o "$TMP/t.part"
    run bash -c "cat '$TMP/t.part' '$TMP/u.part' | dl-lstsq -q --combine -o '$TMP/m.ckpt'"
    [ "$status" -eq 1 ]
    [[ $output == *"partial 2 ended without 'x.names', which the partials before it had" ]]
    cat "$TMP/c.part" "$TMP/c.part" | dl-lstsq -q --combine -o "$TMP/m.ckpt"
}

@test "--combine refuses a partial with a design beside one without (x as it is)" {
    # the same two columns, raw in one partial and standardized in the other
    dl-tensor import -t 1 "$FIX/train.csv" | dl-lstsq --partial > "$TMP/raw.part"
    dl-tensor import -t 1 "$FIX/train.csv" | dl-design --no-bias --standardize -q |
        dl-lstsq --partial > "$TMP/std.part"
    run bash -c "cat '$TMP/raw.part' '$TMP/std.part' | dl-lstsq --combine -o '$TMP/m.ckpt'"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: <stdin>: record "*" ('design'): partial 2 was made with another design than the first" ]]
    [ ! -e "$TMP/m.ckpt" ]
    run bash -c "cat '$TMP/std.part' '$TMP/raw.part' | dl-lstsq --combine -o '$TMP/m.ckpt'"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: <stdin>: partial 2 ended without the design record the partials before it had" ]
    [ ! -e "$TMP/m.ckpt" ]
    run bash -c "cat '$TMP/std.part' '$TMP/std.part' '$TMP/raw.part' '$TMP/std.part' | dl-lstsq --combine -q -o '$TMP/m.ckpt'"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: <stdin>: record "*" ('model'): partial 3 ended without the design record the partials before it had" ]]
    cat "$TMP/raw.part" "$TMP/raw.part" | dl-lstsq --combine -q -o "$TMP/m.ckpt"
}

# MSE and R^2 of the report's line for output 1, as "MSE R2".
report_fit() {
    awk '/output 1: training MSE/ { sub(/,/, "", $6); print $6, $8 }'
}

@test "a large offset in y: MSE, R^2 and the noise variance are numpy's for every method" {
    # y = 1.7e9 + 10 x + noise: y'y-based sums cancel every digit here
    import_csv offset.csv 1 | dl-design -q > "$TMP/phi.dlt"
    read -r mse r2 s2 rmse rr2 < <(tail -n 1 "$FIX/offset_fit.txt")
    for m in svd qr normal; do
        dl-lstsq -m "$m" -o "$TMP/m.ckpt" < "$TMP/phi.dlt" 2>&1 | report_fit > "$TMP/fit.txt"
        echo "$mse $r2" > "$TMP/want.txt"
        numbers_near "$TMP/fit.txt" "$TMP/want.txt" 1e-5
    done
    dl-lstsq --ridge 0.1 -o "$TMP/m.ckpt" < "$TMP/phi.dlt" 2>&1 | report_fit > "$TMP/fit.txt"
    echo "$rmse $rr2" > "$TMP/want.txt"
    numbers_near "$TMP/fit.txt" "$TMP/want.txt" 1e-5
    dl-lstsq -q --posterior -o "$TMP/m.ckpt" < "$TMP/phi.dlt"
    dl-tensor export --name sigma2 "$TMP/m.ckpt" > "$TMP/s2.csv"
    echo "$s2" > "$TMP/want.txt"
    numbers_near "$TMP/s2.csv" "$TMP/want.txt" 1e-5 # rounding of 1.7e9 in R: about 1e-7
}

@test "a large offset in y: --combine of two partials reports numpy's MSE, R^2 and noise variance" {
    import_csv offset.csv 1 | dl-design -q > "$TMP/phi.dlt"
    dl-tensor split --fraction 0.4 --seed 3 "$TMP/phi.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-lstsq -q --partial < "$TMP/a.dlt" > "$TMP/p.dlt"
    dl-lstsq -q --partial < "$TMP/b.dlt" >> "$TMP/p.dlt"
    read -r mse r2 s2 rmse rr2 < <(tail -n 1 "$FIX/offset_fit.txt")
    dl-lstsq --combine --posterior -o "$TMP/m.ckpt" < "$TMP/p.dlt" 2>&1 | report_fit > "$TMP/fit.txt"
    echo "$mse $r2" > "$TMP/want.txt"
    numbers_near "$TMP/fit.txt" "$TMP/want.txt" 1e-5
    dl-tensor export --name sigma2 "$TMP/m.ckpt" > "$TMP/s2.csv"
    echo "$s2" > "$TMP/want.txt"
    numbers_near "$TMP/s2.csv" "$TMP/want.txt" 1e-5
}

@test "y's mean far beyond its residuals: --combine folds the partials' factors into numpy's MSE and R^2" {
    # y = 1e9 + 3 x + N(0, 1e-3): the residuals are 1e-12 of y
    import_csv offset9.csv 1 | dl-design -q > "$TMP/phi.dlt"
    read -r mse r2 < <(tail -n 1 "$FIX/offset9_fit.txt")
    dl-tensor split --fraction 0.5 --seed 3 "$TMP/phi.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-lstsq -q --partial < "$TMP/a.dlt" > "$TMP/p.dlt"
    dl-lstsq -q --partial < "$TMP/b.dlt" >> "$TMP/p.dlt"
    for m in svd qr normal; do
        dl-lstsq --combine -m $m -o "$TMP/m.ckpt" < "$TMP/p.dlt" 2>&1 | report_fit > "$TMP/fit.txt"
        echo "$mse $r2" > "$TMP/want.txt"
        numbers_near "$TMP/fit.txt" "$TMP/want.txt" 1e-3
    done
    run dl-lstsq --combine --posterior -o "$TMP/m.ckpt" "$TMP/p.dlt"
    [ "$status" -eq 0 ]
}

@test "y's mean beyond what the statistics resolve: partials without their factor give bounds, and no noise variance" {
    import_csv offset9.csv 1 | dl-design -q > "$TMP/phi.dlt"
    read -r mse r2 < <(tail -n 1 "$FIX/offset9_fit.txt")
    dl-tensor split --fraction 0.5 --seed 3 "$TMP/phi.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-lstsq -q --partial -o "$TMP/a.part" "$TMP/a.dlt"
    dl-lstsq -q --partial -o "$TMP/b.part" "$TMP/b.dlt"
    cols=$(dl-tensor export --name xtx "$TMP/a.part" | wc -l)
    { without_factor "$TMP/a.part" $((cols + 1)); without_factor "$TMP/b.part" $((cols + 1)); } > "$TMP/p.dlt"
    run dl-tensor info "$TMP/p.dlt"
    [ "$status" -eq 0 ]
    [[ $output != *" r"$'\n'* && $output == *"ycss"* ]]
    run dl-lstsq --combine -o "$TMP/m.ckpt" "$TMP/p.dlt"
    [ "$status" -eq 0 ]
    line=$(printf '%s\n' "${lines[@]}" | grep 'output 1: training MSE')
    [[ $line == *"MSE at most "*", R^2 at least "*" (y's mean is too large against its residuals"* ]]
    read -r most least < <(echo "$line" | awk '{ sub(/,/, "", $8); print $8, $12 }')
    awk -v m="$most" -v want="$mse" -v r="$least" -v r2="$r2" 'BEGIN { exit !(m >= want && r <= r2) }'
    run dl-lstsq --combine --posterior -o "$TMP/m.ckpt" "$TMP/p.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"cannot estimate the noise variance of output 1 from the statistics"* ]]
    # one pass: the figures themselves, from the factor R
    dl-lstsq -o "$TMP/m.ckpt" < "$TMP/phi.dlt" 2>&1 | report_fit > "$TMP/fit.txt"
    echo "$mse $r2" > "$TMP/want.txt"
    numbers_near "$TMP/fit.txt" "$TMP/want.txt" 1e-3
}

# r2_of_constant OUTPUT: the report's R^2 for a constant y is scikit-learn's
# r2_score: its total sum of squares is 0, so R^2 is 1 for an exact fit
# (MSE 0) and 0 otherwise, never 1 - RSS/TSS of rounding noise.
r2_of_constant() {
    local line
    line=$(grep "training MSE" <<< "$1")
    [[ $line =~ MSE\ ([^,]*),\ R\^2\ (.*)$ ]] || { echo "no MSE in: $1"; return 1; }
    if [ "${BASH_REMATCH[1]}" = 0 ]; then want=1; else want=0; fi
    [ "${BASH_REMATCH[2]}" = "$want" ] || { echo "R^2 ${BASH_REMATCH[2]}, wanted $want: $line"; return 1; }
}

@test "a constant y: R^2 is scikit-learn's 0 (or 1 for an exact fit) for every method, one pass or --combine" {
    for v in 0.1 123.456; do
        { echo x,y; for i in $(seq 1 100); do echo "$i,$v"; done; } > "$TMP/c.csv"
        dl-tensor import --target y "$TMP/c.csv" | dl-design -q > "$TMP/c.dlt"
        for opts in "" "-m qr" "-m normal" "--ridge 1" "--lasso 0.01"; do
            run dl-lstsq $opts -o "$TMP/m.ckpt" "$TMP/c.dlt"
            [ "$status" -eq 0 ]
            r2_of_constant "$output"
        done
        # three shards of 30, 33 and 37 rows
        for s in "1 30" "31 63" "64 100"; do
            { echo x,y; for i in $(seq $s); do echo "$i,$v"; done; } > "$TMP/s.csv"
            dl-tensor import --target y "$TMP/s.csv" | dl-design -q | dl-lstsq --partial
        done > "$TMP/parts"
        for opts in "" "--ridge 1"; do
            run dl-lstsq --combine $opts -o "$TMP/m.ckpt" "$TMP/parts"
            [ "$status" -eq 0 ]
            r2_of_constant "$output"
        done
    done
}

@test "a column far from 0: lasso and elastic net are scikit-learn's, from one pass or partials with their factor" {
    # x1 = 1e8 + U(0, 1) (tests/fixtures/uncentred/gen_uncentred.py): X^T X
    # holds 1e16 where the centred column's sum of squares is about 8
    U="$DL_TEST_ROOT/tests/fixtures/uncentred"
    dl-tensor import -t 1 "$U/off8.csv" | dl-design -q > "$TMP/phi.dlt"
    fit_w "$TMP/phi.dlt" --lasso 0.001
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$U/off8_lasso.txt" 1e-6
    fit_w "$TMP/phi.dlt" --elastic-net 0.001
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$U/off8_enet.txt" 1e-6
    dl-tensor split --fraction 0.5 --seed 3 "$TMP/phi.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-lstsq -q --partial -o "$TMP/a.part" "$TMP/a.dlt"
    dl-lstsq -q --partial -o "$TMP/b.part" "$TMP/b.dlt"
    cat "$TMP/a.part" "$TMP/b.part" > "$TMP/p.dlt"
    fit_w "$TMP/p.dlt" --combine --lasso 0.001
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$U/off8_lasso.txt" 1e-6
    # without their factor only X^T X is left, whose digits are gone: refused
    { without_factor "$TMP/a.part" 4; without_factor "$TMP/b.part" 4; } > "$TMP/old.dlt"
    run dl-lstsq --combine --lasso 0.001 -o "$TMP/old.ckpt" "$TMP/old.dlt"
    [ "$status" -eq 5 ]
    [[ $output == *"column 2: its mean is too large against its spread"*"(dl-design --standardize)" ]]
    [ ! -e "$TMP/old.ckpt" ]
}

@test "timestamps: ridge with its unpenalized intercept is scikit-learn's, its posterior exact arithmetic's, and one it cannot give says what works" {
    # t = 1.7e9 + 5e5 i (tests/fixtures/uncentred/gen_uncentred.py)
    U="$DL_TEST_ROOT/tests/fixtures/uncentred"
    dl-tensor import -t 1 "$U/ts.csv" | dl-design -q > "$TMP/phi.dlt"
    fit_w "$TMP/phi.dlt" --ridge 1
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$U/ts_ridge1.txt" 1e-7
    dl-lstsq -q --partial < "$TMP/phi.dlt" > "$TMP/p.dlt"
    fit_w "$TMP/p.dlt" --combine --ridge 1
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$U/ts_ridge1.txt" 1e-7
    # the covariance takes X^T X whole, bias column and all, scaled to a
    # unit diagonal: the columns' directions, 1 - 2.6e-5 apart, leave it
    # digits enough (tests/fixtures/posterior/gen_exact.py)
    P="$DL_TEST_ROOT/tests/fixtures/posterior"
    dl-lstsq -q --ridge 1 --posterior -o "$TMP/post.ckpt" "$TMP/phi.dlt"
    dl-tensor export --name w_cov "$TMP/post.ckpt" > "$TMP/cov.csv"
    dl-tensor export --name sigma2 "$TMP/post.ckpt" > "$TMP/s2.csv"
    WANT_SKIP=1 NEAR_REL=1 numbers_near "$TMP/cov.csv" "$P/ts_cov.txt" 1e-9
    WANT_SKIP=1 NEAR_REL=1 numbers_near "$TMP/s2.csv" "$P/ts_sigma2.txt" 1e-12
    # 1e9 + 0..4: directions 1 - 2e-18 apart, which no --ridge separates
    printf 't,y\n1000000000,1\n1000000001,3\n1000000002,2\n1000000003,5\n1000000004,4\n' |
        dl-tensor import --target y | dl-design -q > "$TMP/far.dlt"
    run dl-lstsq --ridge 1 --posterior -o "$TMP/post2.ckpt" "$TMP/far.dlt"
    [ "$status" -eq 5 ]
    [[ $output == *"posterior: X^T X + ridge is singular or nearly so"*": scale the columns (dl-design --standardize)" ]]
    [ ! -e "$TMP/post2.ckpt" ]
}

@test "--ridge 1e16 --posterior: a prior that dwarfs X^T X beside the unpenalized bias is exact arithmetic's" {
    P="$DL_TEST_ROOT/tests/fixtures/posterior"
    dl-tensor import -t 1 "$P/huge.csv" | dl-design -q | dl-lstsq -q --ridge 1e16 --posterior > "$TMP/m.ckpt"
    dl-tensor export --name w_cov "$TMP/m.ckpt" > "$TMP/cov.csv"
    dl-tensor export --name sigma2 "$TMP/m.ckpt" > "$TMP/s2.csv"
    WANT_SKIP=1 NEAR_REL=1 numbers_near "$TMP/cov.csv" "$P/huge_cov.txt" 1e-12
    WANT_SKIP=1 NEAR_REL=1 numbers_near "$TMP/s2.csv" "$P/huge_sigma2.txt" 1e-12
    # and its weights, all but 0 beside the bias, y's mean
    dl-tensor export --name w "$TMP/m.ckpt" > "$TMP/w.csv"
    WANT_SKIP=1 NEAR_REL=1 numbers_near "$TMP/w.csv" "$P/huge_w.txt" 1e-9
}

@test "--posterior stores w_cov and sigma2 as numpy computes them" {
    import_csv wc.csv 2 > "$TMP/wc.dlt"
    dl-lstsq -q --ridge 0.5 --posterior < "$TMP/wc.dlt" > "$TMP/m.ckpt"
    dl-tensor export --name sigma2 "$TMP/m.ckpt" > "$TMP/s2.csv"
    WANT_SKIP=1 numbers_near "$TMP/s2.csv" "$FIX/wc_sigma2.txt" 1e-10
    run dl-tensor info "$TMP/m.ckpt"
    [[ $output == *"w_cov"*"[2, 4, 4]"* ]]
}

@test "bad input: row counts differ, no y, NaN, more columns than rows" {
    dl-tensor import --name x "$FIX/test.csv" > "$TMP/x.dlt"
    dl-tensor import --name y "$FIX/train.csv" > "$TMP/y.dlt"
    run bash -c "cat '$TMP/x.dlt' '$TMP/y.dlt' | dl-lstsq"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: "*"x has 30 rows but y has 200"* ]]
    run bash -c "cat '$TMP/x.dlt' '$TMP/y.dlt' | dl-lstsq --method normal"
    [ "$status" -eq 1 ]
    run dl-lstsq "$TMP/x.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"no 'y' record"* ]]
    printf '1,2,3\n2,nan,4\n3,1,2\n' > "$TMP/nan.csv"
    dl-tensor import -t 1 --allow-nonfinite "$TMP/nan.csv" > "$TMP/nan.dlt"
    run dl-lstsq "$TMP/nan.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"record 1 ('x'): row 2, column 2: missing value (impute with dl-design --impute)" ]]
    head -n 5 "$FIX/train.csv" | dl-tensor import -t 1 | dl-design --poly 2 -q > "$TMP/few.dlt"
    run dl-lstsq -m normal "$TMP/few.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"5 rows cannot determine 10 weights"* ]]
    run dl-lstsq --ridge 1 -o "$TMP/r.ckpt" "$TMP/few.dlt"
    [ "$status" -eq 0 ]
}

@test "a truncated stream is an error and leaves no output file" {
    import_csv train.csv 1 > "$TMP/t.dlt"
    head -c 5000 "$TMP/t.dlt" > "$TMP/cut.dlt"
    run dl-lstsq -o "$TMP/m.ckpt" "$TMP/cut.dlt"
    [ "$status" -eq 1 ]
    [ ! -e "$TMP/m.ckpt" ]
}

@test "usage errors exit 2" {
    run dl-lstsq --method lu
    [ "$status" -eq 2 ]
    run dl-lstsq --method svd --ridge 1
    [ "$status" -eq 2 ]
    run dl-lstsq --lasso 0.1 --posterior
    [ "$status" -eq 2 ]
    run dl-lstsq --partial --combine
    [ "$status" -eq 2 ]
    run dl-lstsq --ridge -1
    [ "$status" -eq 2 ]
}

@test "svd streams: a chunked input gives the identical checkpoint" {
    dl-tensor import -t 1 "$FIX/train.csv" | dl-design --poly 2 -q | dl-lstsq -q > "$TMP/a.ckpt"
    dl-tensor import -t 1 --chunk-rows 9 "$FIX/train.csv" | dl-design --poly 2 -q | dl-lstsq -q > "$TMP/b.ckpt"
    cmp "$TMP/a.ckpt" "$TMP/b.ckpt"
}

@test "x and y chunked differently, all of x before y or after it: the identical checkpoint" {
    dl-tensor import -t 1 "$FIX/train.csv" | dl-design --poly 2 -q | dl-lstsq -q > "$TMP/a.ckpt"
    cut -d, -f1-3 "$FIX/train.csv" | dl-tensor import --name x --chunk-rows 7 |
        dl-design --poly 2 -q > "$TMP/x.dlt"
    cut -d, -f4 "$FIX/train.csv" | dl-tensor import --name y --chunk-rows 11 > "$TMP/y.dlt"
    cat "$TMP/x.dlt" "$TMP/y.dlt" | dl-lstsq -q > "$TMP/b.ckpt"
    cmp "$TMP/a.ckpt" "$TMP/b.ckpt"
    cat "$TMP/y.dlt" "$TMP/x.dlt" | dl-lstsq -q > "$TMP/c.ckpt"
    cmp "$TMP/a.ckpt" "$TMP/c.ckpt"
}

@test "the fit is the same bits on one BLAS thread or two" {
    import_csv train.csv 1 | dl-design --poly 3 -q > "$TMP/d.dlt"
    OPENBLAS_NUM_THREADS=1 dl-lstsq -q "$TMP/d.dlt" > "$TMP/a.ckpt"
    OPENBLAS_NUM_THREADS=2 dl-lstsq -q "$TMP/d.dlt" > "$TMP/b.ckpt"
    cmp "$TMP/a.ckpt" "$TMP/b.ckpt"
    # 60,000 rows of 15 columns: four chunks of rows, two folded on a
    # thread of their own with two BLAS threads
    awk 'BEGIN { srand(7); print "a,b,y"
                 for (i = 0; i < 60000; i++) { a = rand(); b = rand()
                     printf "%.6f,%.6f,%.6f\n", a, b, a * a - b + 0.1 * rand() } }' |
        dl-tensor import -t 1 | dl-design --poly 4 -q > "$TMP/big.dlt"
    for m in svd qr; do
        OPENBLAS_NUM_THREADS=1 dl-lstsq -q --method $m "$TMP/big.dlt" > "$TMP/a.ckpt"
        OPENBLAS_NUM_THREADS=2 dl-lstsq -q --method $m "$TMP/big.dlt" > "$TMP/b.ckpt"
        cmp "$TMP/a.ckpt" "$TMP/b.ckpt"
    done
}

@test "chunks of x with different column counts are refused, naming the record" {
    cut -d, -f1-2 "$FIX/train.csv" | dl-tensor import --name x > "$TMP/x1.dlt"
    cut -d, -f1-3 "$FIX/train.csv" | dl-tensor import --name x > "$TMP/x2.dlt"
    cut -d, -f4 "$FIX/train.csv" | dl-tensor import --name y > "$TMP/y.dlt"
    run bash -c "cat '$TMP/x1.dlt' '$TMP/x2.dlt' '$TMP/y.dlt' | dl-lstsq"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: <stdin>: record 2 ('x'): chunk axis 1 is 3, expected 2, the first chunk's (record 1)" ]]
}

@test "overflowing data is a clear error, not a checkpoint of NaNs" {
    printf '1e200,1e200\n2e200,1e200\n3e200,-1e200\n' > "$TMP/big.csv"
    dl-tensor import -t 1 "$TMP/big.csv" > "$TMP/big.dlt"
    run dl-lstsq --method normal -o "$TMP/m.ckpt" "$TMP/big.dlt"
    [ "$status" -eq 5 ]
    [[ $output == *"X^T X overflows"* ]]
    [ ! -e "$TMP/m.ckpt" ]
}

@test "X^T y that overflows where X^T X does not: the methods that need it refuse it as they refuse X^T X, naming it" {
    # cells of x about 1e100 (X^T X about 1e200) beside y about 1e300: x's
    # columns times y's are about 1e400, beyond the largest double; the
    # factor R, and the svd and qr fits from it, are finite
    printf '1e100,2e100,1e300\n-1e100,1e100,2e300\n3e100,-1e100,-1e300\n' > "$TMP/xy.csv"
    dl-tensor import -t 1 "$TMP/xy.csv" > "$TMP/xy.dlt"
    run dl-lstsq -m qr -o "$TMP/qr.ckpt" "$TMP/xy.dlt"
    [ "$status" -eq 0 ]
    dl-lstsq -q --partial -o "$TMP/xy.part" "$TMP/xy.dlt"
    for opts in "-m normal" "--ridge 1" "--lasso 0.1" "--elastic-net 0.1" "--ridge 1 --posterior"; do
        run dl-lstsq $opts -o "$TMP/n.ckpt" "$TMP/xy.dlt"
        [ "$status" -eq 5 ]
        [ "$output" = "dl-lstsq: $TMP/xy.dlt: X^T y overflows: scale x (dl-design --standardize) or y" ]
        run dl-lstsq --combine $opts -o "$TMP/n.ckpt" "$TMP/xy.part"
        [ "$status" -eq 5 ]
        [ "$output" = "dl-lstsq: $TMP/xy.part: X^T y overflows: scale x (dl-design --standardize) or y" ]
    done
    [ ! -e "$TMP/n.ckpt" ]
    # with the bias column eliminated, X^T y is about the means: x of
    # 1e10 + 0..3 times y of 1e300 overflows, x - 1.5e10 (-1.5..1.5) times
    # y - 1e300 (1e290 times -3, -1, 1, 3) does not.  Ridge 1 by hand:
    # slope 10e290 / (5 + 1), intercept 1e300 - slope (1e10 + 1.5)
    printf '%s\n' 1e10,9.999999997e299 10000000001,9.999999999e299 \
        10000000002,1.000000000100e300 10000000003,1.0000000003e300 > "$TMP/c.csv"
    dl-tensor import -t 1 "$TMP/c.csv" | dl-design -q > "$TMP/c.dlt"
    fit_w "$TMP/c.dlt" --ridge 1
    awk 'BEGIN { s = 10e290 / 6; printf "%.17g\n%.17g\n", 1e300 - s * (1e10 + 1.5), s }' \
        > "$TMP/want.txt"
    NEAR_REL=1 numbers_near "$TMP/w.csv" "$TMP/want.txt" 1e-6
}

@test "cells whose squares overflow: partials combine from their factors as one pass fits, and X^T X's methods refuse both ways" {
    # cells of about 1e160 (tests/fixtures/scale/gen_scale.py): X^T X is
    # inf, the factor R and numpy.linalg.lstsq's weights are not
    S="$DL_TEST_ROOT/tests/fixtures/scale"
    dl-tensor import --target y "$S/big.csv" > "$TMP/big.dlt"
    run dl-lstsq -o "$TMP/one.ckpt" "$TMP/big.dlt"
    [ "$status" -eq 0 ]
    one=$output
    dl-tensor export --name w "$TMP/one.ckpt" > "$TMP/one.csv"
    WANT_SKIP=1 numbers_near "$TMP/one.csv" "$S/big_lstsq.txt" 1e-10
    dl-tensor split --fraction 0.5 --seed 3 "$TMP/big.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-lstsq -q --partial -o "$TMP/a.part" "$TMP/a.dlt"
    dl-lstsq -q --partial -o "$TMP/b.part" "$TMP/b.dlt"
    cat "$TMP/a.part" "$TMP/b.part" > "$TMP/p.dlt"
    for m in svd qr; do
        run dl-lstsq --combine -m $m -o "$TMP/comb.ckpt" "$TMP/p.dlt"
        [ "$status" -eq 0 ]
        dl-tensor export --name w "$TMP/comb.ckpt" > "$TMP/comb.csv"
        WANT_SKIP=1 numbers_near "$TMP/comb.csv" "$S/big_lstsq.txt" 1e-10
    done
    run dl-lstsq --combine -o "$TMP/comb.ckpt" "$TMP/p.dlt"
    [ "$output" = "$one" ]
    # the methods that need X^T X: the one-pass fit's refusal, from partials too,
    # naming the first column whose square overflows (its norm: numpy's
    # norm of column a of big.csv, scaled by 1e-160 and back)
    overflow="X^T X overflows: column 1 of X has norm 1.42e+161, whose square is beyond the largest double (1.8e+308): scale the data (dl-design --standardize)"
    for opts in "-m normal" "--ridge 1" "--lasso 0.1"; do
        run dl-lstsq $opts -o "$TMP/n.ckpt" "$TMP/big.dlt"
        [ "$status" -eq 5 ]
        [ "$output" = "dl-lstsq: $TMP/big.dlt: $overflow" ]
        run dl-lstsq --combine $opts -o "$TMP/n.ckpt" "$TMP/p.dlt"
        [ "$status" -eq 5 ]
        [ "$output" = "dl-lstsq: $TMP/p.dlt: $overflow" ]
    done
    # partials without their factor have only the overflowed X^T X
    { without_factor "$TMP/a.part" 3; without_factor "$TMP/b.part" 3; } > "$TMP/old.dlt"
    run dl-lstsq --combine -o "$TMP/old.ckpt" "$TMP/old.dlt"
    [ "$status" -eq 5 ]
    [ "$output" = "dl-lstsq: $TMP/old.dlt: 'xtx' overflows (it holds Inf or NaN) and the partials carry no factor 'r' to fit from: scale the data (dl-design --standardize)" ]
    [ ! -e "$TMP/n.ckpt" ]
    [ ! -e "$TMP/old.ckpt" ]
}

@test "a penalty beside an X^T X that underflows is refused (exit 5), not fitted to weights 0; where X^T X holds, scikit-learn's Ridge" {
    # tests/fixtures/scale/gen_scale.py: cells of about 1e-150 square to
    # about 1e-300, a normal double beside --ridge 1e-300
    S="$DL_TEST_ROOT/tests/fixtures/scale"
    dl-tensor import --target y "$S/small.csv" | dl-design -q > "$TMP/small.dlt"
    fit_w "$TMP/small.dlt" --ridge 1e-300
    NEAR_REL=1 WANT_SKIP=1 numbers_near "$TMP/w.csv" "$S/small_ridge.txt" 1e-9
    dl-lstsq -q --partial -o "$TMP/small.part" "$TMP/small.dlt"
    fit_w "$TMP/small.part" --combine --ridge 1e-300
    NEAR_REL=1 WANT_SKIP=1 numbers_near "$TMP/w.csv" "$S/small_ridge.txt" 1e-9
    # cells of about 1e-170 square to below the least double: X^T X and
    # X^T y are 0, and the fit from them the penalty's answer to nothing
    dl-tensor import --target y "$S/tiny.csv" > "$TMP/tiny.dlt"
    dl-design -q "$TMP/tiny.dlt" > "$TMP/tinyd.dlt"
    for f in tiny tinyd; do
        dl-lstsq -q --partial -o "$TMP/$f.part" "$TMP/$f.dlt"
        for opts in "--ridge 1e-300" "--ridge 1" "--lasso 1e-300" "--elastic-net 1e-300"; do
            for in in "$TMP/$f.dlt" "--combine $TMP/$f.part"; do
                run dl-lstsq $opts -o "$TMP/refused.ckpt" $in
                [ "$status" -eq 5 ]
                [[ $output == "dl-lstsq: $TMP/$f."*": X^T X underflows: column "[12]" of X"*" has norm "*"e-16"*", whose square is below the least normal double (2.23e-308): scale the data (dl-design --standardize)" ]]
                [ ! -e "$TMP/refused.ckpt" ]
            done
        done
    done
}

@test "--rcond cuts small singular values as numpy.linalg.lstsq; the rank of X stays numpy.linalg.matrix_rank's, in the report and the checkpoint" {
    import_csv wc.csv 2 > "$TMP/wc.dlt"
    read -r rank kept06 kept099 < <(tail -n 1 "$FIX/wc_rank_rcond.txt")
    # singular values 7.8, 4.9, 4.6, 3.7: the cut-off keeps fewer than X's rank
    [ "$kept06" -lt "$rank" ]
    for r in 0.6 0.99; do
        kept=$kept06
        [ $r = 0.6 ] || kept=$kept099
        run dl-lstsq --rcond $r -o "$TMP/m.ckpt" "$TMP/wc.dlt"
        [ "$status" -eq 0 ]
        [[ ${lines[0]} == *", method svd, rank $rank, $kept kept by --rcond (singular values below $r s_max dropped), condition number ~"* ]] ||
            { echo "$output"; return 1; }
        dl-tensor export --name model "$TMP/m.ckpt" | grep -qx "rank: $rank"
        [ "$(dl-tensor show "$TMP/m.ckpt" | grep '^rank:')" = "rank: $rank" ]
    done
    fit_w "$TMP/wc.dlt" --rcond 0.6
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$FIX/wc_w_rcond06.txt" 1e-10
    # without --rcond the report has the rank alone
    run dl-lstsq -o "$TMP/m.ckpt" "$TMP/wc.dlt"
    [[ ${lines[0]} == *", method svd, rank $rank, condition number ~"* ]]
}

@test "--zlib checkpoints predict the same" {
    import_csv wc.csv 2 > "$TMP/wc.dlt"
    dl-lstsq -q < "$TMP/wc.dlt" > "$TMP/raw.ckpt"
    dl-lstsq -q --zlib < "$TMP/wc.dlt" > "$TMP/z.ckpt"
    run dl-tensor info "$TMP/z.ckpt"
    [[ $output == *zlib* ]]
    cmp <(dl-tensor import "$FIX/wc_xnew.csv" | dl-predict "$TMP/raw.ckpt" | dl-tensor export --name yhat) \
        <(dl-tensor import "$FIX/wc_xnew.csv" | dl-predict "$TMP/z.ckpt" | dl-tensor export --name yhat)
}

@test "--rcond of 1 or more is a usage error, not LAPACK's machine epsilon (a higher rank)" {
    import_csv wc.csv 2 > "$TMP/wc.dlt"
    run dl-lstsq --rcond 0.99 -o "$TMP/m.ckpt" "$TMP/wc.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *", 1 kept by --rcond"* ]] # singular values 7.8, 4.9, 4.6, 3.7: only 7.8 > 0.99 * 7.8
    for r in 1 2 1e300; do
        run dl-lstsq --rcond $r -o "$TMP/m.ckpt" "$TMP/wc.dlt"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-lstsq: --rcond: '$r' must be in [0, 1)" ]
    done
    run dl-lstsq --help
    [[ $output == *"R in"*"[0, 1)"* ]]
}

@test "--noise-var fixes sigma2 of every output" {
    import_csv wc.csv 2 > "$TMP/wc.dlt"
    dl-lstsq -q --posterior --noise-var 0.04 < "$TMP/wc.dlt" > "$TMP/m.ckpt"
    run dl-tensor export --name sigma2 "$TMP/m.ckpt"
    [ "${lines[0]}" = "0.04" ]
    [ "${lines[1]}" = "0.04" ]
}

@test "a fit the data cannot determine, and --combine without partials, name the file" {
    head -n 5 "$FIX/train.csv" | dl-tensor import -t 1 | dl-design --poly 2 -q > "$TMP/few.dlt"
    run dl-lstsq -m qr "$TMP/few.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/few.dlt: 5 rows cannot determine 10 weights by qr: --method svd gives the minimum-norm solution (as numpy.linalg.lstsq), or regularize (--ridge, --lasso)" ]
    run dl-lstsq -m normal "$TMP/few.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/few.dlt: 5 rows cannot determine 10 weights by the normal equations: --method svd gives the minimum-norm solution (as numpy.linalg.lstsq), or regularize (--ridge, --lasso)" ]
    run dl-lstsq --combine "$TMP/few.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: $TMP/few.dlt: record "*": rows of data, not a dl-lstsq --partial output"* ]]
}

@test "--l1-ratio is the elastic net's whatever the option order; --lasso is r = 1" {
    import_csv wc.csv 2 > "$TMP/wc.dlt"
    dl-lstsq -q --lasso 0.05 "$TMP/wc.dlt" | dl-tensor export --name w > "$TMP/lasso.csv"
    dl-lstsq -q --l1-ratio 1 --elastic-net 0.05 "$TMP/wc.dlt" | dl-tensor export --name w |
        cmp - "$TMP/lasso.csv"
    run dl-lstsq -q --lasso 0.05 --l1-ratio 0.3 "$TMP/wc.dlt"   # a ratio the lasso would ignore
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-lstsq: --l1-ratio goes with --elastic-net" ]]
    dl-lstsq -q --l1-ratio 0.3 --elastic-net 0.05 "$TMP/wc.dlt" | dl-tensor export --name w > "$TMP/a.csv"
    dl-lstsq -q --elastic-net 0.05 --l1-ratio 0.3 "$TMP/wc.dlt" | dl-tensor export --name w |
        cmp - "$TMP/a.csv"
    WANT_SKIP=1 numbers_near "$TMP/a.csv" "$FIX/wc_w_enet.txt" 1e-6
}

@test "a penalty of 0 is none, for --ridge, --lasso and --elastic-net alike, whatever options shape it: numpy.linalg.lstsq's weights" {
    import_csv train.csv 1 | dl-design --poly 2 -q > "$TMP/d.dlt"
    dl-lstsq -q "$TMP/d.dlt" > "$TMP/plain.ckpt"
    for opts in "--ridge 0 --penalize-bias" "--lasso 0 --penalize-bias --max-iter 5" \
                "--elastic-net 0" "--elastic-net 0 --l1-ratio 0.3 --tol 0.5 --penalize-bias"; do
        fit_w "$TMP/d.dlt" $opts
        # the checkpoint of least squares, byte for byte (its l1_ratio too)
        cmp "$TMP/m.ckpt" "$TMP/plain.ckpt"
        WANT_SKIP=1 numbers_near "$TMP/w.csv" "$FIX/train_poly2_w.txt" 1e-10
        # the model says what it fitted: least squares, the bias left alone
        dl-tensor show "$TMP/m.ckpt" > "$TMP/show.txt"
        grep -qx 'solver: svd' "$TMP/show.txt"
        grep -qx 'penalize_bias: no' "$TMP/show.txt"
    done
}

@test "--penalize-bias where x has no bias column changes nothing, and the report and the checkpoint say so" {
    # x as imported (its column of ones a column like any other): numpy's
    # (X^T X + 0.5 I)^-1 X^T y, with or without --penalize-bias
    import_csv wc.csv 2 > "$TMP/wc.dlt"
    import_csv train.csv 1 | dl-design --poly 2 --no-bias -q > "$TMP/nobias.dlt"
    for opts in "" --penalize-bias; do
        fit_w "$TMP/wc.dlt" --ridge 0.5 $opts
        WANT_SKIP=1 numbers_near "$TMP/w.csv" "$FIX/wc_w_ridge.txt" 1e-10
        dl-tensor show "$TMP/m.ckpt" | grep -qx 'penalize_bias: no'
    done
    for in in wc nobias; do
        run dl-lstsq --ridge 0.5 --penalize-bias -o "$TMP/m.ckpt" "$TMP/$in.dlt"
        [ "$status" -eq 0 ]
        [ "${lines[${#lines[@]} - 1]}" = "dl-lstsq: note: x has no bias column, so the fit has no intercept (dl-design adds one), and --penalize-bias had no bias column to shrink" ] ||
            { echo "$output"; return 1; }
        dl-tensor show "$TMP/m.ckpt" | grep -qx 'penalize_bias: no'
    done
    # without it, the note as before
    run dl-lstsq --ridge 0.5 -o "$TMP/m.ckpt" "$TMP/nobias.dlt"
    [ "${lines[${#lines[@]} - 1]}" = "dl-lstsq: note: x has no bias column, so the fit has no intercept (dl-design adds one)" ]
}

@test "--partial with a --method: refused, pointing to --combine, which takes any method" {
    for m in svd qr normal; do
        run dl-lstsq --partial -m $m
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "dl-lstsq: --partial writes statistics only; give the solver options to --combine" ]
    done
    run dl-lstsq --ridge 1 -m qr
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-lstsq: --ridge, --lasso and --elastic-net work on X^T X: use --method normal or no --method" ]
}

@test "options the chosen solver would ignore are refused, not dropped" {
    run dl-lstsq --noise-var 2
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-lstsq: --noise-var goes with --posterior" ]]
    run dl-lstsq --ridge 1 --rcond 1e-3
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-lstsq: --rcond goes with --method svd"* ]]
    run dl-lstsq --method normal --rcond 1e-3
    [ "$status" -eq 2 ]
    run dl-lstsq --l1-ratio 0.3
    [ "$status" -eq 2 ]
    for opts in "--tol 0.9" "--max-iter 1" "--ridge 1 --tol 0.9"; do
        run dl-lstsq $opts
        [ "$status" -eq 2 ]
        [[ ${lines[0]} == "dl-lstsq: --tol and --max-iter go with --lasso or --elastic-net"* ]]
    done
    # two penalties: neither may silently win, in either order
    for opts in "--lasso 0.1 --elastic-net 0.1" "--elastic-net 0.1 --l1-ratio 0.3 --lasso 0.2"; do
        run dl-lstsq $opts
        [ "$status" -eq 2 ]
        [[ ${lines[0]} == "dl-lstsq: --lasso and --elastic-net exclude each other"* ]]
    done
}

@test "residuals whose squares overflow give an MSE of inf and an R^2 of nan, printed without a sign" {
    printf 'x,y\n1e100,1e300\n2e100,3e300\n3e100,-2e300\n' | dl-tensor import --target y > "$TMP/big.dlt"
    run dl-lstsq -m svd -o "$TMP/m.ckpt" "$TMP/big.dlt"
    [ "$status" -eq 0 ]
    [ "${lines[1]}" = "dl-lstsq: output 1: training MSE inf, R^2 nan" ]
}

@test "coordinate descent stopped by --max-iter reports the sweeps it made, and says so under -q too" {
    import_csv wc.csv 2 > "$TMP/wc.dlt"
    run dl-lstsq --lasso 1e-9 --tol 0 --max-iter 3 -o "$TMP/m.ckpt" "$TMP/wc.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"; 3 sweeps (NOT converged"* ]]
    # -q keeps that line, alone, as scikit-learn's ConvergenceWarning
    run dl-lstsq -q --lasso 1e-9 --tol 0 --max-iter 3 -o "$TMP/m.ckpt" "$TMP/wc.dlt"
    [ "$status" -eq 0 ]
    [ "$output" = "dl-lstsq: warning: coordinate descent did not converge in 3 sweeps: raise --max-iter" ]
    run dl-lstsq -q --lasso 1e-9 -o "$TMP/m.ckpt" "$TMP/wc.dlt"
    [ -z "$output" ]
    # a strength past every column's: all weights 0 after the first sweep
    run dl-lstsq --lasso 1e9 -o "$TMP/m.ckpt" "$TMP/wc.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"; 1 sweep"$'\n'* ]]
}

@test "--posterior of data X^T X cannot hold, or of a rank-deficient X with a flat prior, says which" {
    # x^2 >= 1e310 is beyond the largest double (1.8e308): X^T X overflows,
    # though the fit from the rows' factor R needs no square
    printf 'x,y\n1e155,2e155\n2e155,4.1e155\n3e155,5.9e155\n4e155,8e155\n5e155,10.1e155\n' > "$TMP/big.csv"
    dl-tensor import --target y "$TMP/big.csv" > "$TMP/big.dlt"
    run dl-lstsq --posterior -o "$TMP/p.ckpt" "$TMP/big.dlt"
    [ "$status" -eq 5 ]
    # the column's norm: 1e155 |(1, 2, 3, 4, 5)| = 7.42e155
    [ "$output" = "dl-lstsq: $TMP/big.dlt: posterior: X^T X overflows: column 1 of X has norm 7.42e+155, whose square is beyond the largest double (1.8e+308): scale the data (dl-design --standardize)" ]
    dl-design -q "$TMP/big.dlt" > "$TMP/bigd.dlt"
    run dl-lstsq --posterior -o "$TMP/p.ckpt" "$TMP/bigd.dlt"
    [ "$status" -eq 5 ]
    [ "$output" = "dl-lstsq: $TMP/bigd.dlt: posterior: X^T X overflows: column 2 of X has norm 7.42e+155, whose square is beyond the largest double (1.8e+308): scale the data (dl-design --standardize)" ]
    # x^2 <= 2.5e-339 is below the least double (4.9e-324): X^T X = 0 for X of condition number 1
    printf 'x,y\n1e-170,2e-170\n2e-170,4.1e-170\n3e-170,5.9e-170\n4e-170,8e-170\n5e-170,10.1e-170\n' > "$TMP/tiny.csv"
    dl-tensor import --target y "$TMP/tiny.csv" > "$TMP/tiny.dlt"
    for opts in --posterior "-m normal"; do
        run dl-lstsq $opts -o "$TMP/p.ckpt" "$TMP/tiny.dlt"
        [ "$status" -eq 5 ]
        [[ $output == "dl-lstsq: $TMP/tiny.dlt: "*"X^T X underflows: column 1 of X has norm 7.42e-170, whose square is below the least normal double (2.23e-308): scale the data (dl-design --standardize)" ]]
    done
    # b = a: the bias, a and b have rank 2
    printf 'a,b,y\n1,1,1\n2,2,2\n3,3,2\n4,4,5\n' > "$TMP/dup.csv"
    dl-tensor import --target y "$TMP/dup.csv" | dl-design -q > "$TMP/dup.dlt"
    run dl-lstsq -m svd --posterior -o "$TMP/p.ckpt" "$TMP/dup.dlt"
    [ "$status" -eq 5 ]
    [ "$output" = "dl-lstsq: $TMP/dup.dlt: posterior: X has rank 2 of 3 columns, so a flat prior leaves the weights' posterior improper: --ridge gives a proper (Gaussian) prior" ]
    [ ! -e "$TMP/p.ckpt" ]
    # x = 1e6 + 0..4 beside the bias: numpy's condition number 7.07e11,
    # X^T X scaled to a unit diagonal about 2e12, which leaves it some 4
    # digits: the posterior is exact arithmetic's to those
    P="$DL_TEST_ROOT/tests/fixtures/posterior"
    printf 'x,y\n1000000,1\n1000001,3\n1000002,2\n1000003,5\n1000004,4\n' |
        dl-tensor import --target y | dl-design -q > "$TMP/far6.dlt"
    dl-lstsq -q --posterior -o "$TMP/p.ckpt" "$TMP/far6.dlt"
    dl-tensor export --name w_cov "$TMP/p.ckpt" > "$TMP/cov.csv"
    WANT_SKIP=1 NEAR_REL=1 numbers_near "$TMP/cov.csv" "$P/far_cov.txt" 1e-3
    rm "$TMP/p.ckpt"
    # x = 1e7 + 0..4: 7.07e13, some 2e14 scaled, leaves X^T X too few
    # digits to invert; the posterior exists
    printf 'x,y\n10000000,1\n10000001,3\n10000002,2\n10000003,5\n10000004,4\n' |
        dl-tensor import --target y | dl-design -q > "$TMP/far.dlt"
    run dl-lstsq --posterior -o "$TMP/p.ckpt" "$TMP/far.dlt"
    [ "$status" -eq 5 ]
    [ "$output" = "dl-lstsq: $TMP/far.dlt: posterior: X^T X is singular or nearly so (condition number of X about 7.07e+13), too near to invert for the weights' covariance: scale the columns (dl-design --standardize), or give a Gaussian prior (--ridge)" ]
    [ ! -e "$TMP/p.ckpt" ]
    # one column, all zero
    printf 'a,y\n0,1\n0,2\n' | dl-tensor import --target y > "$TMP/zero.dlt"
    run dl-lstsq -m svd --posterior -o "$TMP/p.ckpt" "$TMP/zero.dlt"
    [ "$status" -eq 5 ]
    [[ $output == "dl-lstsq: $TMP/zero.dlt: posterior: X has rank 0 of 1 column, so a flat prior"* ]]
}

@test "a missing target (NaN in y) is named by its row, column and the column's name, as a missing cell of x is" {
    printf 'a,b,price\n1,2,3\n4,5,nan\n7,8,9\n' > "$TMP/ny.csv"
    dl-tensor import --allow-nonfinite --target price "$TMP/ny.csv" > "$TMP/ny.dlt"
    for opts in "" "--ridge 1" "--partial"; do
        run dl-lstsq $opts -o "$TMP/o.ckpt" "$TMP/ny.dlt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-lstsq: $TMP/ny.dlt: record 4 ('y'): row 2, column 1 ('price'): missing value (a target, which is not imputed: leave its row out of the data)" ]
        [ ! -e "$TMP/o.ckpt" ]
    done
}

@test "an infinite cell is named as dl-design names it: row, column and the column's name" {
    printf 'a,b,y\n1,2,3\n4,inf,6\n7,8,9\n' > "$TMP/inf.csv"
    dl-tensor import --allow-nonfinite --target y "$TMP/inf.csv" > "$TMP/inf.dlt"
    run dl-design -q -o "$TMP/d.dlt" "$TMP/inf.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-design: $TMP/inf.dlt: record 3 ('x'): row 2, column 2 ('b'): infinite value" ]
    run dl-lstsq -o "$TMP/m.ckpt" "$TMP/inf.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/inf.dlt: record 3 ('x'): row 2, column 2 ('b'): infinite value" ]
    printf 'a,b,y\n1,2,3\n4,5,-inf\n' > "$TMP/infy.csv"
    dl-tensor import --allow-nonfinite --target y "$TMP/infy.csv" > "$TMP/infy.dlt"
    run dl-lstsq -o "$TMP/m.ckpt" "$TMP/infy.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/infy.dlt: record 4 ('y'): row 2, column 1 ('y'): infinite value" ]
}

@test "--posterior: a ridge leaves rows as few as the columns a fraction of a degree of freedom, and the noise variance is estimated from it" {
    # x = (1, 2), y = 3, ridge 0.5: s^2 = 5, so 1 - 5/5.5 = 1/11 of a degree
    # of freedom; the residual 3 * 0.5/5.5 = 3/11 gives s2 = (9/121) / (1/11)
    # = 9/11 (numpy: 0.81818181818181401)
    printf 'a,b,y\n1,2,3\n' | dl-tensor import --target y > "$TMP/one.dlt"
    dl-lstsq -q --ridge 0.5 --posterior -o "$TMP/m.ckpt" "$TMP/one.dlt"
    dl-tensor export --name sigma2 "$TMP/m.ckpt" > "$TMP/s2.txt"
    echo 0.81818181818181818 > "$TMP/want.txt"
    numbers_near "$TMP/s2.txt" "$TMP/want.txt" 1e-12
    # without a penalty, as many rows as columns leave none at all
    printf 'a,b,y\n1,2,3\n2,1,4\n3,5,1\n' | dl-tensor import --target y | dl-design -q > "$TMP/three.dlt"
    run dl-lstsq --posterior -o "$TMP/m3.ckpt" "$TMP/three.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/three.dlt: cannot estimate the noise variance: 3 rows leave no residual degrees of freedom; give --noise-var" ]
}

@test "one row: R^2 is undefined (nan) for every method, as scikit-learn's r2_score and dl-eval" {
    printf 'x,y\n2,3\n' > "$TMP/one.csv"
    dl-tensor import --target y "$TMP/one.csv" | dl-design -q > "$TMP/one.dlt"
    for opts in "" "--ridge 1" "--lasso 0.1"; do
        run dl-lstsq $opts -o "$TMP/m.ckpt" "$TMP/one.dlt"
        [ "$status" -eq 0 ]
        [[ $output == *", R^2 nan (undefined for one row, as scikit-learn's r2_score)"* ]]
    done
}

@test "--posterior with a flat prior on fewer rows than columns: exit 1, naming the input" {
    head -n 3 "$FIX/wc.csv" > "$TMP/three.csv"
    dl-tensor import -t 2 "$TMP/three.csv" > "$TMP/three.dlt"   # 3 rows, 4 columns
    run dl-lstsq --posterior -o "$TMP/m.ckpt" "$TMP/three.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/three.dlt: posterior: 3 rows cannot determine 4 weights with a flat prior: give --ridge (a Gaussian prior)" ]
    [ ! -e "$TMP/m.ckpt" ]
    dl-lstsq -q --posterior --ridge 1 -o "$TMP/m.ckpt" "$TMP/three.dlt"
}

@test "a checkpoint or a partial given as data is named as such, not read for its w" {
    import_csv wc.csv 2 > "$TMP/wc.dlt"
    dl-lstsq -q -o "$TMP/m.ckpt" "$TMP/wc.dlt"
    dl-lstsq -q --partial -o "$TMP/p.dlt" "$TMP/wc.dlt"
    for f in m.ckpt p.dlt; do
        run dl-lstsq -o "$TMP/out.ckpt" "$TMP/$f"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-lstsq: $TMP/$f: record 1 ('model'): a checkpoint or a --partial output, not data (dl-predict applies a checkpoint; --combine reads partials)" ]
        [ ! -e "$TMP/out.ckpt" ]
    done
}

@test "--noise-var 0 is refused, not silently replaced by the estimate" {
    run dl-lstsq --posterior --noise-var 0
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-lstsq: --noise-var: '0' must be positive" ]]
}

@test "more columns than rows: svd gives numpy's minimum-norm solution, with a note" {
    head -n 5 "$FIX/train.csv" | dl-tensor import -t 1 | dl-design --poly 2 -q > "$TMP/few.dlt"
    run dl-lstsq -o "$TMP/m.ckpt" "$TMP/few.dlt"
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == "dl-lstsq: 5 rows, 10 columns, 1 output, method svd, rank 5, condition number ~"* ]]
    [ "${lines[1]}" = "dl-lstsq: note: 5 rows for 10 weights: the minimum-norm solution (as numpy.linalg.lstsq)" ]
    dl-tensor export --name w "$TMP/m.ckpt" > "$TMP/w.csv"
    WANT_SKIP=1 numbers_near "$TMP/w.csv" "$FIX/few_w.txt" 1e-9
    # -v: X's min(N, P) = 5 singular values, none printed as -0
    run dl-lstsq -v -o "$TMP/m.ckpt" "$TMP/few.dlt"
    sv=$(printf '%s\n' "${lines[@]}" | grep '^dl-lstsq: singular values:')
    [ "$(echo "$sv" | wc -w)" -eq $((3 + 5)) ]
    [[ $sv != *" -0"* ]]
}

@test "more columns than rows, the bias beside a one-hot: svd's minimum-norm weights, one pass or from partials, weighted too" {
    # bias = c=a + c=b + c=c; y = X (x1 + x2), in X's row space: the
    # minimum-norm solution (numpy.linalg.lstsq's) is x1 + x2 exactly, rank 4
    printf 'c,v1,v2,y\na,1,2,9\nb,3,-1,14\nc,2,5,15\na,-2,1,-4\n' > "$TMP/t.csv"
    paste -d, "$TMP/t.csv" <(printf 'n\n1\n2\n0.5\n3\n') > "$TMP/wt.csv"
    dl-tensor import --target y "$TMP/t.csv" | dl-design -q --onehot auto > "$TMP/d.dlt"
    dl-tensor import --target y --weight n "$TMP/wt.csv" | dl-design -q --onehot auto > "$TMP/wd.dlt"
    printf '2\n1\n1\n0\n4\n1\n' > "$TMP/want.txt"
    for d in d wd; do
        run dl-lstsq -o "$TMP/m.ckpt" "$TMP/$d.dlt"
        [ "$status" -eq 0 ]
        [[ ${lines[0]} == "dl-lstsq: 4 rows, 6 columns, 1 output, method svd, rank 4, "* ]]
        dl-tensor export --name w "$TMP/m.ckpt" > "$TMP/w.csv"
        numbers_near "$TMP/w.csv" "$TMP/want.txt" 1e-12
        dl-tensor split --fraction 0.5 "$TMP/$d.dlt" "$TMP/s1.dlt" "$TMP/s2.dlt"
        dl-lstsq --partial "$TMP/s1.dlt" > "$TMP/p1.dlt"
        dl-lstsq --partial "$TMP/s2.dlt" > "$TMP/p2.dlt"
        cat "$TMP/p1.dlt" "$TMP/p2.dlt" > "$TMP/p.dlt"
        run dl-lstsq --combine -o "$TMP/m.ckpt" "$TMP/p.dlt"
        [ "$status" -eq 0 ]
        [[ ${lines[0]} == "dl-lstsq: 4 rows, 6 columns, 1 output, method svd, rank 4, "* ]]
        dl-tensor export --name w "$TMP/m.ckpt" > "$TMP/w.csv"
        numbers_near "$TMP/w.csv" "$TMP/want.txt" 1e-12
        # a ridge reports X's rank as numpy.linalg.matrix_rank counts it
        run dl-lstsq --ridge 1 "$TMP/$d.dlt"
        [ "$status" -eq 0 ]
        [[ ${lines[0]} == "dl-lstsq: 4 rows, 6 columns, 1 output, method normal, rank 4, "* ]]
    done
}

# cond_near OUTPUT WANT: the number after "condition number ~" or "of X about"
# is numpy's to the 3 digits printed.
cond_near() {
    awk -v want="$2" '{
            if (match($0, /condition number ~[^ ,)]*/)) v = substr($0, RSTART + 18, RLENGTH - 18)
            else if (match($0, /of X about [^ ,)]*/)) v = substr($0, RSTART + 11, RLENGTH - 11)
            else next
            found = 1; d = v / want - 1; if (d < 0) d = -d
            if (d > 0.006) { print "condition number " v ", numpy " want; exit 1 }
        }
        END { if (!found) { print "no condition number in: " $0; exit 1 } }' <<<"$1"
}

@test "the condition number is numpy's for every method, the normal equations and lasso too" {
    import_csv vander.csv 1 | dl-design --poly 12 -q > "$TMP/v.dlt"
    want=$(sed -n 2p "$FIX/vander_cond.txt")
    for opts in "" "-m qr" "--lasso 1e-6" "--ridge 1e-9" "--ridge 1e-9 --posterior"; do
        run dl-lstsq $opts -o "$TMP/m.ckpt" "$TMP/v.dlt"
        [ "$status" -eq 0 ]
        cond_near "${lines[0]}" "$want"
    done
    run dl-lstsq -m normal "$TMP/v.dlt"
    [ "$status" -eq 5 ]
    [[ $output == *"X^T X is singular or nearly so (condition number of X about "* ]]
    cond_near "$output" "$want"
    # from partials, their factors fold into the one-pass R: numpy's again
    dl-lstsq -q --partial "$TMP/v.dlt" > "$TMP/v.part"
    for opts in "" "-m qr" "--lasso 1e-6"; do
        run dl-lstsq --combine $opts -o "$TMP/m.ckpt" "$TMP/v.part"
        [ "$status" -eq 0 ]
        cond_near "${lines[0]}" "$want"
    done
    # from partials without their factor only X^T X is known: a bound, said to be one
    without_factor "$TMP/v.part" 14 > "$TMP/old.part"
    run dl-lstsq --combine --lasso 1e-6 -o "$TMP/m.ckpt" "$TMP/old.part"
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == *"condition number >2.12e+06 (more than X^T X can resolve; -m svd on the rows gives it)" ]]
    run dl-lstsq --combine -o "$TMP/m.ckpt" "$TMP/old.part" # the normal equations: singular
    [ "$status" -eq 5 ]
    [[ $output == *"X^T X is singular or nearly so"* ]]
    run dl-lstsq --combine -m svd -o "$TMP/m.ckpt" "$TMP/old.part"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/old.part: a partial without its factor 'r' (written before partials kept it) is fitted by the normal equations only: -m normal, or no -m" ]
    # --rcond is svd's cut-off, which the normal equations would drop
    run dl-lstsq --combine --rcond 1e-3 -o "$TMP/rcond.ckpt" "$TMP/old.part"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/old.part: a partial without its factor 'r' (written before partials kept it) is fitted by the normal equations only: -m normal, or no -m nor --rcond" ]
    [ ! -e "$TMP/rcond.ckpt" ]
}

@test "counts of one are singular: 1 column, 1 output, the network has 1 output" {
    printf '1,2\n2,4\n3,7\n' | dl-tensor import --targets 1 > "$TMP/one.dlt"
    run dl-lstsq -o "$TMP/one.ckpt" "$TMP/one.dlt"
    [[ ${lines[0]} == "dl-lstsq: 3 rows, 1 column, 1 output, method svd, rank 1, "* ]]
    printf 'model:\n  layers:\n    - {units: 2, activation: softmax}\nloss: ce\n' > "$TMP/ce.yaml"
    printf '1,2,0,1\n2,4,1,0\n' | dl-tensor import --targets 2 > "$TMP/two.dlt"
    run dl-train "$TMP/ce.yaml" -s 'model.layers=[{units: 1, activation: sigmoid}]' -s loss=mse "$TMP/two.dlt"
    [[ $output == *"targets have 2 columns, the network has 1 output"* ]]
}

@test "dl-lstsq: a bad chunk ends the fit at once, while its input is still open" {
    # the records are read ahead on a thread that is then waiting for more:
    # the error must not wait with it for an input that never ends
    printf '1,2\n2,3\nnan,4\n' > "$TMP/bad.csv"
    dl-tensor import --allow-nonfinite -t 1 "$TMP/bad.csv" -o "$TMP/bad.dlt"
    mkfifo "$TMP/in"
    exec 7<>"$TMP/in"   # a writer that stays open: no end of input comes
    cat "$TMP/bad.dlt" >&7
    run timeout 60 dl-lstsq -q -o "$TMP/m.ckpt" < "$TMP/in"
    exec 7>&-
    [ "$status" -eq 1 ] || { echo "status $status: $output"; false; }
    [[ $output == *"record 1 ('x'): row 3, column 1: missing value"* ]]
    [ ! -e "$TMP/m.ckpt" ]
}

@test "a categorical x column without a design is refused before any row is fitted, naming it" {
    printf 'c,v,y\nhi,1,3\nlo,2,5\nmid,3,4\nhi,4,7\n' > "$TMP/c.csv"
    dl-tensor import -t 1 "$TMP/c.csv" -o "$TMP/c.dlt"
    run dl-lstsq -q "$TMP/c.dlt" -o "$TMP/m.ckpt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-lstsq: $TMP/c.dlt: record "*"x column 1 ('c') holds categories"*"dl-design"* ]]
    [ ! -e "$TMP/m.ckpt" ]
    # through dl-design the levels are kept: one-hot, or the code with its levels
    dl-design -q --onehot c "$TMP/c.dlt" | dl-lstsq -q -o "$TMP/m.ckpt"
    dl-design -q "$TMP/c.dlt" | dl-lstsq -q -o "$TMP/m.ckpt"
}

@test "categories or names of a column x or y does not have are refused as malformed, not as a column they name" {
    printf '0,1,1\n1,0,2\n0,1,3\n' | dl-tensor import -t 1 > "$TMP/xy.dlt"
    printf '5\ta\tb\n' | dl-tensor import --format text --name x.categories > "$TMP/xc.dlt"
    printf '3\ta\tb\n' | dl-tensor import --format text --name y.categories > "$TMP/yc.dlt"
    printf 'a\nb\n' | dl-tensor import --format text --name y.names > "$TMP/yn.dlt"
    cat "$TMP/xc.dlt" "$TMP/xy.dlt" > "$TMP/x.dlt"
    cat "$TMP/yc.dlt" "$TMP/xy.dlt" > "$TMP/y.dlt"
    for opt in -q --partial; do
        run dl-lstsq $opt -o "$TMP/m.ckpt" "$TMP/x.dlt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-lstsq: $TMP/x.dlt: record 2 ('x'): 'x.categories': line 1: column index 5, but the tensor has 2 columns" ]
        [ ! -e "$TMP/m.ckpt" ]
        run dl-lstsq $opt -o "$TMP/m.ckpt" "$TMP/y.dlt"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-lstsq: $TMP/y.dlt: record 3 ('y'): 'y.categories': line 1: column index 3, but the tensor has 1 column" ]
        [ ! -e "$TMP/m.ckpt" ]
    done
    # after the rows they describe, at their own record
    cat "$TMP/xy.dlt" "$TMP/xc.dlt" > "$TMP/xlate.dlt"
    run dl-lstsq -q -o "$TMP/m.ckpt" "$TMP/xlate.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/xlate.dlt: record 3 ('x.categories'): 'x.categories': line 1: column index 5, but the tensor has 2 columns" ]
    cat "$TMP/xy.dlt" "$TMP/yc.dlt" > "$TMP/ylate.dlt"
    run dl-lstsq -q -o "$TMP/m.ckpt" "$TMP/ylate.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/ylate.dlt: record 3 ('y.categories'): 'y.categories': line 1: column index 3, but the tensor has 1 column" ]
    cat "$TMP/xy.dlt" "$TMP/yn.dlt" > "$TMP/nlate.dlt"
    run dl-lstsq -q -o "$TMP/m.ckpt" "$TMP/nlate.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-lstsq: $TMP/nlate.dlt: record 3 ('y.names'): 'y.names' has 2 names for 1 column" ]
    [ ! -e "$TMP/m.ckpt" ]
}
