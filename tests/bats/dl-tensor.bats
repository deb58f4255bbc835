#!/usr/bin/env bats
# dl-tensor: import/export of CSV, TSV, .npy and svmlight, info, head,
# shuffle, split.  .npy reference files come from numpy
# (tests/fixtures/npy/gen_npy.py); nothing here runs python.

# `run ! cmd`: a bare `! cmd` before a test's last line is never checked
bats_require_minimum_version 1.5.0

load fails

setup() {
    N=$DL_TEST_ROOT/tests/fixtures/npy
    TMP=$BATS_TEST_TMPDIR
    printf 'a,b,c\n1,2,3\n4.5,-5,6e1\n7,8,9\n' > "$TMP/small.csv"
    # y = 10 * first column + second: an alignment check after any reordering
    seq 1 100 | awk '{ printf "%d,%d,%d\n", $1, $1 % 7, 10 * $1 + $1 % 7 }' > "$TMP/rows.csv"
    dl-tensor import -t 1 "$TMP/rows.csv" -o "$TMP/rows.dlt"
}

# refuses TEXT MESSAGE [OPTION...]: importing TEXT fails with status 1 and
# an error that contains MESSAGE.
refuses() {
    printf "$1" > "$TMP/in.csv"
    fails 1 "$2" dl-tensor import "${@:3}" "$TMP/in.csv"
}

# Every exported row of x0,x1,y0 must still satisfy y0 = 10*x0 + x1.
rows_aligned() {
    awk -F, '$3 != 10 * $1 + $2 { bad = 1 } END { exit bad }' "$1"
}

@test "dl-tensor: --help shows every command and default, --version" {
    run dl-tensor --help
    [ "$status" -eq 0 ]
    for w in import export info head shuffle split --targets --zlib "default 0.8" "default 65536" "default f64"; do
        [[ $output == *"$w"* ]]
    done
    run dl-tensor --version
    [ "$status" -eq 0 ]
    [[ $output == "dl-tensor (dl toolkit) "* ]]
    run dl-tensor import --help
    [ "$status" -eq 0 ]
}

@test "dl-tensor: usage errors exit 2 and name the problem" {
    run dl-tensor
    [ "$status" -eq 2 ]
    fails 2 "unknown command 'frobnicate'" dl-tensor frobnicate
    fails 2 "--bogus" dl-tensor import --bogus "$TMP/small.csv"
    run dl-tensor import --dtype i32 "$TMP/small.csv"
    [ "$status" -eq 2 ]
    run dl-tensor import --name z -t 1 "$TMP/small.csv"
    [ "$status" -eq 2 ]
    run dl-tensor split --fraction 1.5 "$TMP/rows.dlt" "$TMP/a" "$TMP/b"
    [ "$status" -eq 2 ]
    run dl-tensor split "$TMP/rows.dlt" "$TMP/a"
    [ "$status" -eq 2 ]
}

@test "dl-tensor import: header detected, --targets splits x and y" {
    run dl-tensor import -t 1 "$TMP/small.csv" -o "$TMP/s.dlt"
    [ "$status" -eq 0 ]
    run dl-tensor info "$TMP/s.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"f64  [3, 2]"*"raw"*"48  ok  x"* ]]
    [[ $output == *"f64  [3, 1]"*"raw"*"24  ok  y"* ]]
    run dl-tensor export --header "$TMP/s.dlt"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'a,b,c\n1,2,3\n4.5,-5,60\n7,8,9')" ]
    run dl-tensor export --format tsv "$TMP/s.dlt"
    [ "${lines[1]}" = "$(printf '4.5\t-5\t60')" ]
    run dl-tensor export --delimiter ';' --header "$TMP/s.dlt"
    [ "${lines[0]}" = "a;b;c" ]
}

@test "dl-tensor import: without --targets everything is x; --name makes one record" {
    dl-tensor import "$TMP/small.csv" | dl-tensor info > "$TMP/info"
    grep -q 'x  *f64  *\[3, 3\]' "$TMP/info"
    run ! grep -q ' y ' "$TMP/info"
    dl-tensor import --name yhat "$TMP/small.csv" -o "$TMP/p.dlt"
    run dl-tensor info "$TMP/p.dlt"
    [[ $output == *"yhat"*"[3, 3]"* ]]
    run dl-tensor export --name yhat "$TMP/p.dlt"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "1,2,3" ]
    fails 1 "no 'x' or 'y' record" dl-tensor export "$TMP/p.dlt"
    fails 1 "no record named 'nope'" dl-tensor export --name nope "$TMP/p.dlt"
}

@test "dl-tensor import: comma, tab, semicolon and blanks give the same stream" {
    dl-tensor import --no-header "$TMP/rows.csv" -o "$TMP/comma.dlt"
    tr ',' '\t' < "$TMP/rows.csv" > "$TMP/rows.tsv"
    tr ',' ';' < "$TMP/rows.csv" > "$TMP/rows.ssv"
    tr ',' ' ' < "$TMP/rows.csv" | sed 's/ /   /; s/^/  /' > "$TMP/rows.txt"
    for f in rows.tsv rows.ssv rows.txt; do
        dl-tensor import < "$TMP/$f" | cmp - "$TMP/comma.dlt"
    done
    dl-tensor import --format tsv < "$TMP/rows.tsv" | cmp - "$TMP/comma.dlt"
    dl-tensor import --delimiter ';' "$TMP/rows.ssv" | cmp - "$TMP/comma.dlt"
    dl-tensor import --delimiter space "$TMP/rows.txt" | cmp - "$TMP/comma.dlt"
    # blanks around cells are ignored, but a tab is a delimiter in TSV
    printf '1 	 2
' | dl-tensor import | dl-tensor export | grep -qx '1,2'
    printf '1		2
' | dl-tensor import --format tsv 2>&1 | grep -q 'column 2: empty cell'
}

@test "dl-tensor import: a delimiter inside a quoted cell does not decide the delimiter" {
    printf '"price;usd",qty\n1,2\n' > "$TMP/q.csv"
    run dl-tensor export --header < <(dl-tensor import "$TMP/q.csv")
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '"price;usd",qty\n1,2')" ]   # quoted: read back as a comma file
    dl-tensor import "$TMP/q.csv" | cmp - <(dl-tensor import --delimiter , "$TMP/q.csv")
    printf '"a;b" "c,""d"""\n1 2\n' > "$TMP/q.txt"
    dl-tensor import "$TMP/q.txt" | cmp - <(dl-tensor import --delimiter space "$TMP/q.txt")
}

@test "dl-tensor export: a missing string cell alone on its line is \"\", not a blank line import skips" {
    printf 's\nx\nNA\ny\n' | dl-tensor import --missing NA > "$TMP/one.dlt"
    run dl-tensor export "$TMP/one.dlt"
    [ "$output" = "$(printf 'x\n""\ny')" ]
    dl-tensor export --header "$TMP/one.dlt" | dl-tensor import --missing '' | cmp - "$TMP/one.dlt"
    # without --missing '' the cell is an error naming its line, never a row lost
    fails 1 "line 2, column 1 ('x'): empty cell" dl-tensor import < <(dl-tensor export "$TMP/one.dlt")
    # beside another column the empty cell stays empty
    printf 's,v\nx,1\nNA,2\n' | dl-tensor import --missing NA --target v > "$TMP/two.dlt"
    run dl-tensor export "$TMP/two.dlt"
    [ "${lines[1]}" = ",2" ]
}

@test "dl-tensor export --missing: a text that is also a level of the missing cell's column is an error" {
    printf 's,v\nNA,1\n,2\nx,3\n' | dl-tensor import --missing '' > "$TMP/lv.dlt"
    fails_silently 1 "lv.dlt: 'x': row 2, column 1 ('s'): a missing cell would be written 'NA', which is also a level of the column" \
        dl-tensor export --missing NA "$TMP/lv.dlt"
    run dl-tensor export --missing NA -o "$TMP/lv.csv" "$TMP/lv.dlt"
    [ "$status" -eq 1 ]
    [ ! -e "$TMP/lv.csv" ]
    # another text, or no missing cell at all, is fine
    run dl-tensor export --missing '?' "$TMP/lv.dlt"
    [ "$output" = "$(printf 'NA,1\n?,2\nx,3')" ]
    printf 's,v\nNA,1\nx,3\n' | dl-tensor import | dl-tensor export --missing NA > /dev/null
}

@test "dl-tensor export --delimiter space: an empty or missing string cell reads back" {
    printf 's,v\nx,1\n,3\n' | dl-tensor import --missing '' > "$TMP/m.dlt"
    dl-tensor export --header --delimiter space "$TMP/m.dlt" |
        dl-tensor import --delimiter space --missing '' | cmp - "$TMP/m.dlt"
    dl-tensor export --delimiter space "$TMP/m.dlt" |
        dl-tensor import --delimiter space --missing '' --no-header > "$TMP/n.dlt"
    cmp <(dl-tensor export "$TMP/n.dlt") <(dl-tensor export "$TMP/m.dlt")
    # a --missing text is quoted like any other when it holds the delimiter
    dl-tensor export --header --delimiter space --missing 'n a' "$TMP/m.dlt" |
        dl-tensor import --delimiter space --missing 'n a' | cmp - "$TMP/m.dlt"
    # other delimiters keep the empty cell empty
    run dl-tensor export "$TMP/m.dlt"
    [ "${lines[1]}" = ",3" ]
}

@test "--delimiter refuses a character that can be part of a number or a quoted cell" {
    for d in 0 1 9 . + - e E n a i f N I x Z '"' "'"; do
        fails 2 "--delimiter: '$d' can be part of a number (nan and inf too) or a quoted cell" \
            dl-tensor export --delimiter "$d" "$TMP/rows.dlt"
        [ "${#lines[@]}" -eq 2 ] # the reason, then the --help hint
        fails 2 "--delimiter: '$d' can be part of a number" \
            dl-tensor import --delimiter "$d" "$TMP/rows.csv"
    done
    fails 2 "--delimiter: ';;' is not one character" dl-tensor export --delimiter ';;' "$TMP/rows.dlt"
    # '#' starts a comment: a row whose first cell is empty would vanish on the way back
    printf 's,v\nx,1\nNA,3\n' | dl-tensor import --missing NA > "$TMP/m.dlt"
    fails 2 "--delimiter: '#' starts a comment line" dl-tensor export --delimiter '#' "$TMP/m.dlt"
    fails 2 "--delimiter: '#' starts a comment line" dl-tensor import --delimiter '#' "$TMP/rows.csv"
    run dl-tensor export --delimiter '|' "$TMP/rows.dlt"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$(head -n 1 "$TMP/rows.csv" | tr , '|')" ]
}

