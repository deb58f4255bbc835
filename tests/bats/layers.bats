#!/usr/bin/env bats
# scripts/layers and scripts/prefixes (make layers): lib/ matches HACKING.md's layer table, and
# the check fails on a copy where a module includes a header from a layer
# above its own, where a file is missing from the table, or where the table
# names a file that does not exist.

setup() {
    T="$BATS_TEST_TMPDIR/tree"
    mkdir -p "$T"
    cp -r "$DL_TEST_ROOT/lib" "$DL_TEST_ROOT/HACKING.md" "$T/"
}

@test "layers: the tree matches its map" {
    run "$DL_TEST_ROOT/scripts/layers" "$DL_TEST_ROOT"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    run "$DL_TEST_ROOT/scripts/layers" "$T"
    [ "$status" -eq 0 ]
}

@test "layers: an include from a higher layer fails, naming both layers" {
    printf '#include "train.h"\n' >> "$T/lib/err.c"
    run "$DL_TEST_ROOT/scripts/layers" "$T"
    [ "$status" -eq 1 ]
    [ "$output" = "layers: lib/err.c (1 base) includes train.h (5 tool drivers): a layer above its own" ]
    # the same layer and lower ones are fine
    cp "$DL_TEST_ROOT/lib/err.c" "$T/lib/err.c"
    printf '#include "stream.h"\n#include "npy.h"\n' >> "$T/lib/dataset.c"
    run "$DL_TEST_ROOT/scripts/layers" "$T"
    [ "$status" -eq 0 ]
}

@test "layers: a file missing from the map, or a mapped file that does not exist, fails" {
    printf 'int x;\n' > "$T/lib/linalg.c"
    run "$DL_TEST_ROOT/scripts/layers" "$T"
    [ "$status" -eq 1 ]
    [[ $output == *"lib/linalg.c is in no module of the layer table in HACKING.md"* ]]
    rm "$T/lib/linalg.c" "$T/lib/rng.c"
    run "$DL_TEST_ROOT/scripts/layers" "$T"
    [ "$status" -eq 1 ]
    [ "$output" = "layers: HACKING.md lists lib/rng.c (module rng), which does not exist" ]
}

@test "prefixes: every symbol lib/ exports has its module's prefix; one outside them fails, naming it" {
    # the objects of the build under test, beside its bin/
    run "$DL_TEST_ROOT/scripts/prefixes" "$DL_TEST_ROOT" "$(dirname "$(command -v dl-tensor)")/../lib"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    O="$BATS_TEST_TMPDIR/obj"
    mkdir -p "$O"
    printf 'int nt_parse_all(void) { return 0; }\nint parse_all(void) { return 1; }\nstatic int quiet(void) { return 2; }\nint nt_q(void) { return quiet(); }\n' > "$O/numtext.c"
    cc -c "$O/numtext.c" -o "$O/numtext.o"
    run "$DL_TEST_ROOT/scripts/prefixes" "$T" "$O"
    [ "$status" -eq 1 ]
    [ "$output" = "prefixes: lib/numtext.c exports parse_all, outside module numtext's prefixes (nt_)" ]
}
