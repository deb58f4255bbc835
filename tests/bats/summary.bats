#!/usr/bin/env bats
# dl-eval --summary: runs, mean, standard deviation (n - 1), min and max of
# dl-eval records, against numpy (tests/fixtures/summary/gen_summary.py).

setup() {
    F=$DL_TEST_ROOT/tests/fixtures/summary
    TMP=$BATS_TEST_TMPDIR
}

load fails

# same_numbers GOT WANT: two TSV tables with the same text cells and numbers
# equal to 1e-12 relative ("nan" only where nan is wanted).
same_numbers() {
    paste "$1" "$2" | awk -F'\t' '
        function differ(a, b) {
            if (a == "nan" || b == "nan") return a != b
            if (a !~ /^[-+0-9.]/) return a != b
            d = a - b; if (d < 0) d = -d
            m = b < 0 ? -b : b
            return d > 1e-12 * m + 1e-300
        }
        NF % 2 { print "row " NR ": " NF " cells"; bad = 1; next }
        { h = NF / 2; for (i = 1; i <= h; i++) if (differ($i, $(i + h))) {
              print "row " NR ", column " i ": " $i " vs " $(i + h); bad = 1 } }
        END { exit bad }' || return 1
    [ "$(wc -l < "$1")" -eq "$(wc -l < "$2")" ]
}

@test "dl-eval --summary: mean, sd (n-1), min, max per model and metric match numpy, TSV and JSON mixed" {
    dl-eval --summary --by model --format tsv "$F/runs.tsv" "$F/runs2.tsv" "$F/runs.jsonl" > "$TMP/got.tsv"
    cat "$TMP/got.tsv"
    same_numbers "$TMP/got.tsv" "$F/expected.tsv"
    # the records on standard input, as one stream
    cat "$F/runs.tsv" "$F/runs2.tsv" "$F/runs.jsonl" | dl-eval --summary --by model -f tsv > "$TMP/stdin.tsv"
    cmp "$TMP/got.tsv" "$TMP/stdin.tsv"
    # --no-header, and JSON records of the same numbers
    dl-eval --summary --by model -f tsv --no-header "$F/runs.tsv" "$F/runs2.tsv" "$F/runs.jsonl" |
        cmp - <(tail -n +2 "$TMP/got.tsv")
    dl-eval --summary --by model -f json "$F/runs.tsv" "$F/runs2.tsv" "$F/runs.jsonl" > "$TMP/got.json"
    /bin/grep -q '^{"model": "net", "metric": "log_loss", "runs": 5, "mean": null, "sd": null, "min": null, "max": null}$' "$TMP/got.json"
    [ "$(wc -l < "$TMP/got.json")" -eq 9 ]
}

@test "dl-eval --summary: the table for people, one group without --by, one run has no sd" {
    run dl-eval --summary --by model "$F/runs.tsv" "$F/runs2.tsv"
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == "model   metric    runs         mean           sd          min          max" ]]
    [[ ${lines[1]} == "linear  accuracy     5      1.99665      3.69391  3.86463e-05      8.51812" ]]
    [ "${#lines[@]}" -eq 7 ]
    # no --by: every record in one group (10 runs), cm[...] counts and n left out
    run dl-eval --summary -f tsv "$F/runs.tsv" "$F/runs2.tsv"
    [ "${#lines[@]}" -eq 4 ]
    [[ ${lines[0]} == $'metric\truns\tmean\tsd\tmin\tmax' ]]
    [[ ${lines[1]} == $'accuracy\t10\t'* ]]
    run dl-eval --summary -f tsv --by model,fold "$F/runs.jsonl"
    [[ ${lines[1]} == $'tree\t1\taccuracy\t1\t9.207269930886819e-05\tnan\t'* ]]
}

@test "dl-eval --summary: group values, tags and metrics of non-ASCII characters line up as ASCII ones do" {
    local acute
    acute=$(printf '\xc3\xa9') # one character in two bytes: e with an acute accent
    # a value shorter than its column, one longer, which widens it; a tag and
    # a metric of their own
    {
        printf 'r\xc3\xa9seau\ttask\tn\taccuracy\tpr\xc3\xa9cision\n'
        printf 'd\xc3\xa9caf\tbinary\t30\t0.5\t0.25\n'
        printf 'd\xc3\xa9caf\tbinary\t30\t0.75\t0.5\n'
        printf 'm\tbinary\t30\t0.125\t1\n'
        printf 'r\xc3\xa9seau.de.neurones\tbinary\t30\t0.25\t0.5\n'
    } > "$TMP/u.tsv"
    sed "s/$acute/e/g" "$TMP/u.tsv" > "$TMP/a.tsv"
    dl-eval --summary --by "r${acute}seau" "$TMP/u.tsv" > "$TMP/u.txt"
    cat "$TMP/u.txt"
    grep -q "^d${acute}caf  " "$TMP/u.txt"
    grep -q "^r${acute}seau.de.neurones  accuracy " "$TMP/u.txt"
    sed "s/$acute/e/g" "$TMP/u.txt" | diff - <(dl-eval --summary --by reseau "$TMP/a.tsv")
}

