#!/usr/bin/env bats
# What the seven tools share on the command line: one option parser, so one
# wording for an unknown, ambiguous or misused option and a missing value,
# exit status 2, and the --help hint; --help and --version exit 0 (also
# after a dl-tensor command).

TOOLS="dl-tensor dl-design dl-lstsq dl-train dl-predict dl-eval dl-plot"

# the command line of TOOL, with dl-tensor's command in front of the options
cmdline() {
    if [ "$1" = dl-tensor ]; then echo "dl-tensor import"; else echo "$1"; fi
}

@test "every tool: an unknown option is named, exit 2, with the --help hint" {
    for t in $TOOLS; do
        run $(cmdline "$t") --bogus
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "$t: unknown option '--bogus'" ]
        [ "${lines[1]}" = "Try '$t --help' for more information." ]
        run $(cmdline "$t") -Z
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "$t: unknown option '-Z'" ]
    done
}

@test "an unknown letter inside a cluster is named, not the long option before it" {
    for t in $TOOLS; do
        run $(cmdline "$t") --help=1
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "$t: '--help' takes no value ('--help=1')" ]
        [ "${lines[1]}" = "Try '$t --help' for more information." ]
    done
    run dl-train --quiet -Zq spec.yaml
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-train: unknown option '-Z'" ]
    run dl-eval --summary -Sq
    [ "${lines[0]}" = "dl-eval: unknown option '-S'" ]
    run dl-tensor head --output=out.dlt -Zx
    [ "${lines[0]}" = "dl-tensor: unknown option '-Z'" ]
}

@test "an ambiguous abbreviation lists the options it could be; a value given to a flag is refused as such" {
    run dl-tensor split --fo 3 in.dlt a.dlt b.dlt
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-tensor: ambiguous option '--fo' (--format, --folds, --fold)" ]
    [ "${lines[1]}" = "Try 'dl-tensor --help' for more information." ]
    run dl-eval --t=x
    [ "${lines[0]}" = "dl-eval: ambiguous option '--t' (--truth, --task, --threshold, --tag)" ]
    run dl-tensor head --zl=1
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-tensor: '--zlib' takes no value ('--zl=1')" ]
    run dl-lstsq --fold=3
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-lstsq: unknown option '--fold=3'" ]
}

@test "every tool: a missing value is named, exit 2, with the --help hint" {
    for t in $TOOLS; do
        long=--output
        [ "$t" = dl-eval ] && long=--truth
        run $(cmdline "$t") "$long"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "$t: missing value for '$long'" ]
        [ "${lines[1]}" = "Try '$t --help' for more information." ]
    done
}

@test "every tool: --help and --version exit 0 from the one parser" {
    for t in $TOOLS; do
        run $(cmdline "$t") --help
        [ "$status" -eq 0 ]
        [[ ${lines[0]} == "Usage: $t "* ]]
        run $(cmdline "$t") -V
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "$t (dl toolkit) 0.1.0" ]
        case $t in # the tools build.bats finds without BLAS
            dl-tensor | dl-design | dl-eval)
                [ "${lines[1]}" = "BLAS: none (this tool makes no matrix product)" ] ;;
            *) [[ ${lines[1]} == "BLAS: OpenBLAS "* ]] ;;
        esac
        [ "${#lines[@]}" -eq 2 ]
    done
    run dl-tensor --version
    [ "${lines[0]}" = "dl-tensor (dl toolkit) 0.1.0" ]
    run dl-tensor --zlib
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-tensor: a command is needed"* ]]
    # a command after an option is not taken for a FILE: named as out of place
    run dl-tensor --zlib import in.csv
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-tensor: the command 'import' comes first, before any option (dl-tensor import [OPTION]...)" ]
    [ "${lines[1]}" = "Try 'dl-tensor --help' for more information." ]
    run dl-tensor -- info in.dlt
    [ "${lines[0]}" = "dl-tensor: the command 'info' comes first, before any option (dl-tensor info [OPTION]...)" ]
}