@test "dl-tensor import: CRLF line ends, a BOM, blank and comment lines, quoted cells" {
    printf '\xef\xbb\xbf"a","b"\r\n# a comment\r\n\r\n1,"2"\r\n 3 , 4 \r\n' > "$TMP/win.csv"
    run dl-tensor export < <(dl-tensor import "$TMP/win.csv")
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '1,2\n3,4')" ]
}

@test "dl-tensor export --header: a column name two records share is qualified by its record, so the header reads back" {
    printf 'a,kind\n1,x\n2,y\n' | dl-tensor import --target kind > "$TMP/k.dlt"
    # truth and prediction side by side: yhat named after y, as dl-predict names it
    { cat "$TMP/k.dlt"; dl-tensor export --name y "$TMP/k.dlt" | dl-tensor import --no-header --name yhat --names kind; } > "$TMP/p.dlt"
    run dl-tensor export --header --name y,yhat,x "$TMP/p.dlt"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'y.kind,yhat.kind,a\nx,x,1\ny,y,2')" ]
    dl-tensor export --header --name y,yhat,x "$TMP/p.dlt" | dl-tensor import > "$TMP/back.dlt"
    [ "$(dl-tensor export --name x.names "$TMP/back.dlt")" = "$(printf 'y.kind\nyhat.kind\na')" ]
    # an unnamed record's columns (y0) against a name y0: both qualified
    printf 'y0\n5\n' | dl-tensor import > "$TMP/n.dlt"
    { cat "$TMP/n.dlt"; printf '6\n' | dl-tensor import --name y; } > "$TMP/ny.dlt"
    run dl-tensor export --header "$TMP/ny.dlt"
    [ "$output" = "$(printf 'x.y0,y.y0\n5,6')" ]
    # a name still twice after that is refused before any line is written
    printf 'y.b\n7\n' | dl-tensor import --header > "$TMP/e.dlt"
    { cat "$TMP/e.dlt"; printf 'b\n8\n' | dl-tensor import --name y --header; printf 'b\n9\n' | dl-tensor import --name z --header; } > "$TMP/f.dlt"
    run dl-tensor export --header --name x,y,z "$TMP/f.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-tensor: $TMP/f.dlt: --header: two columns would be named 'y.b' (a header reads back only with names that differ)" ]
}

@test "dl-tensor export --header: names that are all numbers are refused, since they would read back as a row" {
    dl-tensor import --names 1,2,nan "$TMP/small.csv" > "$TMP/num.dlt"
    fails_silently 1 "dl-tensor: $TMP/num.dlt: --header: every column name is a number ('1', '2', 'nan'): import would read the header as a row of data (export without --header, and name the columns with import --names)" \
        dl-tensor export --header "$TMP/num.dlt"
    fails 1 "--header: every column name is a number" dl-tensor export --header -o "$TMP/h.csv" "$TMP/num.dlt"
    [ ! -e "$TMP/h.csv" ]
    # a record named 1 without names: its columns 10, 11, 12
    dl-tensor import --name 1 "$TMP/rows.csv" > "$TMP/one.dlt"
    fails 1 "--header: every column name is a number ('10', '11', '12')" \
        dl-tensor export --header --format tsv --name 1 "$TMP/one.dlt"
    # without the header the rows read back, and --names names them again
    dl-tensor export "$TMP/num.dlt" | dl-tensor import --names 1,2,nan | cmp - "$TMP/num.dlt"
    # a name that is not a number makes the first line a header: read back with --header
    dl-tensor import --names country,2019,2020 "$TMP/small.csv" > "$TMP/yr.dlt"
    dl-tensor export --header "$TMP/yr.dlt" | dl-tensor import --header | cmp - "$TMP/yr.dlt"
    fails 1 "line 1, column 1: 'country' is not a number" \
        dl-tensor import <(dl-tensor export --header "$TMP/yr.dlt")
    # a name that holds a number but is not one ("1,5") makes a header
    dl-tensor import --names '"1,5",x1,y' "$TMP/small.csv" > "$TMP/dc.dlt"
    dl-tensor export --header "$TMP/dc.dlt" | dl-tensor import | cmp - "$TMP/dc.dlt"
}

@test "dl-tensor import: a quote inside a cell is read as it is; one that opens a cell closes on its line" {
    printf 'item,price\n12" pizza,10\nsoda,2\n' > "$TMP/q.csv"
    dl-tensor import -t 1 "$TMP/q.csv" -o "$TMP/q.dlt"
    run dl-tensor export --header "$TMP/q.dlt"
    [ "$status" -eq 0 ]
    [ "${lines[1]}" = '"12"" pizza",10' ] # the cell 12" pizza, quoted as RFC 4180 writes it
    dl-tensor export --header "$TMP/q.dlt" | dl-tensor import -t 1 | cmp - "$TMP/q.dlt"
    refuses 'item,price\n"12 pizza,10\nsoda,2\n' \
        "line 2, column 1 ('item'): unterminated quote (a quoted cell ends on its line)"
    refuses 'a,b\n1,"2\n' "line 2, column 2 ('b'): unterminated quote"
    refuses '"a,b\n1,2\n' "line 1, column 1: unterminated quote"
}

@test "dl-tensor import: text after a quoted cell's closing quote is an error naming the cell" {
    refuses 'item,n\n"12" pizza,1\n' \
        "line 2, column 1 ('item'): text after the closing quote of a quoted cell ('\"12\" pizza'; a quote inside one is written \"\")"
    refuses 'item,n\nsoda,2\n"x"y,1\n' "line 3, column 1 ('item'): text after the closing quote"
    refuses 'a,b\n"1"2,1\n3,2\n' "line 2, column 1 ('a'): text after the closing quote"
    refuses '"a"b,c\nx,1\n' "line 1, column 1: text after the closing quote"
    # blanks after it are not text; a quote elsewhere is still read as it is
    printf 'item,n\n"x" ,1\n12" pizza,2\n' > "$TMP/q.csv"
    run dl-tensor export < <(dl-tensor import -t 1 "$TMP/q.csv")
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'x,1\n"12"" pizza",2')" ]
}

@test "dl-tensor import: --header and --no-header override the detection" {
    printf '1,2\n3,4\n' > "$TMP/n.csv"
    run dl-tensor export < <(dl-tensor import --header "$TMP/n.csv")
    [ "$output" = "3,4" ]
    # with --no-header, a first line of strings starts columns of strings
    fails 1 "line 2, column 1: '1' is a number in a column of strings ('a' on line 1)" \
        dl-tensor import --no-header "$TMP/small.csv"
}

@test "dl-tensor import: ragged rows are an error naming the line" {
    printf 'a,b,c\n1,2,3\n4,5\n6,7,8\n' > "$TMP/ragged.csv"
    run dl-tensor import "$TMP/ragged.csv" -o "$TMP/out.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-tensor: $TMP/ragged.csv: line 3: 2 fields, expected 3 (as on line 1)" ]
    [ ! -e "$TMP/out.dlt" ]
    printf '1,2\n3,4,5\n' > "$TMP/long.csv"
    fails 1 "line 2: 3 fields, expected 2" dl-tensor import "$TMP/long.csv"
}

@test "dl-tensor import: a short or long row is named as such, not by a cell shifted into a column of another kind" {
    refuses 'name,b,c\nx,1,2\n3,4\n' "dl-tensor: $TMP/in.csv: line 3: 2 fields, expected 3 (as on line 1)"
    refuses 'a,b,c\nx,1,2\ny,q,3,4\n' "dl-tensor: $TMP/in.csv: line 3: 4 fields, expected 3 (as on line 1)"
    refuses 'a,b\n1,2\nx\n' "dl-tensor: $TMP/in.csv: line 3: 1 field, expected 2 (as on line 1)"
    # a quote its line leaves open is named as that
    refuses 'a,b,c\nx,1,2\n"x,1\n' "line 3, column 1 ('a'): unterminated quote"
    # on a line of the right length, the cell is the cause
    refuses 'a,b,c\nx,1,2\n3,4,5\n' "line 3, column 1 ('a'): '3' is a number in a column of strings"
}

@test "dl-tensor import: non-numeric and empty cells name line, column and header" {
    printf 'mass,speed\n1,2\n3,fast\n' > "$TMP/bad.csv"
    run dl-tensor import "$TMP/bad.csv"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-tensor: $TMP/bad.csv: line 3, column 2 ('speed'): 'fast' is not a number, in a column of numbers from line 2 (--missing 'fast' would read it as missing)" ]
    refuses '1,2\n3,4kg\n' "line 2, column 2: '4kg' is not a number"
    refuses '1,2\n,4\n' "line 2, column 1: empty cell"
    refuses '1;2\n3;4,5\n' "'4,5' is not a number (numbers use '.' as the decimal point)"
    refuses '1,2\n3,1e999\n' "'1e999' is out of range for f64"
    refuses '1,2\n3,0x10\n' "'0x10' is not a number"
    refuses '1,2\n3,1.5.2\n' "'1.5.2' is not a number"
}

@test "dl-tensor import: a column of numbers with decimal commas is refused, not read as strings" {
    printf 'price;qty\n1,5;2\n10,25;3\n2,0;4\n' > "$TMP/dc.csv"
    fails_silently 1 "$TMP/dc.csv: line 2, column 1 ('price'): '1,5' is not a number (numbers use '.' as the decimal point)" \
        dl-tensor import -t 1 "$TMP/dc.csv"
    # missing cells aside, signs and exponents, a comma file with the cells quoted
    refuses 'a;b;c\nx;NA;1\ny;-2,5e3;2\nx;+0,5;3\n' "line 3, column 2 ('b'): '-2,5e3' is not a number (numbers use '.'" --missing NA
    refuses 'a,b\n1,"3,25"\n2,"4,0"\n' "line 2, column 2 ('b'): '3,25' is not a number (numbers use '.'"
    # a column of strings that merely holds some commas is still strings
    printf 'place;n\n"Paris, France";1\n1,5;2\n' > "$TMP/s.csv"
    run dl-tensor export --header < <(dl-tensor import "$TMP/s.csv")
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'place,n\n"Paris, France",1\n"1,5",2')" ]
}

