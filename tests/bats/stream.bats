#!/usr/bin/env bats
# The stream format as every tool sees it, through `dl-tensor info`:
# fixtures written by an independent implementation (gen_streams.py), and
# damaged streams that must give one clear line and exit status 1.

setup() {
    F=$DL_TEST_ROOT/tests/fixtures/stream
    TMP=$BATS_TEST_TMPDIR
}

@test "stream: reads a stream written by the independent Python writer" {
    run dl-tensor info "$F/small.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"x"*"f64"*"[3, 2]"*"raw"*"48"*"ok"* ]]
    [[ $output == *"y"*"f64"*"[3, 1]"* ]]
}

@test "stream: the concatenation of two streams is a stream, tensors merge by name" {
    cat "$F/small.dlt" "$F/small.dlt" > "$TMP/two.dlt"
    run dl-tensor info "$TMP/two.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"[6, 2]"*"2 records"* ]]
    run dl-tensor info < "$TMP/two.dlt"
    [ "$status" -eq 0 ]
}

@test "stream: an empty input is an empty, valid stream" {
    run dl-tensor info < /dev/null
    [ "$status" -eq 0 ]
}

@test "stream: truncated at every byte offset, each cut is an error naming the record" {
    size=$(stat -c %s "$F/small.dlt")
    first=93   # the first record's length: a cut there leaves a valid stream
    for ((cut = 1; cut < size; cut++)); do
        head -c "$cut" "$F/small.dlt" > "$TMP/cut.dlt"
        run dl-tensor info "$TMP/cut.dlt"
        if [ "$cut" -eq "$first" ]; then
            [ "$status" -eq 0 ] || { echo "cut $cut: $output"; false; }
            continue
        fi
        [ "$status" -eq 1 ] || { echo "cut $cut: status $status"; false; }
        [[ $output == *"dl-tensor: $TMP/cut.dlt: record "*"truncated"* ]] || { echo "cut $cut: $output"; false; }
    done
}

@test "stream: a flipped bit in the payload is a checksum error" {
    cp "$F/small.dlt" "$TMP/flip.dlt"
    # byte 60 is inside x's payload; xor its lowest bit
    b=$(od -An -tu1 -j60 -N1 "$TMP/flip.dlt" | tr -d ' ')
    printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$TMP/flip.dlt" bs=1 seek=60 conv=notrunc 2>/dev/null
    run dl-tensor info "$TMP/flip.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"record 1 ('x'): payload checksum mismatch"* ]]
}

@test "stream: a flipped bit in a header is a header checksum error" {
    cp "$F/small.dlt" "$TMP/flip.dlt"
    printf '\007' | dd of="$TMP/flip.dlt" bs=1 seek=24 conv=notrunc 2>/dev/null  # shape[0] 3 -> 7
    run dl-tensor info "$TMP/flip.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"record 1 (at byte 0): header checksum mismatch"* ]]
}

@test "stream: a shape of 2^60 elements is refused, not allocated" {
    run dl-tensor info "$F/absurd_shape.dlt"
    [ "$status" -ne 0 ]
    [[ $output == *"absurd_shape.dlt: record 1 ('x'): shape is too large"* ]]
}

@test "stream: a header claiming 1 TiB with 8 bytes present fails without the memory" {
    # 1 GB of address space is plenty for a correct reader (sanitizers reserve
    # terabytes of shadow memory, so there the limit cannot apply)
    [ -n "${DL_SAN:-}" ] || ulimit -v 1000000
    run dl-tensor info "$F/lying_length.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"record 1 ('x'): truncated: the payload has 8 of its 1099511627776 bytes"* ]]
}

@test "stream: an unknown format version is named" {
    run dl-tensor info "$F/bad_version.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"format version 2 is not supported"* ]]
}

@test "stream: a name that is not UTF-8 is refused" {
    run dl-tensor info "$F/odd_name.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"not valid UTF-8"* ]]
}

@test "stream: text where a stream is expected gets a hint" {
    printf '1,2\n3,4\n5,6\n7,8\n9,10\n11,12\n13,14\n' > "$TMP/data.csv"
    run dl-tensor info "$TMP/data.csv"
    [ "$status" -eq 1 ]
    [[ $output == *"bad magic"*"dl-tensor import"* ]]
    # shorter than a header: still text, not a stream cut short
    printf '1,2\n' > "$TMP/short.csv"
    run dl-tensor info "$TMP/short.csv"
    [ "$status" -eq 1 ]
    [[ $output == *"bad magic"*"dl-tensor import"* ]]
    # the start of a stream's header, cut: truncated
    dl-tensor import "$TMP/data.csv" | head -c 10 > "$TMP/cut.dlt"
    run dl-tensor info "$TMP/cut.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"truncated header"* ]]
}

