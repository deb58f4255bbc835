#!/usr/bin/env bats
# The README's command blocks run as written (in a scratch directory with the
# repository's data/ and examples/ beside them), so the documentation cannot
# drift from the tools.

load figures

setup() {
    T=$BATS_TEST_TMPDIR
    ln -s "$DL_TEST_ROOT/data" "$T/data"
    ln -s "$DL_TEST_ROOT/examples" "$T/examples"
}

# The body of the README's fenced sh block that contains $1.
sh_block() {
    awk -v key="$1" '
        /^```sh$/ { inblock = 1; body = ""; next }
        /^```$/ && inblock { if (index(body, key)) { printf "%s", body; exit } inblock = 0; next }
        inblock { body = body $0 "\n" }' "$DL_TEST_ROOT/README.md"
}

@test "README: the five-command tour runs and its metrics are what it shows" {
    block=$(sh_block "dl-plot regions")
    [ -n "$block" ]
    command -v gnuplot >/dev/null || block=$(printf '%s\n' "$block" | grep -v '^dl-plot')
    cd "$T"
    run bash -euo pipefail -c "$block"
    [ "$status" -eq 0 ]
    # the block the README shows after the tour (<!-- output: tour.txt -->)
    printf '%s\n' "$output" > tour.txt
    check_outputs "$DL_TEST_ROOT/README.md" "$T"
    if command -v gnuplot >/dev/null; then
        [ "$(head -c 4 regions.png | od -An -tx1 | tr -d ' \n')" = 89504e47 ]
    fi
}

@test "README: the prediction figures block runs after the tour" {
    command -v gnuplot >/dev/null || skip "gnuplot not installed"
    tour=$(sh_block "dl-plot regions")
    block=$(sh_block "dl-plot confusion")
    [ -n "$block" ]
    cd "$T"
    bash -euo pipefail -c "$tour" >/dev/null 2>&1
    run bash -euo pipefail -c "$block"
    [ "$status" -eq 0 ]
    for f in roc.png pr.png confusion.png parity.png residuals.png; do
        [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e47 ]
    done
}

@test "README: the linear-model block runs, shards and all" {
    block=$(sh_block "dl-lstsq --combine")
    [ -n "$block" ]
    cd "$T"
    dl-tensor import --targets 1 data/particle.csv > all.dlt
    dl-tensor split --fraction 0.8 --seed 1 all.dlt train.dlt rest.dlt
    dl-tensor split --fraction 0.5 --seed 2 rest.dlt shard1.dlt shard2.dlt
    run bash -euo pipefail -c "$block"
    [ "$status" -eq 0 ]
    for f in cubic.ckpt rbf.ckpt big.ckpt shard1.dlt.part shard2.dlt.part; do [ -s "$f" ]; done
    [[ $output == *"r2"* ]]
}

@test "README: the shard loop leaves no .part of a shard that failed" {
    block=$(sh_block "dl-lstsq --combine" | grep '^for s in shard')
    [ -n "$block" ]
    cd "$T"
    dl-tensor import --targets 1 data/particle.csv > shard1.dlt
    printf 'not a stream' > shard2.dlt
    run bash -c "$block"
    [ -s shard1.dlt.part ]
    [ ! -e shard2.dlt.part ]
}

@test "docs, man pages, sources and tests speak to users: no build-machine paths, no talk of issues" {
    # the patterns are split so that this file does not match itself
    pat='/wo''rk/|/ro''ot/|shared/''lecture|the ''issue|this ''issue|per the ''issue|issue'' [0-9]'
    cd "$DL_TEST_ROOT"
    run grep -rnIE "$pat" README.md HACKING.md man lib cmd tests examples bench scripts data \
        --exclude-dir='out' --exclude='*.csv'
    [ "$status" -eq 1 ]
    [ -z "$output" ]
}

