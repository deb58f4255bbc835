#!/usr/bin/env bats
# Output files: a failed command leaves every path as it was, a replaced
# file keeps its permissions, symbolic links are replaced and never written
# through, and every output file follows the same rule (see dl-tensor(1)).

setup() {
    F=$DL_TEST_ROOT/tests/fixtures
    TMP=$BATS_TEST_TMPDIR
    printf 'a,b,y\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n' > "$TMP/d.csv"
    dl-tensor import -t 1 "$TMP/d.csv" -o "$TMP/d.dlt"
    printf 'model:\n  layers:\n    - {units: 1, activation: identity}\nloss: mse\noptimizer: {name: sgd, lr: 0.01}\ntraining: {epochs: 2, batch_size: 2, seed: 1}\n' > "$TMP/net.yaml"
}

teardown() {
    # an immutable file (rename tests) would keep bats from cleaning up
    for f in "$TMP/locked.dlt" "$TMP/locked.tsv"; do
        [ -e "$f" ] && chattr -i "$f" 2>/dev/null
    done
    return 0
}

# Only our own temporaries start with a dot here.
no_temporaries() {
    local left
    left=$(find "$1" -maxdepth 1 -name '.*.??????*' | head -n 5)
    [ -z "$left" ] || { echo "left behind: $left"; return 1; }
}

@test "split: a failing second output leaves a precious first output untouched" {
    echo precious > "$TMP/keep.dlt"
    run dl-tensor split --fraction 0.5 "$TMP/d.dlt" "$TMP/keep.dlt" /dev/full
    [ "$status" -eq 3 ]
    [[ $output == *"/dev/full"* ]]
    [ "$(cat "$TMP/keep.dlt")" = precious ]
    # a new first output is not created either
    run dl-tensor split --fraction 0.5 "$TMP/d.dlt" "$TMP/new.dlt" /dev/full
    [ "$status" -eq 3 ]
    [ ! -e "$TMP/new.dlt" ]
    no_temporaries "$TMP"
}

# waits_for_lock PID: returns once process PID waits for a flock(2) (its
# request listed after "->" in /proc/locks); fails when PID ends first, or
# after 60 s, rather than wait forever.
waits_for_lock() {
    local i
    for ((i = 0; i < 600; i++)); do
        grep -Eq "^[0-9]+: -> FLOCK +ADVISORY +WRITE $1 " /proc/locks && return 0
        kill -0 "$1" 2>/dev/null || { echo "process $1 ended without waiting for a lock" >&2; return 1; }
        sleep 0.1
    done
    echo "process $1 did not wait for a lock within 60 s" >&2
    return 1
}

@test "a command's several outputs move into place under their directories' locks, one command's group after another's" {
    cd "$TMP"
    mkdir out logs
    dl-tensor split --fraction 0.5 --seed 1 d.dlt a.want b.want
    # the directory locked, as another command moving its files there holds
    # it: split writes both files, then waits to move them
    exec 7< out
    flock -x 7
    dl-tensor split --fraction 0.5 --seed 1 d.dlt out/a.dlt out/b.dlt 3>&- 7<&- &
    local pid=$! status=0
    waits_for_lock "$pid"
    [ ! -e out/a.dlt ]
    [ ! -e out/b.dlt ]
    [ "$(find out -name '.*.dlt.??????' | wc -l)" -eq 2 ]
    # one output alone needs no lock: its rename is whole by itself
    timeout 60 dl-tensor import -t 1 d.csv -o out/one.dlt 7<&-
    cmp out/one.dlt d.dlt
    flock -u 7
    wait "$pid" || status=$?
    [ "$status" -eq 0 ]
    cmp out/a.dlt a.want
    cmp out/b.dlt b.want
    no_temporaries out
    # a signal while it waits ends it, nothing moved and its temporaries gone
    flock -x 7
    dl-tensor split --fraction 0.5 --seed 2 d.dlt out/a.dlt out/b.dlt 3>&- 7<&- &
    pid=$!
    waits_for_lock "$pid"
    kill -TERM "$pid"
    status=0
    wait "$pid" || status=$?
    exec 7<&-
    [ "$status" -eq 6 ]
    cmp out/a.dlt a.want
    cmp out/b.dlt b.want
    no_temporaries out
    # each directory of a group is locked: dl-train's log goes elsewhere
    exec 7< logs
    flock -x 7
    dl-train -q net.yaml d.dlt -o out/n.ckpt --log logs/n.tsv 3>&- 7<&- &
    pid=$!
    waits_for_lock "$pid"
    [ ! -e out/n.ckpt ]
    [ ! -e logs/n.tsv ]
    exec 7<&-
    status=0
    wait "$pid" || status=$?
    [ "$status" -eq 0 ]
    dl-tensor info out/n.ckpt > /dev/null
    [ "$(wc -l < logs/n.tsv)" -eq 3 ]
    no_temporaries out
    no_temporaries logs
}