@test "dl-eval --summary: JSON strings escaped by another writer (\\u00e9) are the characters they stand for" {
    # a record that Python's json.dumps rewrote beside dl-eval's own TSV: one
    # group, not two; numpy: mean 0.375, sd (ddof=1) 0.1767766952966369
    printf 'model\ttask\tn\taccuracy\nr\xc3\xa9seau\tbinary\t4\t0.5\n' >"$TMP/r.tsv"
    printf '{"model": "r\\u00e9seau", "task": "binary", "n": 4, "accuracy": 0.25}\n' >"$TMP/r.jsonl"
    run dl-eval --summary --by model -f tsv --no-header "$TMP/r.tsv" "$TMP/r.jsonl"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'r\xc3\xa9seau\taccuracy\t2\t0.375\t0.1767766952966369\t0.25\t0.5')" ]
    # a character beyond U+FFFF as a surrogate pair, and \/
    printf '{"model": "a\\/\\ud83d\\ude00", "task": "binary", "n": 4, "accuracy": 0.25}\n' >"$TMP/s.jsonl"
    run dl-eval --summary --by model -f tsv --no-header "$TMP/s.jsonl"
    [ "${output%%$'\t'*}" = "$(printf 'a/\xf0\x9f\x98\x80')" ]
    # what no tag holds (a tab, a quote, a backslash) or a lone surrogate
    for bad in '\t' '\"' '\\' '\u0009' '\ud83d' '\u00e'; do
        printf '{"model": "a%s", "task": "binary", "n": 4, "accuracy": 0.25}\n' "$bad" >"$TMP/b.jsonl"
        fails 1 "b.jsonl: line 1: not a dl-eval JSON record" dl-eval --summary --by model "$TMP/b.jsonl"
    done
}

# eval_records Y P: the TSV and JSON records of dl-eval for y and yhat
# (CSV text) in $TMP/r.tsv and $TMP/r.json.
eval_records() {
    printf "$1" > "$TMP/y.csv"
    printf "$2" > "$TMP/p.csv"
    { dl-tensor import --name y "$TMP/y.csv"; dl-tensor import --name yhat "$TMP/p.csv"; } > "$TMP/e.dlt"
    dl-eval -f tsv "$TMP/e.dlt" > "$TMP/r.tsv"
    dl-eval -f json "$TMP/e.dlt" > "$TMP/r.json"
}

# summary_leaves_out KEPT COUNTS: --summary of each record file twice lists
# the metric KEPT and no metric matching the regex COUNTS.
summary_leaves_out() {
    for f in r.tsv r.json; do
        dl-eval --summary -f tsv "$TMP/$f" "$TMP/$f" | cut -f 1 > "$TMP/metrics"
        grep -qx "$1" "$TMP/metrics"
        run grep -xE "$2" "$TMP/metrics"
        [ "$status" -eq 1 ] || { echo "$f: $output"; return 1; }
    done
}

@test "dl-eval --summary: a binary task's tn fp fn tp are counts, left out as n is" {
    eval_records '0\n1\n1\n0\n' '0.2\n0.7\n0.4\n0.1\n'
    head -n 1 "$TMP/r.tsv" | grep -q $'\ttn\tfp\tfn\ttp'    # the records have them
    summary_leaves_out accuracy 'tn|fp|fn|tp|n'
}

@test "dl-eval --summary: a multilabel task's per-label tn[j] fp[j] fn[j] tp[j] are counts too" {
    eval_records '0,1\n1,1\n1,0\n0,0\n' '0.2,0.9\n0.7,0.4\n0.4,0.1\n0.1,0.6\n'
    head -n 1 "$TMP/r.tsv" | grep -q $'\ttn\\[1\\]\tfp\\[1\\]\tfn\\[1\\]\ttp\\[1\\]'
    summary_leaves_out subset_accuracy '(tn|fp|fn|tp)\[[0-9]+\]|n'
    summary_leaves_out 'roc_auc\[1\]' '(tn|fp|fn|tp)\[[0-9]+\]|n'
}