# bash's -e checks only the last command of an && list: "[ A ] && [ B ]"
# before the end of a test passes whatever A is.
@test "tests: no assertions chained with && before the end of a test or helper" {
    cd "$DL_TEST_ROOT/tests/bats"
    run awk 'held { if ($0 !~ /^[ \t]*}/) print held; held = "" }
             /^[ \t]*(\[|! ).* && (\[|! )/ && !/\|\|/ { held = FILENAME ":" FNR ": " $0 }' *.bats *.bash
    [ "$status" -eq 0 ]
    [ -z "$output" ] || { echo "$output"; false; }
}

@test "tests: no bare '! cmd' before the end of a test or helper, which bash's -e never checks" {
    cd "$DL_TEST_ROOT/tests/bats"
    run awk 'held { if ($0 !~ /^[ \t]*}/) print held; held = "" }
             /^[ \t]*! / && !/\|\|/ { held = FILENAME ":" FNR ": " $0 }' *.bats *.bash
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

# The conventions say which tools take -o FILE: all of the table's tools but
# the ones they name.
@test "README: every tool takes -o FILE but the one the conventions name" {
    tools=$(grep -o '^| `dl-[a-z]*` |' "$DL_TEST_ROOT/README.md" | tr -d '|` ')
    [ "$(wc -w <<<"$tools")" -ge 7 ]
    without=
    for tool in $tools; do
        run "$tool" --help
        [ "$status" -eq 0 ]
        [[ $output == *"-o, --output"* ]] || without="$without $tool"
    done
    [ "$without" = " dl-eval" ]
    # the README's lines joined, so that a sentence is matched across them
    tr -s ' \n' ' ' <"$DL_TEST_ROOT/README.md" |
        grep -qF 'the tools that write streams or files (every one but `dl-eval`, which prints text) take `-o FILE`'
}

# What the README says scripts/setup installs for the tests is what
# scripts/install-deps installs.
@test "README: the cluster packages it says setup installs are the ones install-deps does" {
    need=$(grep '^need=' "$DL_TEST_ROOT/scripts/install-deps")
    readme=$(tr -s ' \n' ' ' <"$DL_TEST_ROOT/README.md")
    for p in bats openmpi-bin munge slurmctld slurmd; do
        [[ $need == *" $p "* ]] || { echo "install-deps does not install $p"; return 1; }
    done
    [[ $readme == *'`munge`, `slurmctld` and `slurmd` services'* ]]
    [[ $readme == *'disable --now slurmd slurmctld munge'* ]]
}

@test "README: the real-table block runs from CSV to metrics" {
    block=$(sh_block "dl-design --impute median")
    [ -n "$block" ]
    cd "$T"
    run bash -euo pipefail -c "$block"
    [ "$status" -eq 0 ]
    [[ $output == *"r2 "* ]]
}

@test "README and dl-stream(5): the error they quote is the one a cut stream gives" {
    cd "$T"
    # x and y of 20 rows; y's payload is 160 bytes, of which the cut leaves 64
    seq 1 20 | awk '{ print $1 "," 2 * $1 }' | dl-tensor import -t 1 > whole.dlt
    head -c -96 whole.dlt > train.dlt
    run bash -c 'dl-tensor info train.dlt 2>&1 >/dev/null'
    [ "$status" -eq 1 ]
    msg=$output
    [ "$msg" = "dl-tensor: train.dlt: record 2 ('y'): truncated: the payload has 64 of its 160 bytes" ]
    grep -qF "\`$msg\`" "$DL_TEST_ROOT/README.md"
    grep -qxF "$msg" "$DL_TEST_ROOT/man/dl-stream.5"
}

# The commands of a man page's EXAMPLES section, as a shell reads them.
man_examples() {
    awk '/^\.SH/ { p = /EXAMPLES/; next } /^\.nf/ { nf = 1; next } /^\.fi/ { nf = 0 }
         p && nf && !/^\./' "$DL_TEST_ROOT/man/$1" |
        sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g'
}

@test "dl-design(1) EXAMPLES run as written" {
    cd "$T"
    dl-tensor import -t 1 data/fish2d.csv > fish2d.dlt
    dl-tensor split --seed 1 fish2d.dlt train.dlt test.dlt
    # a table with a price, strings and holes: the diabetes table renamed
    sed '1s/progression/price/' data/diabetes_mixed.csv > houses.csv
    block=$(man_examples dl-design.1)
    [[ $block == *"houses.csv |"* ]]
    run bash -euo pipefail -c "$block"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    for f in cubic.ckpt rbf.ckpt train.phi test.phi m.ckpt; do [ -s "$f" ]; done
    [ "$(dl-tensor export --name design train.phi)" = "$(dl-tensor export --name design test.phi)" ]
}

@test "dl-lstsq(1) EXAMPLES run as written" {
    cd "$T"
    dl-tensor import -t 1 data/particle.csv > all.dlt
    dl-tensor split --seed 1 all.dlt train.dlt rest.dlt
    dl-tensor split --fraction 0.5 --seed 2 rest.dlt shard1.dlt shard2.dlt
    # train.phi as dl-design(1) makes it, on the 2-D fish data
    dl-tensor import -t 1 data/fish2d.csv |
        dl-design -q --standardize --rbf 20 --centers kmeans --seed 1 > train.phi
    block=$(man_examples dl-lstsq.1)
    [[ $block == *"--combine"* ]]
    run bash -euo pipefail -c "$block"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    for f in cubic.ckpt rbf.ckpt sparse.ckpt big.ckpt shard1.dlt.part shard2.dlt.part; do [ -s "$f" ]; done
    # the lasso's weights: the bias and 20 centres, some exactly zero
    [ "$(printf '%s\n' "$output" | grep -cE '^-?[0-9.e+-]+$')" -eq 21 ]
    printf '%s\n' "$output" | grep -qx 0
}

@test "dl-predict(1) EXAMPLES run as written" {
    cd "$T"
    tail -n 20 data/particle.csv > test.csv
    seq 0 0.5 6 > grid.csv
    block=$(man_examples dl-predict.1)
    [[ $block == *"grid.csv"* ]]
    run bash -euo pipefail -c "$block"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ $output == *"r2 "* ]]
    # 13 predictions on the grid, the last lines of the output
    [ "$(printf '%s\n' "$output" | tail -n 13 | grep -cE '^-?[0-9]')" -eq 13 ]
}

@test "dl-plot(1) EXAMPLES run as written" {
    command -v gnuplot >/dev/null || skip "gnuplot not installed"
    cd "$T"
    # net.yaml trains on the 2-D fish; the classifiers compared take speed alone
    printf 'model: {layers: [{units: 4, activation: tanh}, {units: 1, activation: sigmoid}]}\nloss: bce\ntraining: {epochs: 20, validation: 0.2}\n' > net.yaml
    dl-tensor import -t 1 data/fish2d.csv > fish2d.dlt
    dl-tensor split --seed 1 fish2d.dlt train.dlt rest.dlt
    dl-tensor import -t 1 data/fish.csv > fish.dlt
    dl-tensor split --seed 1 fish.dlt fish-train.dlt test.dlt
    dl-train -q examples/classify/logistic.yaml fish-train.dlt -o logistic.ckpt
    dl-train -q net.yaml fish-train.dlt -o net.ckpt
    dl-tensor export --name x test.dlt | dl-tensor import > x-only.dlt
    dl-tensor export --name y test.dlt | dl-tensor import --name y > labels.dlt
    cp data/particle.csv data.csv
    dl-tensor import -t 1 data/breast_cancer.csv > wide.dlt
    dl-design -q --standardize wide.dlt | dl-lstsq -q > wide.ckpt
    dl-tensor import -t 1 --names petal_length,petal_width,species data/fish2d.csv > iris.dlt
    dl-design -q --poly 2 iris.dlt | dl-lstsq -q > iris.ckpt
    mkdir -p out/runs
    for lr in 0.003 0.03; do
        dl-train -q net.yaml -s optimizer.lr=$lr train.dlt --log out/runs/lr${lr}_h16_wd0.log.tsv -o /dev/null
    done
    block=$(man_examples dl-plot.1)
    [[ $block == *"--truth labels.dlt"* ]]
    run bash -euo pipefail -c "$block"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    for f in curve.png lr.png layers.svg fit.png regions.png roc.png pr.svg confusion.png parity.png residuals.png; do
        [ -s "$f" ] || { echo "no $f"; false; }
    done
    # the last command prints the ROC curve's datablock
    [[ $output == *'$curve0 << EOD'*"# AUC "*EOD ]]
}

@test "dl-stream(5) EXAMPLES run as written" {
    cd "$T"
    printf '1,2\n' | dl-tensor import > a.dlt
    printf '3,4\n' | dl-tensor import > b.dlt
    block=$(man_examples dl-stream.5)
    run bash -euo pipefail -c "$block"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ -s particle.dlt ]
    [[ $output == *"x            f64  [2, 2]   "* ]]
}