@test "split: a FIFO as first output is never unlinked when the second fails" {
    mkfifo "$TMP/fifo"
    timeout 20 cat "$TMP/fifo" > /dev/null &   # the reader the FIFO waits for
    run timeout 20 dl-tensor split --fraction 0.5 "$TMP/d.dlt" "$TMP/fifo" /dev/full
    wait
    [ "$status" -eq 3 ]
    [ -p "$TMP/fifo" ]
    if [ "$(id -u)" -eq 0 ]; then   # a device node of our own, never the system's
        mknod "$TMP/null" c 1 3
        run dl-tensor split --fraction 0.5 "$TMP/d.dlt" "$TMP/null" /dev/full
        [ "$status" -eq 3 ]
        [ -c "$TMP/null" ]
    fi
}

@test "split: when the second file cannot be moved into place, the first gets its old contents back" {
    [ "$(id -u)" -eq 0 ] || skip "needs root to make a file immutable"
    echo first > "$TMP/one.dlt"
    echo locked > "$TMP/locked.dlt"
    chattr +i "$TMP/locked.dlt" 2>/dev/null || skip "this file system has no immutable files"
    run dl-tensor split --fraction 0.5 "$TMP/d.dlt" "$TMP/one.dlt" "$TMP/locked.dlt"
    chattr -i "$TMP/locked.dlt"
    [ "$status" -eq 3 ]
    [[ $output == *"locked.dlt: cannot move the finished file into place"* ]]
    [ "$(cat "$TMP/one.dlt")" = first ]
    [ "$(cat "$TMP/locked.dlt")" = locked ]
    no_temporaries "$TMP"
    # and a first output that did not exist is gone again
    chattr +i "$TMP/locked.dlt"
    run dl-tensor split --fraction 0.5 "$TMP/d.dlt" "$TMP/two.dlt" "$TMP/locked.dlt"
    chattr -i "$TMP/locked.dlt"
    [ "$status" -eq 3 ]
    [ ! -e "$TMP/two.dlt" ]
    no_temporaries "$TMP"
}