@test "stream: a missing file is an I/O error (status 3) naming it" {
    run dl-tensor info "$TMP/nope.dlt"
    [ "$status" -eq 3 ]
    [[ $output == *"nope.dlt"*"No such file"* ]]
}

@test "stream: a missing or damaged file under a long path is named whole, with the reason" {
    # a directory name of 1206 bytes; the system takes up to 4095
    local d=$TMP n
    for n in 1 2 3 4 5 6; do d=$d/$(printf '%200s' | tr ' ' d); done
    mkdir -p "$d"
    run dl-tensor info "$d/missing.dlt"
    [ "$status" -eq 3 ]
    [ "$output" = "dl-tensor: $d/missing.dlt: cannot open: No such file or directory" ]
    # and a record of a file there
    head -c 60 "$F/small.dlt" > "$d/cut.dlt"
    run dl-tensor info "$d/cut.dlt"
    [ "$status" -eq 1 ]
    [[ $output == "dl-tensor: $d/cut.dlt: record 1 ('x'): truncated"* ]]
}

@test "stream: binary output to a terminal is refused with a hint" {
    command -v script >/dev/null || skip "script(1) not installed"
    run script -qec "dl-tensor import --targets 1 $DL_TEST_ROOT/tests/fixtures/stream/small.csv" /dev/null
    [[ $output == *"terminal"*"-o FILE"* ]]
}

@test "stream: -o writes atomically: a failed run leaves no file and no temporary" {
    run dl-tensor head -n 2 -o "$TMP/out.dlt" "$F/absurd_shape.dlt"
    [ "$status" -ne 0 ]
    [ ! -e "$TMP/out.dlt" ]
    run ls -A "$TMP"
    [ -z "$output" ]
}

@test "stream: zlib records read back identically and are checked" {
    dl-tensor head -n 3 --zlib "$F/small.dlt" > "$TMP/z.dlt"
    run dl-tensor info "$TMP/z.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"zlib"* ]]
    dl-tensor export "$F/small.dlt" > "$TMP/a.csv"
    dl-tensor export "$TMP/z.dlt" > "$TMP/b.csv"
    cmp "$TMP/a.csv" "$TMP/b.csv"
    size=$(stat -c %s "$TMP/z.dlt")
    head -c $((size - 3)) "$TMP/z.dlt" > "$TMP/zcut.dlt"
    run dl-tensor info "$TMP/zcut.dlt"
    [ "$status" -eq 1 ]
}

@test "stream: a zlib payload larger than compressBound (a writer's sync flushes) is read; one over twice the raw length plus 1 MiB is refused saying so" {
    run dl-tensor info "$F/sync_flush.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"  ok  x"* ]]
    dl-tensor export "$F/sync_flush.dlt" > "$TMP/synced.csv"
    dl-tensor export "$F/sync_flush_raw.dlt" > "$TMP/raw.csv"
    cmp "$TMP/synced.csv" "$TMP/raw.csv"
    [ "$(wc -l < "$TMP/raw.csv")" -eq 64 ]
    # 8 raw bytes: at most 2 * 8 + 1048576 stored; the one at the limit is
    # read (and found cut short), the one over it refused before
    run dl-tensor info "$F/zlib_at_limit.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"record 1 ('x'): truncated: the payload has 16 of its 1048592 bytes" ]]
    run dl-tensor info "$F/zlib_over_limit.dlt"
    [ "$status" -eq 1 ]
    [[ $output == *"record 1 ('x'): compressed payload of 1048593 bytes is larger than this reader accepts: at most 1048592 bytes for 8 raw bytes" ]]
}