@test "dl-tensor import: a column of numbers with thousands separators is refused, not read as strings" {
    printf 'price,y\n"1,299.00",1\n"2,450.50",2\n"1,100.25",3\n' > "$TMP/th.csv"
    fails_silently 1 "$TMP/th.csv: line 2, column 1 ('price'): '1,299.00' is not a number (remove the thousands separators: numbers take none, and '.' as the decimal point; --categorical reads the column as labels)" \
        dl-tensor import --target y "$TMP/th.csv"
    # no decimal point, several groups, a sign, missing cells aside, beside decimal commas
    refuses 'p,y\n"12,450,000",1\n"1,450",2\n' "line 2, column 1 ('p'): '12,450,000' is not a number (remove the thousands separators"
    refuses 'p;y\nNA;1\n-12,345,678.5;2\n' "line 3, column 1 ('p'): '-12,345,678.5' is not a number (remove the thousands separators" --missing NA
    refuses 'p;y\n1,5;1\n1,299.5;2\n' "line 2, column 1 ('p'): '1,5' is not a number (numbers use '.' as the decimal point)"
    # in a column of numbers, the hint says the same
    refuses 'p,y\n1,1\n"1,299.5",2\n' "line 3, column 1 ('p'): '1,299.5' is not a number (remove the thousands separators"
    # one comma and three digits after it reads either way: the hint names both
    refuses 'p,y\n"1,299",1\n"12,450",2\n' "line 2, column 1 ('p'): '1,299' is not a number (a decimal comma or thousands separators: numbers use '.' as the decimal point and take no thousands separators; --categorical reads the column as labels)"
    refuses 'p,y\n1,1\n"1,250",2\n' "line 3, column 1 ('p'): '1,250' is not a number (a decimal comma or thousands separators: numbers use '.' as the decimal point and take no thousands separators; --categorical reads the column as labels)"
    # a first group of 0 is a decimal comma, never thousands
    refuses 'a;b\n0,125;1\n2,5;2\n' "line 2, column 1 ('a'): '0,125' is not a number (numbers use '.' as the decimal point)" --header
    refuses 'a;b\n1;1\n-0,125;2\n' "line 3, column 1 ('a'): '-0,125' is not a number (numbers use '.' as the decimal point)"
    # groups not of three digits are strings
    printf 'code,n\n"12,34,567",1\n"1,299,5",2\n' > "$TMP/s.csv"
    run dl-tensor export --header < <(dl-tensor import "$TMP/s.csv")
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'code,n\n"12,34,567",1\n"1,299,5",2')" ]
}

@test "dl-tensor import: a write to the temporary copy of a table with strings that fails names the input and the directory" {
    awk 'BEGIN { print "c,x,y"; for (i = 0; i < 5000; i++) print "s" i % 5 "," i "," 2 * i }' > "$TMP/strs.csv"
    mkdir "$TMP/tmpdir"
    # files of at most 8 KiB, SIGXFSZ ignored: a write past that fails (EFBIG),
    # as on a full file system; standard output is a device, not limited
    run bash -c 'trap "" XFSZ; ulimit -f 8; TMPDIR="$1" dl-tensor import --target y "$2" > /dev/null' \
        - "$TMP/tmpdir" "$TMP/strs.csv"
    [ "$status" -eq 3 ]
    [[ $output == "dl-tensor: $TMP/strs.csv: the temporary copy of its rows in $TMP/tmpdir: write failed: "* ]]
}

@test "dl-tensor import: empty input and header-only input are errors" {
    fails 1 "empty input" dl-tensor import < /dev/null
    printf '\n# nothing\n\n' > "$TMP/blank.csv"
    run dl-tensor import "$TMP/blank.csv"
    [ "$status" -eq 1 ]
    printf 'a,b\n' > "$TMP/h.csv"
    fails 1 "no data rows" dl-tensor import "$TMP/h.csv"
    fails 3 "missing.csv: cannot open" dl-tensor import "$TMP/missing.csv"
}

@test "dl-tensor import: NaN and Inf are refused unless --allow-nonfinite" {
    printf '1,nan\n-inf,2\n' > "$TMP/nan.csv"
    run dl-tensor import "$TMP/nan.csv"
    [ "$status" -eq 1 ]
    [[ $output == *"line 1, column 2: 'nan' is not a finite number (--allow-nonfinite keeps it)" ]]
    run dl-tensor export < <(dl-tensor import --allow-nonfinite "$TMP/nan.csv")
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '1,nan\n-inf,2')" ]
}

@test "dl-tensor: export reads back bit-identical (random doubles, repr text)" {
    dl-tensor import "$N/random_f8.csv" -o "$TMP/a.dlt"
    dl-tensor export "$TMP/a.dlt" > "$TMP/a.csv"
    dl-tensor import "$TMP/a.csv" | cmp - "$TMP/a.dlt"
    # numpy's shortest text and numpy's binary give the same doubles
    dl-tensor import "$N/random_f8.npy" | cmp - "$TMP/a.dlt"
}

@test "dl-tensor: f32 import rounds once and exports shortest float text" {
    printf '0.1,16777217\n3.4028235e38,1.00000005960464477550\n' > "$TMP/f.csv"
    run dl-tensor export < <(dl-tensor import --dtype f32 "$TMP/f.csv")
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '0.1,16777216\n3.4028235e+38,1.0000001')" ]
    dl-tensor import --dtype f32 "$TMP/f.csv" | dl-tensor info | grep -q 'x  *f32'
    printf '1,3.5e38\n' > "$TMP/over.csv"
    fails 1 "out of range for f32" dl-tensor import --dtype f32 "$TMP/over.csv"
}

@test "dl-tensor import: every numpy fixture reads back as numpy wrote it" {
    n=0
    for f in "$N"/{f4,f8,i4,i8,u1,b1}_*.npy; do
        base=$(basename "$f" .npy)
        code=${base%%_*} dim=${base##*_}
        [ "$dim" = v2 ] || [ "$dim" = v3 ] && dim=2d
        dl-tensor import "$f" | dl-tensor export > "$TMP/out.csv"
        cmp "$TMP/out.csv" "$N/${code}_${dim}.csv" || { echo "mismatch: $base"; false; }
        n=$((n + 1))
    done
    [ "$n" -eq 32 ]
}

@test "dl-tensor import: a b1 byte other than 0 is 1, as numpy casts it, on every path" {
    for f in "$N"/bool_bytes_{c,f}.npy; do
        dl-tensor import "$f" | dl-tensor export | cmp - "$N/bool_bytes.csv"
        dl-tensor import "$f" -o "$TMP/b.dlt"
        dl-tensor export "$TMP/b.dlt" | cmp - "$N/bool_bytes.csv"
        cat "$f" | dl-tensor import --format npy | dl-tensor export | cmp - "$N/bool_bytes.csv"
        dl-tensor import --dtype f64 "$f" | dl-tensor export | cmp - "$N/bool_bytes.csv"
        dl-tensor import -t 1 "$f" | dl-tensor export | cmp - "$N/bool_bytes.csv"
    done
}

@test "dl-tensor import: .npy keeps its dtype, 1-D becomes a column, --dtype converts" {
    run dl-tensor info < <(dl-tensor import "$N/i8_be_c_1d.npy")
    [[ $output == *"x"*"i64"*"[5, 1]"* ]]
    run dl-tensor info < <(dl-tensor import "$N/u1_na_f_2d.npy")
    [[ $output == *"x"*"u8"*"[3, 4]"* ]]
    run dl-tensor info < <(dl-tensor import --dtype f32 "$N/i4_le_f_2d.npy")
    [[ $output == *"x"*"f32"*"[3, 4]"* ]]
    run dl-tensor info < <(dl-tensor import -t 1 "$N/f8_be_f_2d.npy")
    [[ $output == *"x"*"[3, 3]"*"y"*"[3, 1]"* ]]
}

@test "dl-tensor import: int64 .npy to --dtype f32 rounds once, as numpy's astype" {
    # through a double, 2^60 + 2^36 + 1 became 2^60, not numpy's 2^60 + 2^37
    dl-tensor import --dtype f32 "$N/int64_to_f32.npy" | dl-tensor export > "$TMP/npy.csv"
    dl-tensor import --dtype f32 "$N/int64_to_f32.csv" | dl-tensor export | cmp - "$TMP/npy.csv"
    dl-tensor import "$N/int64_to_f32.npy" | dl-tensor export --format npy -o "$TMP/i8.npy"
    cmp "$TMP/i8.npy" "$N/int64_to_f32.npy"
}

@test "dl-tensor export --format npy: byte-identical to numpy's own files" {
    for code in f4 f8 i4 i8 u1; do
        for f in "$N/${code}"_*_2d.npy; do
            [[ $f == *_v? ]] && continue
            want=$(ls "$N/${code}"_{le,na}_c_2d.npy 2>/dev/null | head -n 1)
            dl-tensor import "$f" | dl-tensor export --format npy -o "$TMP/out.npy"
            cmp "$TMP/out.npy" "$want" || { echo "differs: $f"; false; }
        done
    done
    # x and y side by side, as one 2-D array
    dl-tensor import -t 1 "$N/f8_le_c_2d.npy" | dl-tensor export --format npy | cmp - "$N/f8_le_c_2d.npy"
}

@test "dl-tensor import: bad .npy files are clear errors" {
    fails 1 "bad_c8.npy: .npy dtype '<c8' is not supported" dl-tensor import "$N/bad_c8.npy"
    fails 1 "a 3-D array" dl-tensor import "$N/bad_3d.npy"
    head -c 150 "$N/f8_le_c_2d.npy" > "$TMP/trunc.npy"
    fails 1 "truncated .npy data" dl-tensor import "$TMP/trunc.npy"
    head -c 40 "$N/f8_le_c_2d.npy" > "$TMP/trunc.npy"
    fails 1 "truncated .npy header" dl-tensor import "$TMP/trunc.npy"
    { cat "$N/f8_le_c_2d.npy"; printf 'x'; } > "$TMP/extra.npy"
    run dl-tensor import "$TMP/extra.npy"
    [ "$status" -eq 1 ]
    # every truncation of a small file fails cleanly
    size=$(wc -c < "$N/i4_be_f_2d.npy")
    for ((i = 0; i < size; i++)); do
        head -c "$i" "$N/i4_be_f_2d.npy" > "$TMP/cut.npy"
        run dl-tensor import --format npy "$TMP/cut.npy"
        [ "$status" -eq 1 ] || { echo "offset $i: status $status"; false; }
    done
}

@test "dl-tensor import: a .npy cut within its first 10 bytes is a truncated header, not another format" {
    for ((i = 1; i < 10; i++)); do
        head -c "$i" "$N/f8_le_c_2d.npy" > "$TMP/cut.npy"
        fails 1 "cut.npy: truncated .npy header" dl-tensor import "$TMP/cut.npy"
        fails 1 "<stdin>: truncated .npy header" dl-tensor import --format npy < "$TMP/cut.npy"
    done
    printf 'abc' > "$TMP/other.npy"
    fails 1 "other.npy: not a .npy file" dl-tensor import "$TMP/other.npy"
}

@test "dl-tensor import: a large .npy (many read buffers, several chunks) reads back exactly" {
    awk 'BEGIN { for (i = 0; i < 150000; i++) printf "%d,%.17g,%d\n", i, i / 7, -i }' > "$TMP/big.csv"
    dl-tensor import "$TMP/big.csv" -o "$TMP/big.dlt"
    dl-tensor export --format npy "$TMP/big.dlt" -o "$TMP/big.npy"
    dl-tensor import "$TMP/big.npy" | cmp - "$TMP/big.dlt"
    cat "$TMP/big.npy" | dl-tensor import | cmp - "$TMP/big.dlt"
    dl-tensor import -t 1 "$TMP/big.npy" | cmp - <(dl-tensor import -t 1 "$TMP/big.csv")
    dl-tensor import --dtype f32 "$TMP/big.npy" | cmp - <(dl-tensor import --dtype f32 "$TMP/big.csv")
    head -c 3000000 "$TMP/big.npy" > "$TMP/cut.npy"
    fails 1 "truncated .npy data" dl-tensor import "$TMP/cut.npy"
}

@test "dl-tensor import: a .npy file into a pipe: the bytes and the checks of a copy" {
    # into a pipe the payload moves from the file in the kernel; into a file
    # it is copied: the same stream, the same NaN message, from a name or stdin
    awk 'BEGIN { for (i = 0; i < 150000; i++) printf "%d,%.17g,%d\n", i, i / 7, -i }' > "$TMP/big.csv"
    dl-tensor import "$TMP/big.csv" -o "$TMP/big.dlt"
    dl-tensor export --format npy "$TMP/big.dlt" -o "$TMP/big.npy"
    dl-tensor import "$TMP/big.npy" -o "$TMP/copied.dlt"
    cmp "$TMP/copied.dlt" "$TMP/big.dlt"
    dl-tensor import "$TMP/big.npy" | cmp - "$TMP/big.dlt"
    dl-tensor import --format npy < "$TMP/big.npy" | cmp - "$TMP/big.dlt"
    awk 'BEGIN { for (i = 0; i < 150000; i++) printf "%d,%s,%d\n", i, i == 100000 ? "nan" : "1", -i }' > "$TMP/nan.csv"
    dl-tensor import --allow-nonfinite "$TMP/nan.csv" | dl-tensor export --format npy -o "$TMP/nan.npy"
    fails 1 "nan.npy: row 100001, column 2: NaN or Inf" dl-tensor import "$TMP/nan.npy"
    fails 1 "nan.npy: row 100001, column 2: NaN or Inf" dl-tensor import "$TMP/nan.npy" -o "$TMP/out.dlt"
    dl-tensor import --allow-nonfinite "$TMP/nan.npy" | dl-tensor export | sed -n 100001p | grep -qx '100000,nan,-100000'
}

@test "dl-tensor import: svmlight, sparse to dense, label to y" {
    printf '# a comment\n1 1:0.5 3:2 # trailing\n0 qid:7 2:1.5\n-1\n\n' > "$TMP/s.svm"
    run dl-tensor export --header < <(dl-tensor import "$TMP/s.svm")
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'x0,x1,x2,y0\n0.5,0,2,1\n0,1.5,0,0\n0,0,0,-1')" ]
    # detected from content on standard input too
    dl-tensor import < "$TMP/s.svm" | cmp - <(dl-tensor import "$TMP/s.svm")
    printf '1 3:1 2:1\n' > "$TMP/order.svm"
    fails 1 "line 1: '2:1' has an index not above the previous one" dl-tensor import "$TMP/order.svm"
    # index 0: zero-based, as scikit-learn's load_svmlight_file decides
    printf '1 0:1\n' > "$TMP/zero.svm"
    run dl-tensor export < <(dl-tensor import "$TMP/zero.svm")
    [ "$output" = "1,1" ]
    printf 'one 1:1\n' > "$TMP/label.svm"
    fails 1 "'one' is not a finite numeric label" dl-tensor import "$TMP/label.svm"
    # qid:N is ignored, but only a whole number is a query id
    for bad in qid:x qid: qid:1.5 qid:-2; do
        printf '1 %s 1:1\n' "$bad" > "$TMP/qid.svm"
        fails 1 "'$bad' has no whole number as its query id" dl-tensor import "$TMP/qid.svm"
    done
    # labels alone: no x to make, said as such (no --targets was given);
    # --features gives x its width, of zeros
    printf '1\n0\n' > "$TMP/labels.svm"
    fails 1 "labels.svm: no row has a feature (INDEX:VALUE): labels alone make no x" \
        dl-tensor import "$TMP/labels.svm"
    run dl-tensor export < <(dl-tensor import --features 2 "$TMP/labels.svm")
    [ "$output" = "$(printf '0,0,1\n0,0,0')" ]
}

