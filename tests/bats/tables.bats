#!/usr/bin/env bats
# Tables: column names, targets by name, string columns as categories,
# missing cells, weights, the header rule, export of names and levels, and
# svmlight as scikit-learn writes it.  Reference codes and levels come from
# scikit-learn (tests/fixtures/tables/gen_tables.py); nothing here runs python.

load fails

setup() {
    F=$DL_TEST_ROOT/tests/fixtures/tables
    TMP=$BATS_TEST_TMPDIR
}

# npy_of STREAM NAME: the record NAME of STREAM as .npy on stdout.
npy_of() {
    dl-tensor export --format npy --name "$2" "$1"
}

@test "tables: a first line with a number and a non-number is data, and the non-number an error" {
    printf '1.0,NA\n2,3\n' > "$TMP/in.csv"
    fails 1 "dl-tensor: $TMP/in.csv: line 1, column 2: 'NA' is not a number (a first line holding numbers is data, not a header: --header reads it as the names, --missing 'NA' as a missing cell, --no-header allows a column of strings)" \
        dl-tensor import "$TMP/in.csv"
    # a header with numbers among its names: --header reads it as one
    printf 'country,2019,2020\nES,1.5,2\n' > "$TMP/years.csv"
    fails 1 "line 1, column 1: 'country' is not a number (a first line holding numbers is data, not a header: --header reads it as the names" \
        dl-tensor import "$TMP/years.csv"
    dl-tensor import --header "$TMP/years.csv" | dl-tensor export --header > "$TMP/years.out"
    [ "$(cat "$TMP/years.out")" = "$(printf 'country,2019,2020\nES,1.5,2')" ]
    printf '1.0,NA\n2,3\n' | dl-tensor import --missing NA | dl-tensor export > "$TMP/out.csv"
    [ "$(cat "$TMP/out.csv")" = "$(printf '1,nan\n2,3')" ]
}

@test "tables: a header is a first line without numbers; its names are kept as x.names and y.names" {
    printf 'speed,depth,cost\n1,2,3\n4,5,6\n' > "$TMP/in.csv"
    dl-tensor import -t 1 "$TMP/in.csv" > "$TMP/s.dlt"
    run dl-tensor export --header "$TMP/s.dlt"
    [ "$output" = "$(printf 'speed,depth,cost\n1,2,3\n4,5,6')" ]
    run dl-tensor info "$TMP/s.dlt"
    [[ $output == *"x.names"*"y.names"*"x "*"y "* ]]
    # without names, today's header
    printf '1,2,3\n' | dl-tensor import -t 1 | dl-tensor export --header > "$TMP/out.csv"
    [ "$(head -1 "$TMP/out.csv")" = "x0,x1,y0" ]
    # --names replaces them, and names a headerless file
    printf '1,2,3\n' | dl-tensor import --names a,b,c --target a | dl-tensor export --header > "$TMP/out.csv"
    [ "$(cat "$TMP/out.csv")" = "$(printf 'b,c,a\n2,3,1')" ]
}

@test "tables: --target takes any columns by name, in its order; unknown names are errors naming them" {
    printf 'a,b,c,d\n1,2,3,4\n5,6,7,8\n' > "$TMP/in.csv"
    run dl-tensor import --target b,a "$TMP/in.csv"
    [ "$status" -eq 0 ]
    dl-tensor import --target b,a "$TMP/in.csv" | dl-tensor export --header > "$TMP/out.csv"
    [ "$(cat "$TMP/out.csv")" = "$(printf 'c,d,b,a\n3,4,2,1\n7,8,6,5')" ]
    fails 2 "dl-tensor: --target 'e': $TMP/in.csv has no such column (its columns: 'a', 'b', 'c', 'd')" \
        dl-tensor import --target e "$TMP/in.csv"
    fails 2 "--target names 'a' twice" dl-tensor import --target a,a "$TMP/in.csv"
    fails 2 "--target (by name) and --targets (a count) exclude each other" \
        dl-tensor import --target a -t 1 "$TMP/in.csv"
    fails 1 "no input columns are left for x" dl-tensor import --target a,b,c,d "$TMP/in.csv"
    printf '1,2\n' > "$TMP/nohead.csv"
    fails 2 "--target 'a': $TMP/nohead.csv has no header naming its columns (--names names them)" \
        dl-tensor import --target a "$TMP/nohead.csv"
    fails 2 "--names gives 3 names, but $TMP/nohead.csv has 2 columns" \
        dl-tensor import --names a,b,c "$TMP/nohead.csv"
    fails 2 "--names: name 2 is empty" dl-tensor import --names a, "$TMP/nohead.csv"
    fails 2 "--names gives 'a' twice (columns 1 and 2)" dl-tensor import --names a,a "$TMP/nohead.csv"
    printf 'a,a\n1,2\n' > "$TMP/twice.csv"
    fails 1 "columns 1 and 2 are both named 'a' (--names renames the columns)" \
        dl-tensor import --target a "$TMP/twice.csv"
    printf 'a,\n1,2\n' > "$TMP/empty.csv"
    fails 1 "line 1, column 2: the column name is empty (--names names the columns)" \
        dl-tensor import "$TMP/empty.csv"
}