@test "dl-eval --summary: records it cannot use and options that do not apply" {
    fails 2 "--truth applies to one evaluation, not to --summary" dl-eval --summary --truth x "$F/runs.tsv"
    fails 2 "--tag applies to one evaluation" dl-eval --summary --tag a=b "$F/runs.tsv"
    fails 2 "--by applies to --summary only" dl-eval --by model "$F/runs.tsv"
    fails 1 "runs.jsonl: line 1: no tag 'fold2' (--by takes tags every record has)" \
        dl-eval --summary --by fold2 "$F/runs.jsonl"
    tail -n 2 "$F/runs.tsv" > "$TMP/nohead.tsv"
    fails 1 "nohead.tsv: line 1: a TSV record before its header" dl-eval --summary "$TMP/nohead.tsv"
    { head -n 2 "$F/runs.tsv"; printf 'linear\t9\tbinary\t30\t0.5\n'; } > "$TMP/short.tsv"
    fails 1 "short.tsv: line 3: 5 cells, the header has 11" dl-eval --summary "$TMP/short.tsv"
    sed '2s/\t30\t[^\t]*/\t30\tgood/' "$F/runs.tsv" > "$TMP/word.tsv"
    fails 1 "word.tsv: line 2: 'accuracy': 'good' is not a number" dl-eval --summary "$TMP/word.tsv"
    sed '3s/binary/regression/' "$F/runs.tsv" > "$TMP/tasks.tsv"
    fails 1 "tasks.tsv: line 3: task regression, but the group's first record, $TMP/tasks.tsv: line 2, is binary" \
        dl-eval --summary "$TMP/tasks.tsv"
    # the first record in another file is named by its file
    head -n 2 "$F/runs.tsv" > "$TMP/one.tsv"
    { head -n 1 "$F/runs.tsv"; sed -n 3p "$TMP/tasks.tsv"; } > "$TMP/two.tsv"
    fails 1 "two.tsv: line 2: task regression, but the group's first record, $TMP/one.tsv: line 2, is binary" \
        dl-eval --summary "$TMP/one.tsv" "$TMP/two.tsv"
    dl-eval --summary --by model,fold "$TMP/tasks.tsv" > /dev/null
    printf '{"task": "binary", "n": 3, "accuracy": 0.5\n' > "$TMP/cut.jsonl"
    fails 1 "cut.jsonl: line 1: not a dl-eval JSON record" dl-eval --summary "$TMP/cut.jsonl"
    : > "$TMP/empty.tsv"
    fails 1 "empty.tsv: no dl-eval records (the input is empty)" dl-eval --summary "$TMP/empty.tsv"
    printf 'task\tn\taccuracy\n' > "$TMP/head.tsv"
    fails_silently 1 "head.tsv: no dl-eval records (a TSV header and no record under it)" \
        dl-eval --summary "$TMP/head.tsv"
    fails_silently 1 "head.tsv: no dl-eval records" dl-eval --summary "$F/runs.tsv" "$TMP/head.tsv"
    printf '\n  \n' > "$TMP/blank.tsv"
    fails_silently 1 "blank.tsv: no dl-eval records (only blank lines)" \
        dl-eval --summary "$TMP/blank.tsv"
    fails 3 "nosuch.tsv" dl-eval --summary "$TMP/nosuch.tsv"
    # standard input read once: named twice is a usage error, before any reading
    run bash -c 'dl-eval --summary "$1" - "$1" - < "$1"' - "$F/runs.tsv"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-eval: --summary: FILE 2 and FILE 4 cannot both be standard input" ]
    # a column or key twice: no record dl-eval writes, not two runs of one record
    printf 'task\tn\tmse\tmse\nregression\t3\t1\t2\n' > "$TMP/twice.tsv"
    fails 1 "twice.tsv: line 2: 'mse' twice (not a dl-eval record)" \
        dl-eval --summary "$TMP/twice.tsv"
    printf '{"task": "regression", "n": 3, "mse": 1, "mae": 2, "mse": 5}\n' > "$TMP/twice.jsonl"
    fails 1 "twice.jsonl: line 1: 'mse' twice (not a dl-eval record)" \
        dl-eval --summary "$TMP/twice.jsonl"
    printf '{"fold": "1", "fold": "2", "task": "regression", "n": 3, "mse": 1}\n' > "$TMP/tag.jsonl"
    fails 1 "tag.jsonl: line 1: 'fold' twice (not a dl-eval record)" \
        dl-eval --summary --by fold "$TMP/tag.jsonl"
    # text where a metric goes, as TSV's 'not a number'
    printf '{"task": "regression", "n": 3, "mse": "abc"}\n' > "$TMP/text.jsonl"
    fails 1 "text.jsonl: line 1: 'mse' is text (\"abc\"), where a dl-eval record holds a metric" \
        dl-eval --summary "$TMP/text.jsonl"
    run dl-eval --help
    [[ $output == *"--summary"* && $output == *"--by"* ]]
}