@test "-o over an existing file keeps its permissions; a new file follows the umask" {
    echo old > "$TMP/priv.dlt"
    chmod 600 "$TMP/priv.dlt"
    dl-tensor import -t 1 "$TMP/d.csv" -o "$TMP/priv.dlt"
    [ "$(stat -c %a "$TMP/priv.dlt")" = 600 ]
    dl-tensor info "$TMP/priv.dlt" > /dev/null
    chmod 640 "$TMP/priv.dlt"
    dl-tensor export -o "$TMP/priv.dlt" "$TMP/d.dlt"
    [ "$(stat -c %a "$TMP/priv.dlt")" = 640 ]
    (umask 077 && dl-tensor import -t 1 "$TMP/d.csv" -o "$TMP/new077.dlt")
    [ "$(stat -c %a "$TMP/new077.dlt")" = 600 ]
    (umask 022 && dl-tensor import -t 1 "$TMP/d.csv" -o "$TMP/new022.dlt")
    [ "$(stat -c %a "$TMP/new022.dlt")" = 644 ]
    echo old > "$TMP/log.tsv"
    chmod 600 "$TMP/log.tsv"
    (umask 022 && dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/c.ckpt" --log "$TMP/log.tsv")
    [ "$(stat -c %a "$TMP/log.tsv")" = 600 ]
}

@test "-o keeps the group of the replaced file where it can" {
    [ "$(id -u)" -eq 0 ] || skip "only root may give a file to any group"
    echo old > "$TMP/g.dlt"
    chgrp 12345 "$TMP/g.dlt"
    dl-tensor import -t 1 "$TMP/d.csv" -o "$TMP/g.dlt"
    [ "$(stat -c %g "$TMP/g.dlt")" = 12345 ]
}

@test "--log and --diagnostics replace a symbolic link, never write through it, like -o" {
    echo target > "$TMP/target"
    ln -s target "$TMP/log.tsv"
    ln -s target "$TMP/diag.tsv"
    ln -s target "$TMP/c.ckpt"
    dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/c.ckpt" --log "$TMP/log.tsv" \
        --diagnostics "$TMP/diag.tsv"
    [ "$(cat "$TMP/target")" = target ]
    for f in log.tsv diag.tsv c.ckpt; do
        [ -f "$TMP/$f" ]
        [ ! -L "$TMP/$f" ]
    done
    [[ $(head -n 1 "$TMP/log.tsv") == epoch*train_loss* ]]
    [[ $(head -n 1 "$TMP/diag.tsv") == epoch*layer* ]]
    no_temporaries "$TMP"
}

@test "--log and --diagnostics are written atomically: a failed run leaves the old files" {
    echo old-log > "$TMP/log.tsv"
    echo old-diag > "$TMP/diag.tsv"
    run dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o /dev/full --log "$TMP/log.tsv" \
        --diagnostics "$TMP/diag.tsv"
    [ "$status" -eq 3 ]
    [ "$(cat "$TMP/log.tsv")" = old-log ]
    [ "$(cat "$TMP/diag.tsv")" = old-diag ]
    no_temporaries "$TMP"
    # a log on a full disk is an error, not a silently short file
    run dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/c.ckpt" --log /dev/full
    [ "$status" -eq 3 ]
    [[ $output == *"/dev/full: write failed"* ]]
}

@test "dl-train commits the checkpoint, --log and --diagnostics as one: a log that fails leaves the old checkpoint" {
    echo precious > "$TMP/c.ckpt"
    echo old-log > "$TMP/log.tsv"
    # a write that fails when the file is closed
    run dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/c.ckpt" --log "$TMP/log.tsv" \
        --diagnostics /dev/full
    [ "$status" -eq 3 ]
    [[ $output == *"/dev/full: write failed"* ]]
    [ "$(cat "$TMP/c.ckpt")" = precious ]
    [ "$(cat "$TMP/log.tsv")" = old-log ]
    run dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/new.ckpt" --log /dev/full
    [ "$status" -eq 3 ]
    [ ! -e "$TMP/new.ckpt" ]
    no_temporaries "$TMP"
    # a log that cannot be moved into place
    [ "$(id -u)" -eq 0 ] || skip "needs root to make a file immutable"
    echo locked > "$TMP/locked.tsv"
    chattr +i "$TMP/locked.tsv" 2>/dev/null || skip "this file system has no immutable files"
    run dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/c.ckpt" --log "$TMP/log.tsv" \
        --diagnostics "$TMP/locked.tsv"
    chattr -i "$TMP/locked.tsv"
    [ "$status" -eq 3 ]
    [[ $output == *"locked.tsv: cannot move the finished file into place"* ]]
    [ "$(cat "$TMP/c.ckpt")" = precious ]
    [ "$(cat "$TMP/log.tsv")" = old-log ]
    [ "$(cat "$TMP/locked.tsv")" = locked ]
    no_temporaries "$TMP"
    # and all three together when nothing fails
    dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/c.ckpt" --log "$TMP/log.tsv" \
        --diagnostics "$TMP/diag.tsv"
    dl-tensor info "$TMP/c.ckpt" > /dev/null
    [[ $(head -n 1 "$TMP/log.tsv") == epoch*train_loss* ]]
    [[ $(head -n 1 "$TMP/diag.tsv") == epoch*layer* ]]
}

@test "two outputs of one command naming one file are a usage error, before any work" {
    echo precious > "$TMP/c.ckpt"
    for log in "$TMP/c.ckpt" "$TMP/./c.ckpt"; do
        run dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/c.ckpt" --log "$log"
        [ "$status" -eq 2 ]
        [[ $output == *"-o and --log name the same file"* ]]
    done
    run dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/c.ckpt" --log "$TMP/l.tsv" \
        --diagnostics "$TMP/../${TMP##*/}/l.tsv"
    [ "$status" -eq 2 ]
    [[ $output == *"--log and --diagnostics name the same file"* ]]
    [ "$(cat "$TMP/c.ckpt")" = precious ]
    [ ! -e "$TMP/l.tsv" ]
    run dl-tensor split --fraction 0.5 "$TMP/d.dlt" "$TMP/a.dlt" "$TMP/./a.dlt"
    [ "$status" -eq 2 ]
    [[ $output == *"OUT1 and OUT2 name the same file"* ]]
    [ ! -e "$TMP/a.dlt" ]
    no_temporaries "$TMP"
    # a device written in place may take several outputs
    dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o /dev/null --log /dev/null --diagnostics /dev/null
}

@test "two outputs written in place to one pipe, FIFO or file (standard output twice) are a usage error" {
    # (descriptor aliases other than /dev/stdout: a regression would replace the system's link)
    local out
    for outs in "- /dev/fd/1" "/proc/self/fd/1 -" "/dev/fd/1 /proc/self/fd/1"; do
        # a pipe: OUT2's rows after OUT1's would read as one data set, the whole input
        run bash -c "dl-tensor split --fraction 0.5 '$TMP/d.dlt' $outs | wc -c"
        [[ $output == *"OUT1 and OUT2 name the same file"* ]] || { echo "$outs: $output"; return 1; }
        [ "${lines[${#lines[@]} - 1]}" -eq 0 ]
        # a redirected file
        run dl-tensor split --fraction 0.5 "$TMP/d.dlt" $outs > "$TMP/both.dlt"
        [ "$status" -eq 2 ]
        [ ! -s "$TMP/both.dlt" ]
    done
    mkfifo "$TMP/fifo"
    exec 5<> "$TMP/fifo" # a reader: opening the FIFO to write does not wait
    run timeout 10 dl-tensor split "$TMP/d.dlt" "$TMP/fifo" "$TMP/../${TMP##*/}/fifo"
    exec 5>&-
    [ "$status" -eq 2 ]
    [[ $output == *"OUT1 and OUT2 name the same file"* ]]
    # dl-train's checkpoint on standard output (-o - or none) and a log there too
    for o in "-o -" ""; do
        run bash -c "dl-train -q '$TMP/net.yaml' '$TMP/d.dlt' $o --log /dev/fd/1 | wc -c"
        [[ $output == *"name the same file"* ]] || { echo "$o: $output"; return 1; }
        [ "${lines[${#lines[@]} - 1]}" -eq 0 ]
    done
    run dl-tensor split "$TMP/d.dlt" - - > "$TMP/both.dlt"
    [ "$status" -eq 2 ]
    # dl-train's --log - is a file named '-', beside the checkpoint on standard output
    (cd "$TMP" && dl-train -q net.yaml d.dlt --log - > c.ckpt)
    [[ $(head -n 1 "$TMP/-") == epoch*train_loss* ]]
    dl-tensor info "$TMP/c.ckpt" > /dev/null
    # a device takes both, and so do standard output and another file
    dl-tensor split "$TMP/d.dlt" /dev/null /dev/fd/1 > "$TMP/b.dlt"
    dl-tensor split "$TMP/d.dlt" /dev/fd/1 "$TMP/b2.dlt" > "$TMP/a.dlt"
    cmp <(cat "$TMP/a.dlt" "$TMP/b.dlt" | dl-tensor export | sort) <(dl-tensor export "$TMP/d.dlt" | sort)
    cmp "$TMP/b.dlt" "$TMP/b2.dlt"
}

@test "head, shuffle and split refuse an output they cannot create before reading any input" {
    local size cmd
    size=$(wc -c < "$TMP/d.dlt")
    # what the command leaves of its standard input is read after it, here all of it
    for cmd in "head -n 2 -o $TMP/none/out.dlt" "shuffle -o $TMP/none/out.dlt" \
        "split - $TMP/a.dlt $TMP/none/out.dlt" "split - $TMP/none/out.dlt $TMP/b.dlt"; do
        run bash -c "cat '$TMP/d.dlt' | { dl-tensor $cmd; echo \"status \$?\"; wc -c; }"
        [[ $output == *"none/out.dlt: cannot create a temporary file"* ]] || { echo "$cmd: $output"; return 1; }
        [[ $output == *"status 3"* ]] || { echo "$cmd: $output"; return 1; }
        [ "${lines[${#lines[@]} - 1]}" = "$size" ] || { echo "$cmd: $output"; return 1; }
    done
    [ ! -e "$TMP/a.dlt" ]
    [ ! -e "$TMP/b.dlt" ]
    no_temporaries "$TMP"
    # the input's own faults still come first when it cannot be opened
    run dl-tensor head -o "$TMP/none/out.dlt" "$TMP/missing.dlt"
    [ "$status" -eq 3 ]
    [[ $output == *"missing.dlt: cannot open"* ]]
}

@test "dl-train refuses a --log or --diagnostics it cannot create before reading its data" {
    local size opt
    size=$(wc -c < "$TMP/d.dlt")
    # what dl-train leaves of its standard input is read after it, here all of it
    for opt in --log --diagnostics; do
        run bash -c "cat '$TMP/d.dlt' | { dl-train -q '$TMP/net.yaml' -o '$TMP/c.ckpt' $opt '$TMP/none/l.tsv'; echo \"status \$?\"; wc -c; }"
        [[ $output == *"none/l.tsv: cannot create a temporary file"* ]] || { echo "$opt: $output"; return 1; }
        [[ $output == *"status 3"* ]] || { echo "$opt: $output"; return 1; }
        [ "${lines[${#lines[@]} - 1]}" = "$size" ] || { echo "$opt: $output"; return 1; }
    done
    [ ! -e "$TMP/c.ckpt" ]
    no_temporaries "$TMP"
}

@test "dl-plot refuses an image it cannot create before reading its input" {
    local size
    dl-lstsq -q "$TMP/d.dlt" -o "$TMP/m.ckpt"
    dl-predict "$TMP/m.ckpt" "$TMP/d.dlt" -o "$TMP/p.dlt"
    size=$(wc -c < "$TMP/p.dlt")
    # what dl-plot leaves of its standard input is read after it, here all of it
    run bash -c "cat '$TMP/p.dlt' | { dl-plot parity -o '$TMP/none/p.png'; echo \"status \$?\"; wc -c; }"
    [[ $output == *"none/p.png: cannot create a temporary file"* ]]
    [[ $output == *"status 3"* ]]
    [ "${lines[${#lines[@]} - 1]}" = "$size" ]
    no_temporaries "$TMP"
}

@test "an empty output name is refused before any input is read, naming no file" {
    local size cmd
    size=$(wc -c < "$TMP/d.dlt")
    dl-lstsq -q "$TMP/d.dlt" -o "$TMP/m.ckpt"
    # what the command leaves of its standard input is read after it, here all of it
    for cmd in "dl-tensor head -o ''" "dl-tensor export -o ''" "dl-tensor split - '' $TMP/b.dlt" \
        "dl-design --poly=2 -o ''" "dl-lstsq -q -o ''" "dl-predict $TMP/m.ckpt -o ''" \
        "dl-train -q $TMP/net.yaml -o ''" "dl-train -q $TMP/net.yaml -o $TMP/c.ckpt --log ''" \
        "dl-train -q $TMP/net.yaml -o $TMP/c.ckpt --diagnostics ''" "dl-plot parity -o ''"; do
        run bash -c "cat '$TMP/d.dlt' | { $cmd; echo \"status \$?\"; wc -c; }"
        [[ ${lines[0]} == *": an output file's name is empty" ]] || { echo "$cmd: $output"; return 1; }
        [ "${lines[1]}" = "status 3" ] || { echo "$cmd: $output"; return 1; }
        [ "${lines[2]}" = "$size" ] || { echo "$cmd: $output"; return 1; }
    done
    [ ! -e "$TMP/b.dlt" ]
    [ ! -e "$TMP/c.ckpt" ]
    no_temporaries "$TMP"
    no_temporaries "$PWD"
}

@test "dl-train stops at the first --log or --diagnostics line that cannot be written, not at the end of the run" {
    local opt
    for opt in --log --diagnostics; do
        run dl-train -s training.epochs=50 "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/c.ckpt" $opt /dev/full
        [ "$status" -eq 3 ] || { echo "$opt: $status $output"; return 1; }
        # epoch 1's lines fail as they go out; the run stops in epoch 2
        [ "${#lines[@]}" -eq 2 ] || { echo "$opt: $output"; return 1; }
        [[ ${lines[0]} == "epoch 1/50: "* ]]
        [ "${lines[1]}" = "dl-train: /dev/full: write failed: No space left on device" ]
        [ ! -e "$TMP/c.ckpt" ]
    done
    no_temporaries "$TMP"
}

@test "-o through a descriptor alias (/proc/self/fd/1, /dev/fd/1) writes the redirected file in place" {
    # (not /dev/stdout itself: a regression would replace the system's link)
    ln -s /proc/self/fd/1 "$TMP/alias"
    dl-tensor import -t 1 "$TMP/d.csv" -o "$TMP/alias" > "$TMP/via-alias.dlt"
    cmp "$TMP/d.dlt" "$TMP/via-alias.dlt"
    [ -L "$TMP/alias" ]
    dl-tensor export -o /dev/fd/1 "$TMP/d.dlt" > "$TMP/via-fd.csv"
    dl-tensor export "$TMP/d.dlt" | cmp - "$TMP/via-fd.csv"
}

@test "-o through a descriptor alias of a closed standard output is status 3, never output lost silently" {
    ln -s /proc/self/fd/1 "$TMP/alias"
    for out in /dev/stdout /dev/fd/1 "$TMP/alias"; do
        run bash -c 'dl-tensor import -t 1 "$1" -o "$2" >&-' _ "$TMP/d.csv" "$out"
        [ "$status" -eq 3 ] || { echo "$out: status $status"; return 1; }
        [ "$output" = "dl-tensor: $out: cannot open for writing: Bad file descriptor" ]
    done
    run bash -c 'dl-train -q "$1" "$2" -o "$3" --log /dev/stderr 2>&-; echo $?' \
        _ "$TMP/net.yaml" "$TMP/d.dlt" "$TMP/c.ckpt"
    [ "$output" = 3 ]
    [ ! -e "$TMP/c.ckpt" ]
    # an alias of a descriptor open for reading is no output either
    run bash -c 'dl-tensor export -o /dev/fd/5 "$1" 5< "$1"' _ "$TMP/d.dlt"
    [ "$status" -eq 3 ]
    [ "$output" = "dl-tensor: /dev/fd/5: cannot open for writing: Bad file descriptor" ]
    no_temporaries "$TMP"
}

@test "a standard output closed or open for reading only is refused before any input is read, as -o /dev/stdout is" {
    local size cmd in to
    dl-lstsq -q "$TMP/d.dlt" -o "$TMP/m.ckpt"
    # what the command leaves of its standard input is read after it, here all of it;
    # dl-train, not quiet, trains no epoch first
    for cmd in "dl-tensor import -t 1" "dl-tensor head" "dl-tensor shuffle" "dl-tensor export" \
        "dl-tensor export --format npy --name x" "dl-tensor split - $TMP/a.dlt -" \
        "dl-design --poly=2" "dl-lstsq -q" "dl-predict $TMP/m.ckpt" \
        "dl-train $TMP/net.yaml --log $TMP/c.tsv"; do
        case $cmd in *import*) in=$TMP/d.csv ;; *) in=$TMP/d.dlt ;; esac
        size=$(wc -c < "$in")
        for to in ">&-" "1< /dev/null"; do
            run bash -c "cat '$in' | { $cmd $to; echo \"status \$?\"; wc -c; }"
            [ "${lines[0]}" = "${cmd%% *}: standard output: not open for writing: Bad file descriptor" ] ||
                { echo "$cmd $to: $output"; return 1; }
            [ "${lines[1]}" = "status 3" ] || { echo "$cmd $to: $output"; return 1; }
            [ "${lines[2]}" = "$size" ] || { echo "$cmd $to: $output"; return 1; }
        done
    done
    [ ! -e "$TMP/a.dlt" ]
    [ ! -e "$TMP/c.tsv" ]
    no_temporaries "$TMP"
    # a pipe whose reader has not read yet, and a file open for reading and writing, take it
    { dl-train -q "$TMP/net.yaml" "$TMP/d.dlt"; echo $? > "$TMP/status"; } |
        { sleep 1; cat > "$TMP/late.ckpt"; }
    [ "$(cat "$TMP/status")" = 0 ]
    dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" 1<> "$TMP/rw.ckpt"
    cmp "$TMP/late.ckpt" "$TMP/rw.ckpt"
}