@test "tables: a list item in double quotes holds commas and quotes, as a CSV cell; plain lists are cut at every comma" {
    printf '"a,b",c,"say ""hi"""\n1,2,x\n3,4,y\n' > "$TMP/in.csv"
    # --target, --categorical: the column a,b, named as its header cell is
    dl-tensor import --target '"a,b"' "$TMP/in.csv" | dl-tensor export --header > "$TMP/out.csv"
    [ "$(cat "$TMP/out.csv")" = "$(printf 'c,"say ""hi""","a,b"\n2,x,1\n4,y,3')" ]
    dl-tensor import --target '"say ""hi""","a,b"' --categorical '"a,b"' "$TMP/in.csv" |
        dl-tensor export --header > "$TMP/out.csv"
    [ "$(cat "$TMP/out.csv")" = "$(printf 'c,"say ""hi""","a,b"\n2,x,1\n4,y,3')" ]
    [ "$(dl-tensor import --categorical '"a,b"' "$TMP/in.csv" | dl-tensor export --name x.categories)" = \
      "$(printf '0\t1\t3\n2\tx\ty')" ]
    # --names: the names of the header back, and a plain list as before
    tail -n +2 "$TMP/in.csv" | dl-tensor import --no-header --names '"a,b",c,"say ""hi"""' |
        dl-tensor export --header | cmp - "$TMP/in.csv"
    tail -n +2 "$TMP/in.csv" | dl-tensor import --no-header --names 'a b,c",d' |
        dl-tensor export --name x.names | cmp - <(printf 'a b\nc"\nd\n')
    # --missing: a token that holds a comma, beside the empty cell
    printf 'p,q\n"N,A",1\n,2\n3,4\n' | dl-tensor import --missing '"N,A",""' | dl-tensor export > "$TMP/out.csv"
    [ "$(cat "$TMP/out.csv")" = "$(printf 'nan,1\nnan,2\n3,4')" ]
    # a token holding a quote matches the cell whose text it is, quoted ("q""r") or not (q"r)
    printf 'k,s\n1,"q""r"\n2,b\n3,q"r\n' > "$TMP/q.csv"
    for token in '"q""r"' 'q"r'; do
        [ "$(dl-tensor import --missing "$token" "$TMP/q.csv" | dl-tensor export --missing '?')" = \
          "$(printf '1,?\n2,b\n3,?')" ] || { echo "--missing $token"; false; }
    done
    # the error's hint names a token with a comma as an item, quoted, and it works as given
    printf 'k,v\n1,2\n2,"n,a"\n3,4\n' > "$TMP/na.csv"
    fails 1 "line 3, column 2 ('v'): 'n,a' is not a number, in a column of numbers from line 2 (--missing '\"n,a\"' would read it as missing)" \
        dl-tensor import "$TMP/na.csv"
    [ "$(dl-tensor import --missing '"n,a"' "$TMP/na.csv" | dl-tensor export)" = "$(printf '1,2\n2,nan\n3,4')" ]
    # export --name: records named with a quote, side by side
    printf '1\n2\n' | dl-tensor import --name 'q"t' > "$TMP/q.dlt"
    printf '3\n4\n' | dl-tensor import --name y >> "$TMP/q.dlt"
    [ "$(dl-tensor export --name '"q""t","y"' "$TMP/q.dlt")" = "$(printf '1,3\n2,4')" ]
    [ "$(dl-tensor export --name 'q"t,y' "$TMP/q.dlt")" = "$(printf '1,3\n2,4')" ]
    # a quote left open, or text after one closes, in any list: exit 2 naming the item
    for opt in --target --categorical --names --missing; do
        fails 2 "dl-tensor: $opt 'c,\"a,b': item 2: unterminated quote (a quoted item ends at its closing quote)" \
            dl-tensor import "$opt" 'c,"a,b' "$TMP/in.csv"
        fails 2 "dl-tensor: $opt '\"a\"b,c': item 1: text after the closing quote of a quoted item (a quote inside one is written \"\")" \
            dl-tensor import "$opt" '"a"b,c' "$TMP/in.csv"
    done
    fails 2 "dl-tensor: --name '\"q': item 1: unterminated quote" dl-tensor export --name '"q' "$TMP/q.dlt"
    # an unquoted comma still separates
    fails 2 "--target 'a': $TMP/in.csv has no such column (its columns: 'a,b', 'c', 'say \"hi\"')" \
        dl-tensor import --target a,b "$TMP/in.csv"
}

@test "tables: string columns become scikit-learn's LabelEncoder codes, missing cells NaN, weights w" {
    dl-tensor import --target species --weight wt --missing NA,'' "$F/mixed.csv" > "$TMP/m.dlt"
    npy_of "$TMP/m.dlt" x | cmp - "$F/x.npy"
    npy_of "$TMP/m.dlt" y | cmp - "$F/y.npy"
    npy_of "$TMP/m.dlt" w | cmp - "$F/w.npy"
    # levels print back in place of codes; numeric NaN stays nan
    dl-tensor export --header --missing NA "$TMP/m.dlt" | cmp - "$F/export.csv"
    # the same from standard input (the rows wait in a temporary file)
    dl-tensor import --target species --weight wt --missing NA,'' < "$F/mixed.csv" | cmp - "$TMP/m.dlt"
    # f32 too
    dl-tensor import --dtype f32 --target species --weight wt --missing NA,'' "$F/mixed.csv" |
        dl-tensor export --header --missing NA | cmp - "$F/export.csv"
}

@test "tables: a string class target alone, as iris in a CSV file" {
    printf 'sepal,species\n5.1,setosa\n7.0,versicolor\n6.3,virginica\n4.9,setosa\n' > "$TMP/iris.csv"
    dl-tensor import --target species "$TMP/iris.csv" > "$TMP/iris.dlt"
    dl-tensor export --name y "$TMP/iris.dlt" > "$TMP/y.csv"
    [ "$(cat "$TMP/y.csv")" = "$(printf 'setosa\nversicolor\nvirginica\nsetosa')" ]
    # the codes themselves: 0 1 2 0, as f64 .npy (header of 128 bytes)
    npy_of "$TMP/iris.dlt" y | tail -c 32 | od -A n -t f8 | tr -s ' \n' ' ' > "$TMP/codes"
    [ "$(cat "$TMP/codes")" = " 0 1 2 0 " ]
}

@test "tables: mixed columns, bad strings and bad weights are errors naming line and column" {
    printf 'a,b\n1,x\n2,3\n' > "$TMP/in.csv"
    fails 1 "$TMP/in.csv: line 3, column 2 ('b'): '3' is a number in a column of strings ('x' on line 2)" \
        dl-tensor import "$TMP/in.csv"
    printf 'a,b\n1,2\n2,NA\n' > "$TMP/in.csv"
    fails 1 "$TMP/in.csv: line 3, column 2 ('b'): 'NA' is not a number, in a column of numbers from line 2 (--missing 'NA' would read it as missing)" \
        dl-tensor import "$TMP/in.csv"
    printf 'a,w\n1,2\n2,-1\n' > "$TMP/in.csv"
    fails 1 "$TMP/in.csv: line 3, column 2 ('w'): weight -1 is negative" \
        dl-tensor import --weight w "$TMP/in.csv"
    printf 'a,w\n1,2\n2,NA\n' > "$TMP/in.csv"
    fails 1 "$TMP/in.csv: line 3, column 2 ('w'): the weight is missing" \
        dl-tensor import --missing NA --weight w "$TMP/in.csv"
    printf 'a,w\n1,2\n2,x\n' > "$TMP/in.csv"
    fails 1 "$TMP/in.csv: line 3, column 2 ('w'): 'x' is not a number" \
        dl-tensor import --weight w "$TMP/in.csv"
    fails 2 "--weight 'w' is also a --target" dl-tensor import --weight w --target w "$TMP/in.csv"
    printf 'a,b\n1,\n' > "$TMP/in.csv"
    fails 1 "line 2, column 2 ('b'): empty cell (--missing '' reads it as missing)" \
        dl-tensor import "$TMP/in.csv"
    printf 'a,b\n1,x\x01y\n' > "$TMP/in.csv"
    fails 1 "line 2, column 2 ('b'): the string contains a control character" \
        dl-tensor import "$TMP/in.csv"
    # a string column is allowed on line 1 with --no-header
    printf '1,x\n2,y\n' | dl-tensor import --no-header | dl-tensor export > "$TMP/out.csv"
    [ "$(cat "$TMP/out.csv")" = "$(printf '1,x\n2,y')" ]
}

@test "tables: a column missing on its first lines may turn out to hold strings, in any chunk" {
    { echo 'a,b'; for i in $(seq 1 300); do echo "$i,NA"; done; echo '301,late'; echo '302,early'; } > "$TMP/in.csv"
    dl-tensor import --chunk-rows 7 --missing NA "$TMP/in.csv" > "$TMP/s.dlt"
    dl-tensor export "$TMP/s.dlt" | tail -3 > "$TMP/tail.csv"
    [ "$(cat "$TMP/tail.csv")" = "$(printf '300,\n301,late\n302,early')" ]
    # codes sorted: early 0, late 1
    dl-tensor export --format npy --name x "$TMP/s.dlt" > "$TMP/x.npy"
    run dl-tensor info "$TMP/s.dlt"
    [[ $output == *"x.categories"* ]]
}

@test "tables: --missing -999 marks a number as missing" {
    printf 'a,b\n1,-999\n-999,2\n' | dl-tensor import --missing=-999 | dl-tensor export > "$TMP/out.csv"
    [ "$(cat "$TMP/out.csv")" = "$(printf '1,nan\nnan,2')" ]
}

@test "tables: options that do not apply are refused, never ignored" {
    printf '1 0:1\n' > "$TMP/a.svm"
    fails 2 "--target applies to CSV/TSV input only" dl-tensor import --target a "$TMP/a.svm"
    fails 2 "--missing applies to CSV/TSV input only" dl-tensor import --missing NA "$TMP/a.svm"
    fails 2 "svmlight has one label per row, which becomes y: --targets 2 does not apply" \
        dl-tensor import -t 2 "$TMP/a.svm"
    fails 2 "--zero-based applies to svmlight input only" dl-tensor import --zero-based "$F/mixed.csv"
    fails 2 "--zero-based and --one-based exclude each other" dl-tensor import --zero-based --one-based "$TMP/a.svm"
    fails 2 "--name and --target exclude each other" dl-tensor import --name t --target a "$F/mixed.csv"
    fails 2 "--target given twice" dl-tensor import --target a --target b "$F/mixed.csv"
}

@test "tables: repeated names are kept once; differing ones are an error" {
    printf 'a,b\n1,2\n' | dl-tensor import > "$TMP/1.dlt"
    printf 'a,b\n3,4\n' | dl-tensor import > "$TMP/2.dlt"
    printf 'a,c\n3,4\n' | dl-tensor import > "$TMP/3.dlt"
    cat "$TMP/1.dlt" "$TMP/2.dlt" | dl-tensor export --header > "$TMP/out.csv"
    [ "$(cat "$TMP/out.csv")" = "$(printf 'a,b\n1,2\n3,4')" ]
    cat "$TMP/1.dlt" "$TMP/3.dlt" > "$TMP/13.dlt"
    # every command names the record, as info does
    for cmd in export "export --format npy" head shuffle; do
        fails 1 "13.dlt: record 3: 'x.names' differs between chunks" dl-tensor $cmd "$TMP/13.dlt"
    done
    # the names record alone, and info: one copy, not two chunks
    cat "$TMP/1.dlt" "$TMP/2.dlt" > "$TMP/12.dlt"
    [ "$(dl-tensor export --name x.names "$TMP/12.dlt")" = "$(printf 'a\nb')" ]
    fails_silently 1 "13.dlt: record 3: 'x.names' differs between chunks" dl-tensor export --name x.names "$TMP/13.dlt"
    run dl-tensor info "$TMP/12.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"  x.names      u8   [4]                  2 records, 8 bytes stored, 8 raw"* ]]
    [[ $output == *"  x            f64  [2, 2]               2 records, 32 bytes stored, 32 raw"* ]]
    fails 1 "13.dlt: record 3: 'x.names' differs between chunks" dl-tensor info "$TMP/13.dlt"
}

@test "tables: head, shuffle and split refuse names or categories that are not their tensor's columns" {
    printf '1,2\n2,4\n3,6\n' | dl-tensor import -t 1 > "$TMP/xy.dlt"
    printf 'a\nb\n' | dl-tensor import --format text --name y.names > "$TMP/yn.dlt"
    printf '3\ta\tb\n' | dl-tensor import --format text --name x.categories > "$TMP/xc.dlt"
    cat "$TMP/yn.dlt" "$TMP/xy.dlt" > "$TMP/names.dlt"
    cat "$TMP/xc.dlt" "$TMP/xy.dlt" > "$TMP/cats.dlt"
    for cmd in "head -n 2" shuffle; do
        fails 1 "dl-tensor: $TMP/names.dlt: 'y.names' has 2 names for 1 column" \
            dl-tensor $cmd -o "$TMP/out.dlt" "$TMP/names.dlt"
        [ ! -e "$TMP/out.dlt" ]
        fails 1 "dl-tensor: $TMP/cats.dlt: 'x.categories': line 1: column index 3, but the tensor has 1 column" \
            dl-tensor $cmd -o "$TMP/out.dlt" "$TMP/cats.dlt"
        [ ! -e "$TMP/out.dlt" ]
    done
    fails 1 "dl-tensor: $TMP/names.dlt: 'y.names' has 2 names for 1 column" \
        dl-tensor split "$TMP/names.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    [ ! -e "$TMP/a.dlt" ]
    [ ! -e "$TMP/b.dlt" ]
    # names that fit pass as before
    printf 'v\n' | dl-tensor import --format text --name y.names > "$TMP/yv.dlt"
    cat "$TMP/yv.dlt" "$TMP/xy.dlt" | dl-tensor head -n 2 | dl-tensor export --name y.names > "$TMP/v.txt"
    [ "$(cat "$TMP/v.txt")" = v ]
}

@test "tables: svmlight indices as scikit-learn writes and reads them" {
    dl-tensor import "$F/zero.svm" > "$TMP/z.dlt"
    npy_of "$TMP/z.dlt" x | cmp - "$F/zero_x.npy"
    npy_of "$TMP/z.dlt" y | cmp - "$F/zero_y.npy"
    dl-tensor import "$F/one.svm" | dl-tensor export --format npy --name x | cmp - "$F/one_x.npy"
    dl-tensor import --zero-based "$F/one.svm" | dl-tensor export --format npy --name x |
        cmp - "$F/one_forced_zero_x.npy"
    fails 1 "'0:2' has index 0, but --one-based counts from 1" dl-tensor import --one-based "$F/zero.svm"
    # export writes what scikit-learn writes, and reads back the same
    dl-tensor export --format svmlight "$TMP/z.dlt" | cmp - "$F/zero.svm"
    dl-tensor export --format svmlight --one-based "$TMP/z.dlt" | cmp - "$F/one.svm"
    fails 2 "svmlight has no header and needs x and y: --header does not apply" \
        dl-tensor export --format svmlight --header "$TMP/z.dlt"
    printf '1,2,3\n' | dl-tensor import -t 2 > "$TMP/y2.dlt"
    fails 1 "svmlight holds one label per row, but 'y' has 2 columns" \
        dl-tensor export --format svmlight "$TMP/y2.dlt"
}

@test "tables: head, shuffle and split keep names whose length equals the row count" {
    # 'a\nb\n' is 4 bytes, and there are 4 rows
    printf 'a,b\n1,2\n3,4\n5,6\n7,8\n' | dl-tensor import > "$TMP/s.dlt"
    dl-tensor head -n 2 "$TMP/s.dlt" | dl-tensor export --header > "$TMP/out.csv"
    [ "$(cat "$TMP/out.csv")" = "$(printf 'a,b\n1,2\n3,4')" ]
    dl-tensor shuffle --seed 3 "$TMP/s.dlt" | dl-tensor export --header > "$TMP/out.csv"
    [ "$(head -1 "$TMP/out.csv")" = "a,b" ]
}

@test "tables: dl-predict --labels prints the class names of a string target; yhat is named after y" {
    printf 'a,b,species\n0.1,0.2,setosa\n0.3,0.1,virginica\n0.5,0.9,versicolor\n0.7,0.3,versicolor\n' > "$TMP/c.csv"
    dl-tensor import --target species "$TMP/c.csv" > "$TMP/c.dlt"
    printf 'model:\n  layers:\n    - {units: 8, activation: relu}\n    - {units: 3, activation: softmax}\nloss: ce\ntraining: {epochs: 2, batch_size: 2}\n' > "$TMP/ce.yaml"
    dl-train "$TMP/ce.yaml" -q < "$TMP/c.dlt" > "$TMP/ce.ckpt"
    run dl-tensor info "$TMP/ce.ckpt"
    [[ $output == *"y.categories"* && $output == *"y.names"* && $output == *"x.names"* ]]
    dl-predict --labels "$TMP/ce.ckpt" < "$TMP/c.dlt" > "$TMP/p.dlt"
    run dl-tensor export --header --name yhat "$TMP/p.dlt"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "species" ]
    [ "${#lines[@]}" -eq 5 ]
    for l in "${lines[@]:1}"; do [[ $l =~ ^(setosa|versicolor|virginica)$ ]]; done
    # probabilities: a column per class, named NAME=CLASS
    dl-predict "$TMP/ce.ckpt" < "$TMP/c.dlt" | dl-tensor export --header --name yhat > "$TMP/prob.csv"
    [ "$(head -1 "$TMP/prob.csv")" = "species=setosa,species=versicolor,species=virginica" ]
    # without names in the data, nothing is made up
    printf '0.1,0.2,0\n0.3,0.1,2\n' | dl-tensor import -t 1 > "$TMP/n.dlt"
    dl-train "$TMP/ce.yaml" -q < "$TMP/n.dlt" > "$TMP/n.ckpt"
    dl-predict --labels "$TMP/n.ckpt" < "$TMP/n.dlt" | dl-tensor export --header --name yhat > "$TMP/n.csv"
    [ "$(head -1 "$TMP/n.csv")" = "yhat0" ]
}

@test "tables: metadata larger than a deflated chunk stays one record under --zlib" {
    # 300000 distinct strings: x.categories is over 4 MiB
    awk 'BEGIN { print "id,v"; for (i = 0; i < 300000; i++) printf "level-%07d,%d\n", i, i % 7 }' > "$TMP/ids.csv"
    dl-tensor import --zlib "$TMP/ids.csv" > "$TMP/z.dlt"
    run dl-tensor info "$TMP/z.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"x.categories u8   [4200002]"*"1 record"* ]]
    dl-tensor export "$TMP/z.dlt" | sed -n '300000p' > "$TMP/last"
    [ "$(cat "$TMP/last")" = "level-0299999,0" ]
}

@test "tables: a long cell is quoted to 40 bytes between characters with '...', and its --missing hint whole" {
    printf 'a,b\n1,2\n3,not_available_because_the_sensor_was_offline\n' > "$TMP/long.csv"
    run dl-tensor import "$TMP/long.csv"
    [ "$status" -eq 1 ]
    [[ $output == *"'not_available_because_the_sensor_was_off...' is not a number"* ]]
    [[ $output == *"(--missing 'not_available_because_the_sensor_was_offline' would read it as missing)" ]]
    dl-tensor import --missing not_available_because_the_sensor_was_offline "$TMP/long.csv" > "$TMP/ok.dlt"
    # 40 three-byte characters: 13 whole ones, then '...', never half of one
    euros=$(printf '\342\202\254%.0s' $(seq 40))
    printf 'a,b\n1,2\n3,%s\n' "$euros" > "$TMP/euro.csv"
    run dl-tensor import "$TMP/euro.csv"
    [ "$status" -eq 1 ]
    printf '%s' "$output" | iconv -f UTF-8 -t UTF-8 > /dev/null
    [[ $output == *"'$(printf '\342\202\254%.0s' $(seq 13))...' is not a number"* ]]
}

@test "tables: --categorical reads numbers as strings: zip codes keep their zeros, codes as scikit-learn's" {
    printf 'zip,x,y\n28001,1,2\n08001,2,3\n28001,3,4\n' > "$TMP/zip.csv"
    dl-tensor import --target y --categorical zip "$TMP/zip.csv" > "$TMP/zip.dlt"
    dl-tensor export --header "$TMP/zip.dlt" > "$TMP/zip.out"
    [ "$(cat "$TMP/zip.out")" = "$(printf 'zip,x,y\n28001,1,2\n08001,2,3\n28001,3,4')" ]
    # without it the column is numbers, and one-hot refuses it
    dl-tensor import --target y "$TMP/zip.csv" > "$TMP/num.dlt"
    fails 2 "--onehot: column 1 ('zip') is not categorical" dl-design --onehot zip "$TMP/num.dlt"
    dl-design --onehot zip "$TMP/zip.dlt" | dl-tensor export --header > "$TMP/oh.csv"
    [ "$(head -1 "$TMP/oh.csv")" = "bias,zip=08001,zip=28001,x,y" ]
    # codes, levels and one-hot columns of zip codes, store IDs (10 < 100 < 9
    # by bytes) and "1,000"-shaped labels: LabelEncoder's and OneHotEncoder's
    dl-tensor import --categorical zip,store,label --target label "$F/codes.csv" > "$TMP/c.dlt"
    npy_of "$TMP/c.dlt" x | cmp - "$F/codes_x.npy"
    npy_of "$TMP/c.dlt" y | cmp - "$F/codes_y.npy"
    dl-tensor export --name x.categories "$TMP/c.dlt" | cmp - "$F/codes_x_categories.txt"
    dl-tensor export --name y.categories "$TMP/c.dlt" | cmp - "$F/codes_y_categories.txt"
    dl-design --no-bias --onehot auto "$TMP/c.dlt" | npy_of - x | cmp - "$F/codes_onehot.npy"
    dl-tensor import --dtype f32 --categorical zip,store,label --target label "$F/codes.csv" |
        dl-tensor export --header | cmp - "$F/codes.csv"
}

@test "tables: a --categorical column takes thousands, decimal commas, nan and missing tokens" {
    # without it, a column of "1,000"-shaped cells is refused as numbers
    fails 1 "line 2, column 4 ('label'): '1,000' is not a number" \
        dl-tensor import --target label "$F/codes.csv"
    printf 'id;x\n 1,5 ;1\nNA;2\n"1e999";3\ninf;4\n007;5\n' > "$TMP/s.csv"
    dl-tensor import --categorical id --missing NA "$TMP/s.csv" > "$TMP/s.dlt"
    dl-tensor export --name x.categories "$TMP/s.dlt" > "$TMP/levels"
    [ "$(cat "$TMP/levels")" = "$(printf '0\t007\t1,5\t1e999\tinf')" ]
    # codes 1, missing, 2, 3, 0 (f64 .npy: the last 40 bytes of column 0's 80)
    npy_of "$TMP/s.dlt" x | tail -c 80 | od -A n -t f8 -w16 | awk '{print $1}' | tr '\n' ' ' > "$TMP/codes"
    [ "$(cat "$TMP/codes")" = "1 nan 2 3 0 " ]
    dl-tensor export --missing NA "$TMP/s.dlt" > "$TMP/s.out"
    [ "$(cat "$TMP/s.out")" = "$(printf '"1,5",1\nNA,2\n1e999,3\ninf,4\n007,5')" ]
    # an empty cell is refused, as in any column of strings
    printf 'id,x\n1,2\n,3\n' > "$TMP/e.csv"
    fails 1 "line 3, column 1 ('id'): empty cell (--missing '' reads it as missing)" \
        dl-tensor import --categorical id "$TMP/e.csv"
}

@test "tables: --categorical on a --target column makes string classes for dl-eval" {
    dl-tensor import --categorical label --target label "$F/codes.csv" > "$TMP/t.dlt"
    dl-tensor export --name y.categories "$TMP/t.dlt" | cmp - "$F/codes_y_categories.txt"
    # predicted codes 0 2 1 0 1: levels 1,000 2,500 12,000 1,000 12,000
    printf '0\n2\n1\n0\n1\n' | dl-tensor import --name yhat > "$TMP/yhat.dlt"
    run dl-eval --truth "$TMP/t.dlt" "$TMP/yhat.dlt"
    [ "$status" -eq 0 ]
    [[ "$output" =~ $'\n'\ +1,000\ +12,000\ +2,500$'\n' ]]
    [[ "$output" =~ $'\n'\ +2,500\ +0\ +1\ +1$ ]]
}

@test "tables: --categorical names columns as --target does; not with --weight, .npy or svmlight" {
    printf 'id,x\n1,2\n' > "$TMP/in.csv"
    fails 2 "dl-tensor: --categorical 'idd': $TMP/in.csv has no such column (its columns: 'id', 'x')" \
        dl-tensor import --categorical idd "$TMP/in.csv"
    fails 2 "--categorical names 'id' twice" dl-tensor import --categorical id,id "$TMP/in.csv"
    fails 2 "--weight 'x' is also --categorical" \
        dl-tensor import --categorical x --weight x "$TMP/in.csv"
    printf '1,2\n' > "$TMP/nohead.csv"
    fails 2 "--categorical 'id': $TMP/nohead.csv has no header naming its columns (--names names them)" \
        dl-tensor import --categorical id "$TMP/nohead.csv"
    printf '08001\t1\n' | dl-tensor import --no-header --names zip,x --categorical zip |
        dl-tensor export --format tsv > "$TMP/tsv.out"
    [ "$(cat "$TMP/tsv.out")" = "$(printf '08001\t1')" ]
    fails 2 "$F/x.npy: --categorical applies to CSV/TSV input only (.npy has no column names" \
        dl-tensor import --categorical id "$F/x.npy"
    fails 2 "--categorical applies to CSV/TSV input only (svmlight" \
        dl-tensor import --categorical id "$F/zero.svm"
    fails 2 "export: --categorical does not apply (an option of import)" \
        dl-tensor export --categorical id "$F/x.npy"
}

@test "tables: --rank 1 of a column of strings keeps each row's level; a row of several cells keeps no column names; a row of strings is refused" {
    printf 'zip\n08001\n8001\n00100\n' > "$TMP/z.csv"
    run dl-tensor export --header < <(dl-tensor import --rank 1 --categorical zip "$TMP/z.csv")
    [ "$status" -eq 0 ]
    [ "$output" = "$(cat "$TMP/z.csv")" ]
    printf 'c\nb\na\n' > "$TMP/s.csv"
    run dl-tensor export < <(dl-tensor import --rank 1 --no-header "$TMP/s.csv")
    [ "$output" = "$(cat "$TMP/s.csv")" ]
    printf 'a,b,c\n1,2,3\n' > "$TMP/r.csv"
    dl-tensor import --rank 1 "$TMP/r.csv" > "$TMP/r.dlt"
    run dl-tensor export "$TMP/r.dlt"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '1\n2\n3')" ]
    printf 'a,b,c\nz,y,x\n' > "$TMP/r2.csv"
    run dl-tensor import --rank 1 -o "$TMP/r2.dlt" "$TMP/r2.csv"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-tensor: $TMP/r2.csv: --rank 1 of one row takes numbers: its strings would each be a level of a column of its own (a column of strings takes --rank 1)" ]
}
