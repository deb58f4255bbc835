#!/usr/bin/env bats
# The Makefile: a build keeps its objects (so the next make has nothing to
# do) and `make clean` removes every build directory.  Dry runs and a copy
# of the Makefile only: nothing is compiled here.  And what the built tools
# link: the ones that compute no matrix product do not load BLAS or LAPACK.

# `run ! cmd`: a bare `! cmd` before a test's last line is never checked
bats_require_minimum_version 1.5.0

setup() {
    T="$BATS_TEST_TMPDIR"
    # the suite's own build (tests/run exports it): a make in a copy of the
    # Makefile would take it for its BUILD, which make clean removes
    unset BUILD
}

@test "make keeps the objects of mains and tests, so a second make relinks nothing" {
    run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$DL_TEST_ROOT" -n BUILD="$T/fresh" all
    [ "$status" -eq 0 ]
    [[ $output == *"$T/fresh/cmd/dl-train.o"* ]]
    # an intermediate object would be removed at the end of the first build
    run ! grep -E "^rm .*\.o( |$)" <<<"$output"
}

# Each object's .d (-MMD) names the headers it was compiled with; make must
# read those of every object, the generators' and benchmarks' too.  A .d
# made by hand names a header newer than the object.
@test "a changed header recompiles the objects of the generators and benchmarks" {
    cd "$DL_TEST_ROOT"
    for src in tests/gen/many_records.c bench/stream_rw.c; do
        obj=$T/b/${src%.c}.o
        mkdir -p "${obj%/*}"
        mtime=$(stat -c %Y "$src")
        touch -d "@$((mtime + 1))" "$obj"            # newer than its source...
        touch -d "@$((mtime + 2))" "$T/new.h"        # ...older than a header
        echo "$obj: $src $T/new.h" >"${obj%.o}.d"
        run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -n BUILD="$T/b" "$obj"
        [ "$status" -eq 0 ]
        [[ $output == *" -c $src -o $obj"* ]]
    done
}

@test "make clean removes every build directory and nothing else" {
    mkdir "$T/src" "$T/elsewhere"
    cp "$DL_TEST_ROOT/Makefile" "$T/src/"
    cd "$T/src"
    mkdir -p build/lib build-asan build-clang build-fuzz build-mine buildtools lib
    touch build.txt buildtools/keep "$T/elsewhere/keep"
    ln -s "$T/elsewhere" build-link
    run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make clean
    [ "$status" -eq 0 ]
    [ ! -e build ]
    [ ! -e build-asan ]
    [ ! -e build-clang ]
    [ ! -e build-fuzz ]
    [ ! -e build-mine ]
    [ ! -L build-link ]
    [ -f "$T/elsewhere/keep" ]     # the link went, not what it points to
    [ -f build.txt ]
    [ -f buildtools/keep ]         # a directory of the user's, not a build
    [ -d lib ]
}

@test "make clean removes a BUILD given on the command line, wherever it is" {
    mkdir "$T/src" "$T/out"
    cp "$DL_TEST_ROOT/Makefile" "$T/src/"
    touch "$T/out/dl.o"
    run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$T/src" clean BUILD="$T/out"
    [ "$status" -eq 0 ]
    [ ! -e "$T/out" ]
}

@test "make clean refuses a BUILD that holds the sources: the tree, a directory of it, or one above" {
    mkdir -p "$T/top/src/lib"
    cp "$DL_TEST_ROOT/Makefile" "$T/top/src/"
    touch "$T/top/src/lib/keep.c" "$T/top/keep"
    for b in . lib .. "$T/top" /; do
        run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$T/top/src" clean BUILD="$b"
        [ "$status" -eq 2 ] || { echo "BUILD=$b: status $status: $output"; return 1; }
        [[ $output == *"make clean: BUILD=$b holds the sources, not build outputs only"* ]] ||
            { echo "BUILD=$b: $output"; return 1; }
    done
    [ -f "$T/top/src/lib/keep.c" ]
    [ -f "$T/top/keep" ]
}

@test "make uninstall removes lib/dltk/ once it is empty, and only then" {
    cp "$DL_TEST_ROOT/Makefile" "$T/"
    mkdir -p "$T/d/usr/lib/dltk" "$T/d/opt/lib/dltk"
    touch "$T/d/usr/lib/dltk/mpi.so" "$T/d/opt/lib/dltk/mpi.so" "$T/d/opt/lib/dltk/other"
    for prefix in /usr /opt /none; do
        run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$T" uninstall DESTDIR="$T/d" PREFIX=$prefix
        [ "$status" -eq 0 ]
    done
    [ ! -e "$T/d/usr/lib/dltk" ]
    [ -d "$T/d/usr/lib" ]
    [ ! -e "$T/d/opt/lib/dltk/mpi.so" ]
    [ -f "$T/d/opt/lib/dltk/other" ]   # not ours: kept, and its directory
}

