#!/usr/bin/env bats
# No tool waits silently for input typed at a terminal: run with standard
# input on a pseudo-terminal (script(1) from util-linux) and no FILE, each
# says so and exits 2.  `timeout` turns a hang into a failure, never a stall.

setup() {
    command -v script >/dev/null || skip "script(1) from util-linux is not installed"
    TMP=$(mktemp -d)
    dl-tensor import -t 1 "$DL_TEST_ROOT/data/fish2d.csv" > "$TMP/f2.dlt"
    dl-lstsq < "$TMP/f2.dlt" > "$TMP/lin.ckpt" 2>/dev/null
}

teardown() {
    rm -rf "$TMP"
}

# Runs "$1" (a shell command line) with a terminal for standard input; stdout
# goes to the redirection "$2" (a file, "> out", by default: only the input
# is then a terminal; "" leaves stdout on the terminal too).
at_terminal() {
    run timeout 60 script -qec "cd '$TMP' && $1 ${2-> out} 2> err; echo \"exit \$?\" >> err" /dev/null \
        < /dev/null
    output=$(cat "$TMP/err" 2>/dev/null)
}

@test "stream readers at a terminal say so and exit 2" {
    for cmd in "dl-train '$DL_TEST_ROOT/examples/fish2d.yaml'" "dl-predict lin.ckpt" \
        "dl-lstsq" "dl-design --poly 2" "dl-eval" "dl-tensor info" \
        "dl-tensor split --fraction 0.5 - a.dlt b.dlt" "dl-tensor info -"; do
        at_terminal "$cmd"
        [[ $output == *"the input is a terminal: give FILE or pipe a stream"* ]] || {
            echo "$cmd: $output"
            false
        }
        [[ $output == *"exit 2" ]]
    done
}

@test "a stream named by a name of the terminal (/dev/stdin, /dev/tty) is refused as standard input is" {
    for cmd in "dl-predict lin.ckpt /dev/stdin" "dl-predict /dev/tty f2.dlt" "dl-tensor info /dev/tty" \
        "dl-lstsq /dev/fd/0" "dl-design --apply /dev/tty f2.dlt" "dl-eval /dev/tty"; do
        at_terminal "$cmd"
        tool=${cmd%% *}
        # a usage error: its line, then the --help hint, as every usage error
        [[ $output == "$tool: /dev/"*" is a terminal: give a file or pipe a stream"$'\n'"Try '$tool --help' for more information."$'\n'"exit 2" ]] || {
            echo "$cmd: $output"
            false
        }
    done
}

@test "dl-tensor import, dl-plot curves and a spec on standard input at a terminal say so" {
    at_terminal "dl-tensor import"
    [[ $output == *"dl-tensor: the input is a terminal: give FILE or pipe the text"*"exit 2" ]]
    at_terminal "dl-plot curves - -o c.png"
    [[ $output == *"dl-plot: the input is a terminal: give FILE or pipe a log"*"exit 2" ]]
    at_terminal "dl-train - f2.dlt"
    [[ $output == *"dl-train: the input is a terminal: give FILE or pipe the spec"*"exit 2" ]]
}

@test "a FILE operand is read even when standard input is a terminal" {
    at_terminal "dl-lstsq f2.dlt"
    [[ $output == *"exit 0" ]]
    at_terminal "dl-tensor info f2.dlt"
    [[ $output == *"exit 0" ]]
}

# Runs "$1" with standard output on a terminal too.
out_at_terminal() { at_terminal "$1" ""; }

@test "-o /dev/stdout or /dev/tty on a terminal is refused as standard output is" {
    for cmd in "dl-tensor head -n 1 -o /dev/stdout f2.dlt" "dl-predict -o /dev/stdout lin.ckpt f2.dlt" \
        "dl-lstsq -q -o /dev/tty f2.dlt" "dl-design --poly 2 -o /dev/fd/1 f2.dlt" \
        "dl-tensor split --fraction 0.5 f2.dlt a.dlt /dev/tty" \
        "dl-train -q '$DL_TEST_ROOT/examples/fish2d.yaml' f2.dlt -o /dev/tty"; do
        out_at_terminal "$cmd"
        [[ $output == *"is a terminal: refusing to write a binary stream there"*"exit 2" ]] || {
            echo "$cmd: $output"
            false
        }
    done
    for to in "" "-o /dev/stdout"; do
        out_at_terminal "dl-tensor export --format npy $to f2.dlt"
        [[ $output == *"is a terminal: refusing to write .npy there; redirect it"*"exit 2" ]]
    done
}