@test "--version names the kernels OpenBLAS chose and its threads, as OpenBLAS itself reports them" {
    # OPENBLAS_VERBOSE=2 has OpenBLAS print "Core: NAME" on standard error
    # as it loads; its generic kernels (Prescott on x86_64) are chosen on
    # request, and for a CPU newer than the OpenBLAS release
    for coretype in "" Prescott; do
        OPENBLAS_CORETYPE=$coretype OPENBLAS_NUM_THREADS=1 OPENBLAS_VERBOSE=2 \
            dl-train --version > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err"
        core=$(sed -n 's/^Core: //p' "$BATS_TEST_TMPDIR/err")
        [ -n "$core" ]
        [[ $(sed -n 2p "$BATS_TEST_TMPDIR/out") == "BLAS: OpenBLAS "*", kernels $core, 1 thread" ]]
    done
    [ "$core" = Prescott ] || [ "$(uname -m)" != x86_64 ]
    OPENBLAS_NUM_THREADS=2 run dl-predict --version
    [[ ${lines[1]} == *", 2 threads" ]]
}

@test "a number given to an option: a blank before it is refused as one after it is, a + sign taken alike" {
    run dl-train -j " 2" spec.yaml
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-train: -j: ' 2' is not a whole number from 0 to 256" ]
    [ "${lines[1]}" = "Try 'dl-train --help' for more information." ]
    run dl-tensor import --chunk-rows " 5" in.csv
    [ "${lines[0]}" = "dl-tensor: --chunk-rows: ' 5' is not a whole number from 1 to 1073741824" ]
    run dl-tensor split --fraction " 0.5" in.dlt a.dlt b.dlt
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-tensor: --fraction: ' 0.5' is not a finite number" ]
    run dl-eval --eps $'\t0.1' in.dlt
    [ "${lines[0]}" = "dl-eval: --eps: '?0.1' is not a finite number" ] # a tab, as messages show it
    run dl-plot curves --size " 800x 600" log.tsv -o out.png
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-plot: --size: ' 800x 600' is not WxH with 100..10000 each" ]
    run dl-plot curves --size "800x 600" log.tsv -o out.png
    [ "${lines[0]}" = "dl-plot: --size: '800x 600' is not WxH with 100..10000 each" ]
    # "+3" is a count for -n and --seed as for --folds
    printf '1,2\n3,4\n5,6\n' | dl-tensor import -o "$BATS_TEST_TMPDIR/d.dlt"
    dl-tensor head -n 2 "$BATS_TEST_TMPDIR/d.dlt" > "$BATS_TEST_TMPDIR/two.dlt"
    dl-tensor head -n +2 "$BATS_TEST_TMPDIR/d.dlt" > "$BATS_TEST_TMPDIR/plus.dlt"
    cmp "$BATS_TEST_TMPDIR/two.dlt" "$BATS_TEST_TMPDIR/plus.dlt"
    run dl-tensor shuffle --seed +-1 "$BATS_TEST_TMPDIR/d.dlt"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-tensor: --seed: '+-1' is not a non-negative whole number" ]
}

@test "every tool: a missing file and a directory get one wording, exit 3" {
    local d=$BATS_TEST_TMPDIR
    mkdir "$d/dir"
    printf 'x,y\n1,2\n2,3\n3,5\n' | dl-tensor import -t 1 -o "$d/d.dlt"
    dl-lstsq -q "$d/d.dlt" -o "$d/m.ckpt"
    for f in nosuch dir; do
        for cmd in "dl-tensor info" "dl-design" "dl-lstsq" "dl-train" "dl-predict $d/m.ckpt" \
            "dl-eval" "dl-plot curves -o $d/c.png" "dl-plot layers -o $d/c.png"; do
            run $cmd "$d/$f"
            [ "$status" -eq 3 ] || { echo "$cmd $f: $output"; return 1; }
            case $f in
                nosuch) want="$d/$f: cannot open: No such file or directory" ;;
                dir) want="$d/$f: read failed: Is a directory" ;;
            esac
            [ "$output" = "${cmd%% *}: $want" ] || { echo "$cmd $f: $output"; return 1; }
        done
    done
}