@test "dl-tensor import: svmlight --dtype f32 rounds text once, as CSV does" {
    # 1 + 2^-24 + 2^-60 is nearer 1 + 2^-23 than 1, but as a double it is
    # the tie 1 + 2^-24, which rounds to 1
    v=1.00000005960464477625798673798840354720596224069595336914062
    printf '%s 1:%s\n' "$v" "$v" | dl-tensor import --format svmlight --dtype f32 > "$TMP/s.dlt"
    [ "$(dl-tensor export "$TMP/s.dlt")" = "1.0000001,1.0000001" ]
    # beyond float32's range is named as such, label or value
    fails 1 "line 2: '1:1e300' is out of range for f32" dl-tensor import --format svmlight --dtype f32 < <(printf '1 1:2\n0 1:1e300\n')
    fails 1 "line 1: '1e39' is out of range for f32" dl-tensor import --format svmlight --dtype f32 < <(printf '1e39 1:2\n')
}

@test "dl-tensor import: svmlight too wide for dense x names the file's index and a width --features takes" {
    # zero-based (index 0): the largest index 2^24 - 1 makes x 2^24 columns wide
    printf '1 0:1 16777215:1\n' > "$TMP/wide.svm"
    fails 4 "$TMP/wide.svm: line 1: index 16777215 would make 1 rows" dl-tensor import "$TMP/wide.svm"
    [[ $output == *"give --features 16777216 to accept that width" ]]
    dl-tensor import --features 16777216 "$TMP/wide.svm" > /dev/null
    # index 2^24 zero-based: wider than --features can allow, and no advice to try
    printf '1 0:1 16777216:1\n' > "$TMP/wider.svm"
    fails 4 "$TMP/wider.svm: line 1: index 16777216 would make x 16777217 columns wide (the indices are zero-based: the file has index 0), over the 16777216 allowed" \
        dl-tensor import "$TMP/wider.svm"
    [[ $output != *"--features"* ]]
}

@test "dl-tensor import: an svmlight index found too large only at the end names its line" {
    # zero-based is known only at line 3, so index 4 of line 2 is then one past --features 4
    printf '1 1:1
1 4:1
0 0:1 2:1
' > "$TMP/late.svm"
    fails 1 "late.svm: line 2: index 4 is beyond --features 4" dl-tensor import --features 4 "$TMP/late.svm"
    # the first line with the largest index, however many use it
    printf '1 0:1
1 9:1
1 9:2
' > "$TMP/late.svm"
    fails 1 "late.svm: line 2: index 9 is beyond --features 9" dl-tensor import --features 9 "$TMP/late.svm"
    { printf '1 0:1
'; for i in $(seq 40); do printf '1 16777215:1
'; done; } > "$TMP/wide.svm"
    fails 4 "wide.svm: line 2: index 16777215 would make 41 rows" dl-tensor import "$TMP/wide.svm"
}

@test "dl-tensor import: writes bounded chunks that reassemble to the same data" {
    dl-tensor import -t 1 --chunk-rows 7 "$TMP/rows.csv" -o "$TMP/chunked.dlt"
    run dl-tensor info "$TMP/chunked.dlt"
    [[ $output == *"x"*"f64"*"[100, 2]"*"15 records"* ]]
    [[ $output == *"y"*"f64"*"[100, 1]"*"15 records"* ]]
    cmp <(dl-tensor export "$TMP/chunked.dlt") <(dl-tensor export "$TMP/rows.dlt")
    # the default chunk is 65536 rows
    seq 1 70000 | dl-tensor import | dl-tensor info > "$TMP/info"
    grep -q '\[65536, 1\]' "$TMP/info"
    grep -q '\[4464, 1\]' "$TMP/info"
    grep -q '\[70000, 1\]  *2 records' "$TMP/info"
}

@test "dl-tensor import: a large file parsed in pieces on two threads keeps order and line numbers" {
    # ~4 MB: regions of up to 2 MiB, cut into pieces of 256 KiB, which two
    # threads parse while the next region is read
    seq 1 300000 | awk '{ printf "%d,%d.25\n", $1, -$1 }' > "$TMP/big.csv"
    dl-tensor import "$TMP/big.csv" | dl-tensor export | cmp - "$TMP/big.csv"
    # the same through a pipe, with comment and blank lines moving line numbers
    { echo '# made by seq'; echo; cat "$TMP/big.csv"; } > "$TMP/big2.csv"
    dl-tensor import < "$TMP/big2.csv" | dl-tensor export | cmp - "$TMP/big.csv"
    # errors in the first piece, in a later piece of the first region, in a
    # region read ahead, and on the last line; of two errors, the first
    for n in 1000 30000 250000 300000 "30000 250000"; do
        sed "$(for k in $n; do printf '%ss/.*/%s,oops/;' "$k" "$k"; done)" "$TMP/big2.csv" > "$TMP/bad.csv"
        fails 1 "line ${n%% *}, column 2: 'oops' is not a number" dl-tensor import "$TMP/bad.csv"
        fails 1 "line ${n%% *}, column 2: 'oops' is not a number" dl-tensor import < "$TMP/bad.csv"
    done
    sed '280000s/,.*//' "$TMP/big2.csv" > "$TMP/ragged.csv"
    fails 1 "line 280000: 1 field, expected 2 (as on line 3)" dl-tensor import "$TMP/ragged.csv"
}

@test "dl-tensor import: rows far more (or less) than the lines before foretell keep every value" {
    # Each piece's rows are given room by the lines before them (the first
    # line, then the region before): here a long first line, 4-byte lines,
    # long lines again and short ones last, on two threads and on one (a
    # column of strings)
    { echo '1000000000000,-1000000000000'
      awk 'BEGIN { for (i = 0; i < 400000; i++) printf "%d,%d\n", i % 10, i % 7 }'
      awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%d,%d\n", 1000000000000 + i, -i }'
      awk 'BEGIN { for (i = 0; i < 400000; i++) printf "%d,%d\n", i % 9, i % 5 }'
    } > "$TMP/dense.csv"
    dl-tensor import "$TMP/dense.csv" | dl-tensor export | cmp - "$TMP/dense.csv"
    { echo 'a,s'; awk -F, '{ print $1 "," ($2 % 2 ? "odd" : "even") }' "$TMP/dense.csv"; } > "$TMP/strings.csv"
    dl-tensor import "$TMP/strings.csv" | dl-tensor export --header | cmp - "$TMP/strings.csv"
}

@test "dl-tensor import: plain rows and rows with blanks, quotes, CRLF or comments give the same bits" {
    # Plain rows (numbers and commas only) are read in one pass; any other
    # row is read cell by cell.  The same values written both ways, in a
    # file long enough for two threads, must give the same stream.
    seq 1 120000 | awk '{ v = $1 * 1.000123; printf "%.17g,%.17g,%.5g,-0,%de-3\n", v, -1 / v, v * 1e-9, $1 }' > "$TMP/plain.csv"
    awk -F, '{
        if (NR % 5 == 1) printf " %s , %s,%s ,%s,%s\n", $1, $2, $3, $4, $5
        else if (NR % 5 == 2) printf "\"%s\",%s,\"%s\",%s,%s\n", $1, $2, $3, $4, $5
        else if (NR % 5 == 3) printf "%s\r\n", $0
        else if (NR % 5 == 4) printf "%s\n# a comment\n\n", $0
        else print
    }' "$TMP/plain.csv" > "$TMP/mixed.csv"
    dl-tensor import "$TMP/plain.csv" -o "$TMP/plain.dlt"
    dl-tensor import "$TMP/mixed.csv" -o "$TMP/mixed.dlt"
    cmp "$TMP/plain.dlt" "$TMP/mixed.dlt"
    dl-tensor export "$TMP/plain.dlt" | dl-tensor import | cmp - "$TMP/plain.dlt"
    # a last line without its newline, and one ending in a lone CR
    printf '1,2.5\n3,4e-1' > "$TMP/end.csv"
    run dl-tensor export < <(dl-tensor import "$TMP/end.csv")
    [ "$output" = $'1,2.5\n3,0.4' ]
    printf '1,2.5\r\n3,4e-1\r' > "$TMP/end.csv"
    run dl-tensor export < <(dl-tensor import "$TMP/end.csv")
    [ "$output" = $'1,2.5\n3,0.4' ]
    # where a plain row stops being one: the error names the line as before
    printf '1,2\n3,4\n5,6,\n' > "$TMP/trail.csv"
    fails 1 "line 3: 3 fields, expected 2 (as on line 1)" dl-tensor import "$TMP/trail.csv"
    printf '1,2\n3,4\n5,inf\n' > "$TMP/inf.csv"
    fails 1 "line 3, column 2: 'inf' is not a finite number" dl-tensor import "$TMP/inf.csv"
    printf '1,2\n3,4\n5,1e400\n' > "$TMP/over.csv"
    fails 1 "line 3, column 2: '1e400' is out of range for f64" dl-tensor import "$TMP/over.csv"
}

