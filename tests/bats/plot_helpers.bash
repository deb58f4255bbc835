# Helpers of the dl-plot and dl-eval tests: image checks, streams of CSV
# matrices, and the numbers of dl-plot --script's datablocks.

# is_png FILE: a non-empty file with PNG's signature.
is_png() {
    [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
}

# is_svg FILE: well-formed XML (when xmllint is there) with an svg element.
is_svg() {
    [ -s "$1" ] || return 1
    if command -v xmllint >/dev/null; then
        xmllint --noout "$1"
    fi
    grep -q '<svg' "$1" && grep -q '</svg>' "$1"
}

# mkstream OUT NAME CSV [NAME CSV]...: a stream of the named CSV matrices.
mkstream() {
    local out=$1; shift
    : >"$out"
    while [ $# -gt 0 ]; do
        dl-tensor import --name "$1" "$2" >>"$out" || return 1
        shift 2
    done
}

# block NAME < SCRIPT: the rows of datablock $NAME, its comment lines dropped.
block() {
    awk -v head="\$$1 << EOD" '$0 == head { f = 1; next } /^EOD$/ { f = 0 } f && !/^#/'
}

# same_numbers GOT WANT: as many rows and fields, each number equal to 1e-8
# relative (NaN to NaN).
same_numbers() {
    local got=$1 want=$2
    [ "$(wc -l <"$got")" -eq "$(wc -l <"$want")" ] ||
        { echo "$(wc -l <"$got") rows, want $(wc -l <"$want")"; return 1; }
    paste "$got" "$want" | awk -F '[ \t]+' '
        function nan(v) { return tolower(v) == "nan" }
        {
            if (NF % 2) { print "row " NR ": fields differ: " $0; bad = 1; exit }
            k = NF / 2
            for (i = 1; i <= k; i++) {
                a = $i; b = $(i + k)
                if (nan(a) || nan(b)) {
                    if (!(nan(a) && nan(b))) { print "row " NR ", field " i ": " a " vs " b; bad = 1 }
                    continue
                }
                d = a - b; if (d < 0) d = -d
                m = b < 0 ? -b : b; if (m < 1) m = 1
                if (d > 1e-8 * m) { print "row " NR ", field " i ": " a " vs " b; bad = 1 }
            }
        }
        END { exit bad }'
}