@test "a file-size limit (ulimit -f) is an I/O error with a message, and leaves no temporary" {
    # 100000 rows: a stream of 2.4 MB, its text and design more, over a limit of 1000 KiB
    awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%.15f,%.15f,%d\n", i / 7, i / 3, i % 3 }' > "$TMP/big.csv"
    dl-tensor import -t 1 "$TMP/big.csv" -o "$TMP/big.dlt"
    echo precious > "$TMP/keep.dlt"
    local cmd
    for cmd in "dl-tensor import -t 1 $TMP/big.csv -o $TMP/keep.dlt" \
        "dl-tensor import -t 1 $TMP/big.csv > $TMP/out.dlt" \
        "dl-tensor export $TMP/big.dlt -o $TMP/out.csv" \
        "dl-tensor export $TMP/big.dlt > $TMP/out.csv" \
        "dl-tensor export --format npy $TMP/big.dlt -o $TMP/out.npy" \
        "dl-tensor split --fraction 0.5 $TMP/big.dlt $TMP/keep.dlt $TMP/b.dlt" \
        "dl-design --poly 3 $TMP/big.dlt -o $TMP/keep.dlt"; do
        run bash -c "ulimit -f 1000 && $cmd"
        [ "$status" -eq 3 ] || { echo "$cmd: status $status: $output"; return 1; }
        [[ $output == *"write failed: File too large" ]] || { echo "$cmd: $output"; return 1; }
        [ "$(cat "$TMP/keep.dlt")" = precious ]
        no_temporaries "$TMP"
    done
}