@test "dl-tensor import: a large file with lines ending in a lone CR reads as its LF twin, and stays as it was" {
    # several regions of a mapped file: each is changed in the mapping only
    seq 1 300000 | awk '{ printf "%d.5,%d,%.6g\n", $1, $1 % 13, $1 * 1e-3 }' > "$TMP/lf.csv"
    tr '\n' '\r' < "$TMP/lf.csv" > "$TMP/cr.csv"
    cp "$TMP/cr.csv" "$TMP/cr.orig"
    dl-tensor import "$TMP/lf.csv" -o "$TMP/lf.dlt"
    dl-tensor import "$TMP/cr.csv" -o "$TMP/cr.dlt"
    cmp "$TMP/lf.dlt" "$TMP/cr.dlt"
    cmp "$TMP/cr.csv" "$TMP/cr.orig"
    dl-tensor import < "$TMP/cr.csv" | cmp - "$TMP/lf.dlt"
}

@test "dl-tensor import: memory stays bounded however long the input" {
    [ -z "${DL_SAN:-}" ] || skip "sanitizer builds have their own memory overhead"
    [ -x /usr/bin/time ] || skip "no /usr/bin/time"
    # 4 million rows x 5 doubles: 160 MB of data, imported from a pipe
    seq 1 4000000 | awk '{ print $1 "," $1 "," $1 "," $1 "," $1 }' |
        /usr/bin/time -f '%M' -o "$TMP/rss" dl-tensor import | dl-tensor info > "$TMP/info"
    grep -q '\[4000000, 5\]  *62 records' "$TMP/info"
    [ "$(cat "$TMP/rss")" -lt 50000 ]   # kilobytes
}

@test "dl-tensor export: rows align across x and y chunks of any size and order" {
    cut -d, -f1,2 "$TMP/rows.csv" | dl-tensor import --name x --chunk-rows 7 > "$TMP/x.dlt"
    cut -d, -f3 "$TMP/rows.csv" | dl-tensor import --name y --chunk-rows 5 > "$TMP/y.dlt"
    cat "$TMP/x.dlt" "$TMP/y.dlt" | dl-tensor export | cmp - "$TMP/rows.csv"
    cat "$TMP/y.dlt" "$TMP/x.dlt" | dl-tensor export | cmp - "$TMP/rows.csv"
    head -n 99 "$TMP/rows.csv" | cut -d, -f3 | dl-tensor import --name y > "$TMP/y99.dlt"
    cat "$TMP/x.dlt" "$TMP/y99.dlt" > "$TMP/short.dlt"
    fails 1 "'x' has 100 rows but 'y' has 99" dl-tensor export "$TMP/short.dlt"
    fails 1 "'x' has 100 rows but 'y' has 99" dl-tensor export --format npy "$TMP/short.dlt"
    # records that are neither x nor y are skipped
    cat "$TMP/x.dlt" "$TMP/y.dlt" <(dl-tensor import --name model "$N/u1_na_c_1d.npy") |
        dl-tensor export | cmp - "$TMP/rows.csv"
}

@test "dl-tensor export: many rows, in blocks across chunks of x and y, give the text row by row" {
    # decimals whose shortest text is known: quarters, negatives, large and small
    awk 'BEGIN { for (i = 1; i <= 20000; i++)
                   printf "%d,%.15g,%d,%.6g\n", i, -i / 4, i * 1000003, i / 1048576 }' > "$TMP/big.csv"
    cut -d, -f1,2,3 "$TMP/big.csv" | dl-tensor import --name x --chunk-rows 777 > "$TMP/bx.dlt"
    cut -d, -f4 "$TMP/big.csv" | dl-tensor import --name y --chunk-rows 1000 > "$TMP/by.dlt"
    cat "$TMP/bx.dlt" "$TMP/by.dlt" | dl-tensor export | cmp - "$TMP/big.csv"
    cat "$TMP/by.dlt" "$TMP/bx.dlt" | dl-tensor export --format tsv | tr '\t' , | cmp - "$TMP/big.csv"
    # x alone, f32 and i64, and rows so wide that a block holds two of them
    cut -d, -f1,2,4 "$TMP/big.csv" > "$TMP/f32.csv"
    dl-tensor import --dtype f32 "$TMP/f32.csv" | dl-tensor export | cmp - "$TMP/f32.csv"
    awk 'BEGIN { for (i = 1; i <= 60; i++) { for (j = 1; j <= 3000; j++)
                   printf "%d%s", i * j, j < 3000 ? "," : "\n" } }' > "$TMP/wide.csv"
    dl-tensor import --chunk-rows 7 "$TMP/wide.csv" | dl-tensor export | cmp - "$TMP/wide.csv"
    dl-tensor import "$N/i8_le_c_2d.npy" | dl-tensor export | cmp - "$N/i8_2d.csv"
}

@test "dl-tensor export: an inconsistency found late leaves standard output empty, in every format" {
    head -n 99 "$TMP/rows.csv" | cut -d, -f3 | dl-tensor import --name y > "$TMP/y99.dlt"
    cut -d, -f1,2 "$TMP/rows.csv" | dl-tensor import --name x --chunk-rows 7 > "$TMP/x.dlt"
    cat "$TMP/x.dlt" "$TMP/y99.dlt" > "$TMP/short.dlt"
    for format in csv tsv svmlight npy; do
        fails_silently 1 "'x' has 100 rows but 'y' has 99" dl-tensor export --format $format "$TMP/short.dlt"
        fails_silently 1 "'x' has 100 rows but 'y' has 99" dl-tensor export --format $format < "$TMP/short.dlt"
    done
    # a missing cell on the last row, which svmlight cannot hold
    printf '1,2,3\n4,5,6\n7,,9\n' | dl-tensor import -t 1 --missing '' --chunk-rows 1 > "$TMP/nan.dlt"
    fails_silently 1 "missing" dl-tensor export --format svmlight "$TMP/nan.dlt"
    # a missing label, too: svmlight import would refuse its 'nan'
    printf 'a,b,c\n1,2,p\n4,5,\n7,8,q\n' | dl-tensor import --target c --missing '' --chunk-rows 1 > "$TMP/nolabel.dlt"
    fails_silently 1 "'y': row 2, column 1 ('c'): missing label" dl-tensor export --format svmlight "$TMP/nolabel.dlt"
    printf '1,2,3\n4,5,\n' | dl-tensor import -t 1 --missing '' > "$TMP/nolabel.dlt"
    fails_silently 1 "'y': row 2, column 1: missing label" dl-tensor export --format svmlight "$TMP/nolabel.dlt"
    # a code that is not a level, in the last chunk of a string column
    printf 'c,v\na,1\nb,2\n' | dl-tensor import > "$TMP/lv.dlt"
    printf '7,3\n' | dl-tensor import --no-header > "$TMP/code.dlt"
    cat "$TMP/lv.dlt" "$TMP/code.dlt" > "$TMP/badcode.dlt"
    fails_silently 1 "is not a code" dl-tensor export "$TMP/badcode.dlt"
    # written in place through a descriptor alias: the same
    fails_silently 1 "'x' has 100 rows but 'y' has 99" dl-tensor export -o /dev/stdout "$TMP/short.dlt"
    # a file is never created, an old one never replaced
    echo precious > "$TMP/old.csv"
    for format in csv svmlight npy; do
        fails 1 "'x' has 100 rows but 'y' has 99" dl-tensor export --format $format -o "$TMP/old.csv" "$TMP/short.dlt"
        [ "$(cat "$TMP/old.csv")" = precious ]
        fails 1 "'x' has 100 rows but 'y' has 99" dl-tensor export --format $format -o "$TMP/new.csv" "$TMP/short.dlt"
        [ ! -e "$TMP/new.csv" ]
    done
    [ -z "$(ls -A "$TMP" | grep "^\.")" ]   # no temporary left behind
}

@test "dl-tensor export: text export streams in bounded memory" {
    [ -z "${DL_SAN:-}" ] || skip "sanitizer builds have their own memory overhead"
    [ -x /usr/bin/time ] || skip "no /usr/bin/time"
    seq 1 2000000 | awk '{ print $1 "," 2 * $1 }' | dl-tensor import -t 1 -o "$TMP/m.dlt"
    /usr/bin/time -f '%M' -o "$TMP/rss" dl-tensor export "$TMP/m.dlt" | tail -n 1 > "$TMP/last"
    [ "$(cat "$TMP/last")" = "2000000,4000000" ]
    [ "$(cat "$TMP/rss")" -lt 20000 ]   # kilobytes; the data is 32 MB
}