@test "dl-spec(5): the spec it shows is examples/fish2d.yaml" {
    shown=$(awk '/is \\fBexamples\/fish2d.yaml/ { on = 1; next } on && /^\.fi/ { exit }
                 on && !/^\./' "$DL_TEST_ROOT/man/dl-spec.5" | sed 's/\\-/-/g')
    [ -n "$shown" ]
    [ "$shown" = "$(cat "$DL_TEST_ROOT/examples/fish2d.yaml")" ]
}

@test "scripts/demo (make demo) runs the tools of an absolute BUILD, as make takes it" {
    mkdir "$T/b"
    ln -s "$(dirname "$(command -v dl-train)")" "$T/b/bin"
    # no tools on PATH: the demo must find them in BUILD
    run env PATH=/usr/bin:/bin BUILD="$T/b" "$DL_TEST_ROOT/scripts/demo"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ $output == *"demo: outputs in $T/b/demo" ]]
    [ -s "$T/b/demo/fish.ckpt" ]
}

@test "scripts/install-deps: an unknown argument is refused before anything is installed; --help says what it takes" {
    run sh "$DL_TEST_ROOT/scripts/install-deps" --bogus
    [ "$status" -eq 2 ]
    [ "$output" = "install-deps: unknown argument '--bogus' (--bench, --fuzz)" ]
    run sh "$DL_TEST_ROOT/scripts/install-deps" --help
    [ "$status" -eq 0 ]
    [[ $output == *"scripts/install-deps [--bench] [--fuzz]"* ]]
}
