#!/usr/bin/env bats
# dl-plot writes user text (--title, TSV headers, layer cells) into a
# gnuplot script.  Whatever the text holds, the plot is drawn with that text
# and gnuplot runs nothing else: no command, no file opened, no setting
# changed.  Each hostile string below tries one way into a gnuplot script.

setup() {
    FIX="$DL_TEST_ROOT/tests/fixtures/plot"
    T="$BATS_TEST_TMPDIR"
    command -v gnuplot > /dev/null || skip "gnuplot not installed"
    P="$T/pwned"
    INJ=(
        "'baseline' run"
        "model ''A''"
        "'" "''" "'''" "'''''" '"' '""' '"""' "\"'\"'" '\' '\\' '\"' "\\'" "x'"
        "\`touch $P.1\`"
        "a \`touch $P.2\` b"
        "\$(touch $P.3)"
        "'; system('touch $P.4'); '"
        "\"; system(\"touch $P.5\"); \""
        "' . system('touch $P.6') . '"
        "\" . system(\"touch $P.7\") . \""
        "'.\`touch $P.8\`.'"
        "!touch $P.9"
        "x'; !touch $P.10"
        "x\"; !touch $P.11"
        "'; set output '$P.12'; plot 1; '"
        "\"; set output \"$P.13\"; plot 1; \""
        "'; set print '$P.14'; print 1; '"
        "'; load '$P.load'; '"
        "'; shell; '"
        "'; exit; '"
        "'; quit"
        "@ARGV @0 @x"
        "'; x = 1; eval('system(\"touch $P.15\")'); '"
        "'; call '$P.load'; '"
        "% %s %n %d"
        "# not a comment"
        "{ } ^ _ @ & ~"
        "\$curve \$grid \$data"
        "\\\\\\' \\\\\\\""
        "caf\303\251 \342\202\254 \316\273"
    )
    printf 'system("touch %s.16")\n' "$P" > "$P.load"
}

# Nothing the strings name may exist afterwards.
nothing_ran() {
    local leftover
    leftover=$(ls "$P".* 2>/dev/null | grep -v '\.load$' || true)
    [ -z "$leftover" ] || { echo "created: $leftover"; return 1; }
}

@test "plot quoting: hostile --title strings draw the plot and run nothing" {
    for s in "${INJ[@]}"; do
        rm -f "$T/c.svg"
        run dl-plot curves --title "$s" "$FIX/curve.tsv" -o "$T/c.svg"
        [ "$status" -eq 0 ] || { echo "title [$s]: $output"; return 1; }
        [ -s "$T/c.svg" ] || { echo "title [$s]: no plot"; return 1; }
    done
    nothing_ran
    # the text arrives literally: quotes at the start and in runs
    dl-plot curves --title "'baseline' run" "$FIX/curve.tsv" -o "$T/c.svg"
    grep -q "&apos;baseline&apos; run\|'baseline' run" "$T/c.svg"
    dl-plot curves --title "model ''A''" "$FIX/curve.tsv" -o "$T/c.svg"
    grep -q "model &apos;&apos;A&apos;&apos;\|model ''A''" "$T/c.svg"
}

@test "plot quoting: hostile layer cells and TSV headers draw the plot and run nothing" {
    # every string as a layer's activation, one layer each
    {
        printf 'epoch\tlayer\tunits\tactivation\tz_std\n'
        for e in 1 2; do
            i=0
            for s in "${INJ[@]}"; do
                i=$((i + 1))
                printf '%d\t%d\t3\t%s\t0.%d\n' "$e" "$i" "$s" "$i"
            done
        done
    } > "$T/cells.tsv"
    run dl-plot layers "$T/cells.tsv" -o "$T/l.svg"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [ -s "$T/l.svg" ]
    # every string as a statistics column's header (a panel title), a few per plot
    n=${#INJ[@]}
    for ((k = 0; k < n; k += 8)); do
        header='epoch\tlayer' row1='1\t1' row2='2\t1'
        for s in "${INJ[@]:k:8}"; do
            header="$header\t$(printf '%s' "$s" | sed 's/\\/\\\\/g; s/%/%%/g')"
            row1="$row1\t0.5" row2="$row2\t0.25"
        done
        printf "$header\n$row1\n$row2\n" > "$T/heads.tsv"
        rm -f "$T/h.svg"
        run dl-plot layers "$T/heads.tsv" -o "$T/h.svg"
        [ "$status" -eq 0 ] || { echo "headers from $k: $output"; cat "$T/heads.tsv"; return 1; }
        [ -s "$T/h.svg" ]
    done
    nothing_ran
}

@test "plot quoting: hostile --xlabel/--ylabel strings and stream names draw the plot and run nothing" {
    PF="$DL_TEST_ROOT/tests/fixtures/plot/predictions"
    dl-tensor import --name y "$PF/bin_y.csv" >"$T/p.dlt"
    dl-tensor import --name yhat "$PF/bin_a.csv" >>"$T/p.dlt"
    for s in "${INJ[@]}"; do
        rm -f "$T/r.svg"
        run dl-plot roc --xlabel "$s" --ylabel "$s" "$T/p.dlt" -o "$T/r.svg"
        [ "$status" -eq 0 ] || { echo "labels [$s]: $output"; return 1; }
        [ -s "$T/r.svg" ] || { echo "labels [$s]: no plot"; return 1; }
    done
    # a stream's name is its legend
    plot_hostile_names pr "$T/p.dlt"
    nothing_ran
}

# plot_hostile_names FIGURE FILE: copies of FILE named by every hostile
# string without a slash, drawn by FIGURE eight at a time, each name a
# legend.
plot_hostile_names() {
    local figure=$1 source=$2 n=0 out=$T/named.svg
    mkdir "$T/named"
    for s in "${INJ[@]}"; do
        case "$s" in */*) continue ;; esac
        cp "$source" "$T/named/$s"
        n=$((n + 1))
    done
    [ "$n" -gt 20 ]
    (
        cd "$T/named"
        set -- *
        while [ $# -gt 0 ]; do
            rm -f "$out"
            files=("$@")
            files=("${files[@]:0:8}")
            dl-plot "$figure" "${files[@]}" -o "$out" || { echo "names [${files[*]}]"; exit 1; }
            [ -s "$out" ] || exit 1
            shift "${#files[@]}"
        done
    )
}

@test "plot quoting: hostile log names, each a curve's legend, draw the plot and run nothing" {
    plot_hostile_names curves "$FIX/curve.tsv"
    nothing_ran
}