@test "stream: a zlib record whose sum is right but that does not inflate to its shape's bytes is refused by every reader, also one that passes it on or skips it" {
    dl-lstsq -q "$F/small.dlt" -o "$TMP/lin.ckpt"
    # y deflated, its zlib stream cut: dl-design and dl-predict pass y on
    want="$F/zlib_cut_y.dlt: record 2 ('y'): compressed payload is corrupt or has the wrong length"
    for cmd in "dl-tensor info" "dl-design -q --poly 1" "dl-design -q --standardize" \
        "dl-predict $TMP/lin.ckpt" "dl-lstsq -q" "dl-tensor export --name x"; do
        run bash -c "$cmd '$F/zlib_cut_y.dlt' > /dev/null"
        [ "$status" -eq 1 ] || { echo "$cmd: $status $output"; false; }
        [ "$output" = "${cmd%% *}: $want" ] || { echo "$cmd: $output"; false; }
    done
    # a record no tool reads, passed on by dl-design and dl-predict, skipped
    # by dl-lstsq, dl-eval and dl-design --apply (which reads only the
    # design after it): its zlib stream cut, or a whole one of 2 or 4
    # doubles where the shape [3, 1] takes 3
    dl-design -q --poly 1 "$F/small.dlt" -o "$TMP/d.dlt"
    for kind in cut short long; do
        file=$F/zlib_${kind}_note.dlt
        want="$file: record 3 ('note'): compressed payload is corrupt or has the wrong length"
        for cmd in "dl-tensor info" "dl-design -q --poly 1" "dl-design -q --standardize" \
            "dl-predict $TMP/lin.ckpt" "dl-lstsq -q" "dl-eval" "dl-tensor head -n 1" \
            "dl-tensor export --name x"; do
            run bash -c "$cmd '$file' > /dev/null"
            [ "$status" -eq 1 ] || { echo "$cmd: $status $output"; false; }
            [ "$output" = "${cmd%% *}: $want" ] || { echo "$cmd: $output"; false; }
        done
        cat "$file" "$TMP/d.dlt" > "$TMP/note_design.dlt"
        run bash -c "dl-design -q --apply '$TMP/note_design.dlt' '$F/small.dlt' > /dev/null"
        [ "$status" -eq 1 ]
        [ "$output" = "dl-design: $TMP/note_design.dlt: record 3 ('note'): compressed payload is corrupt or has the wrong length" ]
    done
}

@test "stream: a record name with a control character is refused where it is set or read" {
    printf '1,2\n' > "$TMP/a.csv"
    run dl-tensor import --name "$(printf 'a\nb')" "$TMP/a.csv"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "dl-tensor: --name: the name contains a control character" ]
    run dl-tensor import --name "$(printf 'a\tb')" "$TMP/a.csv"
    [ "$status" -eq 2 ]
    # written by another program: the reader refuses it in one line
    run dl-tensor export "$F/newline_name.dlt" --name "$(printf 'a\nb')"
    [ "$status" -eq 2 ]
    run dl-tensor export "$F/newline_name.dlt"
    [ "$status" -eq 1 ]
    [ "$output" = "dl-tensor: $F/newline_name.dlt: record 1 (at byte 0): the name contains a control character" ]
}

@test "an empty input (the command before failed) says so, not 'no x record', in every stream reader" {
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/fish.csv" > "$TMP/f.dlt"
    dl-lstsq -q < "$TMP/f.dlt" > "$TMP/lin.ckpt"
    : > "$TMP/empty"
    for cmd in "dl-train $DL_TEST_ROOT/examples/fish.yaml" "dl-predict $TMP/lin.ckpt" "dl-lstsq" \
        "dl-lstsq --combine" "dl-design --poly 2" "dl-eval" "dl-tensor export" \
        "dl-tensor export --format npy -o $TMP/e.npy" "dl-tensor split --fraction 0.5 - $TMP/a $TMP/b"; do
        run $cmd < "$TMP/empty"
        [ "$status" -eq 1 ] || { echo "$cmd: $status $output"; false; }
        [[ $output == *": the input is empty (did the previous command fail?)" ]] || {
            echo "$cmd: $output"
            false
        }
    done
    # the pipe the message is for: dl-predict fails, dl-eval says why it has nothing
    run bash -c "dl-predict '$TMP/missing.ckpt' < '$TMP/f.dlt' | dl-eval"
    [[ ${lines[0]} == "dl-predict: $TMP/missing.ckpt: cannot open"* ]]
    [ "${lines[1]}" = "dl-eval: <stdin>: the input is empty (did the previous command fail?)" ]
}

@test "head, shuffle and split call standard input named - <stdin> in their messages, as every reader does" {
    : > "$TMP/empty"
    for cmd in "head -n 1 -" "shuffle -" "split --fraction 0.5 - $TMP/a $TMP/b"; do
        run dl-tensor $cmd < "$TMP/empty"
        [ "$status" -eq 1 ] || { echo "$cmd: $status $output"; false; }
        [ "$output" = "dl-tensor: <stdin>: the input is empty (did the previous command fail?)" ] ||
            { echo "$cmd: $output"; false; }
    done
}

