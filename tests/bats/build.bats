#!/usr/bin/env bats
# The Makefile: a build keeps its objects (so the next make has nothing to
# do) and `make clean` removes every build directory.  Dry runs and a copy
# of the Makefile only: nothing is compiled here.

setup() {
    T="$BATS_TEST_TMPDIR"
}

@test "make keeps the objects of mains and tests, so a second make relinks nothing" {
    run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$DL_TEST_ROOT" -n BUILD="$T/fresh" all
    [ "$status" -eq 0 ]
    [[ $output == *"$T/fresh/cmd/dl-train.o"* ]]
    # an intermediate object would be removed at the end of the first build
    ! grep -E "^rm .*\.o( |$)" <<<"$output"
}

@test "make clean removes every build directory and nothing else" {
    cp "$DL_TEST_ROOT/Makefile" "$T/"
    mkdir -p "$T/build/lib" "$T/build-asan" "$T/build-clang" "$T/build-fuzz" "$T/build-mine"
    touch "$T/build.txt"
    mkdir "$T/lib"
    run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$T" clean
    [ "$status" -eq 0 ]
    [ ! -e "$T/build" ] && [ ! -e "$T/build-asan" ] && [ ! -e "$T/build-clang" ]
    [ ! -e "$T/build-fuzz" ] && [ ! -e "$T/build-mine" ]
    [ -f "$T/build.txt" ] && [ -d "$T/lib" ]
}