@test "every tool: an empty input name says so, rather than a message that starts ': cannot open'" {
    local d=$BATS_TEST_TMPDIR
    printf 'x,y\n1,2\n2,3\n3,5\n' | dl-tensor import -t 1 -o "$d/d.dlt"
    dl-lstsq -q "$d/d.dlt" -o "$d/m.ckpt"
    printf 'model: {layers: [{units: 1, activation: linear}]}\nloss: mse\n' > "$d/n.yaml"
    dl-predict "$d/m.ckpt" "$d/d.dlt" -o "$d/p.dlt"
    for cmd in "dl-tensor info ''" "dl-tensor import ''" "dl-tensor export ''" "dl-tensor head ''" \
        "dl-tensor shuffle ''" "dl-tensor split '' $d/a.dlt $d/b.dlt" "dl-tensor show ''" \
        "dl-design ''" "dl-design --apply '' $d/d.dlt" "dl-lstsq ''" "dl-train ''" \
        "dl-train $d/n.yaml ''" "dl-train $d/n.yaml $d/d.dlt --val ''" \
        "dl-train $d/n.yaml $d/d.dlt --resume ''" "dl-train $d/n.yaml $d/d.dlt --init-from ''" \
        "dl-predict '' $d/d.dlt" "dl-predict $d/m.ckpt ''" "dl-eval ''" \
        "dl-eval --truth '' $d/d.dlt" "dl-eval --summary ''" "dl-plot curves '' -o $d/c.png" \
        "dl-plot roc --truth '' $d/p.dlt -o $d/c.png"; do
        run bash -c "$cmd"
        [ "$status" -eq 3 ] || { echo "$cmd: $output"; return 1; }
        [ "$output" = "${cmd%% *}: an input file's name is empty" ] || { echo "$cmd: $output"; return 1; }
    done
}

@test "surplus operands are one kind of usage error" {
    run dl-train a.yaml b.dlt c.dlt
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-train: unexpected argument 'c.dlt'" ]
    run dl-eval a.dlt b.dlt
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-eval: unexpected argument 'b.dlt'" ]
    run dl-tensor import a.csv b.csv
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-tensor: import: unexpected argument 'b.csv'" ]
    run dl-tensor split a.dlt b.dlt c.dlt d.dlt
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-tensor: split: unexpected argument 'd.dlt'" ]
    run dl-plot parity a.dlt b.dlt -o x.png
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-plot: unexpected argument 'b.dlt': parity takes one prediction stream (or standard input)" ]
    run dl-plot fit m.ckpt a.dlt b.dlt -o x.png
    [ "${lines[0]}" = "dl-plot: unexpected argument 'b.dlt': fit takes MODEL and optionally DATA" ]
}

# The exit statuses a section EXIT STATUS lists, one a line: "0 success; 1 ..."
# inline, or ".TP" paragraphs headed by the number.
man_statuses() {
    awk '/^\.SH "?EXIT STATUS/ { p = 1; next } /^\.SH/ { p = 0 } p' "$DL_TEST_ROOT/man/$1.1" |
        sed -E 's/\\f[BIRP]//g' | tr '\n' ' ' |
        grep -oE '(^|[;,] |\.TP (\.B )?)[0-9] [A-Za-z(]' | grep -oE '[0-9] ' | tr -d ' ' | sort -u
}

@test "every tool: --help lists the exit statuses its man page lists" {
    for t in $TOOLS; do
        want=$(man_statuses "$t")
        [[ $want == *6* ]] || { echo "$t: no statuses read from $t(1)"; false; }
        got=$("$t" --help | sed -n '/^Exit status/,$p' | tr '\n' ' ' |
              grep -oE '(: |, )[0-9] [A-Za-z(]' | grep -oE '[0-9] ' | tr -d ' ' | sort -u)
        [ "$got" = "$want" ] || { echo "$t: --help has" $got "and $t(1)" $want; false; }
    done
}

# As man(1) formats them in an 80-column terminal (its MANWIDTH=80): a
# table or a word too wide for the line, or an unknown request, is a warning.
@test "every man page formats at 80 columns without a warning" {
    for page in "$DL_TEST_ROOT"/man/*.[15]; do
        out=$(groff -t -man -Tutf8 -ww -rLL=80n -z "$page" 2>&1)
        [ -z "$out" ] || { echo "${page##*/}: $out"; false; }
    done
}