@test "-o, split's outputs and --log take every name that fits in 255 bytes" {
    local n a b l
    for n in 247 248 254 255; do
        a=$(printf "%${n}s" | tr ' ' a)
        b=$(printf "%${n}s" | tr ' ' b)
        l=$(printf "%${n}s" | tr ' ' l)
        for round in new replaced; do
            dl-tensor import -t 1 "$TMP/d.csv" -o "$TMP/$a"
            cmp "$TMP/d.dlt" "$TMP/$a"
            dl-tensor split --fraction 0.5 "$TMP/d.dlt" "$TMP/$a" "$TMP/$b"
            dl-tensor info "$TMP/$a" "$TMP/$b" > /dev/null
            dl-train -q "$TMP/net.yaml" "$TMP/d.dlt" -o "$TMP/$a" --log "$TMP/$l"
            [[ $(head -n 1 "$TMP/$l") == epoch*train_loss* ]]
            no_temporaries "$TMP"
        done
        rm "$TMP/$a" "$TMP/$b" "$TMP/$l"
    done
    # a name longer than a name may be is refused as the system refuses it
    a=$(printf "%256s" | tr ' ' a)
    run dl-tensor import -t 1 "$TMP/d.csv" -o "$TMP/$a"
    [ "$status" -eq 3 ]
    [[ $output == *"File name too long" ]]
}

