#!/usr/bin/env bats
# What the seven tools share on the command line: one option parser, so one
# wording for an unknown option and a missing value, exit status 2, and the
# --help hint; --help and --version exit 0 (also after a dl-tensor command).

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
        [ "$output" = "$t (dl toolkit) 0.1.0" ]
    done
    run dl-tensor --version
    [ "$output" = "dl-tensor (dl toolkit) 0.1.0" ]
    run dl-tensor --zlib
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == "dl-tensor: a command is needed"* ]]
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
}