# make cannot quote a path: one with a space is refused before anything
# is built or installed, in one line that names it.
@test "a BUILD, PREFIX or DESTDIR with a space is refused up front" {
    cd "$DL_TEST_ROOT"
    for args in "all BUILD=$T/a b" "install PREFIX=$T/a b" "uninstall DESTDIR=$T/a b"; do
        goal=${args%% *} assign=${args#* }
        run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -n "$goal" "$assign"
        [ "$status" -eq 2 ]
        [ "${#lines[@]}" -eq 1 ]
        [[ $output == *"*** ${assign%%=*} may not contain spaces (make cannot quote them): '$T/a b'."* ]]
    done
    [ ! -e "$T/a" ]
}

# OpenBLAS starts its threads when it is loaded, and they spin on the cores
# a tool's own threads need (dl-tensor's CSV parser): a tool that does no
# linear algebra must not need it.  dl-tensor (show describes checkpoints
# without evaluating them), dl-design (elementwise bases) and dl-eval
# (metrics) are such tools; the tools are linked --as-needed, so this holds
# as long as nothing they use sits in an object file beside a BLAS call.
@test "the tools that compute no matrix product do not need BLAS or LAPACK" {
    command -v readelf >/dev/null || skip "no readelf (binutils)"
    for tool in dl-tensor dl-design dl-eval; do
        bin=$(command -v "$tool")
        run readelf -d "$bin"
        [ "$status" -eq 0 ]
        grep -q 'NEEDED.*\[libc\.so' <<<"$output"   # the dynamic section was read
        if grep -iE 'NEEDED.*(blas|lapack|gfortran)' <<<"$output"; then
            echo "$tool needs the libraries above"
            return 1
        fi
    done
}

# Of the tools that multiply matrices, only dl-lstsq solves systems: the
# others (a prediction, a fit drawn, training) need BLAS but not LAPACK.
@test "only dl-lstsq needs LAPACK" {
    command -v readelf >/dev/null || skip "no readelf (binutils)"
    for tool in dl-predict dl-plot dl-train; do
        run readelf -d "$(command -v "$tool")"
        [ "$status" -eq 0 ]
        grep -q 'NEEDED.*\[libc\.so' <<<"$output"
        if grep -iE 'NEEDED.*(lapack|gfortran)' <<<"$output"; then
            echo "$tool needs the libraries above"
            return 1
        fi
    done
}

@test "the benchmarks put the tools of BUILD on PATH, relative or absolute as make takes it" {
    cd "$DL_TEST_ROOT"
    run bash -c '. bench/lib.sh; BUILD=/opt/b; tools_on_path; echo "$BUILD ${PATH%%:*}"'
    [ "$status" -eq 0 ]
    [ "$output" = "/opt/b /opt/b/bin" ]
    run bash -c '. bench/lib.sh; BUILD=b2; tools_on_path; echo "$BUILD ${PATH%%:*}"'
    [ "$output" = "$DL_TEST_ROOT/b2 $DL_TEST_ROOT/b2/bin" ]
    # no script builds its PATH from $PWD/$BUILD by hand
    run grep -l 'PATH="\$PWD/' bench/*.sh
    [ "$status" -eq 1 ]
}

# A packager's flags (dpkg-buildflags: CPPFLAGS -D_FORTIFY_SOURCE=2, CFLAGS
# -fstack-protector-strong, LDFLAGS -Wl,-z,relro) must reach every object
# and the MPI plugin, which mpicc builds by a rule of its own.
@test "CPPFLAGS, CFLAGS and LDFLAGS reach every compile, and the MPI plugin" {
    run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$DL_TEST_ROOT" -n BUILD="$T/fresh" \
        MPICC=mpicc CPPFLAGS=-DDL_MARK_CPP CFLAGS=-DDL_MARK_C LDFLAGS=-LDL_MARK_LD all
    [ "$status" -eq 0 ]
    commands=$output
    plugin=$(grep -e 'plugin/mpi\.c' <<<"$commands")
    [[ $plugin == *-DDL_MARK_CPP*-DDL_MARK_C*-LDL_MARK_LD* ]]
    links=$(grep -E " -o $T/fresh/bin/" <<<"$commands")
    [ -n "$links" ]
    compiles=$(grep -E ' -c [^ ]+\.c ' <<<"$commands")
    [ "$(wc -l <<<"$compiles")" -gt 20 ]
    run ! grep -v -e '-DDL_MARK_CPP .*-DDL_MARK_C' <<<"$compiles"
    run ! grep -v -e '-LDL_MARK_LD' <<<"$links"
}

# Two benchmark runs at once (two users, or two BUILDs) must not share a
# temporary directory: each makes its own and removes it on exit.
@test "every benchmark script works in a temporary directory of its own" {
    cd "$DL_TEST_ROOT"
    for b in bench/*.sh; do
        [ "$b" = bench/lib.sh ] && continue
        grep -q '^tmp=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-[a-z]*\.XXXXXX")$' "$b" ||
            { echo "$b: no tmp=\$(mktemp -d ...)"; return 1; }
        grep -q "^trap 'rm -rf \"\$tmp\"' EXIT$" "$b" || { echo "$b: no trap removing \$tmp"; return 1; }
    done
    # and none names a fixed one besides
    run grep -n 'tmp=${TMPDIR' bench/*.sh
    [ "$status" -eq 1 ]
}