# refused: status 2 and the one message naming the output and the input
refused_as_input() {
    [ "$status" -eq 2 ]
    [[ ${lines[0]} == *"$1 is the same file as $2: write the output elsewhere" ]]
}

@test "an output naming one of the command's inputs, by any path or link, is refused before any work" {
    dl-lstsq -q "$TMP/d.dlt" -o "$TMP/m.ckpt" 2>/dev/null
    dl-design "$TMP/d.dlt" -o "$TMP/des.dlt" 2>/dev/null
    cd "$TMP"
    ln -s m.ckpt link.ckpt
    ln d.dlt hard.dlt
    ln -s d.dlt p.svg
    cp m.ckpt m.kept; cp d.dlt d.kept; cp d.csv csv.kept; cp des.dlt des.kept; cp net.yaml net.kept
    run dl-predict -o m.ckpt m.ckpt d.dlt
    refused_as_input "-o 'm.ckpt'" "CHECKPOINT 'm.ckpt'"
    run dl-predict -o link.ckpt m.ckpt d.dlt
    refused_as_input "-o 'link.ckpt'" "CHECKPOINT 'm.ckpt'"
    run dl-predict -o m.ckpt "$TMP/link.ckpt" d.dlt
    refused_as_input "-o 'm.ckpt'" "CHECKPOINT '$TMP/link.ckpt'"
    run dl-predict -o hard.dlt m.ckpt d.dlt
    refused_as_input "-o 'hard.dlt'" "FILE 'd.dlt'"
    run bash -c 'dl-predict m.ckpt d.dlt >> d.dlt'
    refused_as_input "standard output" "FILE 'd.dlt'"
    run bash -c 'dl-predict -o d.dlt m.ckpt < hard.dlt'
    refused_as_input "-o 'd.dlt'" "standard input"
    run dl-design -o d.dlt d.dlt
    refused_as_input "-o 'd.dlt'" "FILE 'd.dlt'"
    run dl-design --apply des.dlt -o ./des.dlt d.dlt
    refused_as_input "-o './des.dlt'" "--apply 'des.dlt'"
    run dl-lstsq -o hard.dlt d.dlt
    refused_as_input "-o 'hard.dlt'" "FILE 'd.dlt'"
    run dl-tensor import -t 1 -o d.csv d.csv
    refused_as_input "import: -o 'd.csv'" "FILE 'd.csv'"
    run dl-tensor export -o d.dlt d.dlt
    refused_as_input "export: -o 'd.dlt'" "FILE 'd.dlt'"
    for cmd in head shuffle; do
        run dl-tensor $cmd -o d.dlt hard.dlt
        refused_as_input "$cmd: -o 'd.dlt'" "FILE 'hard.dlt'"
    done
    run dl-tensor split --fraction 0.5 d.dlt a.dlt hard.dlt
    refused_as_input "split: OUT2 'hard.dlt'" "IN 'd.dlt'"
    run dl-train -q net.yaml d.dlt -o hard.dlt
    refused_as_input "-o 'hard.dlt'" "DATA 'd.dlt'"
    run dl-train -q net.yaml d.dlt -o n.ckpt --log net.yaml
    refused_as_input "--log 'net.yaml'" "SPEC 'net.yaml'"
    run dl-train -q net.yaml d.dlt --val hard.dlt -o n.ckpt --diagnostics hard.dlt
    refused_as_input "--diagnostics 'hard.dlt'" "DATA 'd.dlt'"
    run dl-train -q net.yaml d.dlt --resume m.ckpt --log link.ckpt
    refused_as_input "--log 'link.ckpt'" "--resume 'm.ckpt'"
    run dl-plot parity d.dlt -o p.svg
    refused_as_input "-o 'p.svg'" "PRED 'd.dlt'"
    run bash -c 'dl-eval --truth d.dlt hard.dlt >> d.dlt'
    refused_as_input "standard output" "--truth 'd.dlt'"
    run bash -c 'dl-tensor info m.ckpt d.dlt >> d.dlt'
    refused_as_input "info: standard output" "FILE 'd.dlt'"
    run bash -c 'dl-tensor show m.ckpt >> link.ckpt'
    refused_as_input "show: standard output" "FILE 'm.ckpt'"
    cmp m.ckpt m.kept; cmp d.dlt d.kept; cmp d.csv csv.kept; cmp des.dlt des.kept
    cmp net.yaml net.kept
    [ -L link.ckpt ]
    [ -L p.svg ]
    [ ! -e n.ckpt ]
    [ ! -e a.dlt ]
    no_temporaries "$TMP"
    # the checkpoint a run goes on from is meant to be replaced by it
    dl-train -q net.yaml d.dlt -o n.ckpt
    dl-train -q net.yaml d.dlt -s training.epochs=3 --resume n.ckpt -o n.ckpt
    dl-tensor show n.ckpt | grep -q 'epoch.*3'
}