@test "dl-tensor export writes a u8 record of rank 1 to a terminal only when it is text" {
    F=$DL_TEST_ROOT/tests/fixtures/stream
    cp "$F/u8_bytes.dlt" "$TMP/u8.dlt"
    for name in nul esc latin1; do
        case $name in
        latin1) fault="is not valid UTF-8" ;;
        nul) fault="contains a NUL byte" ;;
        *) fault="contains a control character" ;;
        esac
        for to in "" "-o /dev/tty"; do
            run timeout 60 script -qec "cd '$TMP' && dl-tensor export --name $name $to u8.dlt 2> err; echo \"exit \$?\" >> err" /dev/null < /dev/null
            [ -z "$output" ] || { echo "$name $to: the terminal got: $output"; false; }
            output=$(cat "$TMP/err")
            [[ $output == "dl-tensor: u8.dlt: record "?" ('$name'): "*" is a terminal: refusing to write bytes that are not text (the record $fault) there; redirect it (> FILE), pipe it, or use -o FILE"*"exit 2" ]] || { echo "$name $to: $output"; false; }
        done
        # to a file or a pipe, the bytes as they are
        dl-tensor export --name "$name" "$TMP/u8.dlt" > "$TMP/$name.out"
        [ "$(dl-tensor export --name "$name" "$TMP/u8.dlt" | od -An -tx1)" = "$(od -An -tx1 < "$TMP/$name.out")" ]
    done
    printf '\000\033\233\007' | cmp - "$TMP/nul.out"
    printf 'caf\351\n' | cmp - "$TMP/latin1.out"
    # text, with a tab, goes to the terminal
    run timeout 60 script -qec "cd '$TMP' && dl-tensor export --name note u8.dlt" /dev/null < /dev/null
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'caf\303\251\tb\r')" ]
}

@test "a PNG image is never written to a terminal, even through a link to it" {
    command -v gnuplot >/dev/null || skip "gnuplot is not installed"
    dl-predict "$TMP/lin.ckpt" "$TMP/f2.dlt" > "$TMP/p.dlt"
    ln -s /dev/tty "$TMP/tty.png"
    out_at_terminal "dl-plot parity p.dlt -o tty.png"
    [[ $output == *"dl-plot: tty.png is a terminal: refusing to write a PNG image there"*"exit 2" ]]
    [ -L "$TMP/tty.png" ]
}

@test "dl-train interrupted at a terminal in the middle of an epoch: its message erases the progress bar, not follows it" {
    # epochs long enough for the bar (drawn from 0.2 s into an epoch)
    awk 'BEGIN { srand(1); for (i = 0; i < 40000; i++) { r = ""
                 for (j = 0; j < 16; j++) r = r sprintf("%.3f,", rand() - 0.5)
                 print r (rand() < 0.5) } }' > "$TMP/wide.csv"
    dl-tensor import -t 1 "$TMP/wide.csv" > "$TMP/wide.dlt"
    printf '%s\n' 'model: {layers: [{units: 512, activation: relu}, {units: 512, activation: relu},' \
        '  {units: 1, activation: sigmoid}]}' 'loss: bce' 'training: {epochs: 3, batch_size: 8}' \
        > "$TMP/wide.yaml"
    run timeout 60 script -qec "cd '$TMP' && timeout -s INT 2 dl-train wide.yaml wide.dlt -o w.ckpt" \
        /dev/null < /dev/null
    [[ $output == *"] "*"/"*"dl-train: interrupted in epoch 1;"* ]] || skip "no progress bar drawn before the signal"
    [[ $output == *$'\r\033[Kdl-train: interrupted in epoch 1;'* ]]
}