@test "stream: chunks of one tensor in different dtypes are refused by every reader alike, naming both records" {
    printf 'a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,9,1\n' > "$TMP/t.csv"
    dl-tensor import -t 1 "$TMP/t.csv" > "$TMP/t.dlt"
    dl-tensor import --dtype f32 -t 1 "$TMP/t.csv" > "$TMP/t32.dlt"
    cat "$TMP/t.dlt" "$TMP/t32.dlt" > "$TMP/mix.dlt"
    dl-lstsq -q "$TMP/t.dlt" > "$TMP/lin.ckpt"
    printf 'model:\n  layers:\n    - {units: 1, activation: sigmoid}\nloss: bce\ntraining: {epochs: 2}\n' \
        > "$TMP/n.yaml"
    # records 1-4: x.names, y.names, x, y; then the same in f32
    want="$TMP/mix.dlt: record 7 ('x'): chunk dtype f32 differs from f64, the first chunk's (record 3)"
    for cmd in "dl-lstsq -q" "dl-lstsq --partial" "dl-design -q" "dl-design -q --poly 2" \
        "dl-predict $TMP/lin.ckpt" "dl-train -q $TMP/n.yaml" "dl-eval" "dl-tensor export" \
        "dl-tensor export --name y" "dl-tensor head -n 1" "dl-tensor shuffle"; do
        run $cmd "$TMP/mix.dlt"
        [ "$status" -eq 1 ] || { echo "$cmd: $status $output"; false; }
        [ "$output" = "${cmd%% *}: $want" ] || { echo "$cmd: $output"; false; }
    done
    # info lists the records it read, then ends with the error
    run bash -c "dl-tensor info '$TMP/mix.dlt' > '$TMP/info.out' 2> '$TMP/info.err'"
    [ "$status" -eq 1 ]
    [ "$(cat "$TMP/info.err")" = "dl-tensor: $want" ]
    [ "$(grep -c '  ok  ' "$TMP/info.out")" -eq 6 ]
    # chunks of other lengths along the first axis are one tensor
    cat "$TMP/t.dlt" <(head -n 3 "$TMP/t.csv" | dl-tensor import -t 1) > "$TMP/longer.dlt"
    run dl-tensor info "$TMP/longer.dlt"
    [ "$status" -eq 0 ]
    [[ $output == *"  x            f64  [6, 2]"*"2 records"* ]]
}

@test "stream: a program that fails after writing records ends its output with the abandoned mark, and the next program fails on it" {
    # dl-tensor import: a bad cell after the first region's records are out
    # (it reads 8 MiB regions)
    awk 'BEGIN { print "a,b,y"; for (i = 0; i < 300000; i++) print "0.1234567890123,2.345678901234,1" } END { print "1,zz,1" }' \
        < /dev/null > "$TMP/late.csv"
    run bash -c "dl-tensor import -t 1 '$TMP/late.csv' | dl-tensor info"
    [ "$status" -eq 1 ]
    [[ $output == *"dl-tensor: $TMP/late.csv: line 300002, column 2 ('b'): 'zz' is not a number"* ]]
    [[ $output == *"dl-tensor: <stdin>: record "*" (at byte "*"): the program writing this stream failed here (its own message says why): the records before are incomplete"* ]]
    # dl-predict: a missing cell in the second chunk of x, after the first
    # chunk's yhat (more than the writer buffers)
    awk 'BEGIN { print "x,y"; for (i = 0; i < 300000; i++) print i % 9 "," 2 * (i % 9) }' |
        dl-tensor import -t 1 > "$TMP/a.dlt"
    printf 'x,y\n5,10\n,12\n' | dl-tensor import -t 1 --missing '' > "$TMP/b.dlt"
    dl-lstsq -q "$TMP/a.dlt" -o "$TMP/m.ckpt"
    cat "$TMP/a.dlt" "$TMP/b.dlt" > "$TMP/in.dlt"
    run bash -c "dl-predict '$TMP/m.ckpt' '$TMP/in.dlt' | dl-eval"
    [ "$status" -eq 1 ]
    [[ $output == *"dl-predict: "*"missing value"* ]]
    [[ $output == *"dl-eval: "*"failed here"* ]]
    # no metric line (the temporary directory's random name may hold "r2")
    [[ $'\n'$output != *$'\n'"r2 "* ]]
    # a file output is never partial: the failed run leaves none
    run dl-predict "$TMP/m.ckpt" "$TMP/in.dlt" -o "$TMP/out.dlt"
    [ "$status" -eq 1 ]
    [ ! -e "$TMP/out.dlt" ]
}