@test "a script or a spec printed on standard output may not be a file the command reads" {
    cd "$TMP"
    dl-lstsq -q d.dlt -o m.ckpt 2>/dev/null
    dl-predict m.ckpt d.dlt > p.pred
    dl-train -q net.yaml d.dlt -o n.ckpt --log c.tsv --diagnostics g.tsv
    ln p.pred hard.pred
    for f in m.ckpt d.dlt p.pred c.tsv g.tsv net.yaml; do cp "$f" "$f.kept"; done
    ln -s d.dlt d.svg
    for fig in roc pr confusion parity residuals; do
        run bash -c "dl-plot $fig p.pred -o x.png --script >> p.pred"
        refused_as_input "standard output" "PRED 'p.pred'"
        run bash -c "dl-plot $fig -o x.png --script < p.pred >> hard.pred"
        refused_as_input "standard output" "standard input"
        run bash -c "dl-plot $fig p.pred --truth d.dlt -o x.png --script >> d.dlt"
        refused_as_input "standard output" "--truth 'd.dlt'"
    done
    run bash -c 'dl-plot curves c.tsv -o x.png --script >> c.tsv'
    refused_as_input "standard output" "LOG 'c.tsv'"
    run bash -c 'dl-plot layers g.tsv -o x.png --script >> g.tsv'
    refused_as_input "standard output" "DIAG 'g.tsv'"
    ln -s g.tsv g.svg
    run dl-plot layers g.tsv -o g.svg
    refused_as_input "-o 'g.svg'" "DIAG 'g.tsv'"
    for fig in fit regions; do
        run bash -c "dl-plot $fig m.ckpt d.dlt -o x.png --script >> m.ckpt"
        refused_as_input "standard output" "MODEL 'm.ckpt'"
        run bash -c "dl-plot $fig m.ckpt -o x.png --script < d.dlt >> d.dlt"
        refused_as_input "standard output" "standard input"
        run bash -c "dl-plot $fig m.ckpt -o d.svg < d.dlt"
        refused_as_input "-o 'd.svg'" "standard input"
    done
    run bash -c 'dl-train --print-config net.yaml >> net.yaml'
    refused_as_input "standard output" "SPEC 'net.yaml'"
    run bash -c 'dl-train --print-config - < net.yaml >> net.yaml'
    refused_as_input "standard output" "standard input"
    for f in m.ckpt d.dlt p.pred c.tsv g.tsv net.yaml; do cmp "$f" "$f.kept"; done
    [ ! -e x.png ]
    [ -L g.svg ]
    [ -L d.svg ]
    no_temporaries "$TMP"
}