@test "dl-eval --summary: lq of two exponents in one group is refused naming both records; --by tells them apart" {
    # errors 0.5 0.2 0.3 0.1: with q 3, lq = (0.125 + 0.008 + 0.027 + 0.001) / 4 = 0.04025
    printf '1\n2\n3\n4\n' > "$TMP/y.csv"
    printf '1.5\n1.8\n3.3\n3.9\n' > "$TMP/p.csv"
    { dl-tensor import --name y "$TMP/y.csv"; dl-tensor import --name yhat "$TMP/p.csv"; } > "$TMP/e.dlt"
    dl-eval -f tsv --q 1 --tag exp=one "$TMP/e.dlt" > "$TMP/q1.tsv"
    dl-eval -f json --q 3 --tag exp=three "$TMP/e.dlt" > "$TMP/q3.json"
    dl-eval -f tsv --q 3 --tag exp=three "$TMP/e.dlt" > "$TMP/q3.tsv"
    fails_silently 1 "q3.json: line 1: q 3, but $TMP/q1.tsv: line 2 has q 1" \
        dl-eval --summary "$TMP/q1.tsv" "$TMP/q3.json"
    fails_silently 1 "q1.tsv: line 2: q 1, but $TMP/q3.tsv: line 2 has q 3" \
        dl-eval --summary "$TMP/q3.tsv" "$TMP/q1.tsv"
    # one exponent per group: each summarized
    dl-eval --summary -f tsv --by exp "$TMP/q1.tsv" "$TMP/q3.json" "$TMP/q3.tsv" > "$TMP/s.tsv"
    lq_mean_is three 2 0.04025 "$TMP/s.tsv"
    lq_mean_is one 1 0.275 "$TMP/s.tsv"
    dl-eval --summary -f tsv "$TMP/q3.json" "$TMP/q3.tsv" | sed 's/^/three\t/' > "$TMP/s.tsv"
    lq_mean_is three 2 0.04025 "$TMP/s.tsv"
}

# lq_mean_is GROUP RUNS MEAN FILE: the summary's lq row of GROUP has RUNS
# runs and a mean within 1e-12 of MEAN.
lq_mean_is() {
    awk -F'\t' -v g="$1" -v runs="$2" -v want="$3" '
        $1 == g && $2 == "lq" { found = 1; d = $4 - want; if (d < 0) d = -d
                                ok = $3 == runs && d < 1e-12 }
        END { exit !(found && ok) }' "$4" || { cat "$4"; return 1; }
}

@test "dl-eval --summary: a JSON record with dl-eval's note (a value undefined) is summarized, the value nan" {
    # accuracy 3/4 and 2/3 (a fold of one class: roc_auc undefined, noted): mean 17/24
    eval_records '0\n1\n1\n0\n' '0.2\n0.7\n0.4\n0.1\n'
    mv "$TMP/r.json" "$TMP/both.json"
    eval_records '1\n1\n1\n' '0.3\n0.8\n0.9\n'
    grep -q '"note": "roc_auc is undefined' "$TMP/r.json"
    run dl-eval --summary -f tsv "$TMP/both.json" "$TMP/r.json"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    printf '%s\n' "$output" > "$TMP/s.tsv"
    awk -F'\t' '$1 == "accuracy" { d = $3 - 17 / 24; ok = $2 == 2 && d < 1e-12 && d > -1e-12 }
                END { exit !ok }' "$TMP/s.tsv"
    grep -qx $'roc_auc\t2\tnan\tnan\tnan\tnan' "$TMP/s.tsv"
    run grep -q '^note' "$TMP/s.tsv"
    [ "$status" -eq 1 ]
}

@test "dl-eval --summary reads back a TSV record whose first tag is empty or begins with a blank, each its own group" {
    printf '0.2\n0.7\n0.4\n0.6\n' | dl-tensor import --name yhat >"$TMP/p.dlt"
    printf '0\n1\n1\n0\n' | dl-tensor import --name y >"$TMP/y.dlt"
    {
        dl-eval -f tsv --tag k= --truth "$TMP/y.dlt" "$TMP/p.dlt"
        dl-eval -f tsv --no-header --tag 'k= a' --truth "$TMP/y.dlt" "$TMP/p.dlt"
        dl-eval -f tsv --no-header --tag k=a --truth "$TMP/y.dlt" "$TMP/p.dlt"
        dl-eval -f tsv --no-header --tag k=a --truth "$TMP/y.dlt" "$TMP/p.dlt"
    } >"$TMP/runs.tsv"
    run dl-eval --summary -f tsv --by k "$TMP/runs.tsv"
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "${lines[@]}" | grep -c $'^\taccuracy\t1\t')" -eq 1 ]
    [ "$(printf '%s\n' "${lines[@]}" | grep -c $'^ a\taccuracy\t1\t')" -eq 1 ]
    [ "$(printf '%s\n' "${lines[@]}" | grep -c $'^a\taccuracy\t2\t')" -eq 1 ]
}