@test "dl-tensor head: first N rows of every row record, others pass through" {
    dl-tensor import --name model "$N/u1_na_c_1d.npy" -o "$TMP/model.dlt"
    cat "$TMP/rows.dlt" "$TMP/model.dlt" > "$TMP/both.dlt"
    dl-tensor head -n 3 "$TMP/both.dlt" -o "$TMP/h.dlt"
    run dl-tensor export "$TMP/h.dlt"
    [ "$output" = "$(printf '1,1,11\n2,2,22\n3,3,33')" ]
    run dl-tensor info "$TMP/h.dlt"
    [[ $output == *"model"*"u8"*"[5, 1]"* ]]
    run dl-tensor export < <(dl-tensor head < "$TMP/rows.dlt")
    [ "${#lines[@]}" -eq 10 ]
    run dl-tensor export < <(dl-tensor head -n 1000 "$TMP/rows.dlt")
    [ "${#lines[@]}" -eq 100 ]
}

@test "dl-tensor shuffle: a seeded permutation applied to x and y alike" {
    dl-tensor shuffle --seed 3 "$TMP/rows.dlt" | dl-tensor export > "$TMP/s3.csv"
    dl-tensor shuffle --seed 3 < "$TMP/rows.dlt" | dl-tensor export | cmp - "$TMP/s3.csv"
    dl-tensor shuffle --seed 4 "$TMP/rows.dlt" | dl-tensor export > "$TMP/s4.csv"
    run ! cmp -s "$TMP/s3.csv" "$TMP/s4.csv"
    run ! cmp -s "$TMP/s3.csv" "$TMP/rows.csv"
    cmp <(sort "$TMP/s3.csv") <(sort "$TMP/rows.csv")
    rows_aligned "$TMP/s3.csv"
}

@test "dl-tensor split: sizes, alignment, determinism, nothing lost" {
    dl-tensor split --fraction 0.8 --seed 1 "$TMP/rows.dlt" "$TMP/train.dlt" "$TMP/val.dlt"
    dl-tensor export "$TMP/train.dlt" > "$TMP/train.csv"
    dl-tensor export "$TMP/val.dlt" > "$TMP/val.csv"
    [ "$(wc -l < "$TMP/train.csv")" -eq 80 ]
    [ "$(wc -l < "$TMP/val.csv")" -eq 20 ]
    rows_aligned "$TMP/train.csv"
    rows_aligned "$TMP/val.csv"
    cmp <(sort "$TMP/train.csv" "$TMP/val.csv") <(sort "$TMP/rows.csv")
    dl-tensor split --fraction 0.8 --seed 1 "$TMP/rows.dlt" "$TMP/t2.dlt" "$TMP/v2.dlt"
    cmp "$TMP/train.dlt" "$TMP/t2.dlt"
    cmp "$TMP/val.dlt" "$TMP/v2.dlt"
    dl-tensor split --fraction 0.8 --seed 2 "$TMP/rows.dlt" "$TMP/t3.dlt" "$TMP/v3.dlt"
    run ! cmp -s "$TMP/train.dlt" "$TMP/t3.dlt"
    # round(0.333 * 100) = 33
    dl-tensor split --fraction 0.333 --seed 1 "$TMP/rows.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    [ "$(dl-tensor export "$TMP/a.dlt" | wc -l)" -eq 33 ]
}

@test "head, shuffle, split write a tensor's column metadata before it, also of a stream that had it after" {
    # record names in stream order
    order() { dl-tensor info "$1" | awk '$1 ~ /^[0-9]+$/ { print $NF }' | tr '\n' ' '; }
    printf 'a,b,c\n' | cat - "$TMP/rows.csv" |
        dl-tensor import --target c --categorical b --chunk-rows 30 -o "$TMP/named.dlt"
    dl-tensor shuffle --seed 2 "$TMP/named.dlt" -o "$TMP/s.dlt"
    [ "$(order "$TMP/s.dlt")" = "x.names y.names x.categories x y " ]
    # the names after the rows, as cat of a stream and its names gives them
    dl-tensor import --name x "$TMP/rows.csv" -o "$TMP/x.dlt"
    printf 'p\nq\nr\n' | dl-tensor import --format text --name x.names -o "$TMP/names.dlt"
    cat "$TMP/x.dlt" "$TMP/names.dlt" > "$TMP/late.dlt"
    dl-tensor shuffle --seed 2 "$TMP/late.dlt" -o "$TMP/s.dlt"
    dl-tensor head -n 3 "$TMP/late.dlt" -o "$TMP/h.dlt"
    dl-tensor split --seed 2 "$TMP/late.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    for f in s h a b; do
        [ "$(order "$TMP/$f.dlt")" = "x.names x " ]
        # readers of a stream as it comes take it
        dl-tensor export --header "$TMP/$f.dlt" | head -n 1 | grep -qx 'p,q,r'
    done
    cmp <(dl-tensor export "$TMP/s.dlt") <(dl-tensor shuffle --seed 2 "$TMP/x.dlt" | dl-tensor export)
}

@test "dl-tensor split: a bad input leaves neither output behind" {
    head -c 100 "$TMP/rows.dlt" > "$TMP/cut.dlt"
    run dl-tensor split "$TMP/cut.dlt" "$TMP/o1.dlt" "$TMP/o2.dlt"
    [ "$status" -eq 1 ]
    [ ! -e "$TMP/o1.dlt" ]
    [ ! -e "$TMP/o2.dlt" ]
    [ -z "$(ls "$TMP" | grep tmp)" ]
}

@test "dl-tensor info: a checkpoint-like stream and concatenated files" {
    dl-tensor import --name model "$N/u1_na_c_1d.npy" -o "$TMP/m.dlt"
    dl-tensor import --name w1 --dtype f32 "$N/f4_le_c_2d.npy" -o "$TMP/w.dlt"
    dl-tensor import --name b1 --dtype f32 "$N/f4_le_c_1d.npy" -o "$TMP/b.dlt"
    cat "$TMP/m.dlt" "$TMP/w.dlt" "$TMP/b.dlt" > "$TMP/model.ckpt"
    run dl-tensor info "$TMP/model.ckpt"
    [ "$status" -eq 0 ]
    [[ ${lines[2]} == *"1  u8"*"[5, 1]"*"raw"*"5  ok  model" ]]
    [[ ${lines[3]} == *"2  f32"*"[3, 4]"*"raw"*"48  ok  w1" ]]
    [[ ${lines[4]} == *"3  f32"*"[5, 1]"*"raw"*"20  ok  b1" ]]
    [[ $output == *"tensors:"* ]]
    run dl-tensor info "$TMP/m.dlt" "$TMP/w.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"m.dlt:"*"model"*"w.dlt:"*"w1"* ]]
    echo 'not a stream' > "$TMP/junk"
    run dl-tensor info "$TMP/junk"
    [ "$status" -eq 1 ]
    [[ $output == "dl-tensor: $TMP/junk: record 1"* ]]
}

@test "dl-tensor info: a FILE that cannot be read is reported and the others are still listed, status of the first failure" {
    echo 'not a stream' > "$TMP/junk"
    run bash -c 'dl-tensor info "$1/none.dlt" "$1/rows.dlt" "$1/junk" 2> "$1/err"' _ "$TMP"
    [ "$status" -eq 3 ]
    [[ $output == "$TMP/rows.dlt:"*"tensors:"* ]]
    mapfile -t err < "$TMP/err"
    [ "${#err[@]}" -eq 2 ]
    [ "${err[0]}" = "dl-tensor: $TMP/none.dlt: cannot open: No such file or directory" ]
    [[ ${err[1]} == "dl-tensor: $TMP/junk: record 1"* ]]
    run bash -c 'dl-tensor info "$1/junk" "$1/rows.dlt" 2> /dev/null' _ "$TMP"
    [ "$status" -eq 1 ]
    [[ $output == "$TMP/rows.dlt:"*"tensors:"* ]]
}

@test "dl-tensor info: standard input named twice is refused before anything is read, not listed empty" {
    for files in "- -" "- $TMP/rows.dlt -" "$TMP/rows.dlt - -"; do
        run bash -c "dl-tensor info $files < '$TMP/rows.dlt'"
        [ "$status" -eq 2 ]
        [ "${#lines[@]}" -eq 2 ]
        [[ ${lines[0]} == "dl-tensor: info: FILE "[12]" and FILE "[23]" cannot both be standard input" ]]
        [ "${lines[1]}" = "Try 'dl-tensor --help' for more information." ]
    done
    run bash -c "dl-tensor info - '$TMP/rows.dlt' < '$TMP/rows.dlt'"
    [ "$status" -eq 0 ]
    [[ $output == "<stdin>:"*"rows.dlt:"* ]]
}

@test "dl-tensor info: a pipe on standard input named - and /dev/stdin is refused, not listed empty the second time" {
    for files in "- /dev/stdin" "/dev/stdin /dev/fd/0" "$TMP/rows.dlt /dev/stdin -"; do
        run bash -c "cat '$TMP/rows.dlt' | dl-tensor info $files"
        [ "$status" -eq 2 ]
        [[ ${lines[0]} == "dl-tensor: info: FILE "[12]" and FILE "[23]" cannot both be standard input" ]]
    done
    # a file on standard input reads again from its start under its other name
    run bash -c "dl-tensor info - /dev/stdin < '$TMP/rows.dlt'"
    [ "$status" -eq 0 ]
    [[ $output == "<stdin>:"*"tensors:"*"/dev/stdin:"*"tensors:"* ]]
}

@test "dl-tensor info: the columns line up whatever the length of the names" {
    printf '1\n2\n' | dl-tensor import --name a --rank 1 -o "$TMP/n.dlt"
    printf '1\n2\n3\n' | dl-tensor import --name state.layer10.weight.of.a.long.net --rank 1 >> "$TMP/n.dlt"
    printf '1\n' | dl-tensor import --name a --rank 1 >> "$TMP/n.dlt"
    run dl-tensor info "$TMP/n.dlt"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 8 ]
    # records: each line's dtype starts under "type", its "ok" under "crc"
    for i in 2 3 4; do
        [ "$(awk -v t="${lines[1]}" -v l="${lines[$i]}" \
            'BEGIN { print (index(l, " f64 ") == index(t, " type ") && index(l, " ok") == index(t, " crc")) }')" = 1 ]
    done
    [[ ${lines[3]} == *" f64 "*" [3] "*" ok  state.layer10.weight.of.a.long.net" ]]
    # tensors: the dtype, shape and counts start at one column on every line
    [ "${lines[5]}" = "tensors:" ]
    [ "$(awk -v a="${lines[6]}" -v b="${lines[7]}" \
        'BEGIN { print (index(a, " f64 ") == index(b, " f64 ") && index(a, " 2 records") == index(b, " 1 record")) }')" = 1 ]
    [[ ${lines[6]} == "  a "*" f64 "*" [3] "*" 2 records, "* ]]
}

@test "dl-tensor info: names of non-ASCII characters line up as ASCII names do, a character a column" {
    local acute
    acute=$(printf '\xc3\xa9') # one character in two bytes: e with an acute accent
    # a short name, padded to the column, and one longer than its least width,
    # (with é twice, so that the columns of the two streams differ in bytes)
    for n in "caf$acute" "pr${acute}cision.of.the.mod${acute}l"; do
        printf '1\n2\n' | dl-tensor import --name "$n" --rank 1
    done > "$TMP/u.dlt"
    for n in cafe precision.of.the.model; do
        printf '1\n2\n' | dl-tensor import --name "$n" --rank 1
    done > "$TMP/a.dlt"
    dl-tensor info < "$TMP/u.dlt" > "$TMP/u.txt"
    grep -q "^  caf$acute  *f64 " "$TMP/u.txt"
    sed "s/$acute/e/g" "$TMP/u.txt" | diff - <(dl-tensor info < "$TMP/a.dlt")
}

@test "dl-tensor: --zlib on every writing command; same data, fewer bytes" {
    seq 1 5000 | awk '{ print $1 % 10 "," $1 % 3 }' > "$TMP/z.csv"
    dl-tensor import --zlib -t 1 "$TMP/z.csv" -o "$TMP/z.dlt"
    dl-tensor import -t 1 "$TMP/z.csv" -o "$TMP/raw.dlt"
    run dl-tensor info "$TMP/z.dlt"
    [[ $output == *"x"*"zlib"* ]]
    [ "$(wc -c < "$TMP/z.dlt")" -lt "$(wc -c < "$TMP/raw.dlt")" ]
    cmp <(dl-tensor export "$TMP/z.dlt") <(dl-tensor export "$TMP/raw.dlt")
    for cmd in "head -n 5" "shuffle --seed 1"; do
        dl-tensor $cmd --zlib "$TMP/raw.dlt" | dl-tensor info | grep -q zlib
    done
    dl-tensor split --zlib "$TMP/raw.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-tensor info "$TMP/b.dlt" | grep -q zlib
}

@test "dl-tensor: -o is atomic: a failed import keeps the old file" {
    echo keep > "$TMP/out.dlt"
    printf '1,2\n3\n' > "$TMP/bad.csv"
    run dl-tensor import "$TMP/bad.csv" -o "$TMP/out.dlt"
    [ "$status" -eq 1 ]
    [ "$(cat "$TMP/out.dlt")" = keep ]
    run dl-tensor export --format npy "$TMP/bad.csv" -o "$TMP/out.npy"
    [ "$status" -eq 1 ]
    [ ! -e "$TMP/out.npy" ]
    [ "$(ls "$TMP" | grep -c tmp)" -eq 0 ]
}

@test "dl-tensor: never writes binary to a terminal" {
    command -v script > /dev/null || skip "no script(1) to make a terminal"
    run script -qec "dl-tensor import $TMP/small.csv" /dev/null
    [ "$status" -eq 2 ]
    [[ $output == *"terminal"*"dl-tensor export"* ]]
    fails 2 "standard output is a terminal: refusing to write .npy there" script -qec "dl-tensor export --format npy $TMP/rows.dlt" /dev/null
    run script -qec "dl-tensor export $TMP/rows.dlt" /dev/null
    [ "$status" -eq 0 ]
}

@test "dl-tensor: a decimal-comma locale changes nothing" {
    command -v localedef > /dev/null || skip "no localedef"
    mkdir -p "$TMP/loc"
    localedef -i de_DE -f UTF-8 "$TMP/loc/de_DE.UTF-8" 2> /dev/null || true
    [ "$(LOCPATH=$TMP/loc LC_ALL=de_DE.UTF-8 /usr/bin/printf '%.1f' 0.5)" = "0,5" ] ||
        skip "cannot build a de_DE locale here"
    dl-tensor export "$TMP/rows.dlt" > "$TMP/c.csv"
    LOCPATH=$TMP/loc LC_ALL=de_DE.UTF-8 dl-tensor import "$N/random_f8.csv" > "$TMP/de.dlt"
    dl-tensor import "$N/random_f8.csv" | cmp - "$TMP/de.dlt"
    LOCPATH=$TMP/loc LC_ALL=de_DE.UTF-8 dl-tensor export "$TMP/de.dlt" |
        cmp - <(dl-tensor export "$TMP/de.dlt")
    grep -q '\.' <(dl-tensor export "$TMP/de.dlt")
}

@test "head, shuffle, split never cut a 'design' or 'model' text record, whatever its length" {
    printf '0,0\n1,2\n2,4\n' > "$TMP/r.csv"
    dl-tensor import -t 1 "$TMP/r.csv" | dl-design -q --poly 1 > "$TMP/d.dlt"
    len=$(dl-tensor info "$TMP/d.dlt" | awk '$1 ~ /^[0-9]+$/ && $NF == "design" { gsub(/[][]/, "", $3); print $3; exit }')
    [ "$len" -gt 3 ]
    seq 0 $((len - 1)) | awk '{ print $1 "," 2 * $1 }' > "$TMP/n.csv"
    dl-tensor import -t 1 "$TMP/n.csv" | dl-design -q --poly 1 > "$TMP/n.dlt"
    dl-tensor export --name design "$TMP/n.dlt" > "$TMP/want.txt"
    for cmd in "shuffle --seed 3" "head -n 2"; do
        # shellcheck disable=SC2086
        dl-tensor $cmd "$TMP/n.dlt" > "$TMP/out.dlt"
        dl-tensor export --name design "$TMP/out.dlt" | cmp - "$TMP/want.txt"
    done
    dl-tensor split --seed 3 "$TMP/n.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    dl-tensor export --name design "$TMP/b.dlt" | cmp - "$TMP/want.txt"
    dl-lstsq -q "$TMP/a.dlt" > "$TMP/m.ckpt"
    len=$(dl-tensor info "$TMP/m.ckpt" | awk '$1 ~ /^[0-9]+$/ && $NF == "model" { gsub(/[][]/, "", $3); print $3; exit }')
    seq 0 $((len - 1)) | awk '{ print $1 "," 2 * $1 }' | dl-tensor import -t 1 > "$TMP/rows.dlt"
    cat "$TMP/m.ckpt" "$TMP/rows.dlt" | dl-tensor shuffle --seed 5 > "$TMP/mix.dlt"
    cmp <(dl-tensor export --name model "$TMP/mix.dlt") <(dl-tensor export --name model "$TMP/m.ckpt")
}

@test "head, shuffle, split refuse x and y of different row counts rather than misalign them" {
    printf '1\n2\n3\n4\n5\n' | dl-tensor import --name x > "$TMP/x5.dlt"
    printf '1\n2\n3\n' | dl-tensor import --name y > "$TMP/y3.dlt"
    cat "$TMP/x5.dlt" "$TMP/y3.dlt" > "$TMP/bad.dlt"
    fails 1 "$TMP/bad.dlt: 'x' has 5 rows but 'y' has 3" dl-tensor shuffle "$TMP/bad.dlt"
    fails 1 "'x' has 5 rows but 'y' has 3" dl-tensor head -n 2 "$TMP/bad.dlt"
    fails 1 "'x' has 5 rows but 'y' has 3" dl-tensor split "$TMP/bad.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    [ ! -e "$TMP/a.dlt" ]
    [ ! -e "$TMP/b.dlt" ]
}

@test "head, shuffle, split refuse weights w of another row count than x rather than misalign them" {
    # 8 weights for 10 rows: as many as head -n 8 and split's OUT1 keep, so
    # that w passed through uncut would look aligned
    head -n 10 "$TMP/rows.csv" | dl-tensor import -t 1 > "$TMP/xy.dlt"
    seq 1 8 | dl-tensor import --name w > "$TMP/w8.dlt"
    cat "$TMP/xy.dlt" "$TMP/w8.dlt" > "$TMP/bad.dlt"
    fails 1 "$TMP/bad.dlt: 'x' has 10 rows but 'w' has 8" dl-tensor shuffle "$TMP/bad.dlt"
    fails 1 "'x' has 10 rows but 'w' has 8" dl-tensor head -n 8 "$TMP/bad.dlt"
    fails 1 "'x' has 10 rows but 'w' has 8" \
        dl-tensor split --fraction 0.8 "$TMP/bad.dlt" "$TMP/a.dlt" "$TMP/b.dlt"
    [ ! -e "$TMP/a.dlt" ]
    [ ! -e "$TMP/b.dlt" ]
    # weights of every row are cut with them
    seq 1 10 | dl-tensor import --name w > "$TMP/w10.dlt"
    cat "$TMP/xy.dlt" "$TMP/w10.dlt" | dl-tensor shuffle --seed 3 |
        dl-tensor export --name x,w | awk -F, '$1 != $3 { bad = 1 } END { exit bad }'
}

@test "import of a file that is already a stream says so, without echoing binary bytes" {
    cp "$TMP/rows.dlt" "$TMP/rows.data"
    for f in "$TMP/rows.dlt" "$TMP/rows.data"; do
        run dl-tensor import "$f"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-tensor: $f: this is already a dl tensor stream, not text to import (dl-tensor export turns it into CSV)" ]
    done
    cp "$TMP/rows.dlt" "$TMP/named.csv"
    run dl-tensor import "$TMP/named.csv"
    [ "$status" -eq 1 ]
    [[ $output == *"already a dl tensor stream"* ]]
    run dl-tensor import < "$TMP/rows.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-tensor: <stdin>: this is already a dl tensor stream, not text to import (dl-tensor export turns it into CSV)" ]
}

@test "import of other binary data says so, without echoing its bytes" {
    printf '\211PNG\r\n\032\n\0\0\0\rIHDR\n1,2\n' > "$TMP/pic.png"
    run dl-tensor import "$TMP/pic.png"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-tensor: $TMP/pic.png: binary data (a NUL byte), not CSV, TSV or svmlight text" ]
}

@test "the man page's examples run as written, predictions evaluated against the truth" {
    cd "$TMP"
    printf '0.1\n0.8\n0.3\n' > predictions.csv
    printf '1,0\n2,1\n3,0\n' | dl-tensor import -t 1 > test.dlt
    cp "$N/f8_le_c_2d.npy" features.npy
    examples=$(awk '/^\.SH/ { p = /EXAMPLES/; next } /^\.nf/ { nf = 1 } /^\.fi/ { nf = 0 }
                    p && nf && !/^\./' \
        "$DL_TEST_ROOT/man/dl-tensor.1" | sed -e 's/\\-/-/g' -e 's/\\e/\\/g')
    run bash -euo pipefail -c "$examples"
    [ "$status" -eq 0 ]
    [[ $output == *"accuracy   1"* ]]
    [[ $output == *$'bias,zip=08001,zip=28001,x,y\n1,0,1,1,2\n1,1,0,2,3\n1,0,1,3,4'* ]]
    [ -s shuffled.npy ]
}

@test "-V is --version, as in the other tools, before or after the command" {
    run dl-tensor -V
    [ "$status" -eq 0 ]
    [ "$output" = "$(dl-tensor --version)" ]
    run dl-tensor info -V
    [ "$status" -eq 0 ]
    [ "$output" = "$(dl-tensor --version)" ]
    [[ $(dl-tensor --help) == *"-V, --version"* ]]
}

@test "dl-tensor: options that would be ignored are usage errors (export --zlib, info -o)" {
    run dl-tensor export --zlib "$DL_TEST_ROOT/tests/fixtures/stream/small.dlt"
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-tensor: export: --zlib does not apply (an option of import, head, shuffle, split)" ]]
    run dl-tensor info -o "$BATS_TEST_TMPDIR/x" "$DL_TEST_ROOT/tests/fixtures/stream/small.dlt"
    [ "$status" -eq 2 ]
    [ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "dl-tensor export quotes a text holding a delimiter import could detect, so it reads back" {
    printf '"price;usd",qty\n1,2\n' > "$TMP/pu.csv"
    printf 'a,b\n"x;y",1\nz,2\n' > "$TMP/xy.csv"
    printf 'a,b\n"x,y",1\nz,2\n' > "$TMP/xc.csv"
    printf '"p q","r;s"\n1,2\n' > "$TMP/pq.csv"
    for f in pu xy xc pq; do
        dl-tensor import "$TMP/$f.csv" > "$TMP/$f.dlt"
        for d in , tab space; do
            dl-tensor export --header --delimiter "$d" "$TMP/$f.dlt" | dl-tensor import > "$TMP/back.dlt"
            cmp "$TMP/$f.dlt" "$TMP/back.dlt" || { echo "$f with $d"; return 1; }
        done
    done
}

@test "dl-tensor: an option the input's or output's format does not read is refused" {
    printf '1,2,0\n3,4,1\n' | dl-tensor import -t 1 > "$TMP/n.dlt"
    fails 2 "export: --delimiter applies to CSV/TSV, not svmlight" dl-tensor export --format svmlight --delimiter ';' "$TMP/n.dlt"
    fails 2 "export: --missing applies to CSV/TSV, not svmlight" dl-tensor export --format svmlight --missing NA "$TMP/n.dlt"
    fails 2 "export: --header applies to CSV/TSV, not .npy" dl-tensor export --format npy --header -o "$TMP/n.npy" "$TMP/n.dlt"
    dl-tensor export --format npy -o "$TMP/n.npy" "$TMP/n.dlt"
    fails 2 "--header does not apply to .npy input" dl-tensor import --header "$TMP/n.npy"
    fails 2 "--delimiter does not apply to .npy input" dl-tensor import --delimiter ';' "$TMP/n.npy"
    printf '1 0:1\n' > "$TMP/s.svm"
    fails 2 "--no-header does not apply to svmlight input" dl-tensor import --no-header "$TMP/s.svm"
    fails 2 "--rank 1 does not apply to svmlight input (it makes x and y)" dl-tensor import --rank 1 "$TMP/s.svm"
    fails 2 "--name x.categories: a column-metadata record holds text, not numbers (import it with --format text)" dl-tensor import --name x.categories "$TMP/n.npy"
    printf '1\n' > "$TMP/one.csv"
    fails 2 "--name y.names: a column-metadata record holds text" dl-tensor import --name y.names "$TMP/one.csv"
    printf 'hello\n' > "$TMP/t.txt"
    fails 2 "--dtype does not apply to text input" dl-tensor import --format text --name m --dtype f32 "$TMP/t.txt"
    fails 2 "--chunk-rows does not apply to text input" dl-tensor import --format text --name m --chunk-rows 3 "$TMP/t.txt"
    dl-tensor import --format text --name m "$TMP/t.txt" | dl-tensor info | grep -q 'm *u8'
}

@test "dl-tensor: every command refuses the options of the others, naming the option and the command" {
    printf 'a,b\n1,2\n3,4\n' > "$TMP/s.csv"
    fails 2 "dl-tensor: import: -n does not apply (an option of head)" dl-tensor import -n 1 "$TMP/s.csv"
    [ "${#lines[@]}" -eq 2 ] # the reason, then the --help hint
    fails 2 "dl-tensor: head: --dtype does not apply (an option of import)" \
        dl-tensor head --dtype f32 "$TMP/rows.dlt"
    for opt in "--target b" "-t 1" "--fraction 0.5" --stratify --no-header "--chunk-rows 5" "--seed 1"; do
        fails 2 "dl-tensor: export: ${opt%% *}" dl-tensor export $opt "$TMP/rows.dlt"
    done
    fails 2 "export: -t/--targets does not apply (an option of import)" dl-tensor export -t 1 "$TMP/rows.dlt"
    fails 2 "import: --fraction does not apply (an option of split)" dl-tensor import --fraction 0.5 "$TMP/s.csv"
    fails 2 "import: --seed does not apply (an option of shuffle, split)" dl-tensor import --seed 3 "$TMP/s.csv"
    fails 2 "head: --seed does not apply" dl-tensor head --seed 3 "$TMP/rows.dlt"
    fails 2 "shuffle: -n does not apply" dl-tensor shuffle -n 3 "$TMP/rows.dlt"
    fails 2 "split: -o/--output does not apply" dl-tensor split -o "$TMP/c" "$TMP/rows.dlt" "$TMP/a" "$TMP/b"
    [ ! -e "$TMP/a" ]
    [ ! -e "$TMP/c" ]
    fails 2 "info: --header does not apply (an option of import, export)" dl-tensor info --header "$TMP/rows.dlt"
    fails 2 "show: --zlib does not apply" dl-tensor show --zlib "$TMP/rows.dlt"
    fails 2 "split: --format does not apply (an option of import, export, show)" \
        dl-tensor split --format csv "$TMP/rows.dlt" "$TMP/a" "$TMP/b"
    # what each command uses still works
    dl-tensor head -n 1 --zlib -o "$TMP/h.dlt" "$TMP/rows.dlt"
    dl-tensor shuffle --seed 2 --zlib "$TMP/rows.dlt" > "$TMP/sh.dlt"
    dl-tensor split --fraction 0.5 --seed 1 --zlib "$TMP/rows.dlt" "$TMP/a" "$TMP/b"
    dl-tensor export --header --delimiter ';' --missing NA -o "$TMP/e.csv" "$TMP/rows.dlt"
}

@test "--name given twice is a usage error, not the last one silently winning" {
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/fish.csv" > "$BATS_TEST_TMPDIR/f.dlt"
    run dl-tensor export --name y --name yhat "$BATS_TEST_TMPDIR/f.dlt"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-tensor: --name given twice ('y', then 'yhat'): give one name (export: NAME,NAME,... side by side)" ]
    run dl-tensor import --name a --name b "$DL_TEST_ROOT/data/fish.csv"
    [ "$status" -eq 2 ]
}

@test "dl-tensor export: a record of no columns first adds no empty cell before the others" {
    # zero_cols.dlt: x of 4 rows and no columns, y = 1, 0, 1, 0 (tests/hostile/gen_hostile.py)
    z="$DL_TEST_ROOT/tests/hostile/inputs/zero_cols.dlt"
    run dl-tensor export --header "$z"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'y0\n1\n0\n1\n0')" ]
    dl-tensor head -n 1 "$z" > "$TMP/one.dlt"
    run dl-tensor export --header --delimiter tab "$TMP/one.dlt"
    [ "$output" = "$(printf 'y0\n1')" ]
    run dl-tensor export --name x,y "$TMP/one.dlt"
    [ "$status" -eq 0 ]
    [ "$output" = "1" ]
}

@test "dl-tensor head: indexes only the rows it keeps, so the first of a data set of 2^40 rows need no index of them all" {
    # x of 2^40 rows and no columns, no bytes (tests/hostile/gen_hostile.py)
    run dl-tensor head -n 2 "$DL_TEST_ROOT/tests/hostile/inputs/x_2e40_empty_rows.dlt" -o "$TMP/two.dlt"
    [ "$status" -eq 0 ]
    dl-tensor info "$TMP/two.dlt" | grep -Eq '^  x +f64  \[2, 0\] '
}

@test "dl-tensor shuffle and split name the input whose rows are too many to index" {
    # x of 2^40 rows and no columns, no bytes (tests/hostile/gen_hostile.py)
    x="$DL_TEST_ROOT/tests/hostile/inputs/x_2e40_empty_rows.dlt"
    run dl-tensor shuffle -o "$TMP/out.dlt" "$x"
    [ "$status" -eq 4 ]
    # (AddressSanitizer says so too when it returns no memory)
    [ "$(grep -v '^==[0-9]*==WARNING: AddressSanitizer failed to allocate' <<< "$output")" = "dl-tensor: $x: cannot allocate an index of 1099511627776 rows" ]
    run dl-tensor split "$x" "$TMP/a.dlt" "$TMP/b.dlt"
    [ "$status" -eq 4 ]
    # (AddressSanitizer says so too when it returns no memory)
    [ "$(grep -v '^==[0-9]*==WARNING: AddressSanitizer failed to allocate' <<< "$output")" = "dl-tensor: $x: cannot allocate an index of 1099511627776 rows" ]
    [ ! -e "$TMP/out.dlt" ]
    [ ! -e "$TMP/a.dlt" ]
    [ ! -e "$TMP/b.dlt" ]
}

# The commands an option applies to, as its refusal elsewhere names them
# ("info: --seed does not apply (an option of shuffle, split)"): show and
# head take different options, so one of them refuses any scoped option.
option_commands() {
    local cmd msg
    for cmd in show head; do
        msg=$(dl-tensor $cmd "--$1" 2>&1 </dev/null)
        [[ $msg == *"missing value for"* ]] && msg=$(dl-tensor $cmd "--$1=x" 2>&1 </dev/null)
        if [[ $msg == *"does not apply (an option of "* ]]; then
            msg=${msg#*an option of }
            echo "${msg%%)*}" | tr -d ','
            return
        fi
    done
}

@test "dl-tensor --help: each command's part lists every option that command takes" {
    help=$(dl-tensor --help)
    # options listed once for several commands ("Options of every command that writes a stream")
    shared=$(echo "$help" | sed -n '/^Options of/,$p')
    for opt in $(echo "$help" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u | sed 's/^--//'); do
        echo "$shared" | grep -qE -- "--$opt([^a-z-]|\$)" && continue
        for cmd in $(option_commands "$opt"); do
            # the command's part: from its line to the next command's
            part=$(echo "$help" | awk -v c="$cmd" '$1 == c && /^  [a-z]/ { p = 1; print; next }
                                                  /^  [a-z]/ || /^[^ ]/ { p = 0 } p')
            [ -n "$part" ] || { echo "no part for $cmd in --help"; false; }
            echo "$part" | grep -qE -- "--$opt([^a-z-]|\$)" ||
                { echo "--help: $cmd takes --$opt but its part does not list it"; false; }
        done
    done
}
